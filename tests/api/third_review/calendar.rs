//! Consultants' calendars: time off and bookings decided together, the
//! buffer kept on both sides, time off merged and bounded.

use futures_util::future::join;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestClient, assert_error, read};
use crate::store_tests;

store_tests!(
    a_booking_and_time_off_made_at_once_never_both_land,
    a_raised_buffer_keeps_new_bookings_apart_on_both_sides,
    time_off_is_merged_and_bounded,
    the_feed_publishes_every_live_booking_whatever_the_horizon,
);

async fn set_buffer(consultant: &TestClient, minutes: i64) {
    let schedule = json!({
        "timezone": "UTC", "workingHours": {"mon": ["08:00", "20:00"], "tue": ["08:00", "20:00"],
        "wed": ["08:00", "20:00"], "thu": ["08:00", "20:00"], "fri": ["08:00", "20:00"],
        "sat": ["08:00", "20:00"], "sun": ["08:00", "20:00"]},
        "bufferMinutes": minutes, "minimumNoticeMinutes": 0, "bookingHorizonDays": 365,
    });
    let response = consultant
        .send_json(Method::PUT, "/api/consultants/me/schedule", &schedule)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn add_time_off(consultant: &TestClient, from: &str, to: &str) -> reqwest::Response {
    consultant
        .post(
            "/api/consultants/me/time-off",
            &json!({"startsAt": from, "endsAt": to}),
        )
        .await
}

async fn a_booking_and_time_off_made_at_once_never_both_land(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("MAX_LIVE_BOOKINGS_PER_CUSTOMER", "100")]).await;
    let (consultant, owner) = app.consultant().await;
    set_buffer(&owner, 0).await;
    let (customer, _) = app.customer().await;
    let mut outcomes = Vec::new();
    for day in 2..22 {
        let (booked, away) = join(
            customer.book(&consultant, &app.at(day, 10, 0), 30),
            add_time_off(&owner, &app.at(day, 9, 0), &app.at(day, 12, 0)),
        )
        .await;
        let (booked, away) = (booked.status(), away.status());
        assert!(
            !(booked == StatusCode::CREATED && away == StatusCode::CREATED),
            "day {day}: both landed"
        );
        assert!(
            [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY].contains(&booked),
            "{booked}"
        );
        assert!(
            [StatusCode::CREATED, StatusCode::CONFLICT].contains(&away),
            "{away}"
        );
        outcomes.push((booked, away));
    }
    // What was answered is what stands: the consultant's list shows each
    // day's time off exactly when it was accepted.
    let (_, listed) = read(owner.get("/api/consultants/me/time-off").await).await;
    let kept = outcomes
        .iter()
        .filter(|(_, away)| *away == StatusCode::CREATED)
        .count();
    assert_eq!(listed["timeOff"].as_array().unwrap().len(), kept);
}

async fn a_raised_buffer_keeps_new_bookings_apart_on_both_sides(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, owner) = app.consultant().await;
    set_buffer(&owner, 0).await;
    let (customer, _) = app.customer().await;
    let (status, _) = read(customer.book(&consultant, &app.at(3, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    set_buffer(&owner, 60).await;
    for (hour, minute) in [(9, 0), (9, 30), (10, 30), (11, 0)] {
        let response = customer
            .book(&consultant, &app.at(3, hour, minute), 30)
            .await;
        assert_error(response, StatusCode::CONFLICT, "slot_unavailable").await;
    }
    let path = format!(
        "/api/consultants/{}/availability?from={}&days=1",
        consultant.id,
        &app.at(3, 0, 0)[..10]
    );
    let (_, body) = read(app.client().get(&path).await).await;
    let near: Vec<&str> = body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| &slot["startsAt"].as_str().unwrap()[11..16])
        .filter(|time| ("08:00".."12:30").contains(time))
        .collect();
    assert_eq!(near, ["08:00", "08:30", "11:30", "12:00"]);
    for (hour, minute) in [(11, 30), (8, 30)] {
        let response = customer
            .book(&consultant, &app.at(3, hour, minute), 30)
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
}

async fn time_off_is_merged_and_bounded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, owner) = app.consultant().await;
    let (status, first) =
        read(add_time_off(&owner, &app.at(400, 9, 0), &app.at(400, 12, 0)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, merged) =
        read(add_time_off(&owner, &app.at(400, 11, 0), &app.at(400, 15, 0)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{merged}");
    let range = |body: &Value| {
        (
            body["timeOff"]["startsAt"].as_str().unwrap().to_owned(),
            body["timeOff"]["endsAt"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(range(&merged), (app.at(400, 9, 0), app.at(400, 15, 0)));
    let (_, listed) = read(owner.get("/api/consultants/me/time-off").await).await;
    assert_eq!(listed["timeOff"].as_array().unwrap().len(), 1, "{listed}");

    for n in 0..499 {
        let response = add_time_off(&owner, &app.at(2 + n, 1, 0), &app.at(2 + n, 2, 0)).await;
        assert_eq!(response.status(), StatusCode::CREATED, "entry {n}");
    }
    let refused = add_time_off(&owner, &app.at(600, 1, 0), &app.at(600, 2, 0)).await;
    assert_error(refused, StatusCode::CONFLICT, "too_many_time_off").await;
    // One merging into an existing entry adds none, and is taken.
    let inside = add_time_off(&owner, &app.at(400, 10, 0), &app.at(400, 16, 0)).await;
    assert_eq!(inside.status(), StatusCode::CREATED);
    let (_, listed) = read(owner.get("/api/consultants/me/time-off").await).await;
    assert_eq!(listed["timeOff"].as_array().unwrap().len(), 500);
}

async fn the_feed_publishes_every_live_booking_whatever_the_horizon(backend: Backend) {
    let base = "https://app.tripdesk.example";
    let app = TestApp::spawn_with(backend, &[("PUBLIC_BASE_URL", base)]).await;
    let (consultant, owner) = app.consultant().await;
    let (customer, _) = app.verified_customer("Ada Traveller").await;
    let (status, booked) = read(customer.book(&consultant, &app.at(20, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let (_, feed) = read(owner.post_empty("/api/consultants/me/calendar-feed").await).await;
    let path = feed["url"]
        .as_str()
        .unwrap()
        .trim_start_matches(base)
        .to_owned();
    // The consultant now takes bookings a week ahead only.
    let schedule = json!({"timezone": "UTC", "workingHours": {"mon": ["08:00", "20:00"]},
                          "bookingHorizonDays": 7});
    let response = owner
        .send_json(Method::PUT, "/api/consultants/me/schedule", &schedule)
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let text = app.client().get(&path).await.text().await.unwrap();
    let calendar: icalendar::Calendar = text.parse().expect("a valid feed");
    use icalendar::Component;
    let events: Vec<_> = calendar.events().collect();
    assert_eq!(events.len(), 1, "the booking made before stays: {text}");
    let event = events[0];
    let attendees =
        |event: &icalendar::Event| event.multi_properties().get("ATTENDEE").map_or(0, Vec::len);
    assert_eq!(attendees(event), 0, "PUBLISH: no attendee");
    assert!(!text.contains("ATTENDEE"));
    assert!(event.property_value("ORGANIZER").is_some());
    assert!(event.get_summary().unwrap().contains("Ada Traveller"));
    assert!(event.get_description().unwrap().contains("Ada Traveller"));
    assert_eq!(calendar.property_value("METHOD"), Some("PUBLISH"));
    let product = calendar.property_value("PRODID").unwrap();
    assert!(product.starts_with("-//tripdesk//tripdesk "), "{product}");

    let id = booked["booking"]["id"].as_str().unwrap();
    let invite = customer
        .get(&format!("/api/bookings/{id}/calendar.ics"))
        .await
        .text()
        .await
        .unwrap();
    let invite: icalendar::Calendar = invite.parse().unwrap();
    assert_eq!(invite.property_value("PRODID"), Some(product));
    let invited = invite.events().next().unwrap();
    assert_eq!(attendees(invited), 1, "an invitation names its attendee");
}
