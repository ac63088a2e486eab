//! Who may erase whom (a customer themselves with their password, staff
//! people any customer, once), and an erasure cut short by a crash.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tripdesk::domain::{Clock, Effects, Erasure, Password, PasswordHash, UserId};

use super::erasure::erase;
use crate::helpers::{Backend, PASSWORD, TestApp, assert_error, read};
use crate::store_tests;

store_tests!(
    only_customers_erase_themselves,
    staff_erase_customers_once,
    an_erasure_cut_short_after_its_first_step_is_finished_at_start,
);

async fn only_customers_erase_themselves(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, _) = erase(&app.client(), PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, desk) = app.consultant().await;
    let (status, body) = erase(&desk, PASSWORD).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (staff, _) = app.admin().await;
    let (status, _) = erase(&staff, PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (customer, _) = app.customer().await;
    let unknown = json!({"password": PASSWORD, "also": 1});
    let response = customer
        .send_json(Method::DELETE, "/api/users/me", &unknown)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Wrong passwords count toward the lockout like failed logins.
    for _ in 0..5 {
        let (status, _) = erase(&customer, "not the password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = erase(&customer, PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "locked out");
    assert_eq!(customer.get("/api/users/me").await.status(), StatusCode::OK);
}

async fn staff_erase_customers_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let (consultant, desk) = app.consultant().await;
    let (customer, user) = app.customer().await;
    let (status, _) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = user["id"].as_str().unwrap();
    let path = format!("/api/admin/customers/{id}/erase");
    let key = app
        .api_key(&staff, &["bookings:write", "consultants:write"])
        .await
        .0;
    assert_eq!(
        key.post_empty(&path).await.status(),
        StatusCode::FORBIDDEN,
        "people only"
    );
    for missing in [UserId::generate().to_string(), "nope".to_owned()] {
        let response = staff
            .post_empty(&format!("/api/admin/customers/{missing}/erase"))
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "customer_not_found").await;
    }
    let (_, me) = read(desk.get("/api/users/me").await).await;
    let not_a_customer = format!(
        "/api/admin/customers/{}/erase",
        me["user"]["id"].as_str().unwrap()
    );
    assert_error(
        staff.post_empty(&not_a_customer).await,
        StatusCode::NOT_FOUND,
        "customer_not_found",
    )
    .await;

    for _ in 0..2 {
        assert_eq!(staff.post_empty(&path).await.status(), StatusCode::ACCEPTED);
    }
    assert_eq!(
        customer.get("/api/users/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, list) = read(desk.get("/api/bookings").await).await;
    assert_eq!(list["bookings"][0]["status"], "cancelled");
    let (_, audit) = read(
        staff
            .get(&format!(
                "/api/admin/audit?targetId={id}&action=user.erased"
            ))
            .await,
    )
    .await;
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "erased once: {entries:?}");
    assert_eq!(entries[0]["actor"]["role"], "admin");
}

async fn an_erasure_cut_short_after_its_first_step_is_finished_at_start(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, desk) = app.consultant().await;
    let (customer, user) = app.customer().await;
    let (status, _) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    // The first step written, then the process dies.
    let id = UserId::parse(user["id"].as_str().unwrap()).unwrap();
    let account = app.store.find_user(id).await.unwrap().unwrap();
    let erasure = Erasure::of(&account, app.clock.now());
    let hasher = tripdesk::hashing::PasswordHasher::new(1).unwrap();
    let hash: PasswordHash = hasher.hash(Password::generate()).await.unwrap();
    let begun = app
        .store
        .begin_erasure(
            &erasure.erased_account(&account),
            &hash,
            &erasure,
            &Effects::default(),
        )
        .await
        .unwrap();
    assert!(begun);
    let unfinished = app.store.unfinished_erasures().await.unwrap();
    let whose: Vec<UserId> = unfinished.iter().map(|erasure| erasure.user_id).collect();
    assert_eq!(whose, vec![id]);
    assert_eq!(unfinished[0].former_email, erasure.former_email);
    assert_eq!(
        customer.get("/api/users/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let app = app.restart().await;
    for _ in 0..100 {
        if app.store.unfinished_erasures().await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(app.store.unfinished_erasures().await.unwrap().is_empty());
    let (_, list) = read(desk.at(&app.base).get("/api/bookings").await).await;
    assert_eq!(list["bookings"][0]["status"], "cancelled");
    assert_eq!(list["bookings"][0]["destination"], "(erased)");
    let registered_again = app
        .client()
        .register(erasure.former_email.as_str(), PASSWORD, "Again")
        .await;
    assert_eq!(registered_again.status(), StatusCode::CREATED);
}
