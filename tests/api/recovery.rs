//! Account recovery and address verification through a real SMTP server:
//! the mailed links work once, for their time, and tell nobody whether an
//! address has an account.

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use futures_util::future::join;
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;
use serde_json::{Value, json};
use tripdesk::domain::{Clock, Effects, Email, PersonName, User};

use crate::helpers::{
    Backend, PASSWORD, SmtpServer, TestApp, TestClient, assert_error, mails_to, opened,
    outbox_drained, read, token_in, unique_email,
};
use crate::store_contract::hash;
use crate::store_tests;

store_tests!(
    a_reset_link_replaces_the_password_once_and_ends_every_session,
    a_reset_asked_for_while_the_smtp_server_is_down_arrives_once_and_works,
    an_unknown_address_gets_the_same_answer_and_no_mail,
    known_and_unknown_addresses_take_similar_time,
    the_fourth_reset_mail_in_an_hour_is_not_sent_and_only_the_latest_link_works,
    two_concurrent_confirms_succeed_once,
    expired_and_malformed_tokens_are_refused,
    a_reset_lifts_the_failed_login_lockout,
    registration_mails_a_link_that_verifies_the_address,
    verification_mails_are_three_an_hour_with_the_registrations,
    the_per_address_limit_covers_recovery_and_verification,
);

const BASE_URL: &str = "https://app.tripdesk.example";
pub(crate) const NEW_PASSWORD: &str = "a brand new passphrase";
const RESET_SUBJECT: &str = "Reset your tripdesk password";
const VERIFY_SUBJECT: &str = "Confirm your email address for tripdesk";

pub(crate) async fn app_mailing_to(backend: Backend, smtp: &SmtpServer) -> TestApp {
    TestApp::spawn_with(
        backend,
        &[("SMTP_URL", &smtp.url()), ("PUBLIC_BASE_URL", BASE_URL)],
    )
    .await
}

async fn ask_for_reset(client: &TestClient, email: &str) -> reqwest::Response {
    client
        .post("/api/users/password-reset", &json!({"email": email}))
        .await
}

pub(crate) async fn confirm_reset(
    client: &TestClient,
    token: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(
            "/api/users/password-reset/confirm",
            &json!({"token": token, "newPassword": password}),
        )
        .await
}

/// Asks for a reset of `email` and returns the token of the `nth` (1-based)
/// reset mail to it.
pub(crate) async fn reset_token(
    app: &TestApp,
    smtp: &SmtpServer,
    email: &str,
    nth: usize,
) -> String {
    let response = ask_for_reset(&app.client(), email).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let mails = mails_to(smtp, email, RESET_SUBJECT, nth).await;
    token_in(&mails[nth - 1], "/reset-password")
}

pub(crate) fn email_of(user: &Value) -> String {
    user["email"].as_str().unwrap().to_owned()
}

async fn a_reset_link_replaces_the_password_once_and_ends_every_session(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (laptop, user) = app.verified_customer("Ada").await;
    let email = email_of(&user);
    let phone = app.client();
    assert_eq!(phone.login(&email, PASSWORD).await.status(), StatusCode::OK);

    let token = reset_token(&app, &smtp, &email, 1).await;
    let response = confirm_reset(&app.client(), &token, NEW_PASSWORD).await;
    assert!(
        response.headers().get(SET_COOKIE).is_none(),
        "a reset logs nobody in"
    );
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["title"], "Password Reset");

    // The link works once.
    let again = confirm_reset(&app.client(), &token, "yet another passphrase").await;
    assert_error(again, StatusCode::BAD_REQUEST, "invalid_reset_token").await;
    // Every session of the account is over.
    for client in [&laptop, &phone] {
        let response = client.get("/api/users/me").await;
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let old = app.client().login(&email, PASSWORD).await;
    assert_error(old, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let new = app.client().login(&email, NEW_PASSWORD).await;
    assert_eq!(new.status(), StatusCode::OK);
}

async fn a_reset_asked_for_while_the_smtp_server_is_down_arrives_once_and_works(backend: Backend) {
    let mut smtp = SmtpServer::stopped();
    let app = app_mailing_to(backend, &smtp).await;
    let (_, user) = app.verified_customer("Grace").await;
    let email = email_of(&user);
    let response = ask_for_reset(&app.client(), &email).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    // Every attempt so far failed; the retry is scheduled.
    tokio::time::sleep(StdDuration::from_millis(1500)).await;
    assert!(smtp.received().is_empty());

    smtp.restart().await;
    // Past any backoff and past the 30 minutes a reset link lives: the token is
    // drawn when the mail is sent, so the late mail's link still works.
    app.clock.advance(Duration::minutes(31));
    let mails = mails_to(&smtp, &email, RESET_SUBJECT, 1).await;
    outbox_drained(&app).await;
    assert_eq!(
        mails_to(&smtp, &email, RESET_SUBJECT, 1).await.len(),
        1,
        "the reset mail arrives once"
    );
    let token = token_in(&mails[0], "/reset-password");
    let (status, body) = read(confirm_reset(&app.client(), &token, NEW_PASSWORD).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new = app.client().login(&email, NEW_PASSWORD).await;
    assert_eq!(new.status(), StatusCode::OK);
}

async fn an_unknown_address_gets_the_same_answer_and_no_mail(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (_, user) = app.verified_customer("Ada").await;
    let known = email_of(&user);
    let unknown = unique_email("nobody");

    let answer = |response: reqwest::Response| async move {
        let status = response.status();
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter(|(name, _)| !["x-request-id", "date"].contains(&name.as_str()))
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        (status, headers, response.text().await.unwrap())
    };
    let for_known = answer(ask_for_reset(&app.client(), &known).await).await;
    let for_unknown = answer(ask_for_reset(&app.client(), &unknown).await).await;
    assert_eq!(for_known, for_unknown);
    assert_eq!(for_known.0, StatusCode::ACCEPTED);

    mails_to(&smtp, &known, RESET_SUBJECT, 1).await;
    outbox_drained(&app).await;
    let recipients: Vec<String> = smtp.received().iter().map(|m| opened(m).0).collect();
    assert_eq!(recipients, [known], "one mail, to the known address only");

    let invalid = ask_for_reset(&app.client(), "not an address").await;
    assert_error(invalid, StatusCode::BAD_REQUEST, "invalid_email").await;
}

fn median(mut samples: Vec<StdDuration>) -> StdDuration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn known_and_unknown_addresses_take_similar_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for round in 0..20 {
        // A fresh account and a fresh unknown address each round: every
        // request takes the same path (its first mail of the hour).
        let email = unique_email("timed");
        let user = User::new_customer(
            Email::parse(&email).unwrap(),
            PersonName::parse("Timed").unwrap(),
            app.clock.now(),
        );
        let stored = app
            .store
            .insert_user(&user, &hash("x"), None, &Effects::default())
            .await;
        stored.unwrap();
        let nobody = unique_email("nobody");
        // Alternate which goes first, so neither always meets a warmer store.
        let order = if round % 2 == 0 {
            [(&email, true), (&nobody, false)]
        } else {
            [(&nobody, false), (&email, true)]
        };
        for (address, is_known) in order {
            let started = Instant::now();
            let response = ask_for_reset(&client, address).await;
            let took = started.elapsed();
            assert_eq!(response.status(), StatusCode::ACCEPTED);
            if is_known { &mut known } else { &mut unknown }.push(took);
        }
    }
    let (known, unknown) = (median(known), median(unknown));
    assert!(
        known < unknown * 2 && unknown < known * 2,
        "medians: known {known:?}, unknown {unknown:?}"
    );
}

async fn the_fourth_reset_mail_in_an_hour_is_not_sent_and_only_the_latest_link_works(
    backend: Backend,
) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (_, user) = app.verified_customer("Ada").await;
    let email = email_of(&user);
    for _ in 0..4 {
        let response = ask_for_reset(&app.client(), &email).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "still 202");
    }
    let mails = mails_to(&smtp, &email, RESET_SUBJECT, 3).await;
    outbox_drained(&app).await;
    assert_eq!(
        mails_to(&smtp, &email, RESET_SUBJECT, 3).await.len(),
        3,
        "the fourth mail within the hour is not sent"
    );
    // A newer link supersedes the older ones, well within their 30 minutes.
    let first = token_in(&mails[0], "/reset-password");
    let superseded = confirm_reset(&app.client(), &first, NEW_PASSWORD).await;
    assert_error(superseded, StatusCode::BAD_REQUEST, "invalid_reset_token").await;
    // An hour later the address may ask again, and the newest link works.
    app.clock.advance(Duration::minutes(61));
    let latest = reset_token(&app, &smtp, &email, 4).await;
    let response = confirm_reset(&app.client(), &latest, NEW_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn two_concurrent_confirms_succeed_once(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (_, user) = app.verified_customer("Ada").await;
    let email = email_of(&user);
    let token = reset_token(&app, &smtp, &email, 1).await;
    let (first, second) = (app.client(), app.client());
    let (a, b) = join(
        confirm_reset(&first, &token, "first new passphrase"),
        confirm_reset(&second, &token, "second new passphrase"),
    )
    .await;
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::BAD_REQUEST]);
    let winner = if a.status() == StatusCode::OK {
        "first new passphrase"
    } else {
        "second new passphrase"
    };
    let loser = if a.status() == StatusCode::OK { b } else { a };
    assert_error(loser, StatusCode::BAD_REQUEST, "invalid_reset_token").await;
    let login = app.client().login(&email, winner).await;
    assert_eq!(login.status(), StatusCode::OK);
}

async fn expired_and_malformed_tokens_are_refused(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (_, user) = app.verified_customer("Ada").await;
    let email = email_of(&user);
    let token = reset_token(&app, &smtp, &email, 1).await;
    app.clock.advance(Duration::minutes(31));
    let expired = confirm_reset(&app.client(), &token, NEW_PASSWORD).await;
    assert_error(expired, StatusCode::BAD_REQUEST, "invalid_reset_token").await;

    let client = app.client();
    for bad in ["", "abc", &"A".repeat(64), &"0".repeat(64)] {
        let response = confirm_reset(&client, bad, NEW_PASSWORD).await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_reset_token").await;
        let response = client
            .post("/api/users/verify-email", &json!({"token": bad}))
            .await;
        assert_error(
            response,
            StatusCode::BAD_REQUEST,
            "invalid_verification_token",
        )
        .await;
    }
    let short = confirm_reset(&client, &"0".repeat(64), "short").await;
    assert_error(short, StatusCode::BAD_REQUEST, "invalid_password").await;
    let extra = client
        .post(
            "/api/users/password-reset/confirm",
            &json!({"token": token, "newPassword": NEW_PASSWORD, "email": email}),
        )
        .await;
    assert_eq!(extra.status(), StatusCode::BAD_REQUEST);
    // The password never changed.
    let login = app.client().login(&email, PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
}

async fn a_reset_lifts_the_failed_login_lockout(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (_, user) = app.verified_customer("Ada").await;
    let email = email_of(&user);
    let thief = app.client();
    for _ in 0..5 {
        thief.login(&email, "not the password").await;
    }
    let locked = app.client().login(&email, PASSWORD).await;
    assert_error(locked, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;

    let token = reset_token(&app, &smtp, &email, 1).await;
    let response = confirm_reset(&app.client(), &token, NEW_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let login = app.client().login(&email, NEW_PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK, "the lockout is lifted");
}

async fn verify(client: &TestClient, token: &str) -> reqwest::Response {
    client
        .post("/api/users/verify-email", &json!({"token": token}))
        .await
}

async fn registration_mails_a_link_that_verifies_the_address(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (client, user) = app.customer().await;
    assert_eq!(user["emailVerified"], false);
    let email = email_of(&user);
    let mails = mails_to(&smtp, &email, VERIFY_SUBJECT, 1).await;
    let token = token_in(&mails[0], "/verify-email");

    // Opened on another device: no session needed.
    let (status, body) = read(verify(&app.client(), &token).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], user["id"]);
    assert_eq!(body["user"]["emailVerified"], true);
    let (_, me) = read(client.get("/api/users/me").await).await;
    assert_eq!(
        me["user"]["emailVerified"], true,
        "the session sees it at once"
    );

    let again = verify(&app.client(), &token).await;
    assert_error(again, StatusCode::BAD_REQUEST, "invalid_verification_token").await;
    let resend = client.post_empty("/api/users/me/verification").await;
    assert_error(resend, StatusCode::CONFLICT, "already_verified").await;
}

async fn verification_mails_are_three_an_hour_with_the_registrations(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (client, user) = app.customer().await;
    let email = email_of(&user);
    // The registration's mail was the first of the mailbox's three.
    for _ in 0..2 {
        let (status, body) = read(client.post_empty("/api/users/me/verification").await).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let refused = client.post_empty("/api/users/me/verification").await;
    assert!(refused.headers().contains_key("retry-after"));
    assert_error(refused, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    let anonymous = app.client().post_empty("/api/users/me/verification").await;
    assert_error(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // The registration's mail and two more; any of their links verifies.
    let mails = mails_to(&smtp, &email, VERIFY_SUBJECT, 3).await;
    let first = token_in(&mails[0], "/verify-email");
    let (status, _) = read(verify(&app.client(), &first).await).await;
    assert_eq!(status, StatusCode::OK);

    // A verification link lives 48 hours.
    let (other, other_user) = app.customer().await;
    let other_email = email_of(&other_user);
    let mails = mails_to(&smtp, &other_email, VERIFY_SUBJECT, 1).await;
    app.clock.advance(Duration::hours(49));
    let late = verify(&other, &token_in(&mails[0], "/verify-email")).await;
    assert_error(late, StatusCode::BAD_REQUEST, "invalid_verification_token").await;
}

async fn the_per_address_limit_covers_recovery_and_verification(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("AUTH_RATE_LIMIT_PER_MINUTE", "3")]).await;
    let client = app.client();
    for _ in 0..3 {
        let response = ask_for_reset(&client, &unique_email("limited")).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let token = "0".repeat(64);
    for response in [
        ask_for_reset(&client, &unique_email("limited")).await,
        confirm_reset(&client, &token, NEW_PASSWORD).await,
        verify(&client, &token).await,
    ] {
        assert!(response.headers().contains_key("retry-after"));
        assert_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    }
}
