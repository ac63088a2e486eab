//! Health, readiness, and durability across restarts.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp, read};
use crate::store_tests;

store_tests!(
    health_and_readiness,
    sessions_and_bookings_survive_a_restart
);

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = read(app.client().get("/health").await).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
    let (status, body) = read(app.client().get("/ready").await).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ready"})));
}

async fn sessions_and_bookings_survive_a_restart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, user) = app.customer().await;
    let (status, booked) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, sessions_before) = read(customer.get("/api/users/me/sessions").await).await;

    let app = app.restart().await;
    let customer = customer.at(&app.base);
    let (status, me) = read(customer.get("/api/users/me").await).await;
    assert_eq!(status, StatusCode::OK, "the same cookie still works");
    assert_eq!(me["user"], user);
    let (_, list) = read(customer.get("/api/bookings").await).await;
    assert_eq!(list["bookings"], json!([booked["booking"]]));
    let (_, sessions_after) = read(customer.get("/api/users/me/sessions").await).await;
    assert_eq!(
        sessions_after["sessions"][0]["id"],
        sessions_before["sessions"][0]["id"]
    );
    // And the slot is still taken.
    let (other, _) = app.customer().await;
    assert_eq!(
        other
            .book(&consultant, &app.at(2, 10, 0), 30)
            .await
            .status(),
        StatusCode::CONFLICT
    );
}
