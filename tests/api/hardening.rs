//! The lower-severity findings of the second security review, one test each.

use std::os::unix::fs::PermissionsExt;

use chrono::Duration;
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tripdesk::domain::{Clock, Email, MfaChallenge, ThrottleKey, UserId};

use crate::helpers::{
    Backend, PASSWORD, SmtpServer, TestApp, assert_error, booking_body, read, unique_email,
};
use crate::store_tests;

store_tests!(
    a_customer_holds_a_limited_number_of_live_future_bookings,
    racing_bookings_never_exceed_the_limit,
    times_outside_rfc3339_years_are_refused,
    disguising_characters_are_refused_in_free_text,
    the_nearest_proxys_address_counts_not_the_clients_claim,
    authenticated_responses_are_never_cached,
    a_junk_bearer_beside_the_cookie_buys_no_csrf_exemption,
    lowered_session_lifetimes_apply_to_existing_sessions,
    production_sends_hsts,
);

async fn a_customer_holds_a_limited_number_of_live_future_bookings(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("MAX_LIVE_BOOKINGS_PER_CUSTOMER", "3")]).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let mut ids = Vec::new();
    for hour in 9..12 {
        let (status, body) = read(customer.book(&consultant, &app.at(2, hour, 0), 30).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["booking"]["id"].as_str().unwrap().to_owned());
    }
    let response = customer.book(&consultant, &app.at(2, 14, 0), 30).await;
    assert_error(response, StatusCode::CONFLICT, "booking_limit_reached").await;
    // The refused slot is still free for others, who have limits of their own.
    let (other, _) = app.customer().await;
    let (status, _) = read(other.book(&consultant, &app.at(2, 14, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    // Cancelling one makes room.
    let cancel = format!("/api/bookings/{}/cancel", ids[0]);
    assert_eq!(customer.post_empty(&cancel).await.status(), StatusCode::OK);
    let (status, _) = read(customer.book(&consultant, &app.at(2, 15, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    // Bookings that have started no longer count.
    app.clock.advance(Duration::days(3));
    let (status, body) = read(customer.book(&consultant, &app.at(1, 9, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn racing_bookings_never_exceed_the_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("MAX_LIVE_BOOKINGS_PER_CUSTOMER", "3")]).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let attempts = (0..12).map(|n| {
        let (customer, starts_at) = (customer.clone(), app.at(3, 8 + n / 2, 30 * (n % 2)));
        let consultant = consultant.clone();
        async move { customer.book(&consultant, &starts_at, 30).await.status() }
    });
    let statuses = join_all(attempts).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!(created + refused, 12, "{statuses:?}");
    if backend == Backend::Sqlite {
        assert_eq!(created, 3, "{statuses:?}");
    } else {
        // Racing inserts that see each other may all withdraw.
        assert!(created <= 3, "{statuses:?}");
    }
    let (_, listed) = read(customer.get("/api/bookings?limit=100").await).await;
    assert_eq!(listed["bookings"].as_array().unwrap().len(), created);
}

/// Issue: a booking in year 9999 got 201 and its times came back as
/// `+10000-…`, which is not RFC 3339.
async fn times_outside_rfc3339_years_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    for starts_at in [
        "9999-12-31T23:30:00Z",
        "9999-12-31T22:00:00-05:00",
        "0000-01-01T00:00:00Z",
    ] {
        let response = customer.book(&consultant, starts_at, 90).await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_starts_at").await;
    }
    let availability = format!(
        "/api/consultants/{}/availability?from=9999-12-20&days=31",
        consultant.id
    );
    let response = customer.get(&availability).await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_from").await;
    let response = customer
        .get("/api/bookings?to=9999-12-31T23:59:59-01:00")
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_to").await;
}

/// Bidirectional overrides and zero-width characters make what a consultant
/// reads differ from what was typed.
async fn disguising_characters_are_refused_in_free_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .client()
        .register(&unique_email("rlo"), PASSWORD, "Eve \u{202E}nimda")
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_name").await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    for (field, value, code) in [
        ("destination", "Par\u{200B}is", "invalid_destination"),
        ("notes", "pay at \u{2066}evil\u{2069}", "invalid_notes"),
    ] {
        let mut body = booking_body(&consultant, &app.at(2, 10, 0), 30);
        body[field] = json!(value);
        let response = customer.post("/api/bookings", &body).await;
        assert_error(response, StatusCode::BAD_REQUEST, code).await;
    }
    let (_, created) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    let id = created["booking"]["id"].as_str().unwrap();
    let response = customer
        .post(
            &format!("/api/bookings/{id}/cancel"),
            &json!({"reason": "sick\u{202E}"}),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_reason").await;
}

/// Issue: the leftmost `X-Forwarded-For` entry, which the client writes,
/// was taken as its address, so rotating it defeated the per-address limit.
async fn the_nearest_proxys_address_counts_not_the_clients_claim(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[
            ("TRUST_PROXY_HEADERS", "true"),
            ("AUTH_RATE_LIMIT_PER_MINUTE", "3"),
        ],
    )
    .await;
    let login = |forwarded_for: String| {
        app.client()
            .request(Method::POST, "/api/users/login")
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({"email": unique_email("nobody"), "password": PASSWORD}))
            .send()
    };
    for n in 0..3 {
        let status = login(format!("10.9.8.{n}, 203.0.113.5"))
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let response = login("10.9.8.77, 203.0.113.5".into()).await.unwrap();
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    // Another client behind the same proxy is counted apart.
    let other = login("203.0.113.6".into()).await.unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
}

/// Issue: `/api/bookings*` responses (personal data) could be cached.
async fn authenticated_responses_are_never_cached(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, consultant_client) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let created = customer.book(&consultant, &app.at(2, 10, 0), 30).await;
    assert_eq!(created.headers()["cache-control"], "no-store");
    let (_, body) = read(created).await;
    let id = body["booking"]["id"].as_str().unwrap().to_owned();
    for response in [
        customer.get("/api/bookings").await,
        customer.get(&format!("/api/bookings/{id}")).await,
        consultant_client
            .post_empty(&format!("/api/bookings/{id}/confirm"))
            .await,
        customer.get("/api/users/me/sessions").await,
    ] {
        let url = response.url().path().to_owned();
        assert_eq!(response.headers()["cache-control"], "no-store", "{url}");
    }
    // Public data stays cacheable.
    let public = customer.get("/api/consultants").await;
    assert_ne!(
        public
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
}

/// Issue: any `Authorization: Bearer junk` skipped the Origin check while the
/// cookie authenticated.
async fn a_junk_bearer_beside_the_cookie_buys_no_csrf_exemption(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (customer, _) = app.customer().await;
    let token = customer.token().unwrap();
    let cross_site = |bearer: &str| {
        customer
            .request(Method::POST, "/api/users/logout")
            .header("origin", "https://evil.example")
            .header("authorization", format!("Bearer {bearer}"))
            .send()
    };
    for bearer in ["junk", "00112233445566778899aabbccddeeff", token.as_str()] {
        let response = cross_site(bearer).await.unwrap();
        assert_error(response, StatusCode::FORBIDDEN, "csrf_rejected").await;
    }
    assert_eq!(customer.get("/api/users/me").await.status(), StatusCode::OK);
    // A native app, with the bearer token as its only credential, is exempt.
    let app_client = reqwest::Client::new();
    let response = app_client
        .post(format!("{}/api/users/logout", app.base))
        .header("origin", "https://evil.example")
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// Issue: lowering `SESSION_TTL` or `SESSION_IDLE_TIMEOUT` did not shorten
/// sessions that already existed.
async fn lowered_session_lifetimes_apply_to_existing_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (long_lived, _) = app.customer().await;
    let (idle, _) = app.customer().await;
    let app = app
        .restart_with(&[("SESSION_TTL", "12h"), ("SESSION_IDLE_TIMEOUT", "30min")])
        .await;
    let (long_lived, idle) = (long_lived.at(&app.base), idle.at(&app.base));
    // Used every 25 minutes, so never idle: fine for 28 × 25 min = 11 h 40.
    for _ in 0..28 {
        app.clock.advance(Duration::minutes(25));
        assert_eq!(
            long_lived.get("/api/users/me").await.status(),
            StatusCode::OK
        );
    }
    // 12 h 05 in: past the new absolute lifetime.
    app.clock.advance(Duration::minutes(25));
    assert_eq!(
        long_lived.get("/api/users/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        idle.get("/api/users/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Issue: production sent no `Strict-Transport-Security`.
async fn production_sends_hsts(backend: Backend) {
    let development = TestApp::spawn(backend).await;
    let response = development.client().get("/health").await;
    assert!(!response.headers().contains_key("strict-transport-security"));
    let https = ("PUBLIC_BASE_URL", "https://app.tripdesk.example");
    let production = TestApp::spawn_with(backend, &[("APP_ENV", "production"), https]).await;
    for path in ["/health", "/api/consultants", "/"] {
        let response = production.client().get(path).await;
        assert_eq!(
            response.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
    let off = TestApp::spawn_with(
        backend,
        &[("APP_ENV", "production"), ("HSTS_MAX_AGE", "0"), https],
    )
    .await;
    let response = off.client().get("/health").await;
    assert!(!response.headers().contains_key("strict-transport-security"));
}

/// Issue: a second service process on the same SQLite file kept accepting a
/// token logged out in the first.
#[tokio::test]
async fn a_second_server_on_one_sqlite_file_is_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let path = app.var("DATABASE_PATH").unwrap().to_owned();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tripdesk"))
        .env_clear()
        .env("DATABASE_PATH", &path)
        .env("PORT", "0")
        .env("SEED_DEMO_DATA", "false")
        .env("METRICS_ADDR", "")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("another tripdesk server is already using") && stderr.lines().count() == 1,
        "{stderr}"
    );
    // The running one is unaffected.
    assert_eq!(app.client().get("/ready").await.status(), StatusCode::OK);
}

/// Issue: the SQLite store never purged ended records and made its files
/// world-readable.
#[tokio::test]
async fn the_embedded_store_purges_what_ended_and_keeps_its_files_private() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("private").join("tripdesk.db");
    let path_text = path.display().to_string();
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            ("DATABASE_PATH", &path_text),
            ("SESSION_RETENTION", "1d"),
            ("SMTP_URL", &smtp.url()),
        ],
    )
    .await;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{path_text}{suffix}"));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }

    let (customer, user) = app.customer().await;
    customer.post_empty("/api/users/logout").await;
    app.client()
        .login(user["email"].as_str().unwrap(), "a wrong password")
        .await;
    let (consultant, _) = app.consultant().await;
    let (booker, _) = app.customer().await;
    booker
        .request(Method::POST, "/api/bookings")
        .header("idempotency-key", "purge-me")
        .json(&booking_body(&consultant, &app.at(2, 9, 0), 30))
        .send()
        .await
        .unwrap();
    // A passkey login and a second factor's login, both abandoned.
    let started = app
        .client()
        .post_empty("/api/users/login/passkey/start")
        .await;
    assert_eq!(started.status(), StatusCode::OK);
    let user_id = UserId::parse(user["id"].as_str().unwrap()).unwrap();
    let throttle = ThrottleKey::account(&Email::parse("x@example.com").unwrap());
    let (_, challenge) = MfaChallenge::issue(user_id, throttle, false, app.clock.now());
    app.store.insert_challenge(&challenge).await.unwrap();
    let count = |table: &str| -> i64 {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap()
    };
    let tables = [
        "sessions",
        "login_attempts",
        "idempotency_keys",
        "trusted_devices",
        "mfa_challenges",
        "passkey_ceremonies",
    ];
    for table in tables {
        assert!(count(table) > 0, "{table} has rows to purge");
    }
    // The booking's mail goes out (to the consultant: the customer is not
    // verified) and its message is done with.
    for _ in 0..100 {
        if count("outbox WHERE state <> 'pending'") > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(count("outbox WHERE state <> 'pending'") > 0);
    assert_eq!(app.store.purge_ended(app.clock.now()).await.unwrap(), 0);
    // Past every session's lifetime plus retention, and a year on.
    let later = app.clock.now() + Duration::days(365);
    assert!(app.store.purge_ended(later).await.unwrap() > 0);
    for table in tables {
        assert_eq!(count(table), 0, "{table} was purged");
    }
    assert_eq!(count("bookings"), 1, "bookings are kept");
    assert_eq!(
        count("outbox WHERE state <> 'pending'"),
        0,
        "sent and dropped mail is purged"
    );
    assert_eq!(count("users"), 3, "accounts are kept");
}
