//! The cancellation policy: past the consultant's `cancellationNoticeMinutes`
//! a customer can no longer cancel or move a booking; the consultant can.

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tripdesk::domain::Clock;

use crate::helpers::{Backend, TestApp, TestClient, read};
use crate::store_tests;

store_tests!(past_the_cancellation_notice_only_the_consultant_cancels);

/// Puts the schedule (every day 08:00–20:00 UTC) with this cancellation
/// notice; the answer.
async fn with_notice(consultant: &TestClient, minutes: i64) -> (StatusCode, Value) {
    let hours: serde_json::Map<String, Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|day| (day.to_string(), json!(["08:00", "20:00"])))
        .collect();
    let schedule = json!({
        "timezone": "UTC", "workingHours": hours, "cancellationNoticeMinutes": minutes,
    });
    let response = consultant
        .send_json(Method::PUT, "/api/consultants/me/schedule", &schedule)
        .await;
    read(response).await
}

async fn past_the_cancellation_notice_only_the_consultant_cancels(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, desk) = app.consultant().await;
    let (status, refused) = with_notice(&desk, 10_081).await;
    assert_eq!(
        (status, refused["errors"][0]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_cancellation_notice"))
    );
    let (status, body) = with_notice(&desk, 1440).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, schedule) = read(desk.get("/api/consultants/me/schedule").await).await;
    assert_eq!(schedule["schedule"]["cancellationNoticeMinutes"], 1440);
    // Customers see the policy before they book.
    let profile = format!("/api/consultants/{}", consultant.id);
    let (_, public) = read(app.client().get(&profile).await).await;
    assert_eq!(public["consultant"]["cancellationNoticeMinutes"], 1440);

    let (customer, _) = app.customer().await;
    let mut booked = Vec::new();
    for hour in [10, 11] {
        let (status, body) = read(customer.book(&consultant, &app.at(3, hour, 0), 30).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        booked.push(body["booking"].clone());
    }
    let path = |booking: &Value| format!("/api/bookings/{}", booking["id"].as_str().unwrap());
    // In time: the customer cancels the first.
    let (status, _) = read(
        customer
            .post_empty(&format!("{}/cancel", path(&booked[0])))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Twelve hours before the second, the customer can neither cancel nor
    // move it, only edit its notes; its consultant can cancel it.
    let start: DateTime<Utc> = booked[1]["startsAt"].as_str().unwrap().parse().unwrap();
    app.clock
        .advance(start - chrono::Duration::hours(12) - app.clock.now());
    let second = path(&booked[1]);
    let too_late = |(status, body): (StatusCode, Value)| {
        assert_eq!(
            (status, body["errors"][0]["code"].as_str()),
            (StatusCode::CONFLICT, Some("too_late_to_change")),
            "{body}"
        );
    };
    too_late(read(customer.post_empty(&format!("{second}/cancel")).await).await);
    let moved = json!({"startsAt": app.at(5, 10, 0)});
    too_late(read(customer.send_json(Method::PATCH, &second, &moved).await).await);
    let notes = json!({"notes": "Window seat, please"});
    let (status, _) = read(customer.send_json(Method::PATCH, &second, &notes).await).await;
    assert_eq!(status, StatusCode::OK);
    let (status, cancelled) = read(desk.post_empty(&format!("{second}/cancel")).await).await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["booking"]["status"], "cancelled");
}
