//! `GET /api/users/me/export`: everything held about the person, theirs
//! only, three times an hour.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::Value;
use tripdesk::domain::UserId;

use super::mails_recorded;
use crate::helpers::{
    Backend, SmtpServer, TestApp, TestClient, assert_error, outbox_drained, read,
};
use crate::store_tests;

store_tests!(
    an_export_holds_everything_about_its_owner_and_nothing_of_others,
    exports_are_three_an_hour,
);

/// The export of `client`, checked to be a download never cached.
async fn export(client: &TestClient) -> Value {
    let response = client.get("/api/users/me/export").await;
    let headers = response.headers().clone();
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    body
}

fn actions(export: &Value) -> Vec<&str> {
    let entries = export["audit"].as_array().unwrap();
    entries
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect()
}

fn mail_ids(export: &Value) -> Vec<&str> {
    let mails = export["mails"].as_array().unwrap();
    mails
        .iter()
        .map(|mail| mail["messageId"].as_str().unwrap())
        .collect()
}

async fn an_export_holds_everything_about_its_owner_and_nothing_of_others(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let vars = [("TERMS_VERSION", "2026-11"), ("SMTP_URL", &smtp.url())];
    let app = TestApp::spawn_with(backend, &vars).await;
    let (consultant, desk) = app.consultant().await;
    let (customer, user) = app.customer().await;
    let (other, _) = app.customer().await;
    let (status, booked) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let booking_id = booked["booking"]["id"].as_str().unwrap();
    let (status, _) = read(other.book(&consultant, &app.at(2, 11, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    outbox_drained(&app).await;
    // A mail's entry is written once the mail server took it: wait for the
    // consultant's two and the customer's verification.
    let (_, me) = read(desk.get("/api/users/me").await).await;
    let desk_account = UserId::parse(me["user"]["id"].as_str().unwrap()).unwrap();
    mails_recorded(&app, desk_account, Some(consultant.id), 2).await;
    let customer_account = UserId::parse(user["id"].as_str().unwrap()).unwrap();
    mails_recorded(&app, customer_account, None, 1).await;

    let mine = export(&customer).await;
    assert!(mine["exportedAt"].is_string());
    assert_eq!(mine["user"], user);
    let sessions = mine["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["current"], true);
    let bookings = mine["bookings"].as_array().unwrap();
    assert_eq!(
        bookings.len(),
        1,
        "the other customer's booking is not theirs"
    );
    assert_eq!(bookings[0]["id"], booking_id);
    let consents = mine["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0]["termsVersion"], "2026-11");
    assert_eq!(consents[0]["clientAddress"], "127.0.0.1");
    assert!(consents[0]["acceptedAt"].is_string());
    // Their registration and their booking, by them; the verification mail
    // sent to them, but not the consultant's copy of the booking's mail.
    let done = actions(&mine);
    assert!(done.contains(&"user.registered"), "{done:?}");
    assert!(done.contains(&"booking.created"), "{done:?}");
    assert!(done.contains(&"mail.sent"), "{done:?}");
    let mails = mine["mails"].as_array().unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0]["status"], "sent");
    let to_them = smtp.received().into_iter().find(|mail| {
        let to = mail
            .parsed()
            .to()
            .unwrap()
            .first()
            .unwrap()
            .address()
            .unwrap()
            .to_owned();
        to == user["email"]
    });
    let subject = to_them
        .expect("their mail was received")
        .parsed()
        .subject()
        .map(str::to_owned);
    assert_eq!(mails[0]["subject"].as_str(), subject.as_deref());
    assert!(
        mails[0]["messageId"]
            .as_str()
            .unwrap()
            .starts_with("account.")
    );
    let text = mine.to_string();
    assert!(!text.contains("passwordHash") && !text.contains("tokenHash"));

    // The consultant's export holds both bookings made with them, and the
    // mails sent to them about each, not the customers' copies.
    let theirs = export(&desk).await;
    assert_eq!(theirs["bookings"].as_array().unwrap().len(), 2);
    let ids = mail_ids(&theirs);
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.iter().all(|id| id.ends_with(".consultant")), "{ids:?}");
    assert!(ids.iter().any(|id| id.starts_with(booking_id)), "{ids:?}");
    assert_eq!(
        theirs["consents"],
        serde_json::json!([]),
        "made by the command line"
    );
}

async fn exports_are_three_an_hour(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_error(
        app.client().get("/api/users/me/export").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let (customer, _) = app.customer().await;
    for _ in 0..3 {
        export(&customer).await;
    }
    let refused = customer.get("/api/users/me/export").await;
    assert!(refused.headers().contains_key("retry-after"));
    assert_error(refused, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    // Another person's budget is their own.
    let (other, _) = app.customer().await;
    export(&other).await;
    app.clock.advance(Duration::minutes(61));
    export(&customer).await;
}
