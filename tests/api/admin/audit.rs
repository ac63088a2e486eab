//! The audit log: what each action records, who and which request did it,
//! the filters and pages of `GET /api/admin/audit`, and a booking's history.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::audit;
use crate::helpers::{
    Backend, PASSWORD, SmtpServer, TestApp, assert_error, mails_to, read, unique_email,
};
use crate::store_tests;

store_tests!(
    every_action_is_logged_with_its_actor_and_request,
    the_log_is_filtered_and_paged_newest_first,
    a_bookings_history_is_for_its_consultant_and_staff,
);

async fn every_action_is_logged_with_its_actor_and_request(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(
        backend,
        &[
            ("SMTP_URL", &smtp.url()),
            ("PUBLIC_BASE_URL", "https://app.tripdesk.example"),
        ],
    )
    .await;
    let (staff, _) = app.admin().await;
    let (consultant, _) = app.consultant().await;

    // Registration, with the request id the app sent.
    let email = unique_email("Logged");
    let client = app.client();
    let response = client
        .request(reqwest::Method::POST, "/api/users/register")
        .header("x-request-id", "signup-7")
        .json(&json!({"email": email, "password": PASSWORD, "name": "Lou"}))
        .send()
        .await
        .unwrap();
    let (status, registered) = read(response).await;
    assert_eq!(status, StatusCode::CREATED);
    let user = registered["user"]["id"].as_str().unwrap().to_owned();
    let entries = audit(&staff, &format!("targetId={user}")).await;
    let registration = entries
        .iter()
        .find(|e| e["action"] == "user.registered")
        .unwrap();
    assert_eq!(registration["requestId"], "signup-7");
    assert_eq!(
        registration["actor"],
        json!({"id": user, "role": "customer"})
    );
    assert_eq!(registration["targetType"], "user");

    // A failed login: the normalised address, never the password; no actor.
    let wrong = app
        .client()
        .login(&email.to_uppercase(), "Tr0ub4dor&3-guess")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let failed = audit(&staff, "action=user.login_failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["details"]["email"], email.to_lowercase());
    assert_eq!(failed[0]["actor"], Value::Null);
    assert_eq!(failed[0]["targetId"], user);
    assert!(!failed[0].to_string().contains("Tr0ub4dor"));
    let unknown = app.client().login("nobody@example.com", "whatever").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let failed = audit(&staff, "action=user.login_failed").await;
    assert_eq!(failed[0]["targetId"], "nobody@example.com");
    assert_eq!(
        client.login(&email, PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        audit(&staff, &format!("actorId={user}&action=user.login"))
            .await
            .len(),
        1
    );

    // A booking made, moved and cancelled: old and new start, the reason.
    let (status, booked) = read(client.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = booked["booking"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/bookings/{id}");
    client
        .patch(
            &path,
            &json!({"startsAt": app.at(2, 11, 0), "notes": "Bring maps"}),
        )
        .await;
    client
        .post(
            &format!("{path}/cancel"),
            &json!({"reason": "Found a deal"}),
        )
        .await;
    let story = audit(&staff, &format!("targetId={id}")).await;
    let find = |action: &str| {
        story
            .iter()
            .find(|entry| entry["action"] == action)
            .unwrap()
    };
    assert_eq!(
        find("booking.created")["details"]["startsAt"],
        app.at(2, 10, 0)
    );
    assert_eq!(
        find("booking.rescheduled")["details"]["fromStartsAt"],
        app.at(2, 10, 0)
    );
    assert_eq!(
        find("booking.rescheduled")["details"]["toStartsAt"],
        app.at(2, 11, 0)
    );
    let notes = find("booking.notes_changed");
    assert!(
        !notes.to_string().contains("Bring maps"),
        "notes stay out of the log"
    );
    assert_eq!(
        find("booking.cancelled")["details"]["reason"],
        "Found a deal"
    );
    assert_eq!(find("booking.cancelled")["details"]["by"], "customer");
    // Everything the customer did, newest first: their acts on bookings
    // (found through their bookings) and on their account, merged; a page
    // at a time, too.
    let acts: Vec<String> = audit(&staff, &format!("actorId={user}&limit=2"))
        .await
        .iter()
        .map(|entry| entry["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        acts,
        [
            "booking.cancelled",
            "booking.notes_changed",
            "booking.rescheduled",
            "booking.created",
            "user.login",
            "user.registered",
        ]
    );

    // The consultant's own mail (the customer is unverified) is logged as
    // sent, with its subject, by the service.
    let (_, staff_view) = read(
        staff
            .get(&format!("/api/admin/consultants/{}", consultant.id))
            .await,
    )
    .await;
    let to = staff_view["consultant"]["email"].as_str().unwrap();
    mails_to(&smtp, to, "Booking cancelled: Azores", 1).await;
    let mut sent = Vec::new();
    for _ in 0..100 {
        sent = audit(&staff, &format!("targetId={id}&action=mail.sent")).await;
        if sent.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let subjects: Vec<&str> = sent
        .iter()
        .map(|e| e["details"]["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(&"Booking cancelled: Azores"),
        "{subjects:?}"
    );
    assert!(
        sent.iter()
            .all(|e| e["actor"].is_null() && e["targetType"] == "booking")
    );
}

async fn the_log_is_filtered_and_paged_newest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, staff_user) = app.admin().await;
    let mut customers = Vec::new();
    for _ in 0..5 {
        customers.push(app.customer().await.1["id"].as_str().unwrap().to_owned());
        app.clock.advance(chrono::Duration::seconds(1));
    }
    let registered = audit(&staff, "action=user.registered&limit=2").await;
    let targets: Vec<&str> = registered
        .iter()
        .map(|e| e["targetId"].as_str().unwrap())
        .collect();
    let newest_first: Vec<&str> = customers.iter().rev().map(String::as_str).collect();
    assert_eq!(targets, newest_first, "three pages of two, newest first");
    let (_, page) = read(
        staff
            .get("/api/admin/audit?action=user.registered&limit=2")
            .await,
    )
    .await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    assert!(page["nextCursor"].is_string());

    // A time window, an actor.
    let (from, to) = (
        registered[3]["at"].as_str().unwrap().to_owned(),
        registered[1]["at"].as_str().unwrap().to_owned(),
    );
    let window = audit(
        &staff,
        &format!("action=user.registered&from={from}&to={to}"),
    )
    .await;
    assert_eq!(window.len(), 2);
    let staff_id = staff_user["id"].as_str().unwrap();
    let by_staff = audit(&staff, &format!("actorId={staff_id}")).await;
    assert!(by_staff.iter().all(|e| e["actor"]["id"] == staff_id));
    assert!(by_staff.iter().any(|e| e["action"] == "user.login"));

    for (query, code) in [
        ("action=booking.eaten", "invalid_action"),
        ("actorId=x", "invalid_id"),
        ("from=yesterday", "invalid_from"),
        ("limit=101", "invalid_limit"),
        ("cursor=abc", "invalid_cursor"),
    ] {
        let response = staff.get(&format!("/api/admin/audit?{query}")).await;
        assert_error(response, StatusCode::BAD_REQUEST, code).await;
    }
}

async fn a_bookings_history_is_for_its_consultant_and_staff(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let (connie, connie_client) = app.consultant().await;
    let (_, stranger) = app.consultant().await;
    let (ada, _) = app.customer().await;
    let (_, booked) = read(ada.book(&connie, &app.at(2, 10, 0), 30).await).await;
    let id = booked["booking"]["id"].as_str().unwrap();
    let history = format!("/api/bookings/{id}/history");
    connie_client
        .post_empty(&format!("/api/bookings/{id}/confirm"))
        .await;

    for reader in [&connie_client, &staff] {
        let (status, body) = read(reader.get(&history).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let actions: Vec<&str> = body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["booking.created", "booking.confirmed"],
            "oldest first"
        );
        assert_eq!(body["entries"][1]["actor"]["role"], "consultant");
    }
    for outsider in [&ada, &stranger] {
        assert_error(
            outsider.get(&history).await,
            StatusCode::NOT_FOUND,
            "booking_not_found",
        )
        .await;
    }
    assert_error(
        app.client().get(&history).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let missing = staff
        .get("/api/bookings/0123456789abcdef01234567/history")
        .await;
    assert_error(missing, StatusCode::NOT_FOUND, "booking_not_found").await;
}
