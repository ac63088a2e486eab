//! `/api/admin/webhooks`: staff (or a key with `webhooks:write`) subscribe
//! a system, read its delivery log, redeliver, rotate the secret, delete;
//! targets in the agency's own network are refused when saved.

use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use super::audit;
use crate::helpers::{Backend, Receiver, SmtpServer, TestApp, TestClient, mails_to, read};
use crate::store_tests;

store_tests!(
    staff_run_a_webhook_from_subscription_to_deletion,
    private_targets_are_refused_when_saved,
    a_ping_and_a_registration_reach_the_receiver,
    a_day_of_failures_turns_a_webhook_off_and_mails_the_admins,
);

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["code"].as_str()
}

fn signed_by(secret: &str, header: &str, body: &str) -> bool {
    let (t, v1) = header.split_once(",v1=").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.{body}", t.trim_start_matches("t=")).as_bytes());
    mac.verify_slice(&hex::decode(v1).unwrap()).is_ok()
}

/// Every delivery in the log of `webhook`, newest first, once `count` are
/// there and none is pending.
async fn log_of(staff: &TestClient, webhook: &str, count: usize) -> Vec<Value> {
    for _ in 0..300 {
        let (status, page) = read(
            staff
                .get(&format!("/api/admin/webhooks/{webhook}/deliveries"))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let deliveries = page["deliveries"].as_array().unwrap().clone();
        if deliveries.len() >= count && deliveries.iter().all(|d| d["status"] != "pending") {
            return deliveries;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{count} finished deliveries expected");
}

async fn staff_run_a_webhook_from_subscription_to_deletion(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")]).await;
    let (staff, _) = app.admin().await;
    let (system, _) = app.api_key(&staff, &["webhooks:write"]).await;
    let receiver = Receiver::start(&[]).await;
    let body = json!({"url": receiver.url, "events": ["booking.created"], "description": "CRM"});
    let (status, created) = read(system.post("/api/admin/webhooks", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["webhook"]["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() == 70);
    assert_eq!(created["webhook"]["active"], true);

    // Shown, never with its secret.
    let (_, one) = read(staff.get(&format!("/api/admin/webhooks/{id}")).await).await;
    assert_eq!(one["webhook"]["events"], json!(["booking.created"]));
    let (_, all) = read(staff.get("/api/admin/webhooks").await).await;
    assert_eq!(all["webhooks"].as_array().unwrap().len(), 1);
    assert!(!all.to_string().contains(&secret[6..]));

    // A booking reaches the receiver, signed; the log says so.
    let (customer, _) = app.customer().await;
    let (consultant, _) = app.consultant().await;
    let (status, _) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let first = receiver.wait_for(1).await;
    let header = first[0].header("tripdesk-signature").unwrap();
    assert!(signed_by(&secret, header, &first[0].body));
    let log = log_of(&staff, &id, 1).await;
    assert_eq!(log[0]["status"], "succeeded");
    assert_eq!(log[0]["responseStatus"], 200);
    assert_eq!(
        Some(log[0]["eventId"].as_str().unwrap()),
        first[0].header("tripdesk-event-id")
    );

    // A new secret signs the redelivery of the same event.
    let (status, rotated) = read(
        staff
            .post_empty(&format!("/api/admin/webhooks/{id}/rotate-secret"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let delivery = log[0]["id"].as_str().unwrap();
    let path = format!("/api/admin/webhooks/{id}/deliveries/{delivery}/redeliver");
    assert_eq!(staff.post_empty(&path).await.status(), StatusCode::ACCEPTED);
    let again = receiver.wait_for(2).await;
    assert_eq!(again[1].body, first[0].body);
    let header = again[1].header("tripdesk-signature").unwrap();
    assert!(signed_by(new_secret, header, &again[1].body));
    assert!(!signed_by(&secret, header, &again[1].body));

    // Switched off: no delivery; the change is audited.
    let off = json!({"active": false});
    let (status, _) = read(
        staff
            .patch(&format!("/api/admin/webhooks/{id}"), &off)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    read(customer.book(&consultant, &app.at(3, 10, 0), 30).await).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 2);
    let actions: Vec<String> = audit(&staff, &format!("targetId={id}"))
        .await
        .iter()
        .map(|entry| entry["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "webhook.updated",
            "webhook.secret_rotated",
            "webhook.created"
        ]
    );

    let path = format!("/api/admin/webhooks/{id}");
    assert_eq!(staff.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let (status, body) = read(staff.get(&path).await).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, Some("webhook_not_found"))
    );
}

async fn private_targets_are_refused_when_saved(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    for url in [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://2130706433/hook",
        "http://0177.0.0.1/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.5/hook",
        "http://0x7f.1/hook",
        "http://100.64.0.1/hook",
        "http://224.0.0.1/hook",
        "http://[fd00::1]/hook",
        "http://[fe80::1]/hook",
        "http://user:pw@crm.example/hook",
    ] {
        let body = json!({"url": url, "events": ["booking.created"]});
        let (status, answer) = read(staff.post("/api/admin/webhooks", &body).await).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, Some("invalid_webhook_url")),
            "{url}"
        );
    }
    let bad_events = json!({"url": "http://crm.example/hook", "events": ["booking.*"]});
    let (status, answer) = read(staff.post("/api/admin/webhooks", &bad_events).await).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, Some("invalid_events"))
    );
    let (_, all) = read(staff.get("/api/admin/webhooks").await).await;
    assert_eq!(all["webhooks"], json!([]));
}

/// Subscribes `url` to the one event `kind`, as `staff`; the webhook's id.
async fn subscribe(staff: &TestClient, url: &str, kind: &str) -> String {
    let body = json!({"url": url, "events": [kind]});
    let (status, created) = read(staff.post("/api/admin/webhooks", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["webhook"]["id"].as_str().unwrap().to_owned()
}

async fn a_ping_and_a_registration_reach_the_receiver(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")]).await;
    let (staff, _) = app.admin().await;
    let crm = Receiver::start(&[]).await;
    let other = Receiver::start(&[]).await;
    let id = subscribe(&staff, &crm.url, "customer.registered").await;
    subscribe(&staff, &other.url, "booking.created").await;

    // A ping goes to the webhook asked about, and to no other.
    let ping = format!("/api/admin/webhooks/{id}/ping");
    assert_eq!(staff.post_empty(&ping).await.status(), StatusCode::ACCEPTED);
    let pinged = crm.wait_for(1).await;
    let body: Value = serde_json::from_str(&pinged[0].body).unwrap();
    assert_eq!(
        (body["type"].as_str(), body["data"]["webhookId"].as_str()),
        (Some("ping"), Some(id.as_str()))
    );
    assert_eq!(pinged[0].header("tripdesk-event-type"), Some("ping"));
    let log = log_of(&staff, &id, 1).await;
    assert_eq!(
        (log[0]["eventType"].as_str(), log[0]["status"].as_str()),
        (Some("ping"), Some("succeeded"))
    );

    // A customer signing up reaches the CRM, not the other system.
    let (customer, _) = app.customer().await;
    let (_, me) = read(customer.get("/api/users/me").await).await;
    let registered = crm.wait_for(2).await;
    let body: Value = serde_json::from_str(&registered[1].body).unwrap();
    assert_eq!(body["type"], "customer.registered");
    assert_eq!(body["data"]["user"], me["user"]);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(other.received().is_empty(), "{:?}", other.received());

    let unknown = "/api/admin/webhooks/6b03ed74b3a2a1dec430c866/ping";
    let (status, answer) = read(staff.post_empty(unknown).await).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::NOT_FOUND, Some("webhook_not_found"))
    );
}

/// The webhook `id` once its `active` is `false`.
async fn once_off(staff: &TestClient, id: &str) -> Value {
    for _ in 0..300 {
        let (_, found) = read(staff.get(&format!("/api/admin/webhooks/{id}")).await).await;
        if found["webhook"]["active"] == false {
            return found["webhook"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("webhook {id} was never turned off");
}

async fn a_day_of_failures_turns_a_webhook_off_and_mails_the_admins(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let smtp_url = smtp.url();
    let vars = [
        ("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
        ("SMTP_URL", smtp_url.as_str()),
    ];
    let app = TestApp::spawn_with(backend, &vars).await;
    let (staff, admin) = app.admin().await;
    // A key reads on (a day outlives the admin's session).
    let (staff, _) = app.api_key(&staff, &["webhooks:write", "audit:read"]).await;
    let receiver = Receiver::start(&[500; 50]).await;
    let id = subscribe(&staff, &receiver.url, "booking.created").await;
    let (customer, _) = app.customer().await;
    let (consultant, _) = app.consultant().await;
    read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    receiver.wait_for(1).await;

    // Nearly a day later, still failing: still on.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.clock.advance(chrono::Duration::hours(23));
    receiver.wait_for(2).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, found) = read(staff.get(&format!("/api/admin/webhooks/{id}")).await).await;
    assert_eq!(found["webhook"]["active"], true, "{found}");

    // A day of nothing but failures turns it off, with the reason; the
    // admins are told; the service's act is in the audit log.
    app.clock.advance(chrono::Duration::hours(2));
    receiver.wait_for(3).await;
    let webhook = once_off(&staff, &id).await;
    assert_eq!(webhook["disabledReason"], tripdesk::domain::FAILING);
    let to = admin["email"].as_str().unwrap();
    let notices = mails_to(&smtp, to, "A tripdesk webhook was turned off", 1).await;
    assert!(notices[0].contains(&receiver.url), "{}", notices[0]);
    assert!(notices[0].contains("Every delivery failed for 24 hours."));
    let entries = audit(&staff, &format!("targetId={id}&action=webhook.disabled")).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["actor"], Value::Null, "the service");
    assert_eq!(entries[0]["details"]["reason"], tripdesk::domain::FAILING);

    // Nothing more goes out while it is off.
    app.clock.advance(chrono::Duration::hours(2));
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 3);
}
