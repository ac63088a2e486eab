//! API keys: made by admins, shown once, kept hashed, within their scopes
//! and their own rate limit, on the staff routes only.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tripdesk::domain::TokenHash;

use super::audit;
use crate::helpers::{Backend, TestApp, TestClient, read};
use crate::store_tests;

store_tests!(
    a_key_is_shown_once_kept_hashed_and_held_to_its_scopes,
    a_key_acts_as_itself_in_the_audit_log,
    keys_work_on_staff_routes_only,
    each_key_has_its_own_rate_limit,
    a_revoked_key_stops_working_at_once,
    bad_key_requests_change_nothing,
);

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["code"].as_str()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
}

async fn a_key_is_shown_once_kept_hashed_and_held_to_its_scopes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let (system, created) = app.api_key(&staff, &["bookings:read", "audit:read"]).await;
    let key = created["key"].as_str().unwrap();
    assert!(key.starts_with("tdk_") && key.len() == 68, "{key}");
    assert!(
        key[4..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let view = &created["apiKey"];
    assert_eq!(view["scopes"], json!(["bookings:read", "audit:read"]));
    assert_eq!(view["lastUsedAt"], Value::Null);

    // The store finds it by its SHA-256 and never saw the key itself.
    let hash = TokenHash::from_hex(hex::encode(Sha256::digest(&key.as_bytes()[4..])));
    let stored = app.store.find_api_key(&hash).await.unwrap().unwrap();
    assert_eq!(stored.id.to_string(), view["id"].as_str().unwrap());

    // Within its scopes it reads; outside them it is refused.
    assert_eq!(
        system.get("/api/admin/bookings").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        system.get("/api/admin/audit").await.status(),
        StatusCode::OK
    );
    let refused = [
        system.get("/api/admin/consultants").await,
        system.post("/api/admin/bookings", &json!({})).await,
        system
            .post(
                "/api/admin/bookings/0123456789abcdef01234567/reassign",
                &json!({}),
            )
            .await,
        // Keys and staff accounts are managed by people only.
        system.get("/api/admin/api-keys").await,
        system.post("/api/admin/users", &json!({})).await,
    ];
    for response in refused {
        let (status, body) = read(response).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, Some("insufficient_scope"))
        );
    }

    // The list never shows the key, and shows when it was last used.
    let (status, list) = read(staff.get("/api/admin/api-keys").await).await;
    assert_eq!(status, StatusCode::OK);
    let listed = &list["apiKeys"][0];
    assert_eq!(listed["id"], view["id"]);
    assert!(listed["lastUsedAt"].is_string(), "{listed}");
    assert!(!list.to_string().contains(&key[4..]));
}

async fn a_key_acts_as_itself_in_the_audit_log(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, account) = app.admin().await;
    let (system, created) = app.api_key(&staff, &["consultants:write"]).await;
    let key_id = created["apiKey"]["id"].as_str().unwrap();
    let body = json!({
        "email": "new.consultant@agency.example", "name": "Noa Newhire",
        "specialties": ["cruises"], "languages": ["es"],
    });
    let (status, made) = read(system.post("/api/admin/consultants", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let consultant = made["consultant"]["id"].as_str().unwrap();

    let entries = audit(&staff, &format!("targetId={consultant}")).await;
    let created_entry = entries
        .iter()
        .find(|entry| entry["action"] == "consultant.created")
        .unwrap();
    assert_eq!(
        created_entry["actor"],
        json!({"id": key_id, "role": "api_key"})
    );
    let entries = audit(&staff, &format!("targetId={key_id}")).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["action"], "api_key.created");
    assert_eq!(entries[0]["actor"]["id"], account["id"]);
    assert_eq!(
        entries[0]["details"]["scopes"],
        json!(["consultants:write"])
    );
}

async fn keys_work_on_staff_routes_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let scopes = ["bookings:read", "bookings:write", "consultants:read"];
    let (system, _) = app.api_key(&staff, &scopes).await;
    for path in ["/api/users/me", "/api/bookings", "/api/users/me/sessions"] {
        let (status, body) = read(system.get(path).await).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNAUTHORIZED, Some("unauthenticated")),
            "{path}"
        );
    }
    // A key's responses carry its rate limit; a session's never do.
    let by_key = system.get("/api/admin/bookings").await;
    assert_eq!(header(&by_key, "ratelimit-limit").as_deref(), Some("600"));
    let by_session = staff.get("/api/admin/bookings").await;
    assert_eq!(by_session.status(), StatusCode::OK);
    for name in ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"] {
        assert_eq!(header(&by_session, name), None, "{name}");
    }
}

async fn each_key_has_its_own_rate_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("API_KEY_RATE_LIMIT_PER_MINUTE", "3")]).await;
    let (staff, _) = app.admin().await;
    let (first, _) = app.api_key(&staff, &["bookings:read"]).await;
    let (second, _) = app.api_key(&staff, &["bookings:read"]).await;
    for remaining in ["2", "1", "0"] {
        let response = first.get("/api/admin/bookings").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "ratelimit-limit").as_deref(), Some("3"));
        assert_eq!(
            header(&response, "ratelimit-remaining").as_deref(),
            Some(remaining)
        );
        assert!(header(&response, "ratelimit-reset").is_some());
    }
    let refused = first.get("/api/admin/bookings").await;
    assert_eq!(
        header(&refused, "ratelimit-remaining").as_deref(),
        Some("0")
    );
    let retry_after: u64 = header(&refused, "retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    let (status, body) = read(refused).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_requests"))
    );
    // Another key keeps its own quota.
    assert_eq!(
        second.get("/api/admin/bookings").await.status(),
        StatusCode::OK
    );
    // Sessions are not limited by keys.
    assert_eq!(
        staff.get("/api/admin/bookings").await.status(),
        StatusCode::OK
    );
}

async fn a_revoked_key_stops_working_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let (system, created) = app.api_key(&staff, &["bookings:read"]).await;
    let id = created["apiKey"]["id"].as_str().unwrap();
    assert_eq!(
        system.get("/api/admin/bookings").await.status(),
        StatusCode::OK
    );
    let path = format!("/api/admin/api-keys/{id}");
    assert_eq!(staff.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let (status, body) = read(system.get("/api/admin/bookings").await).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (status, body) = read(staff.delete(&path).await).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, Some("api_key_not_found"))
    );
    let (_, list) = read(staff.get("/api/admin/api-keys").await).await;
    assert_eq!(list["apiKeys"], json!([]));
    let entries = audit(&staff, &format!("targetId={id}")).await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["api_key.revoked", "api_key.created"]);
}

async fn bad_key_requests_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let bad = [
        (json!({"name": "CRM", "scopes": []}), "invalid_scopes"),
        (
            json!({"name": "CRM", "scopes": ["bookings:delete"]}),
            "invalid_scopes",
        ),
        (
            json!({"name": "  ", "scopes": ["audit:read"]}),
            "invalid_name",
        ),
        (
            json!({"name": "x".repeat(101), "scopes": ["audit:read"]}),
            "invalid_name",
        ),
    ];
    for (body, expected) in bad {
        let (status, answer) = read(staff.post("/api/admin/api-keys", &body).await).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, Some(expected)),
            "{body}"
        );
    }
    let (_, list) = read(staff.get("/api/admin/api-keys").await).await;
    assert_eq!(list["apiKeys"], json!([]));
    // Malformed or unknown keys are plain 401s.
    let fake = format!("tdk_{}", "0".repeat(64));
    for key in ["tdk_short", fake.as_str()] {
        let client = TestClient::bearer(&app.base, key);
        let (status, body) = read(client.get("/api/admin/bookings").await).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNAUTHORIZED, Some("unauthenticated")),
            "{key}"
        );
    }
    // Customers cannot make keys.
    let (customer, _) = app.customer().await;
    let body = json!({"name": "Mine", "scopes": ["audit:read"]});
    assert_eq!(
        customer.post("/api/admin/api-keys", &body).await.status(),
        StatusCode::FORBIDDEN
    );
}
