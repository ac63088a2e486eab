//! With `ADMIN_REQUIRE_MFA`, an admin session that passed no second factor
//! reaches no `/api/admin` route, until the factor is on.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{answer, challenge, code_at, enable_totp};
use crate::admin::access::documented_admin_routes;
use crate::helpers::{Backend, TestApp, read};
use crate::store_tests;
use tripdesk::domain::Clock;

store_tests!(staff_routes_need_a_second_factor,);

async fn staff_routes_need_a_second_factor(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("ADMIN_REQUIRE_MFA", "true")]).await;
    let (staff, admin) = app.admin().await;
    let routes = documented_admin_routes(&app.client()).await;
    assert!(routes.len() >= 11);
    for (method, path) in &routes {
        let concrete = path.replace("{id}", "0123456789abcdef01234567");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = staff.request(method.clone(), &concrete);
        if method != Method::GET {
            request = request.json(&json!({}));
        }
        let (status, body) = read(request.send().await.unwrap()).await;
        assert_eq!(
            (status, body["errors"][0]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("mfa_required")),
            "{method} {concrete}"
        );
    }

    // The admin can still enrol; the session that did reaches them at once.
    let (secret, _) = enable_totp(&app, &staff).await;
    let (status, body) = read(staff.get("/api/admin/bookings").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A new login passes the code, then reaches them too.
    app.clock.advance(chrono::Duration::seconds(30));
    let email = admin["email"].as_str().unwrap();
    let browser = app.client();
    let challenge = challenge(&browser, email).await;
    let (status, _) = answer(&browser, &challenge, &code_at(&secret, app.clock.now())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        browser.get("/api/admin/bookings").await.status(),
        StatusCode::OK
    );
}
