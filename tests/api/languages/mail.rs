//! Every mail in its reader's language and time zone: two customers of one
//! consultant, each in their own; the consultant in theirs; and a change
//! made from a browser that asks for another language.

use chrono::{DateTime, Utc};
use icalendar::Component;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, ReceivedMail, SmtpServer, TestApp, TestClient, read};
use crate::store_tests;

store_tests!(
    each_reader_gets_their_own_language_and_zone_and_keeps_it,
    staff_the_agency_invites_read_its_language,
);

const BASE_URL: &str = "https://app.tripdesk.example";

/// A verified customer of `app` who chose `locale` and `zone`.
async fn customer_in(app: &TestApp, name: &str, locale: &str, zone: &str) -> (TestClient, String) {
    let (client, user) = app.verified_customer(name).await;
    let profile = json!({"locale": locale, "timezone": zone});
    let (status, body) = read(client.patch("/api/users/me", &profile).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (client, user["email"].as_str().unwrap().to_owned())
}

/// The mails to `to` whose subject starts with `subject`, once `count`
/// arrived.
async fn mails(smtp: &SmtpServer, to: &str, subject: &str, count: usize) -> Vec<ReceivedMail> {
    for _ in 0..400 {
        let found: Vec<ReceivedMail> = smtp
            .received()
            .into_iter()
            .filter(|mail| {
                let (recipient, title, _) = crate::helpers::opened(mail);
                recipient == to && title.starts_with(subject)
            })
            .collect();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("expected {count} mails '{subject}…' to {to}");
}

/// An app that mails `smtp`, with `vars` besides.
async fn mailing_app(backend: Backend, smtp: &SmtpServer, vars: &[(&str, &str)]) -> TestApp {
    let url = smtp.url();
    let mut env = vec![("SMTP_URL", url.as_str()), ("PUBLIC_BASE_URL", BASE_URL)];
    env.extend_from_slice(vars);
    TestApp::spawn_with(backend, &env).await
}

/// Its `Content-Language`, its text, and its invite's SUMMARY.
fn read_mail(mail: &ReceivedMail) -> (String, String, String) {
    let parsed = mail.parsed();
    let language = parsed
        .header_raw("Content-Language")
        .unwrap()
        .trim()
        .to_owned();
    let text = parsed.body_text(0).unwrap().into_owned();
    let invite = parsed
        .attachments()
        .next()
        .unwrap()
        .text_contents()
        .unwrap();
    let calendar: icalendar::Calendar = invite.parse().unwrap();
    let summary = calendar
        .events()
        .next()
        .unwrap()
        .property_value("SUMMARY")
        .unwrap()
        .to_owned();
    (language, text, summary)
}

/// `at` (RFC 3339) on the wall clock of `zone`, as `HH:MM`.
fn wall_clock(at: &str, zone: chrono_tz::Tz) -> String {
    let at: DateTime<Utc> = at.parse().unwrap();
    at.with_timezone(&zone).format("%H:%M").to_string()
}

async fn each_reader_gets_their_own_language_and_zone_and_keeps_it(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = mailing_app(backend, &smtp, &[]).await;
    let (consultant, consultant_client) = app.consultant().await;
    let (_, me) = read(consultant_client.get("/api/users/me").await).await;
    let consultant_email = me["user"]["email"].as_str().unwrap().to_owned();
    let (yuki, yuki_email) = customer_in(&app, "Yuki Tanaka", "ja", "Asia/Tokyo").await;
    let (lola, lola_email) = customer_in(&app, "Lola Martín", "es", "Europe/Madrid").await;

    let (yuki_at, lola_at) = (app.at(2, 10, 0), app.at(2, 12, 0));
    let (status, yuki_booking) = read(yuki.book(&consultant, &yuki_at, 60).await).await;
    assert_eq!(status, StatusCode::CREATED, "{yuki_booking}");
    let (status, body) = read(lola.book(&consultant, &lola_at, 60).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let to_yuki = &mails(&smtp, &yuki_email, "ご予約リクエストを受け付けました", 1).await[0];
    let (language, text, summary) = read_mail(to_yuki);
    assert_eq!(language, "ja");
    let tokyo = chrono_tz::Asia::Tokyo;
    let (from, to) = (
        wall_clock(&yuki_at, tokyo),
        wall_clock(&app.at(2, 11, 0), tokyo),
    );
    assert!(
        text.contains(&format!("{from}～{to}（日本時間）")),
        "{text}"
    );
    assert!(text.starts_with("Yuki Tanaka 様"), "{text}");
    assert!(summary.starts_with("旅行のご相談"), "{summary}");

    let to_lola = &mails(&smtp, &lola_email, "Hemos recibido su solicitud de cita", 1).await[0];
    let (language, text, summary) = read_mail(to_lola);
    assert_eq!(language, "es");
    let madrid = chrono_tz::Europe::Madrid;
    let (from, to) = (
        wall_clock(&lola_at, madrid),
        wall_clock(&app.at(2, 13, 0), madrid),
    );
    assert!(
        text.contains(&format!("de {from} a {to} (hora de España)")),
        "{text}"
    );
    assert!(summary.starts_with("Asesoramiento de viaje"), "{summary}");

    // The consultant reads both in their own language (English: they never
    // chose another), in their own zone.
    let to_consultant = mails(&smtp, &consultant_email, "New booking request", 2).await;
    for mail in &to_consultant {
        let (language, text, _) = read_mail(mail);
        assert_eq!(language, "en");
        assert!(text.starts_with("Hello "), "{text}");
    }

    // Yuki moves the booking from a browser asking for French: her mail
    // stays Japanese, the consultant's English.
    let id = yuki_booking["booking"]["id"].as_str().unwrap();
    let moved_to = app.at(2, 8, 0);
    let response = yuki
        .request(Method::PATCH, &format!("/api/bookings/{id}"))
        .header("accept-language", "fr")
        .json(&json!({"startsAt": moved_to}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let moved = &mails(&smtp, &yuki_email, "ご予約日時変更のお知らせ", 1).await[0];
    let (language, text, _) = read_mail(moved);
    assert_eq!(language, "ja");
    let from = wall_clock(&moved_to, tokyo);
    assert!(text.contains(&format!("{from}～")), "{text}");
    let moved = mails(&smtp, &consultant_email, "Booking moved", 1).await;
    assert_eq!(read_mail(&moved[0]).0, "en");
}

/// A consultant the agency invites has no language of their own yet: the
/// invitation, and what follows until they choose, is in the agency's.
async fn staff_the_agency_invites_read_its_language(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = mailing_app(backend, &smtp, &[("DEFAULT_LOCALE", "it")]).await;
    let (staff, _) = app.admin().await;
    let email = crate::helpers::unique_email("invited");
    let body = json!({
        "email": email, "name": "Giulia Romano", "languages": ["it", "en"],
        "specialties": ["Tuscany"],
        "schedule": {"timezone": "Europe/Rome", "workingHours": {"mon": ["09:00", "15:00"]}},
    });
    let (status, created) = read(staff.post("/api/admin/consultants", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let invitation = &mails(&smtp, &email, "Il Suo invito a tripdesk", 1).await[0];
    let parsed = invitation.parsed();
    assert_eq!(
        parsed.header_raw("Content-Language").map(str::trim),
        Some("it")
    );
    let text = parsed.body_text(0).unwrap();
    assert!(text.starts_with("Gentile Giulia Romano,"), "{text}");
    assert!(text.contains("valido per 72 ore"), "{text}");
}
