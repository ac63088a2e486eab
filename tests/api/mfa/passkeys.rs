//! Passkeys: registering, listing and removing them, and logins with no
//! password, through a software authenticator that signs as a browser's
//! would (and misbehaves when a test asks it to).

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, PASSWORD, SmtpServer, SoftAuthenticator, TestApp, TestClient, assert_error, mails_to,
    read,
};
use crate::store_tests;

store_tests!(
    a_passkey_signs_in_with_no_password,
    a_wrong_origin_a_counter_gone_back_or_no_user_verification_is_refused,
    a_passkey_login_challenge_answers_once_within_five_minutes,
    registration_refuses_bad_input_and_changes_nothing,
    removing_a_passkey_ends_its_logins_and_the_owner_is_told,
    a_passkey_login_passes_the_staff_second_factor,
    an_export_lists_passkeys_and_an_erased_account_signs_in_with_none,
    a_frontend_on_an_ip_address_has_no_passkeys,
);

/// The frontend every app of these tests serves.
const ORIGIN: &str = "https://app.tripdesk.test";
const REGISTER_START: &str = "/api/users/me/passkeys/register/start";
const REGISTER_FINISH: &str = "/api/users/me/passkeys/register/finish";

async fn spawn(backend: Backend, vars: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("PUBLIC_BASE_URL", ORIGIN)];
    all.extend_from_slice(vars);
    TestApp::spawn_with(backend, &all).await
}

/// A registration's creation options, as `client` starts one.
async fn creation_options(client: &TestClient) -> Value {
    let (status, start) = read(client.post_empty(REGISTER_START).await).await;
    assert_eq!(status, StatusCode::OK, "{start}");
    start["publicKey"].clone()
}

/// Registers a passkey named `name` of `authenticator` on `client`'s
/// account: the finishing response.
async fn register(
    client: &TestClient,
    authenticator: &mut SoftAuthenticator,
    name: &str,
) -> (StatusCode, Value) {
    let options = &creation_options(client).await;
    assert_eq!(options["rp"]["id"], "app.tripdesk.test");
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    let credential = authenticator.create(options);
    let body = json!({"credential": credential, "name": name});
    read(client.post(REGISTER_FINISH, &body).await).await
}

/// Starts a passkey login on `client`: the challenge id and options.
async fn start_login(client: &TestClient) -> (String, Value) {
    let (status, start) = read(client.post_empty("/api/users/login/passkey/start").await).await;
    assert_eq!(status, StatusCode::OK, "{start}");
    assert!(
        start["publicKey"]
            .get("allowCredentials")
            .is_none_or(|list| list == &json!([]))
    );
    let id = start["challengeId"].as_str().unwrap().to_owned();
    (id, start["publicKey"].clone())
}

async fn finish_login(
    client: &TestClient,
    challenge: &str,
    credential: Value,
) -> reqwest::Response {
    let body = json!({"challengeId": challenge, "credential": credential});
    client
        .request(Method::POST, "/api/users/login/passkey/finish")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A full passkey login of `authenticator`'s newest credential on `client`.
async fn passkey_login(
    client: &TestClient,
    authenticator: &mut SoftAuthenticator,
) -> (StatusCode, Value) {
    let (challenge, options) = start_login(client).await;
    let credential = authenticator.get(&options);
    read(finish_login(client, &challenge, credential).await).await
}

async fn a_passkey_signs_in_with_no_password(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let (client, user) = app.customer().await;
    let email = user["email"].as_str().unwrap().to_owned();
    let other = app.client();
    assert_eq!(other.login(&email, PASSWORD).await.status(), StatusCode::OK);
    let mut phone = SoftAuthenticator::new(ORIGIN);

    let (status, added) = register(&client, &mut phone, "  Phone ").await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["passkey"]["name"], "Phone");
    assert_eq!(added["passkey"]["lastUsedAt"], Value::Null);
    let (_, me) = read(client.get("/api/users/me").await).await;
    assert_eq!(me["user"]["mfa"], json!({"totp": false, "passkeys": 1}));
    assert_eq!(
        other.get("/api/users/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "every other session ended"
    );
    let (status, second) = register(&client, &mut phone, "Laptop").await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let (_, list) = read(client.get("/api/users/me/passkeys").await).await;
    let names: Vec<&str> = list["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|passkey| passkey["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Phone", "Laptop"]);

    // A browser with no session and no address typed in.
    let browser = app.client();
    let (challenge, options) = start_login(&browser).await;
    let credential = phone.get(&options);
    let response = finish_login(&browser, &challenge, credential).await;
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().any(|cookie| cookie.contains("HttpOnly")),
        "{cookies:?}"
    );
    assert_eq!(
        cookies.len(),
        2,
        "the session's cookie and the device's: {cookies:?}"
    );
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["email"], email.as_str());
    assert_eq!(body["user"]["mfa"]["passkeys"], 2);
    assert_eq!(browser.get("/api/users/me").await.status(), StatusCode::OK);
    let (_, list) = read(browser.get("/api/users/me/passkeys").await).await;
    assert_eq!(list["passkeys"][0]["lastUsedAt"], Value::Null);
    assert!(list["passkeys"][1]["lastUsedAt"].is_string(), "{list}");

    // The counter moves on each login.
    let (status, body) = passkey_login(&app.client(), &mut phone).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let id = user["id"].as_str().unwrap();
    let (staff, _) = app.admin().await;
    let entries = crate::admin::audit(&staff, &format!("targetId={id}")).await;
    let passkey_logins = entries
        .iter()
        .filter(|entry| {
            entry["action"] == "user.login" && entry["details"]["secondFactor"] == "passkey"
        })
        .count();
    assert_eq!(passkey_logins, 2, "{entries:?}");
    let enrolled = entries.iter().find(|entry| {
        entry["action"] == "user.mfa_enabled" && entry["details"]["factor"] == "passkey"
    });
    assert!(enrolled.is_some(), "{entries:?}");
}

async fn a_wrong_origin_a_counter_gone_back_or_no_user_verification_is_refused(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let (client, _) = app.customer().await;
    let mut phone = SoftAuthenticator::new(ORIGIN);
    assert_eq!(
        register(&client, &mut phone, "Phone").await.0,
        StatusCode::CREATED
    );
    let browser = app.client();

    // A page of another site relaying the challenge.
    phone.origin = "https://tripdesk.example.net".into();
    let (challenge, options) = start_login(&browser).await;
    let response = finish_login(&browser, &challenge, phone.get(&options)).await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_passkey").await;
    phone.origin = ORIGIN.into();

    // A login moves the stored counter to 2; a clone signing with 1 again
    // (or 2) is refused.
    assert_eq!(passkey_login(&browser, &mut phone).await.0, StatusCode::OK);
    let signed = phone.credentials[0].counter;
    for counter in [signed - 1, signed - 2] {
        phone.credentials[0].counter = counter;
        let (challenge, options) = start_login(&browser).await;
        let response = finish_login(&browser, &challenge, phone.get(&options)).await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_passkey").await;
    }
    phone.credentials[0].counter = signed;

    // A touch with no fingerprint or PIN is not a passkey login.
    phone.verifies_user = false;
    let (challenge, options) = start_login(&browser).await;
    let response = finish_login(&browser, &challenge, phone.get(&options)).await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_passkey").await;
    phone.verifies_user = true;

    // Registration checks the origin too.
    let mut elsewhere = SoftAuthenticator::new("https://evil.example");
    let (status, body) = register(&client, &mut elsewhere, "Evil").await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_passkey"))
    );
    assert_eq!(
        passkey_login(&app.client(), &mut phone).await.0,
        StatusCode::OK
    );
}

async fn a_passkey_login_challenge_answers_once_within_five_minutes(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let (client, _) = app.customer().await;
    let mut phone = SoftAuthenticator::new(ORIGIN);
    assert_eq!(
        register(&client, &mut phone, "Phone").await.0,
        StatusCode::CREATED
    );

    let browser = app.client();
    let (challenge, options) = start_login(&browser).await;
    let credential = phone.get(&options);
    let response = finish_login(&browser, &challenge, credential.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let replayed = finish_login(&app.client(), &challenge, credential).await;
    assert_error(replayed, StatusCode::BAD_REQUEST, "invalid_passkey").await;

    let (challenge, options) = start_login(&browser).await;
    app.clock.advance(Duration::minutes(5));
    let late = finish_login(&browser, &challenge, phone.get(&options)).await;
    assert_error(late, StatusCode::BAD_REQUEST, "invalid_passkey").await;
    let unknown = finish_login(&browser, &"ab".repeat(32), phone.get(&options)).await;
    assert_error(unknown, StatusCode::BAD_REQUEST, "invalid_passkey").await;
    let garbage = finish_login(&browser, &challenge, json!({"id": "x"})).await;
    assert_error(garbage, StatusCode::BAD_REQUEST, "invalid_passkey").await;
}

async fn registration_refuses_bad_input_and_changes_nothing(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let (client, _) = app.customer().await;
    let anonymous = app.client();
    let refused = anonymous.post_empty(REGISTER_START).await;
    assert_error(refused, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let mut phone = SoftAuthenticator::new(ORIGIN);
    let nothing_started = json!({"credential": {"id": "x"}, "name": "Phone"});
    let response = client.post(REGISTER_FINISH, &nothing_started).await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_passkey").await;

    // A bad name is refused before the ceremony is used: it can go on.
    let credential = phone.create(&creation_options(&client).await);
    for name in ["", "a\u{202e}b", &"x".repeat(65)] {
        let body = json!({"credential": credential, "name": name});
        let response = client.post(REGISTER_FINISH, &body).await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_name").await;
    }
    let (_, me) = read(client.get("/api/users/me").await).await;
    assert_eq!(me["user"]["mfa"]["passkeys"], 0);
    let body = json!({"credential": credential, "name": "Phone"});
    let (status, added) = read(client.post(REGISTER_FINISH, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    // The ceremony was used up.
    let again = client.post(REGISTER_FINISH, &body).await;
    assert_error(again, StatusCode::BAD_REQUEST, "invalid_passkey").await;
    // A new ceremony names the passkey the account has: not made again.
    let options = creation_options(&client).await;
    let excluded = options["excludeCredentials"].as_array().unwrap();
    assert_eq!(excluded.len(), 1);
}

async fn removing_a_passkey_ends_its_logins_and_the_owner_is_told(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = spawn(backend, &[("SMTP_URL", &smtp.url())]).await;
    let (client, user) = app.verified_customer("Ada Traveller").await;
    let email = user["email"].as_str().unwrap().to_owned();
    let mut phone = SoftAuthenticator::new(ORIGIN);
    let (_, added) = register(&client, &mut phone, "Phone").await;
    let id = added["passkey"]["id"].as_str().unwrap().to_owned();
    let mail = mails_to(
        &smtp,
        &email,
        "A passkey was added to your tripdesk account",
        1,
    )
    .await;
    assert!(mail[0].contains("reset your password"), "{}", mail[0]);

    let other = app.client();
    assert_eq!(passkey_login(&other, &mut phone).await.0, StatusCode::OK);
    let path = format!("/api/users/me/passkeys/{id}");
    let stranger = app.customer().await.0;
    let foreign = stranger
        .request(Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_error(foreign, StatusCode::NOT_FOUND, "passkey_not_found").await;

    let removed = client.request(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        other.get("/api/users/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "every other session ended"
    );
    let again = client.request(Method::DELETE, &path).send().await.unwrap();
    assert_error(again, StatusCode::NOT_FOUND, "passkey_not_found").await;
    let (_, me) = read(client.get("/api/users/me").await).await;
    assert_eq!(me["user"]["mfa"]["passkeys"], 0);
    mails_to(
        &smtp,
        &email,
        "A passkey was removed from your tripdesk account",
        1,
    )
    .await;

    let (challenge, options) = start_login(&other).await;
    let response = finish_login(&other, &challenge, phone.get(&options)).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

async fn a_passkey_login_passes_the_staff_second_factor(backend: Backend) {
    let app = spawn(backend, &[("ADMIN_REQUIRE_MFA", "true")]).await;
    let (staff, _) = app.admin().await;
    let refused = staff.get("/api/admin/bookings").await;
    assert_error(refused, StatusCode::FORBIDDEN, "mfa_required").await;
    // Enrolling a passkey is not signing in with it.
    let mut key = SoftAuthenticator::new(ORIGIN);
    assert_eq!(
        register(&staff, &mut key, "YubiKey").await.0,
        StatusCode::CREATED
    );
    let refused = staff.get("/api/admin/bookings").await;
    assert_error(refused, StatusCode::FORBIDDEN, "mfa_required").await;

    let browser = app.client();
    assert_eq!(passkey_login(&browser, &mut key).await.0, StatusCode::OK);
    let (status, body) = read(browser.get("/api/admin/bookings").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A password change keeps what the session's login proved.
    let body = json!({"currentPassword": PASSWORD, "newPassword": "another horse battery"});
    let changed = browser
        .request(Method::PUT, "/api/users/me/password")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        browser.get("/api/admin/bookings").await.status(),
        StatusCode::OK
    );
}

async fn an_export_lists_passkeys_and_an_erased_account_signs_in_with_none(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let (client, _) = app.customer().await;
    let mut phone = SoftAuthenticator::new(ORIGIN);
    let (_, added) = register(&client, &mut phone, "Phone").await;
    let (status, export) = read(client.get("/api/users/me/export").await).await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(export["passkeys"], json!([added["passkey"]]));
    assert_eq!(export["user"]["mfa"]["passkeys"], 1);

    let erased = client
        .request(Method::DELETE, "/api/users/me")
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), StatusCode::ACCEPTED);
    let browser = app.client();
    let (challenge, options) = start_login(&browser).await;
    let response = finish_login(&browser, &challenge, phone.get(&options)).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

async fn a_frontend_on_an_ip_address_has_no_passkeys(backend: Backend) {
    let vars = [("PUBLIC_BASE_URL", "http://192.0.2.10:8080")];
    let app = TestApp::spawn_with(backend, &vars).await;
    let off = app
        .client()
        .post_empty("/api/users/login/passkey/start")
        .await;
    assert_error(off, StatusCode::SERVICE_UNAVAILABLE, "passkeys_unavailable").await;
    let (client, _) = app.customer().await;
    let off = client.post_empty(REGISTER_START).await;
    assert_error(off, StatusCode::SERVICE_UNAVAILABLE, "passkeys_unavailable").await;
}
