//! Changing the password.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, assert_error, read, unique_email};
use crate::store_tests;

store_tests!(
    password_change_revokes_other_sessions_and_rotates_the_current_one,
    password_change_checks_both_passwords,
);

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
