//! Second factors: TOTP enrolment, logins with a code or a recovery code,
//! lockout through wrong codes, and staff routes that need the factor.

mod passkeys;
mod staff;
mod totp;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestClient, read};
use tripdesk::domain::Clock;

/// The code an authenticator app shows at `at` for `secret` (base32), by
/// RFC 6238 (`totp-rs`, as an app would compute it).
pub(crate) fn code_at(secret: &str, at: DateTime<Utc>) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        0,
        30,
        bytes,
        None,
        String::new(),
    )
    .unwrap();
    totp.generate(at.timestamp() as u64)
}

/// Enrols and confirms TOTP for `client`'s account: its secret and
/// recovery codes.
pub(crate) async fn enable_totp(app: &TestApp, client: &TestClient) -> (String, Vec<String>) {
    let (status, enrolment) = read(client.post_empty("/api/users/me/mfa/totp").await).await;
    assert_eq!(status, StatusCode::CREATED, "{enrolment}");
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    let code = code_at(&secret, app.clock.now());
    let body = json!({"code": code});
    let (status, confirmed) =
        read(client.post("/api/users/me/mfa/totp/confirm", &body).await).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    let codes = confirmed["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap().to_owned())
        .collect();
    (secret, codes)
}

/// Logs `email` in on `client` up to the challenge.
pub(crate) async fn challenge(client: &TestClient, email: &str) -> String {
    let response = client.login(email, PASSWORD).await;
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no cookie yet"
    );
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["mfaRequired"], true, "{body}");
    body["challenge"].as_str().unwrap().to_owned()
}

/// Answers `challenge` with `code`.
pub(crate) async fn answer(
    client: &TestClient,
    challenge: &str,
    code: &str,
) -> (StatusCode, Value) {
    let body = json!({"challenge": challenge, "code": code});
    let request = client
        .request(Method::POST, "/api/users/login/mfa")
        .json(&body);
    read(request.send().await.unwrap()).await
}
