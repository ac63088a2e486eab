//! TOTP on one's own account, and logins that ask for its codes.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

use super::{answer, challenge, code_at, enable_totp};
use crate::helpers::{Backend, PASSWORD, SmtpServer, TestApp, assert_error, mails_to, read};
use crate::store_tests;
use tripdesk::domain::Clock;

store_tests!(
    enrolling_totp_makes_logins_ask_for_a_code,
    codes_are_single_use_and_challenges_expire,
    wrong_codes_lock_the_account_like_wrong_passwords,
    removing_totp_needs_the_password_and_a_code,
    the_owner_is_told_of_each_change_and_the_audit_log_has_it,
);

async fn enrolling_totp_makes_logins_ask_for_a_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, user) = app.customer().await;
    let email = user["email"].as_str().unwrap().to_owned();
    assert_eq!(user["mfa"], json!({"totp": false, "passkeys": 0}));
    // Another device, logged in before the factor exists.
    let other = app.client();
    assert_eq!(other.login(&email, PASSWORD).await.status(), StatusCode::OK);

    let response = client.post_empty("/api/users/me/mfa/totp").await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (status, enrolment) = read(response).await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = enrolment["secret"].as_str().unwrap();
    let url = format!(
        "otpauth://totp/tripdesk:{}?secret={secret}&issuer=tripdesk",
        email.replace('@', "%40")
    );
    assert_eq!(enrolment["otpauthUrl"], url.as_str());
    // Not on until a code confirms it: a wrong one does not.
    let wrong = client
        .post("/api/users/me/mfa/totp/confirm", &json!({"code": "000000"}))
        .await;
    assert_error(wrong, StatusCode::BAD_REQUEST, "invalid_code").await;
    let (_, me) = read(client.get("/api/users/me").await).await;
    assert_eq!(me["user"]["mfa"]["totp"], false);

    let (secret, codes) = enable_totp(&app, &client).await;
    assert_eq!(codes.len(), 10);
    let (_, me) = read(client.get("/api/users/me").await).await;
    assert_eq!(me["user"]["mfa"]["totp"], true, "this session stays");
    assert_eq!(
        other.get("/api/users/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = client.post_empty("/api/users/me/mfa/totp").await;
    assert_error(again, StatusCode::CONFLICT, "mfa_already_enabled").await;

    // The password alone gives a challenge, no session; the code the rest.
    let browser = app.client();
    let challenge = challenge(&browser, &email).await;
    assert_eq!(challenge.len(), 64);
    assert_eq!(
        browser.get("/api/users/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let later = app.clock.now() + Duration::seconds(30);
    app.clock.advance(Duration::seconds(30));
    let (status, body) = answer(&browser, &challenge, &code_at(&secret, later)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["email"], email.as_str());
    assert_eq!(browser.get("/api/users/me").await.status(), StatusCode::OK);
}

async fn codes_are_single_use_and_challenges_expire(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, user) = app.customer().await;
    let email = user["email"].as_str().unwrap().to_owned();
    let (secret, recovery) = enable_totp(&app, &client).await;

    // The code that confirmed the factor was used: not again, in its window.
    let browser = app.client();
    let first = challenge(&browser, &email).await;
    let used = code_at(&secret, app.clock.now());
    let (status, body) = answer(&browser, &first, &used).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_code"))
    );
    // The next step's code works, once: the challenge is used up with it.
    app.clock.advance(Duration::seconds(30));
    let fresh = code_at(&secret, app.clock.now());
    assert_eq!(answer(&browser, &first, &fresh).await.0, StatusCode::OK);
    let (status, body) = answer(&browser, &first, &fresh).await;
    assert_eq!(body["errors"][0]["code"], "invalid_challenge", "{status}");
    let second = challenge(&app.client(), &email).await;
    let (_, body) = answer(&app.client(), &second, &fresh).await;
    assert_eq!(body["errors"][0]["code"], "invalid_code", "a replayed code");

    // A recovery code stands in for a code, once, typed any way.
    let typed = recovery[3].to_uppercase().replace('-', " ");
    assert_eq!(
        answer(&app.client(), &second, &typed).await.0,
        StatusCode::OK
    );
    let third = challenge(&app.client(), &email).await;
    let (_, body) = answer(&app.client(), &third, &recovery[3]).await;
    assert_eq!(
        body["errors"][0]["code"], "invalid_code",
        "a used recovery code"
    );

    // A challenge lasts five minutes.
    app.clock.advance(Duration::minutes(5));
    let (_, body) = answer(&app.client(), &third, &recovery[4]).await;
    assert_eq!(body["errors"][0]["code"], "invalid_challenge");
    let (_, body) = answer(&app.client(), &"ab".repeat(32), &recovery[4]).await;
    assert_eq!(body["errors"][0]["code"], "invalid_challenge");
    let (_, body) = answer(&app.client(), "not hex", &recovery[4]).await;
    assert_eq!(body["errors"][0]["code"], "invalid_challenge");
}

async fn wrong_codes_lock_the_account_like_wrong_passwords(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, user) = app.customer().await;
    let email = user["email"].as_str().unwrap().to_owned();
    let (secret, _) = enable_totp(&app, &client).await;
    app.clock.advance(Duration::seconds(30));

    // A stolen password gives five guesses: the fifth ends the challenge...
    let attacker = app.client();
    let challenge = challenge(&attacker, &email).await;
    for guess in 0..5 {
        let (status, body) = answer(&attacker, &challenge, &format!("{guess:06}")).await;
        assert_eq!(
            body["errors"][0]["code"], "invalid_code",
            "{guess}: {status}"
        );
    }
    let right = code_at(&secret, app.clock.now());
    let (_, body) = answer(&attacker, &challenge, &right).await;
    assert_eq!(body["errors"][0]["code"], "invalid_challenge");
    // ...and the account is locked for unknown devices, password and all.
    let (status, body) = read(app.client().login(&email, PASSWORD).await).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts"))
    );

    // Fifteen minutes on, the owner logs in with the right code.
    app.clock.advance(Duration::minutes(16));
    let owner = app.client();
    let challenge = super::challenge(&owner, &email).await;
    let (status, body) = answer(&owner, &challenge, &code_at(&secret, app.clock.now())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn removing_totp_needs_the_password_and_a_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, user) = app.customer().await;
    let email = user["email"].as_str().unwrap().to_owned();
    let (secret, recovery) = enable_totp(&app, &client).await;
    app.clock.advance(Duration::seconds(30));
    let other = app.client();
    let challenge = challenge(&other, &email).await;
    assert_eq!(
        answer(&other, &challenge, &recovery[0]).await.0,
        StatusCode::OK
    );

    let remove = |password: &str, code: &str| {
        client
            .request(reqwest::Method::DELETE, "/api/users/me/mfa/totp")
            .json(&json!({"password": password, "code": code}))
            .send()
    };
    let now_code = code_at(&secret, app.clock.now());
    let wrong_password = remove("not the password", &now_code).await.unwrap();
    assert_error(
        wrong_password,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let wrong_code = remove(PASSWORD, "123456").await.unwrap();
    assert_error(wrong_code, StatusCode::BAD_REQUEST, "invalid_code").await;
    let removed = remove(PASSWORD, &now_code).await.unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);

    // Off: the other session ended, logins need the password only.
    assert_eq!(
        other.get("/api/users/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = read(app.client().login(&email, PASSWORD).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["mfa"]["totp"], false);
    let again = remove(PASSWORD, &now_code).await.unwrap();
    assert_error(again, StatusCode::BAD_REQUEST, "invalid_code").await;
}

async fn the_owner_is_told_of_each_change_and_the_audit_log_has_it(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let (client, user) = app.verified_customer("Ada Traveller").await;
    let email = user["email"].as_str().unwrap().to_owned();
    let (secret, _) = enable_totp(&app, &client).await;
    let added = mails_to(
        &smtp,
        &email,
        "A second factor was added to your tripdesk account",
        1,
    )
    .await;
    assert!(added[0].contains("reset your password"), "{}", added[0]);

    app.clock.advance(Duration::seconds(30));
    let browser = app.client();
    let challenge = challenge(&browser, &email).await;
    assert_eq!(
        answer(&browser, &challenge, &code_at(&secret, app.clock.now()))
            .await
            .0,
        StatusCode::OK
    );
    app.clock.advance(Duration::seconds(30));
    let body = json!({"password": PASSWORD, "code": code_at(&secret, app.clock.now())});
    let removed = browser
        .request(reqwest::Method::DELETE, "/api/users/me/mfa/totp")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    mails_to(
        &smtp,
        &email,
        "The second factor of your tripdesk account was removed",
        1,
    )
    .await;

    let id = user["id"].as_str().unwrap();
    let (staff, _) = app.admin().await;
    let entries = crate::admin::audit(&staff, &format!("targetId={id}")).await;
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"user.mfa_enabled") && actions.contains(&"user.mfa_disabled"),
        "{actions:?}"
    );
    let second_step = entries.iter().find(|entry| {
        entry["action"] == "user.login" && entry["details"]["secondFactor"] == "totp"
    });
    assert!(second_step.is_some(), "{entries:?}");
}
