//! Video meetings: a `video` booking gets its room when confirmed, keeps it
//! when moved, shows it to its parties and in their mails and invites, and
//! never to webhooks; other modes have none.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, Receiver, SmtpServer, TestApp, TestClient, mails_to, read};
use crate::store_tests;

store_tests!(a_confirmed_video_booking_has_a_room_for_its_parties_only);

const ROOMS: &str = "https://video.agency.example/rooms";

async fn booking(client: &TestClient, path: &str) -> Value {
    let (status, body) = read(client.get(path).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["booking"].clone()
}

async fn a_confirmed_video_booking_has_a_room_for_its_parties_only(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let smtp_url = smtp.url();
    let vars = [
        ("VIDEO_MEETING_BASE_URL", ROOMS),
        ("SMTP_URL", smtp_url.as_str()),
        ("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
    ];
    let app = TestApp::spawn_with(backend, &vars).await;
    let (staff, _) = app.admin().await;
    let crm = Receiver::start(&[]).await;
    let subscription = json!({"url": crm.url, "events": ["booking.confirmed"]});
    let (status, _) = read(staff.post("/api/admin/webhooks", &subscription).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let (consultant, desk) = app.consultant().await;
    let (customer, me) = app.verified_customer("Ada").await;
    let (_, booked) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    let path = format!(
        "/api/bookings/{}",
        booked["booking"]["id"].as_str().unwrap()
    );
    assert!(
        booked["booking"].get("meetingUrl").is_none(),
        "not before confirmation"
    );

    let (status, confirmed) = read(desk.post_empty(&format!("{path}/confirm")).await).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    let room = confirmed["booking"]["meetingUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let name = room.strip_prefix(&format!("{ROOMS}/")).unwrap();
    assert!(
        name.len() == 32 && name.bytes().all(|byte| byte.is_ascii_hexdigit()),
        "{room}"
    );
    assert_eq!(booking(&customer, &path).await["meetingUrl"], room.as_str());

    // In the customer's mail and invite; not in the webhook's body.
    let to = me["email"].as_str().unwrap();
    let mails = mails_to(&smtp, to, "Booking confirmed: Azores", 1).await;
    assert!(
        mails[0].contains(&format!("Video call: {room}")),
        "{}",
        mails[0]
    );
    let invite = smtp
        .received()
        .iter()
        .filter(|mail| mail.parsed().subject() == Some("Booking confirmed: Azores"))
        .flat_map(|mail| {
            let parsed = mail.parsed();
            let files: Vec<String> = parsed
                .attachments()
                .map(|file| {
                    let text = String::from_utf8_lossy(file.contents()).into_owned();
                    text.replace("\r\n ", "").replace("\n ", "")
                })
                .collect();
            files
        })
        .next()
        .expect("the confirmation carries its invite");
    assert!(invite.contains(&format!("LOCATION:{room}")), "{invite}");
    assert!(invite.contains(&format!("URL:{room}")), "{invite}");
    let delivered = crm.wait_for(1).await;
    assert!(!delivered[0].body.contains(&room), "{}", delivered[0].body);
    assert!(!delivered[0].body.contains("meetingUrl"));

    // Moved: pending again, the same room; a phone booking has none.
    let moved = json!({"startsAt": app.at(3, 11, 0)});
    let (status, body) = read(customer.send_json(Method::PATCH, &path, &moved).await).await;
    assert_eq!(
        (status, body["booking"]["status"].as_str()),
        (StatusCode::OK, Some("pending"))
    );
    assert_eq!(body["booking"]["meetingUrl"], room.as_str());
    let (_, again) = read(desk.post_empty(&format!("{path}/confirm")).await).await;
    assert_eq!(again["booking"]["meetingUrl"], room.as_str());
    let by_phone = json!({"mode": "phone"});
    let (_, body) = read(customer.send_json(Method::PATCH, &path, &by_phone).await).await;
    assert!(body["booking"].get("meetingUrl").is_none(), "{body}");
    assert!(booking(&desk, &path).await.get("meetingUrl").is_none());
}
