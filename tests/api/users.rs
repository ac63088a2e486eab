//! Registration, login, logout, the current user, password change.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, assert_error, read, unique_email};
use crate::store_tests;

store_tests!(
    registration_sets_the_exact_cookie_and_returns_the_user,
    registration_rejects_bad_input_and_creates_nothing,
    emails_are_unique_case_insensitively,
    every_login_creates_a_new_session,
    wrong_password_and_unknown_email_get_the_same_answer,
    login_expires_the_session_it_replaces,
    logout_expires_the_session_and_clears_the_cookie,
    protected_routes_need_a_valid_session,
    mobile_clients_use_bearer_tokens_and_the_cookie_wins,
    user_routes_are_never_cached,
);

async fn registration_sets_the_exact_cookie_and_returns_the_user(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let response = client
        .register("  Ada.Lovelace@Example.COM ", PASSWORD, "  Ada Lovelace ")
        .await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let token = cookie
        .strip_prefix("token=")
        .and_then(|rest| rest.split(';').next())
        .unwrap();
    assert_eq!(token.len(), 32);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_eq!(
        cookie,
        format!("token={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=1209600")
    );

    assert_eq!(body["title"], "User Registration Successful");
    let user = &body["user"];
    assert_eq!(user["email"], "ada.lovelace@example.com");
    assert_eq!(user["name"], "Ada Lovelace");
    assert_eq!(user["role"], "customer");
    assert_eq!(user["id"].as_str().unwrap().len(), 24);
    assert!(user["createdAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        user["emailVerified"], false,
        "a new address is not verified"
    );
    let keys: Vec<_> = user.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "email",
            "name",
            "role",
            "createdAt",
            "emailVerified",
            "locale",
            "timezone",
            "mfa"
        ]
    );
    assert_eq!(
        user["mfa"],
        serde_json::json!({"totp": false, "passkeys": 0})
    );
    assert_eq!(
        (user["locale"].as_str(), user["timezone"].is_null()),
        (Some("en"), true)
    );
    assert!(!body.to_string().contains(token));

    let (status, me) = read(client.get("/api/users/me").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&me["user"], user);

    // Consultant accounts are created by the agency: verified.
    let (_, consultant) = app.consultant().await;
    let (_, me) = read(consultant.get("/api/users/me").await).await;
    assert_eq!(me["user"]["emailVerified"], true);
}

async fn registration_rejects_bad_input_and_creates_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let email = unique_email("strict");
    let cases = [
        (
            json!({"email": "not-an-email", "password": PASSWORD, "name": "A"}),
            "invalid_email",
            "email",
        ),
        (
            json!({"email": "a@localhost", "password": PASSWORD, "name": "A"}),
            "invalid_email",
            "email",
        ),
        (
            json!({"email": format!("{}@example.com", "a".repeat(250)), "password": PASSWORD, "name": "A"}),
            "invalid_email",
            "email",
        ),
        (
            json!({"email": email, "password": "short", "name": "A"}),
            "invalid_password",
            "password",
        ),
        (
            json!({"email": email, "password": "x".repeat(129), "name": "A"}),
            "invalid_password",
            "password",
        ),
        (
            json!({"email": email, "password": PASSWORD, "name": "   "}),
            "invalid_name",
            "name",
        ),
        (
            json!({"email": email, "password": PASSWORD, "name": "n".repeat(101)}),
            "invalid_name",
            "name",
        ),
        (
            json!({"email": email, "password": PASSWORD}),
            "missing_field",
            "name",
        ),
        (
            json!({"email": email, "password": PASSWORD, "name": "A", "role": "consultant"}),
            "unknown_field",
            "role",
        ),
        (
            json!({"email": {"$ne": ""}, "password": PASSWORD, "name": "A"}),
            "invalid_type",
            "email",
        ),
        (
            json!({"email": email, "password": 12345678, "name": "A"}),
            "invalid_type",
            "password",
        ),
    ];
    for (body, code, field) in cases {
        let response = client.post("/api/users/register", &body).await;
        assert!(response.headers().get("set-cookie").is_none());
        let error = assert_error(response, StatusCode::BAD_REQUEST, code).await;
        assert_eq!(error["field"], field, "{body}");
    }
    assert_error(
        client.get("/api/users/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // None of the rejected attempts created the account.
    let (status, _) = read(client.register(&email, PASSWORD, "Strict").await).await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn emails_are_unique_case_insensitively(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = unique_email("twice");
    let (status, _) = read(app.client().register(&email, PASSWORD, "First").await).await;
    assert_eq!(status, StatusCode::CREATED);
    let second = app.client();
    let response = second
        .register(&email.to_uppercase(), PASSWORD, "Second")
        .await;
    let error = assert_error(response, StatusCode::CONFLICT, "email_taken").await;
    assert_eq!(error["field"], "email");
    assert!(second.token().is_none());
}

async fn every_login_creates_a_new_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = unique_email("devices");
    let phone = app.client();
    phone.register(&email, PASSWORD, "Dev Ice").await;
    let laptop = app.client();
    let (status, body) = read(laptop.login(&email.to_uppercase(), PASSWORD).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["title"], "Login Successful");
    assert_eq!(body["user"]["email"], email);
    let tablet = app.client();
    tablet.login(&email, PASSWORD).await;

    let tokens = [
        phone.token().unwrap(),
        laptop.token().unwrap(),
        tablet.token().unwrap(),
    ];
    assert_ne!(tokens[0], tokens[1]);
    assert_ne!(tokens[1], tokens[2]);
    for client in [&phone, &laptop, &tablet] {
        assert_eq!(client.get("/api/users/me").await.status(), StatusCode::OK);
    }
}

async fn wrong_password_and_unknown_email_get_the_same_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = unique_email("known");
    app.client().register(&email, PASSWORD, "Known").await;

    let wrong_password = app.client().login(&email, "not the password").await;
    let unknown_email = app
        .client()
        .login(&unique_email("unknown"), "not the password")
        .await;
    let strip = |response: &reqwest::Response| {
        let mut headers: Vec<_> = response
            .headers()
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "x-request-id" | "date"))
            .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
            .collect();
        headers.sort();
        headers
    };
    assert_eq!(strip(&wrong_password), strip(&unknown_email));
    let first = assert_error(
        wrong_password,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let second = assert_error(
        unknown_email,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(first, second);
}

async fn login_expires_the_session_it_replaces(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = unique_email("fixation");
    let browser = app.client();
    browser.register(&email, PASSWORD, "Fix Ation").await;
    let old_token = browser.token().unwrap();
    assert_eq!(browser.get("/api/users/me").await.status(), StatusCode::OK);

    browser.login(&email, PASSWORD).await;
    let new_token = browser.token().unwrap();
    assert_ne!(old_token, new_token, "a presented token is never adopted");

    let replay = app
        .client()
        .http
        .get(format!("{}/api/users/me", app.base))
        .bearer_auth(&old_token)
        .send()
        .await
        .unwrap();
    assert_error(replay, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(browser.get("/api/users/me").await.status(), StatusCode::OK);
}

async fn logout_expires_the_session_and_clears_the_cookie(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, _) = app.customer().await;
    let token = client.token().unwrap();
    let response = client.post_empty("/api/users/logout").await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        cookie,
        "token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    );
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["title"], "Logout Successful");
    assert!(client.token().is_none(), "the jar dropped the cookie");

    // The old token is dead on the very next request, however it is sent.
    let replay = app.client();
    let with_cookie = replay
        .request(reqwest::Method::GET, "/api/users/me")
        .header("cookie", format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_error(with_cookie, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_error(
        client.post_empty("/api/users/logout").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

async fn protected_routes_need_a_valid_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anonymous = app.client();
    let forged = "0123456789abcdef0123456789abcdef";
    for path in [
        "/api/users/me",
        "/api/users/me/sessions",
        "/api/bookings",
        "/api/bookings/6b03ed4bb8702cb5d37340e4",
    ] {
        assert_error(
            anonymous.get(path).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
        for cookie in [
            format!("token={forged}"),
            "token=garbage".to_owned(),
            "token=".to_owned(),
        ] {
            let response = anonymous
                .request(reqwest::Method::GET, path)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        }
    }
    let response = anonymous.post("/api/bookings", &json!({})).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

async fn mobile_clients_use_bearer_tokens_and_the_cookie_wins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (alice, alice_user) = app.customer().await;
    let (bob, _) = app.customer().await;
    let mobile = reqwest::Client::new();
    let me = |token: String, cookie: Option<String>| {
        let mut request = mobile
            .get(format!("{}/api/users/me", app.base))
            .bearer_auth(token);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let (status, body) = read(me(alice.token().unwrap(), None).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"], alice_user);

    // Both present: the cookie decides whose request it is.
    let both = me(
        alice.token().unwrap(),
        Some(format!("token={}", bob.token().unwrap())),
    )
    .await
    .unwrap();
    let (_, body) = read(both).await;
    assert_ne!(body["user"], alice_user);
}

async fn user_routes_are_never_cached(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, _) = app.customer().await;
    for response in [
        client.get("/api/users/me").await,
        app.client().get("/api/users/me").await,
        app.client().login("x@example.com", "wrong password").await,
    ] {
        assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    }
    let consultants = client.get("/api/consultants").await;
    assert!(consultants.headers().get("cache-control").is_none());
}
