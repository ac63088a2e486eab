//! Input the contract refuses, and its corrections: disguised text, leap
//! seconds, a day named twice, `"notes": null`, pages never stored.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, assert_error, read, unique_email};
use crate::store_tests;

store_tests!(
    invisible_and_encoded_text_is_refused_everywhere_it_is_shown,
    a_leap_second_and_a_day_named_twice_are_refused,
    null_notes_clear_them,
);

async fn invisible_and_encoded_text_is_refused_everywhere_it_is_shown(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for name in [
        "\u{3164}",
        "\u{2800}\u{2800}",
        "Ada\u{2028}Bcc: x",
        "\u{AD}",
    ] {
        let response = app
            .client()
            .register(&unique_email("text"), PASSWORD, name)
            .await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_name").await;
    }
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let mut body = crate::helpers::booking_body(&consultant, &app.at(2, 10, 0), 30);
    for (field, value, code) in [
        ("destination", "=?utf-8?b?4oCuZXhl?=", "invalid_destination"),
        ("destination", "Bali\u{E0041}", "invalid_destination"),
        ("notes", "line\u{2029}break", "invalid_notes"),
        ("notes", "Hi =?UTF-8?Q?=0ABcc:_x?=", "invalid_notes"),
    ] {
        body[field] = json!(value);
        let response = customer.post("/api/bookings", &body).await;
        assert_error(response, StatusCode::BAD_REQUEST, code).await;
        body = crate::helpers::booking_body(&consultant, &app.at(2, 10, 0), 30);
    }
    let (_, list) = read(customer.get("/api/bookings").await).await;
    assert_eq!(
        list["bookings"].as_array().unwrap().len(),
        0,
        "nothing made"
    );
}

async fn a_leap_second_and_a_day_named_twice_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, owner) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let leap = format!("{}T23:59:60Z", &app.at(2, 0, 0)[..10]);
    let response = customer.book(&consultant, &leap, 30).await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_starts_at").await;
    let response = owner
        .post(
            "/api/consultants/me/time-off",
            &json!({"startsAt": app.at(2, 9, 0), "endsAt": leap}),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_ends_at").await;

    let (_, before) = read(owner.get("/api/consultants/me/schedule").await).await;
    let twice = r#"{"timezone": "UTC", "workingHours": {"mon": ["09:00", "12:00"], "mon": ["13:00", "17:00"]}}"#;
    let response = owner
        .request(Method::PUT, "/api/consultants/me/schedule")
        .header("content-type", "application/json")
        .body(twice)
        .send()
        .await
        .unwrap();
    let error = assert_error(response, StatusCode::BAD_REQUEST, "invalid_working_hours").await;
    assert_eq!(error["field"], "workingHours");
    let (_, after) = read(owner.get("/api/consultants/me/schedule").await).await;
    assert_eq!(before, after, "nothing changed");
}

async fn null_notes_clear_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let (status, booked) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(booked["booking"]["notes"], "Whale watching, please");
    let path = format!(
        "/api/bookings/{}",
        booked["booking"]["id"].as_str().unwrap()
    );
    let (status, cleared) = read(customer.patch(&path, &json!({"notes": null})).await).await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert_eq!(cleared["booking"]["notes"], "");
    let (_, stored) = read(customer.get(&path).await).await;
    assert_eq!(stored["booking"]["notes"], "");
    let response = customer.patch(&path, &json!({})).await;
    assert_error(response, StatusCode::BAD_REQUEST, "empty_patch").await;
}

#[tokio::test]
async fn pages_that_mailed_links_open_are_never_stored() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = app.client();
    for (path, caching) in [
        ("/reset-password?token=abc", "no-store"),
        ("/verify-email?token=abc", "no-store"),
        ("/set-password?token=abc", "no-store"),
        ("/", "no-cache"),
    ] {
        let response = client.get(path).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-control"], caching, "{path}");
    }
}
