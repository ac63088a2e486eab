//! Accounts: mail flooding through registration, look-alike addresses, and
//! what a password change or reset must end (reset links, calendar feeds).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, PASSWORD, SmtpServer, TestApp, TestClient, assert_error, mails_to, opened,
    outbox_drained, read, token_in, unique_email,
};
use crate::store_tests;

store_tests!(
    one_mailbox_gets_three_account_mails_an_hour_whatever_the_tags,
    look_alike_domains_are_the_same_address,
    the_owners_device_has_a_reset_budget_nobody_else_can_spend,
    a_password_change_kills_reset_links_sent_and_queued_before_it,
    the_calendar_feed_ends_with_every_recovery_step,
);

const BASE_URL: &str = "https://app.tripdesk.example";
const VERIFY_SUBJECT: &str = "Confirm your email address for tripdesk";
const RESET_SUBJECT: &str = "Reset your tripdesk password";

async fn app_mailing_to(backend: Backend, smtp: &SmtpServer) -> TestApp {
    TestApp::spawn_with(
        backend,
        &[("SMTP_URL", &smtp.url()), ("PUBLIC_BASE_URL", BASE_URL)],
    )
    .await
}

/// A fresh local part and domain: `(local, domain)`.
fn fresh_mailbox() -> (String, String) {
    let email = unique_email("victim");
    let (local, domain) = email.split_once('@').unwrap();
    (local.to_owned(), domain.to_owned())
}

async fn ask_for_reset(client: &TestClient, email: &str) -> reqwest::Response {
    client
        .post("/api/users/password-reset", &json!({"email": email}))
        .await
}

async fn one_mailbox_gets_three_account_mails_an_hour_whatever_the_tags(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (local, domain) = fresh_mailbox();
    let attacker = app.client();
    let mut accounts = Vec::new();
    for n in 0..6 {
        let email = format!("{local}+{n}@{domain}");
        let response = attacker.register(&email, PASSWORD, "Mallory").await;
        let (status, body) = read(response).await;
        assert_eq!(status, StatusCode::CREATED, "the account is made: {body}");
        accounts.push(email);
    }
    // The mailbox's budget is spent: a reset of the plain address is not
    // mailed either (and still answers 202).
    let plain = format!("{local}@{domain}");
    let response = ask_for_reset(&app.client(), &plain).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    outbox_drained(&app).await;
    let received = smtp.received();
    assert_eq!(received.len(), 3, "three mails to the mailbox in the hour");
    // An hour later the mailbox may be mailed again.
    app.clock.advance(chrono::Duration::minutes(61));
    let client = attacker;
    let response = client.register(&accounts[0], PASSWORD, "Again").await;
    assert_error(response, StatusCode::CONFLICT, "email_taken").await;
    let fresh = format!("{local}+later@{domain}");
    assert_eq!(
        client.register(&fresh, PASSWORD, "Later").await.status(),
        StatusCode::CREATED
    );
    mails_to(&smtp, &fresh, VERIFY_SUBJECT, 1).await;
}

async fn look_alike_domains_are_the_same_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (local, domain) = fresh_mailbox();
    let plain = format!("{local}@{domain}");
    let (status, body) = read(app.client().register(&plain, PASSWORD, "Vic").await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let soft_hyphen = format!("{local}@{}\u{AD}{}", &domain[..1], &domain[1..]);
    let fullwidth = format!(
        "{local}@{}{}",
        char::from_u32(u32::from(domain.chars().next().unwrap()) - 0x61 + 0xFF41).unwrap(),
        &domain[1..]
    );
    for look_alike in [&soft_hyphen, &fullwidth, &plain.to_uppercase()] {
        let response = app.client().register(look_alike, PASSWORD, "Eve").await;
        assert_error(response, StatusCode::CONFLICT, "email_taken").await;
        // The owner logs in with any spelling of it.
        let (status, body) = read(app.client().login(look_alike, PASSWORD).await).await;
        assert_eq!(status, StatusCode::OK, "{look_alike:?}: {body}");
        assert_eq!(body["user"]["email"], plain.as_str());
    }
}

async fn the_owners_device_has_a_reset_budget_nobody_else_can_spend(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (owner, user) = app.verified_customer("Ada").await;
    let email = user["email"].as_str().unwrap().to_owned();
    // An attacker spends the mailbox's three mails.
    for _ in 0..4 {
        let response = ask_for_reset(&app.client(), &email).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    mails_to(&smtp, &email, RESET_SUBJECT, 3).await;
    outbox_drained(&app).await;
    assert_eq!(smtp.received().len(), 3);
    // The owner asks from the browser they logged in with: its own budget.
    let response = ask_for_reset(&owner, &email).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let mails = mails_to(&smtp, &email, RESET_SUBJECT, 4).await;
    let token = token_in(&mails[3], "/reset-password");
    let confirmed = app
        .client()
        .post(
            "/api/users/password-reset/confirm",
            &json!({"token": token, "newPassword": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    // A device cookie trusted for another account buys nothing here.
    let (stranger, _) = app.verified_customer("Eve").await;
    let response = ask_for_reset(&stranger, &email).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    outbox_drained(&app).await;
    let resets = smtp
        .received()
        .iter()
        .map(opened)
        .filter(|(_, title, _)| title == RESET_SUBJECT)
        .count();
    assert_eq!(resets, 4, "the mailbox's budget is still spent");
}

async fn change_password(client: &TestClient, current: &str, new: &str) -> (StatusCode, Value) {
    let body = json!({"currentPassword": current, "newPassword": new});
    read(
        client
            .send_json(Method::PUT, "/api/users/me/password", &body)
            .await,
    )
    .await
}

async fn a_password_change_kills_reset_links_sent_and_queued_before_it(backend: Backend) {
    let mut smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (owner, user) = app.verified_customer("Ada").await;
    let email = user["email"].as_str().unwrap().to_owned();
    // An attacker who reads the mailbox has a link…
    assert_eq!(
        ask_for_reset(&app.client(), &email).await.status(),
        StatusCode::ACCEPTED
    );
    let mails = mails_to(&smtp, &email, RESET_SUBJECT, 1).await;
    let sent = token_in(&mails[0], "/reset-password");
    // …and another one is queued while the mail server is down.
    smtp.stop();
    assert_eq!(
        ask_for_reset(&app.client(), &email).await.status(),
        StatusCode::ACCEPTED
    );
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    // The owner changes the password.
    let (status, body) = change_password(&owner, PASSWORD, "the owner's new passphrase").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stolen = app
        .client()
        .post(
            "/api/users/password-reset/confirm",
            &json!({"token": sent, "newPassword": "the attacker's passphrase"}),
        )
        .await;
    assert_error(stolen, StatusCode::BAD_REQUEST, "invalid_reset_token").await;
    // The queued link is never sent.
    smtp.restart().await;
    app.clock.advance(chrono::Duration::minutes(40));
    outbox_drained(&app).await;
    assert_eq!(
        mails_to(&smtp, &email, RESET_SUBJECT, 1).await.len(),
        1,
        "no reset mail after the change"
    );
    let login = app
        .client()
        .login(&email, "the owner's new passphrase")
        .await;
    assert_eq!(login.status(), StatusCode::OK);
}

/// Turns the feed on; its path.
async fn feed_on(consultant: &TestClient) -> String {
    let (status, body) = read(
        consultant
            .post_empty("/api/consultants/me/calendar-feed")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["url"]
        .as_str()
        .unwrap()
        .trim_start_matches(BASE_URL)
        .to_owned()
}

async fn feed_status(consultant: &TestClient) -> Value {
    let (status, body) = read(consultant.get("/api/consultants/me/calendar-feed").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["feed"].clone()
}

async fn the_calendar_feed_ends_with_every_recovery_step(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (consultant, owner) = app.consultant().await;
    let account = app.store.find_consultant_account(consultant.id).await;
    let email = account.unwrap().unwrap().email.to_string();
    assert_eq!(
        feed_status(&owner).await,
        json!({"active": false, "createdAt": null})
    );

    // A thief in a stolen session makes a feed; the owner sees it.
    let thief = TestClient::new(&app.base, owner.jar.clone());
    let path = feed_on(&thief).await;
    let shown = feed_status(&owner).await;
    assert_eq!(shown["active"], true);
    assert!(shown["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(
        !shown.to_string().contains(&path[10..74]),
        "never the secret"
    );

    // "Log out everywhere" ends it.
    assert_eq!(
        owner.delete("/api/users/me/sessions").await.status(),
        StatusCode::OK
    );
    assert_error(
        app.client().get(&path).await,
        StatusCode::NOT_FOUND,
        "calendar_not_found",
    )
    .await;
    assert_eq!(feed_status(&owner).await["active"], false);

    // So does a password change.
    let path = feed_on(&owner).await;
    let (status, _) = change_password(&owner, PASSWORD, "a second passphrase").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.client().get(&path).await.status(),
        StatusCode::NOT_FOUND
    );

    // And a reset.
    let path = feed_on(&owner).await;
    assert_eq!(
        ask_for_reset(&owner, &email).await.status(),
        StatusCode::ACCEPTED
    );
    let mails = mails_to(&smtp, &email, RESET_SUBJECT, 1).await;
    let token = token_in(&mails[0], "/reset-password");
    let reset = app
        .client()
        .post(
            "/api/users/password-reset/confirm",
            &json!({"token": token, "newPassword": "a third passphrase"}),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(
        app.client().get(&path).await.status(),
        StatusCode::NOT_FOUND
    );
    let fresh = app.client();
    assert_eq!(
        fresh.login(&email, "a third passphrase").await.status(),
        StatusCode::OK
    );
    assert_eq!(feed_status(&fresh).await["active"], false);
}
