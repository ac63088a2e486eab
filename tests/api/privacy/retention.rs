//! `RETENTION_DAYS`: customers who neither logged in nor had a booking for
//! that long are erased by the periodic purge; staff, consultants and the
//! active are not.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use tripdesk::domain::{Clock, Erasure, UserId};

use crate::helpers::{Backend, PASSWORD, TestApp, read};
use crate::store_tests;

store_tests!(customers_who_stopped_coming_are_erased_after_the_retention_period);

fn id_of(user: &Value) -> UserId {
    UserId::parse(user["id"].as_str().unwrap()).unwrap()
}

async fn dormant(app: &TestApp, retention_days: i64) -> Vec<UserId> {
    let since: DateTime<Utc> = app.clock.now() - Duration::days(retention_days);
    let mut ids: Vec<UserId> = app
        .store
        .dormant_customers(since)
        .await
        .unwrap()
        .iter()
        .map(|user| user.id)
        .collect();
    ids.sort_by_key(|id| id.to_string());
    ids
}

fn sorted(mut ids: Vec<UserId>) -> Vec<UserId> {
    ids.sort_by_key(|id| id.to_string());
    ids
}

async fn customers_who_stopped_coming_are_erased_after_the_retention_period(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("RETENTION_DAYS", "30")]).await;
    let start = app.clock.now();
    let (consultant, _) = app.consultant().await;
    let (_staff, _) = app.admin().await;
    let (_, idle) = app.customer().await;
    let (booker, booked) = app.customer().await;
    let (status, _) = read(booker.book(&consultant, &app.at(20, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, returning) = app.customer().await;
    app.clock
        .advance(start + Duration::days(27) - app.clock.now());
    let email = returning["email"].as_str().unwrap();
    assert_eq!(
        app.client().login(email, PASSWORD).await.status(),
        StatusCode::OK
    );

    // A month on: only the customer who never came back is let go (the
    // booking took place 11 days ago, the login was 4 days ago).
    app.clock
        .advance(start + Duration::days(31) - app.clock.now());
    assert_eq!(dormant(&app, 30).await, vec![id_of(&idle)]);
    // Another month: the booking's customer too, not the one who logged in.
    app.clock
        .advance(start + Duration::days(56) - app.clock.now());
    let expected = sorted(vec![id_of(&idle), id_of(&booked)]);
    assert_eq!(dormant(&app, 30).await, expected);

    // The purge (at start, then hourly) erases them.
    let app = app.restart().await;
    for _ in 0..100 {
        if dormant(&app, 30).await.is_empty() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert!(dormant(&app, 30).await.is_empty());
    for id in &expected {
        let user = app.store.find_user(*id).await.unwrap().unwrap();
        assert!(Erasure::done_for(&user), "{id} erased");
    }
    let returning = app
        .store
        .find_user(id_of(&returning))
        .await
        .unwrap()
        .unwrap();
    assert!(!Erasure::done_for(&returning) && returning.active);
    let consultant_account = app
        .store
        .find_consultant_account(consultant.id)
        .await
        .unwrap();
    assert!(
        consultant_account.unwrap().active,
        "staff and consultants are never let go"
    );
}
