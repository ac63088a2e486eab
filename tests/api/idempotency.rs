//! `Idempotency-Key` on `POST /api/bookings`: mobile apps retry on flaky networks.

use chrono::Duration;
use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::helpers::{Backend, TestApp, TestClient, assert_error, booking_body, read};
use crate::store_tests;

store_tests!(
    a_retry_gets_the_first_response_and_books_nothing,
    a_key_reused_for_another_request_is_refused,
    keys_belong_to_one_user,
    concurrent_requests_with_one_key_make_one_booking,
    keys_are_forgotten_after_a_day,
    a_refusal_is_replayed_too,
    malformed_keys_are_refused,
);

async fn post(client: &TestClient, key: &str, body: &Value) -> Response {
    client
        .request(reqwest::Method::POST, "/api/bookings")
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn bookings(client: &TestClient) -> Vec<Value> {
    let (_, list) = read(client.get("/api/bookings").await).await;
    list["bookings"].as_array().unwrap().clone()
}

async fn a_retry_gets_the_first_response_and_books_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let body = booking_body(&consultant, &app.at(2, 10, 0), 30);

    let first = post(&customer, "7c9e6679-7425-40de-944b-e07fc1f90ae7", &body).await;
    let location = first.headers()["location"].clone();
    assert!(first.headers().get("idempotent-replayed").is_none());
    let (status, created) = read(first).await;
    assert_eq!(status, StatusCode::CREATED);

    let retry = post(&customer, "7c9e6679-7425-40de-944b-e07fc1f90ae7", &body).await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.headers()["location"], location);
    let (status, replayed) = read(retry).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, created.clone()));
    assert_eq!(bookings(&customer).await, [created["booking"].clone()]);
}

async fn a_key_reused_for_another_request_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    post(
        &customer,
        "order-1",
        &booking_body(&consultant, &app.at(2, 10, 0), 30),
    )
    .await;
    let different = booking_body(&consultant, &app.at(2, 14, 0), 30);
    let error = assert_error(
        post(&customer, "order-1", &different).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(error["field"], "Idempotency-Key");
    assert_eq!(bookings(&customer).await.len(), 1);
    // Without the key, that request is simply made.
    assert_eq!(
        customer.post("/api/bookings", &different).await.status(),
        StatusCode::CREATED
    );
}

async fn keys_belong_to_one_user(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (alice, _) = app.customer().await;
    let (bob, _) = app.customer().await;
    let (status, _) = read(
        post(
            &alice,
            "same-key",
            &booking_body(&consultant, &app.at(2, 10, 0), 30),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let response = post(
        &bob,
        "same-key",
        &booking_body(&consultant, &app.at(2, 11, 0), 30),
    )
    .await;
    assert!(response.headers().get("idempotent-replayed").is_none());
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(bookings(&bob).await.len(), 1);
}

async fn concurrent_requests_with_one_key_make_one_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let body = booking_body(&consultant, &app.at(3, 10, 0), 60);
    let requests = (0..8).map(|_| {
        let (customer, body) = (customer.clone(), body.clone());
        tokio::spawn(async move { read(post(&customer, "tap-tap-tap", &body).await).await })
    });
    let responses: Vec<_> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let list = bookings(&customer).await;
    assert_eq!(list.len(), 1, "{responses:?}");
    for (status, body) in &responses {
        match *status {
            StatusCode::CREATED => assert_eq!(body["booking"], list[0]),
            StatusCode::CONFLICT => assert_eq!(body["errors"][0]["code"], "idempotency_key_in_use"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(
        responses
            .iter()
            .filter(|(status, _)| *status == StatusCode::CREATED)
            .count()
            >= 1
    );
}

async fn keys_are_forgotten_after_a_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    post(
        &customer,
        "daily",
        &booking_body(&consultant, &app.at(3, 10, 0), 30),
    )
    .await;
    app.clock.advance(Duration::hours(24));
    let (status, body) = read(
        post(
            &customer,
            "daily",
            &booking_body(&consultant, &app.at(3, 11, 0), 30),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(bookings(&customer).await.len(), 2);
}

async fn a_refusal_is_replayed_too(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (alice, _) = app.customer().await;
    let (bob, _) = app.customer().await;
    let body = booking_body(&consultant, &app.at(2, 10, 0), 30);
    alice.post("/api/bookings", &body).await;
    assert_error(
        post(&bob, "attempt", &body).await,
        StatusCode::CONFLICT,
        "slot_unavailable",
    )
    .await;
    // Alice cancels; Bob's retry still gets the first answer, not a booking.
    let id = bookings(&alice).await[0]["id"].as_str().unwrap().to_owned();
    alice
        .post_empty(&format!("/api/bookings/{id}/cancel"))
        .await;
    let retry = post(&bob, "attempt", &body).await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_error(retry, StatusCode::CONFLICT, "slot_unavailable").await;
    assert!(bookings(&bob).await.is_empty());
}

async fn malformed_keys_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let body = booking_body(&consultant, &app.at(2, 10, 0), 30);
    for key in [String::new(), "has space".into(), "k".repeat(65)] {
        let error = assert_error(
            post(&customer, &key, &body).await,
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
        )
        .await;
        assert_eq!(error["field"], "Idempotency-Key");
    }
    assert!(bookings(&customer).await.is_empty());
}
