//! Changing the password.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    Backend, PASSWORD, SmtpServer, TestApp, assert_error, mails_to, opened, outbox_drained, read,
    unique_email,
};
use crate::recovery::{NEW_PASSWORD, app_mailing_to, confirm_reset, email_of, reset_token};
use crate::store_tests;

store_tests!(
    password_change_revokes_other_sessions_and_rotates_the_current_one,
    password_change_checks_both_passwords,
    the_owner_is_told_of_a_changed_and_of_a_reset_password,
);

const CHANGED_SUBJECT: &str = "The password of your tripdesk account was changed";

async fn the_owner_is_told_of_a_changed_and_of_a_reset_password(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (client, user) = app.verified_customer("Ada").await;
    let email = email_of(&user);

    let body = json!({"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD});
    let response = client
        .send_json(reqwest::Method::PUT, "/api/users/me/password", &body)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed = mails_to(&smtp, &email, CHANGED_SUBJECT, 1).await;
    assert!(changed[0].contains("reset your password"), "{}", changed[0]);

    let token = reset_token(&app, &smtp, &email, 1).await;
    let response = confirm_reset(&app.client(), &token, "a third passphrase").await;
    assert_eq!(response.status(), StatusCode::OK);
    mails_to(&smtp, &email, CHANGED_SUBJECT, 2).await;

    // A wrong current password changes nothing and tells nobody.
    let client = app.client();
    client.login(&email, "a third passphrase").await;
    let body = json!({"currentPassword": "not the password", "newPassword": NEW_PASSWORD});
    let response = client
        .send_json(reqwest::Method::PUT, "/api/users/me/password", &body)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    outbox_drained(&app).await;
    let notices = smtp
        .received()
        .iter()
        .map(opened)
        .filter(|(_, title, _)| title == CHANGED_SUBJECT)
        .count();
    assert_eq!(notices, 2);
}

async fn password_change_revokes_other_sessions_and_rotates_the_current_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = unique_email("rotate");
    let laptop = app.client();
    laptop.register(&email, PASSWORD, "Ro Tate").await;
    let phone = app.client();
    phone.login(&email, PASSWORD).await;
    let old_token = laptop.token().unwrap();
    // Both sessions in use before the change, so the service has seen them.
    for device in [&laptop, &phone] {
        assert_eq!(device.get("/api/users/me").await.status(), StatusCode::OK);
    }

    let body = json!({"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"});
    let response = laptop
        .send_json(reqwest::Method::PUT, "/api/users/me/password", &body)
        .await;
    assert!(response.headers().get("set-cookie").is_some());
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new_token = laptop.token().unwrap();
    assert_ne!(old_token, new_token);

    assert_eq!(laptop.get("/api/users/me").await.status(), StatusCode::OK);
    assert_error(
        phone.get("/api/users/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let replay = reqwest::Client::new()
        .get(format!("{}/api/users/me", app.base))
        .bearer_auth(old_token)
        .send()
        .await
        .unwrap();
    assert_error(replay, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    assert_error(
        app.client().login(&email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        app.client()
            .login(&email, "a brand new passphrase")
            .await
            .status(),
        StatusCode::OK
    );
}

async fn password_change_checks_both_passwords(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, _) = app.customer().await;
    let token = client.token().unwrap();
    let put = |body: serde_json::Value| {
        let client = client.clone();
        async move {
            client
                .send_json(reqwest::Method::PUT, "/api/users/me/password", &body)
                .await
        }
    };
    let wrong =
        put(json!({"currentPassword": "not my password", "newPassword": "a brand new passphrase"}))
            .await;
    let error = assert_error(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(error["field"], "currentPassword");
    let weak = put(json!({"currentPassword": PASSWORD, "newPassword": "short"})).await;
    let error = assert_error(weak, StatusCode::BAD_REQUEST, "invalid_password").await;
    assert_eq!(error["field"], "newPassword");
    // Nothing changed: same session, same password.
    assert_eq!(client.token().unwrap(), token);
    assert_eq!(client.get("/api/users/me").await.status(), StatusCode::OK);
}
