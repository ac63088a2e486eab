//! Only staff pass `/api/admin`, on every route, and staff sessions idle
//! out sooner.

use std::collections::BTreeSet;

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, TestClient, read};
use crate::store_tests;

store_tests!(
    every_admin_route_admits_staff_only,
    unknown_staff_paths_are_refused_like_known_ones,
    staff_sessions_idle_out_after_thirty_minutes,
);

/// Every (method, path) the OpenAPI document lists under `/api/admin`.
pub(crate) async fn documented_admin_routes(client: &TestClient) -> BTreeSet<(String, String)> {
    let (_, document) = read(client.get("/api/openapi.json").await).await;
    let mut routes = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.starts_with("/api/admin") {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            routes.insert((method.to_uppercase(), path.clone()));
        }
    }
    routes
}

async fn every_admin_route_admits_staff_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (customer, _) = app.customer().await;
    let (_, consultant) = app.consultant().await;
    let (staff, _) = app.admin().await;
    let anonymous = app.client();
    let routes = documented_admin_routes(&anonymous).await;
    // A key with one scope passes one route; a key with every scope all
    // but those only people may use.
    let (narrow, _) = app.api_key(&staff, &["audit:read"]).await;
    let every_scope = [
        "bookings:read",
        "bookings:write",
        "consultants:read",
        "consultants:write",
        "audit:read",
        "webhooks:write",
    ];
    let (broad, _) = app.api_key(&staff, &every_scope).await;

    // The document lists every admin route the server serves.
    let served: BTreeSet<(String, String)> = tripdesk::routes::served()
        .filter(|(path, _)| path.starts_with("/api/admin"))
        .flat_map(|(path, allow)| {
            allow
                .split(", ")
                .map(move |method| (method.to_owned(), path.to_owned()))
        })
        .collect();
    assert_eq!(routes, served);
    assert!(routes.len() >= 11, "{routes:?}");

    let unknown_id = "0123456789abcdef01234567";
    for (method, path) in &routes {
        let concrete = path.replace("{id}", unknown_id);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let send = |client: &TestClient| {
            let request = client.request(method.clone(), &concrete);
            if method == Method::GET {
                request.send()
            } else {
                request.json(&json!({})).send()
            }
        };
        let refusals = [
            (&anonymous, StatusCode::UNAUTHORIZED, "unauthenticated"),
            (&customer, StatusCode::FORBIDDEN, "forbidden"),
            (&consultant, StatusCode::FORBIDDEN, "forbidden"),
        ];
        for (client, status, code) in refusals {
            let (got, body) = read(send(client).await.unwrap()).await;
            assert_eq!(
                (got, body["errors"][0]["code"].as_str()),
                (status, Some(code)),
                "{method} {concrete}"
            );
        }
        // Staff accounts, keys and erasures are a person's decision.
        let people_only = [
            "/api/admin/users",
            "/api/admin/api-keys",
            "/api/admin/customers",
        ]
        .iter()
        .any(|prefix| path.starts_with(prefix));
        let audit_read = method == Method::GET && path == "/api/admin/audit";
        let mut admitted = vec![&staff];
        for (key, passes) in [(&narrow, audit_read), (&broad, !people_only)] {
            if passes {
                admitted.push(key);
                continue;
            }
            let (got, body) = read(send(key).await.unwrap()).await;
            assert_eq!(
                (got, body["errors"][0]["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("insufficient_scope")),
                "{method} {concrete}"
            );
        }
        // Staff get past the gate (to whatever the empty body earns).
        for client in admitted {
            let (got, body) = read(send(client).await.unwrap()).await;
            assert!(
                ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&got),
                "{method} {concrete}: {got} {body}"
            );
        }
    }
}

/// Paths under `/api/admin` that do not exist are not revealed to
/// outsiders either; a body is never read for them.
async fn unknown_staff_paths_are_refused_like_known_ones(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (customer, _) = app.customer().await;
    let (staff, _) = app.admin().await;
    for path in ["/api/admin/no-such-thing", "/api/admin/bookings"] {
        let response = customer
            .request(Method::POST, path)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let (status, body) = read(staff.get("/api/admin/no-such-thing").await).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, _) = read(
        staff
            .request(Method::DELETE, "/api/admin/audit")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

async fn staff_sessions_idle_out_after_thirty_minutes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let (customer, _) = app.customer().await;
    // Used within the window, a staff session lives on.
    app.clock.advance(Duration::minutes(20));
    assert_eq!(staff.get("/api/users/me").await.status(), StatusCode::OK);
    app.clock.advance(Duration::minutes(20));
    assert_eq!(staff.get("/api/users/me").await.status(), StatusCode::OK);
    // Thirty-one idle minutes end it; a customer's session idles for days.
    app.clock.advance(Duration::minutes(31));
    assert_eq!(
        staff.get("/api/admin/consultants").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(customer.get("/api/users/me").await.status(), StatusCode::OK);

    // The timeout is configurable.
    let app = TestApp::spawn_with(backend, &[("ADMIN_SESSION_IDLE_TIMEOUT", "2h")]).await;
    let (staff, _) = app.admin().await;
    app.clock.advance(Duration::minutes(90));
    assert_eq!(staff.get("/api/users/me").await.status(), StatusCode::OK);
}
