//! The session list, revocation, and server-side timeouts.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;

use crate::helpers::{Backend, PASSWORD, TestApp, TestClient, assert_error, read, unique_email};
use crate::store_tests;

store_tests!(
    sessions_list_shows_valid_sessions_newest_first,
    one_session_can_be_revoked,
    revoking_the_current_session_logs_out,
    other_sessions_can_be_revoked_at_once,
    idle_sessions_expire_server_side,
    sessions_expire_after_their_absolute_lifetime,
    last_seen_is_written_at_most_once_a_minute,
);

async fn sessions(client: &TestClient) -> Vec<serde_json::Value> {
    let (status, body) = read(client.get("/api/users/me/sessions").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["sessions"].as_array().unwrap().clone()
}

/// Three devices logged in to one new account, oldest first.
async fn three_devices(app: &TestApp) -> [TestClient; 3] {
    let email = unique_email("devices");
    let first = app.client();
    first
        .http
        .post(format!("{}/api/users/register", app.base))
        .header("user-agent", "TripDesk-iOS/3.1")
        .json(&serde_json::json!({"email": email, "password": PASSWORD, "name": "Dee Vices"}))
        .send()
        .await
        .unwrap();
    let second = app.client();
    second.login(&email, PASSWORD).await;
    let third = app.client();
    third.login(&email, PASSWORD).await;
    // Each device uses its session once, as apps do right after logging in:
    // a revocation must reach sessions the service has already seen (and
    // may keep in memory), not only fresh ones.
    for device in [&first, &second, &third] {
        assert_eq!(device.get("/api/users/me").await.status(), StatusCode::OK);
    }
    [first, second, third]
}

fn instant(value: &serde_json::Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .to_utc()
}

async fn sessions_list_shows_valid_sessions_newest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let [first, second, third] = three_devices(&app).await;
    second.post_empty("/api/users/logout").await;

    let list = sessions(&third).await;
    assert_eq!(list.len(), 2, "the logged-out session is not listed");
    assert_eq!(list[0]["current"], true);
    assert_eq!(list[1]["current"], false);
    assert_eq!(list[1]["userAgent"], "TripDesk-iOS/3.1");
    assert!(instant(&list[0]["createdAt"]) >= instant(&list[1]["createdAt"]));
    let keys: Vec<_> = list[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "createdAt",
            "lastSeenAt",
            "expiresAt",
            "userAgent",
            "current"
        ]
    );
    for session in &list {
        let id = session["id"].as_str().unwrap();
        assert_eq!(id.len(), 24);
        assert!(!first.token().unwrap().contains(id) && !third.token().unwrap().contains(id));
        assert!(instant(&session["expiresAt"]) > instant(&session["lastSeenAt"]));
    }
}

async fn one_session_can_be_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let [first, second, third] = three_devices(&app).await;
    let list = sessions(&first).await;
    let second_id = list[1]["id"].as_str().unwrap().to_owned();

    let response = first
        .delete(&format!("/api/users/me/sessions/{second_id}"))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.headers().get("set-cookie").is_none());
    assert_error(
        second.get("/api/users/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_eq!(third.get("/api/users/me").await.status(), StatusCode::OK);

    // Already revoked, malformed, or someone else's: all look the same.
    let (stranger, _) = app.customer().await;
    let third_id = sessions(&third).await[0]["id"].as_str().unwrap().to_owned();
    for (client, id) in [
        (&first, second_id.as_str()),
        (&first, "nope"),
        (&stranger, third_id.as_str()),
    ] {
        let response = client.delete(&format!("/api/users/me/sessions/{id}")).await;
        assert_error(response, StatusCode::NOT_FOUND, "session_not_found").await;
    }
    assert_eq!(third.get("/api/users/me").await.status(), StatusCode::OK);
}

async fn revoking_the_current_session_logs_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, _) = app.customer().await;
    let id = sessions(&client).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = client.delete(&format!("/api/users/me/sessions/{id}")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        response
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_error(
        client.get("/api/users/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

async fn other_sessions_can_be_revoked_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let [first, second, third] = three_devices(&app).await;
    let (status, body) = read(second.delete("/api/users/me/sessions").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!({"revoked": 2}));
    assert_eq!(second.get("/api/users/me").await.status(), StatusCode::OK);
    for client in [&first, &third] {
        assert_error(
            client.get("/api/users/me").await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    let (_, body) = read(second.delete("/api/users/me/sessions").await).await;
    assert_eq!(body["revoked"], 0);
}

async fn idle_sessions_expire_server_side(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (active, _) = app.customer().await;
    let (idle, _) = app.customer().await;
    // Active every 6 days: stays in. Idle for 7 days: out.
    app.clock.advance(Duration::days(6));
    assert_eq!(active.get("/api/users/me").await.status(), StatusCode::OK);
    app.clock.advance(Duration::days(1));
    assert_error(
        idle.get("/api/users/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_eq!(active.get("/api/users/me").await.status(), StatusCode::OK);
}

async fn sessions_expire_after_their_absolute_lifetime(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[("SESSION_TTL", "3d"), ("SESSION_IDLE_TIMEOUT", "2d")],
    )
    .await;
    let (client, _) = app.customer().await;
    for _ in 0..2 {
        app.clock.advance(Duration::hours(35));
        assert_eq!(client.get("/api/users/me").await.status(), StatusCode::OK);
    }
    // 70 hours in: used an hour ago, but past the 3-day lifetime after 2 more.
    app.clock.advance(Duration::hours(2));
    assert_error(
        client.get("/api/users/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

async fn last_seen_is_written_at_most_once_a_minute(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, _) = app.customer().await;
    let created = instant(&sessions(&client).await[0]["lastSeenAt"]);
    app.clock.advance(Duration::seconds(30));
    client.get("/api/users/me").await;
    assert_eq!(
        instant(&sessions(&client).await[0]["lastSeenAt"]),
        created,
        "not yet a minute"
    );

    app.clock.advance(Duration::seconds(45));
    client.get("/api/users/me").await;
    let touched = instant(&sessions(&client).await[0]["lastSeenAt"]);
    assert!(
        touched >= created + Duration::seconds(75),
        "{touched} vs {created}"
    );
}
