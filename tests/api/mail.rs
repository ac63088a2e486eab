//! Booking notifications through a real SMTP server: who gets which mail,
//! the invite they carry, and delivery that survives an SMTP outage.

use chrono::{Duration, DurationRound, Timelike};
use icalendar::{Calendar, Component};
use mail_parser::MimeHeaders;
use reqwest::StatusCode;
use serde_json::json;
use tripdesk::domain::Clock;

use crate::helpers::{Backend, ReceivedMail, SmtpServer, TestApp, assert_error, read};
use crate::store_tests;

store_tests!(
    each_change_mails_the_right_people_with_a_valid_invite,
    mail_made_while_the_smtp_server_is_down_arrives_once_it_is_back,
    reminders_come_a_day_ahead_and_never_for_a_cancelled_booking,
    the_calendar_file_is_for_the_bookings_parties_only,
    names_cannot_add_headers_or_parts,
    mail_is_given_up_after_a_day_of_failures,
    booking_notifications_can_be_turned_off,
);

const BASE_URL: &str = "https://app.tripdesk.example";

async fn app_mailing_to(backend: Backend, smtp: &SmtpServer) -> TestApp {
    TestApp::spawn_with(
        backend,
        &[("SMTP_URL", &smtp.url()), ("PUBLIC_BASE_URL", BASE_URL)],
    )
    .await
}

/// What a test checks about one mail.
#[derive(Debug)]
pub(crate) struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    pub method: String,
    pub content_type: String,
    pub calendar: Calendar,
}

pub(crate) fn open(mail: &ReceivedMail) -> Mail {
    let parsed = mail.parsed();
    let to = parsed
        .to()
        .and_then(|to| to.first())
        .and_then(|address| address.address())
        .unwrap()
        .to_owned();
    let invite = parsed
        .attachments()
        .find(|part| part.attachment_name() == Some("invite.ics"))
        .expect("an invite.ics attachment");
    let content_type = invite.content_type().unwrap();
    let method = content_type
        .attribute("method")
        .unwrap_or_default()
        .to_owned();
    let ics = String::from_utf8(invite.contents().to_vec()).unwrap();
    Mail {
        to,
        subject: parsed.subject().unwrap().to_owned(),
        text: parsed.body_text(0).unwrap().into_owned(),
        html: parsed.body_html(0).unwrap().into_owned(),
        message_id: parsed.message_id().unwrap().to_owned(),
        method,
        content_type: format!(
            "{}/{}",
            content_type.ctype(),
            content_type.subtype().unwrap_or("")
        ),
        calendar: ics.parse().expect("a valid iCalendar file"),
    }
}

pub(crate) fn event(mail: &Mail) -> &icalendar::Event {
    mail.calendar.events().next().expect("one VEVENT")
}

/// The mails beyond the first `seen`, opened and sorted by recipient.
pub(crate) async fn new_mails(smtp: &SmtpServer, seen: usize, expected: usize) -> Vec<Mail> {
    let received = smtp.wait_for(seen + expected).await;
    // Nothing more arrives than expected.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let received_now = smtp.received();
    assert_eq!(
        received_now.len(),
        seen + expected,
        "exactly {expected} new mails"
    );
    let mut mails: Vec<Mail> = received[seen..].iter().map(open).collect();
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    mails
}

async fn each_change_mails_the_right_people_with_a_valid_invite(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (consultant, consultant_client) = app.consultant().await;
    let (customer, customer_user) = app.verified_customer("Ada Traveller").await;
    let customer_email = customer_user["email"].as_str().unwrap().to_owned();
    let (_, consultant_me) = read(consultant_client.get("/api/users/me").await).await;
    let consultant_email = consultant_me["user"]["email"].as_str().unwrap().to_owned();
    // Two days ahead: its reminders are not due while the test runs.
    let (status, created) = read(customer.book(&consultant, &app.at(2, 10, 0), 60).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["booking"]["id"].as_str().unwrap().to_owned();
    let uid = format!("{id}@app.tripdesk.example");

    let mails = new_mails(&smtp, 0, 2).await;
    let by = |email: &str| mails.iter().find(|mail| mail.to == email).unwrap();
    let (to_customer, to_consultant) = (by(&customer_email), by(&consultant_email));
    assert!(
        to_customer.subject.starts_with("Booking request received"),
        "{}",
        to_customer.subject
    );
    assert!(to_consultant.subject.starts_with("New booking request"));
    for mail in [to_customer, to_consultant] {
        assert_eq!(mail.method, "REQUEST");
        assert_eq!(mail.content_type, "text/calendar");
        assert_eq!(mail.calendar.property_value("METHOD"), Some("REQUEST"));
        let event = event(mail);
        assert_eq!(event.get_uid(), Some(uid.as_str()));
        assert_eq!(event.get_sequence(), Some(1));
        assert_eq!(event.property_value("STATUS"), Some("TENTATIVE"));
        let start = created["booking"]["startsAt"].as_str().unwrap();
        let compact = |text: &str| text.replace(['-', ':'], "").replace(".000", "");
        assert_eq!(
            event.property_value("DTSTART"),
            Some(compact(start).as_str())
        );
        let end = created["booking"]["endsAt"].as_str().unwrap();
        assert_eq!(event.property_value("DTEND"), Some(compact(end).as_str()));
        // Neither chose a zone: the consultant's (UTC here), by ICU4X.
        assert!(mail.text.contains("(GMT+00:00)"), "{}", mail.text);
        assert!(mail.html.contains("Azores"));
        assert!(mail.message_id.ends_with("@app.tripdesk.example"));
    }
    assert!(to_customer.text.contains("https://app.tripdesk.example/"));

    // Confirmed: both (the consultant's own calendar holds the event
    // too), SEQUENCE 2, CONFIRMED.
    let confirm = format!("/api/bookings/{id}/confirm");
    assert_eq!(
        consultant_client.post_empty(&confirm).await.status(),
        StatusCode::OK
    );
    let mails = new_mails(&smtp, 2, 2).await;
    assert_eq!(by_address(&mails, &customer_email).len(), 1);
    assert_eq!(by_address(&mails, &consultant_email).len(), 1);
    for mail in &mails {
        assert!(mail.subject.starts_with("Booking confirmed"));
        assert_eq!(event(mail).get_sequence(), Some(2));
        assert_eq!(event(mail).property_value("STATUS"), Some("CONFIRMED"));
    }

    // Moved: both, SEQUENCE 3, the new start, back to TENTATIVE.
    let moved_to = app.at(2, 11, 0);
    let response = customer
        .patch(
            &format!("/api/bookings/{id}"),
            &json!({"startsAt": moved_to}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mails = new_mails(&smtp, 4, 2).await;
    for mail in &mails {
        assert!(mail.subject.starts_with("Booking moved"));
        let event = event(mail);
        assert_eq!(event.get_uid(), Some(uid.as_str()));
        assert_eq!(event.get_sequence(), Some(3));
        assert_eq!(
            event.property_value("DTSTART"),
            Some(moved_to.replace(['-', ':'], "").as_str())
        );
    }

    // Cancelled by the customer: both get METHOD:CANCEL, the customer's
    // own calendar included; each mail says who cancelled.
    let cancel = format!("/api/bookings/{id}/cancel");
    let response = customer
        .post(&cancel, &json!({"reason": "Plans changed"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mails = new_mails(&smtp, 6, 2).await;
    for mail in &mails {
        assert_eq!(mail.method, "CANCEL");
        assert_eq!(mail.calendar.property_value("METHOD"), Some("CANCEL"));
        assert_eq!(event(mail).property_value("STATUS"), Some("CANCELLED"));
        assert_eq!(event(mail).get_sequence(), Some(4));
        assert!(mail.text.contains("Plans changed"));
    }
    let to_canceller = by_address(&mails, &customer_email)[0];
    assert!(
        to_canceller.text.contains("You cancelled"),
        "{}",
        to_canceller.text
    );
    let to_other = by_address(&mails, &consultant_email)[0];
    assert!(
        to_other.text.contains("Ada Traveller cancelled"),
        "{}",
        to_other.text
    );

    // An unverified customer gets nothing (but the registration's request
    // to verify the address); their consultant still does.
    let (unverified, _) = app.customer().await;
    smtp.wait_for(9).await;
    let (status, _) = read(unverified.book(&consultant, &app.at(2, 15, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let mails = new_mails(&smtp, 9, 1).await;
    assert_eq!(mails[0].to, consultant_email);
}

fn by_address<'a>(mails: &'a [Mail], address: &str) -> Vec<&'a Mail> {
    mails.iter().filter(|mail| mail.to == address).collect()
}

async fn mail_made_while_the_smtp_server_is_down_arrives_once_it_is_back(backend: Backend) {
    let mut smtp = SmtpServer::stopped();
    let app = app_mailing_to(backend, &smtp).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.verified_customer("Patient Traveller").await;
    for hour in [9, 10, 11] {
        let (status, body) = read(customer.book(&consultant, &app.at(2, hour, 0), 30).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // Every attempt so far failed; the retries are scheduled.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(smtp.received().is_empty());
    smtp.restart().await;
    // Past any backoff: each mail arrives, once.
    app.clock.advance(Duration::minutes(30));
    let mails = new_mails(&smtp, 0, 6).await;
    let mut ids: Vec<&str> = mails.iter().map(|mail| mail.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "six different notifications");
}

async fn reminders_come_a_day_ahead_and_never_for_a_cancelled_booking(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    let (consultant, _) = app.consultant_with("UTC", "mon-sun=00:00-23:30").await;
    let (customer, _) = app.verified_customer("Early Bird").await;
    // The first slot at least 25 hours ahead that leaves room for a second.
    let now = app.clock.now();
    let mut kept_at = (now + Duration::hours(25))
        .duration_trunc(Duration::minutes(30))
        .unwrap()
        + Duration::minutes(30);
    while kept_at.hour() >= 22 {
        kept_at += Duration::hours(1);
    }
    let at = tripdesk::domain::format_timestamp;
    let (status, kept) = read(customer.book(&consultant, &at(kept_at), 30).await).await;
    assert_eq!(status, StatusCode::CREATED, "{kept}");
    let later = kept_at + Duration::hours(1);
    let (status, cancelled) = read(customer.book(&consultant, &at(later), 30).await).await;
    assert_eq!(status, StatusCode::CREATED, "{cancelled}");
    let cancelled_id = cancelled["booking"]["id"].as_str().unwrap();
    customer
        .post_empty(&format!("/api/bookings/{cancelled_id}/cancel"))
        .await;
    // Created ×2 and cancelled ×1, each to the consultant and customer.
    let before = new_mails(&smtp, 0, 6).await;
    assert!(
        before
            .iter()
            .all(|mail| !mail.subject.starts_with("Reminder"))
    );
    // Once the kept booking is less than 24 hours away (the cancelled one
    // too, by then): the kept one's reminders only.
    app.clock
        .advance(later - now - Duration::hours(24) + Duration::minutes(1));
    let reminders = new_mails(&smtp, 6, 2).await;
    let kept_uid = format!(
        "{}@app.tripdesk.example",
        kept["booking"]["id"].as_str().unwrap()
    );
    for mail in &reminders {
        assert!(mail.subject.starts_with("Reminder"), "{}", mail.subject);
        assert_eq!(event(mail).get_uid(), Some(kept_uid.as_str()));
    }
}

async fn the_calendar_file_is_for_the_bookings_parties_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("PUBLIC_BASE_URL", BASE_URL)]).await;
    let (consultant, consultant_client) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let (_, created) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    let id = created["booking"]["id"].as_str().unwrap();
    let path = format!("/api/bookings/{id}/calendar.ics");
    for client in [&customer, &consultant_client] {
        let response = client.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/calendar")
        );
        let calendar: Calendar = response.text().await.unwrap().parse().unwrap();
        let event = calendar.events().next().unwrap();
        assert_eq!(
            event.get_uid(),
            Some(format!("{id}@app.tripdesk.example").as_str())
        );
        assert_eq!(event.get_sequence(), Some(1));
    }
    let (stranger, _) = app.customer().await;
    assert_error(
        stranger.get(&path).await,
        StatusCode::NOT_FOUND,
        "booking_not_found",
    )
    .await;
    assert_eq!(
        app.client().get(&path).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn names_cannot_add_headers_or_parts(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = app_mailing_to(backend, &smtp).await;
    for name in ["Mallory\r\nBcc: victim@example.com", "Eve\n\n--boundary"] {
        let response = app
            .client()
            .register("mallory@example.com", "a long enough secret", name)
            .await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_name").await;
    }
    // What is allowed in a name is quoted, never parsed as addresses.
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app
        .verified_customer(r#"Bob "the, builder" <x@evil.example>"#)
        .await;
    let (status, _) = read(customer.book(&consultant, &app.at(2, 9, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let mails = new_mails(&smtp, 0, 2).await;
    for mail in &mails {
        assert!(!mail.to.contains("evil.example"));
    }
    let raw: Vec<String> = smtp
        .received()
        .iter()
        .map(|mail| String::from_utf8_lossy(&mail.raw).into_owned())
        .collect();
    for text in raw {
        assert_eq!(
            text.matches("\nTo: ").count() + usize::from(text.starts_with("To: ")),
            1
        );
        assert!(!text.contains("\nBcc:"));
    }
}

async fn mail_is_given_up_after_a_day_of_failures(backend: Backend) {
    let mut smtp = SmtpServer::stopped();
    let app = TestApp::spawn_with(
        backend,
        &[
            ("SMTP_URL", &smtp.url()),
            ("PUBLIC_BASE_URL", BASE_URL),
            ("METRICS_ADDR", "127.0.0.1:0"),
        ],
    )
    .await;
    let (consultant, _) = app.consultant_with("UTC", "mon-sun=00:00-23:30").await;
    let (customer, _) = app.customer().await;
    // Within a day: no reminder, so the outbox empties when the mail is
    // given up.
    let mut start = (app.clock.now() + Duration::hours(3))
        .duration_trunc(Duration::minutes(30))
        .unwrap();
    if start.hour() == 23 && start.minute() == 30 {
        start += Duration::minutes(30);
    }
    let start = tripdesk::domain::format_timestamp(start);
    let (status, booked) = read(customer.book(&consultant, &start, 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let booking_id = booked["booking"]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(app.store.pending_messages(app.clock.now()).await.unwrap() >= 1);
    // A day of failures later the next attempt gives up.
    app.clock.advance(Duration::hours(25));
    let mut pending = u64::MAX;
    for _ in 0..100 {
        pending = app.store.pending_messages(app.clock.now()).await.unwrap();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(pending, 0, "the new-request mail was given up");
    let metrics = app.metrics_base.clone().unwrap();
    let text = reqwest::get(format!("{metrics}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.lines()
            .any(|line| line.starts_with("tripdesk_notifications_failed_total ")),
        "{text}"
    );
    // The server comes back: nothing given up is sent. (A port reserved
    // while stopped may be taken by another test's server meanwhile: only
    // this booking's mail counts.)
    smtp.restart().await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let ours: Vec<String> = smtp
        .received()
        .iter()
        .map(|mail| String::from_utf8_lossy(&mail.raw).into_owned())
        .filter(|raw| raw.contains(&booking_id))
        .collect();
    assert!(ours.is_empty(), "{ours:?}");
}

/// A staging copy of production data must not mail real customers.
async fn booking_notifications_can_be_turned_off(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(
        backend,
        &[
            ("SMTP_URL", &smtp.url()),
            ("BOOKING_NOTIFICATIONS", "false"),
        ],
    )
    .await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.verified_customer("Stacy Staging").await;
    let (status, _) = read(customer.book(&consultant, &app.at(3, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        app.store.pending_messages(app.clock.now()).await.unwrap(),
        0,
        "nothing queued"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(smtp.received().is_empty());
}
