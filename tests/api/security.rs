//! OWASP ASVS level 2 controls, as a black-box tester would check them.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, assert_error, read, unique_email};
use crate::store_tests;

store_tests!(
    unknown_emails_and_wrong_passwords_take_as_long,
    five_failed_logins_lock_an_email_for_fifteen_minutes,
    a_successful_login_resets_the_failure_count,
    each_address_gets_a_limited_number_of_auth_requests,
    cross_site_state_changes_are_refused,
    allowed_frontends_get_credentialed_cors_and_others_nothing,
    production_cookies_are_secure_and_samesite_is_configurable,
    ended_sessions_never_come_back,
);

/// The median of `samples` (which it sorts).
fn median(samples: &mut [std::time::Duration]) -> std::time::Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn unknown_emails_and_wrong_passwords_take_as_long(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    const TRIES: usize = 20;
    // One account per try: a sixth failure on one email would be throttled.
    let mut known = Vec::new();
    for _ in 0..TRIES {
        let email = unique_email("timed");
        app.client().register(&email, PASSWORD, "Ti Med").await;
        known.push(email);
    }
    let client = app.client();
    let timed = |email: String| {
        let client = client.clone();
        async move {
            let started = std::time::Instant::now();
            let response = client.login(&email, "not the password").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            started.elapsed()
        }
    };
    let (mut wrong_password, mut unknown_email) = (Vec::new(), Vec::new());
    // Interleaved, so drift in machine load affects both alike.
    for email in known {
        wrong_password.push(timed(email).await);
        unknown_email.push(timed(unique_email("nobody")).await);
    }
    let (wrong, unknown) = (median(&mut wrong_password), median(&mut unknown_email));
    let ratio = wrong.as_secs_f64().max(unknown.as_secs_f64())
        / wrong.as_secs_f64().min(unknown.as_secs_f64());
    assert!(
        ratio <= 2.0,
        "wrong password {wrong:?} vs unknown email {unknown:?}"
    );
}

async fn five_failed_logins_lock_an_email_for_fifteen_minutes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = unique_email("locked");
    app.client().register(&email, PASSWORD, "Lock Ed").await;
    let unknown = unique_email("ghost");
    for target in [&email, &unknown] {
        for _ in 0..5 {
            let response = app.client().login(target, "wrong password!").await;
            assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
    }
    // The right password does not help any more; known and unknown look alike.
    for (target, password) in [(&email, PASSWORD), (&unknown, "wrong password!")] {
        let response = app.client().login(target, password).await;
        let retry_after: i64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((890..=900).contains(&retry_after), "{retry_after}");
        assert_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    }
    // Other accounts are unaffected.
    let (other, _) = app.customer().await;
    assert_eq!(other.get("/api/users/me").await.status(), StatusCode::OK);

    // The count lives in the store: a restart does not reset it.
    let app = app.restart().await;
    let response = app.client().login(&email, PASSWORD).await;
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;

    app.clock.advance(Duration::minutes(15));
    assert_eq!(
        app.client().login(&email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn a_successful_login_resets_the_failure_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = unique_email("reset");
    app.client().register(&email, PASSWORD, "Re Set").await;
    for _ in 0..4 {
        app.client().login(&email, "wrong password!").await;
    }
    assert_eq!(
        app.client().login(&email, PASSWORD).await.status(),
        StatusCode::OK
    );
    for _ in 0..4 {
        let response = app.client().login(&email, "wrong password!").await;
        assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    assert_eq!(
        app.client().login(&email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn each_address_gets_a_limited_number_of_auth_requests(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("AUTH_RATE_LIMIT_PER_MINUTE", "3")]).await;
    let client = app.client();
    let email = unique_email("burst");
    assert_eq!(
        client.register(&email, PASSWORD, "Burst").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        client.login(&email, PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        client.login(&email, "wrong password!").await.status(),
        StatusCode::UNAUTHORIZED
    );
    for response in [
        client.login(&email, PASSWORD).await,
        client.register(&unique_email("x"), PASSWORD, "X").await,
    ] {
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=20).contains(&retry_after), "{retry_after}");
        assert_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    }
    // Other routes are not limited.
    assert_eq!(client.get("/api/users/me").await.status(), StatusCode::OK);
}

async fn cross_site_state_changes_are_refused(backend: Backend) {
    let frontend = "https://app.tripdesk.example";
    let app = TestApp::spawn_with(backend, &[("ALLOWED_ORIGINS", frontend)]).await;
    let (customer, _) = app.customer().await;
    let own = app.base.clone();
    let attempt = |method: Method, path: &str, header: (&'static str, String)| {
        customer
            .request(method, path)
            .header(header.0, header.1)
            .json(&json!({}))
            .send()
    };
    let evil = "https://evil.example".to_owned();
    for header in [
        ("origin", evil.clone()),
        ("origin", "null".to_owned()),
        ("referer", format!("{evil}/phish?x=1")),
        ("origin", own.replace("127.0.0.1", "localhost")),
    ] {
        for (method, path) in [
            (Method::POST, "/api/users/logout"),
            (Method::POST, "/api/bookings"),
            (Method::DELETE, "/api/users/me/sessions"),
            (Method::PUT, "/api/users/me/password"),
        ] {
            let response = attempt(method, path, header.clone()).await.unwrap();
            assert_error(response, StatusCode::FORBIDDEN, "csrf_rejected").await;
        }
    }
    // Nothing happened: still logged in.
    assert_eq!(customer.get("/api/users/me").await.status(), StatusCode::OK);
    // Reading is not state-changing.
    let read_only = customer
        .request(Method::GET, "/api/users/me")
        .header("origin", evil.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(read_only.status(), StatusCode::OK);
    // The service's own origin, an allowed frontend, and bearer clients pass.
    for header in [
        ("origin", own.clone()),
        ("origin", frontend.to_owned()),
        ("referer", format!("{own}/bookings")),
    ] {
        let response = attempt(Method::POST, "/api/bookings", header)
            .await
            .unwrap();
        assert_error(response, StatusCode::BAD_REQUEST, "missing_field").await;
    }
    let bearer = reqwest::Client::new()
        .post(format!("{}/api/users/logout", app.base))
        .bearer_auth(customer.token().unwrap())
        .header("origin", evil)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::OK);
}

async fn allowed_frontends_get_credentialed_cors_and_others_nothing(backend: Backend) {
    let frontend = "http://localhost:5173";
    let app = TestApp::spawn_with(
        backend,
        &[(
            "ALLOWED_ORIGINS",
            &format!("{frontend},https://app.tripdesk.example"),
        )],
    )
    .await;
    let client = app.client();
    let preflight = |origin: &str| {
        client
            .request(Method::OPTIONS, "/api/bookings")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,idempotency-key",
            )
            .send()
    };
    let allowed = preflight(frontend).await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    let headers = allowed.headers();
    assert_eq!(headers["access-control-allow-origin"], frontend);
    assert_eq!(headers["access-control-allow-credentials"], "true");
    assert!(
        headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(
        headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("idempotency-key")
    );

    let response = client
        .request(Method::GET, "/api/consultants")
        .header("origin", frontend)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], frontend);
    assert_eq!(
        response.headers()["access-control-allow-credentials"],
        "true"
    );
    assert!(
        response.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("x-request-id")
    );

    for origin in ["https://evil.example", "http://localhost:5174"] {
        let response = client
            .request(Method::GET, "/api/consultants")
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin}"
        );
        assert!(
            response
                .headers()
                .get("access-control-allow-credentials")
                .is_none()
        );
        let refused = preflight(origin).await.unwrap();
        assert!(
            refused
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin}"
        );
    }
}

async fn production_cookies_are_secure_and_samesite_is_configurable(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[
            ("APP_ENV", "production"),
            ("PUBLIC_BASE_URL", "https://app.tripdesk.example"),
            ("COOKIE_SAMESITE", "Lax"),
            ("COOKIE_NAME", "sid"),
        ],
    )
    .await;
    let response = app
        .client()
        .register(&unique_email("prod"), PASSWORD, "Prod")
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("sid="), "{cookie}");
    for attribute in [
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/",
        "Max-Age=1209600",
    ] {
        assert!(
            cookie.split("; ").any(|part| part == attribute),
            "{attribute} in {cookie}"
        );
    }
}

async fn ended_sessions_never_come_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = unique_email("ended");
    let client = app.client();
    client.register(&email, PASSWORD, "En Ded").await;
    let first = client.token().unwrap();
    client.post_empty("/api/users/logout").await;
    // Logging in again, changing the password, a restart: the old token stays dead.
    client.login(&email, PASSWORD).await;
    let body = json!({"currentPassword": PASSWORD, "newPassword": "another passphrase"});
    client
        .send_json(Method::PUT, "/api/users/me/password", &body)
        .await;
    let app = app.restart().await;
    let replay = reqwest::Client::new()
        .get(format!("{}/api/users/me", app.base))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_error(replay, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let (status, _) = read(client.at(&app.base).get("/api/users/me").await).await;
    assert_eq!(status, StatusCode::OK, "the current session is fine");
}
