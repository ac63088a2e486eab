//! Webhook delivery end to end: a booking made through the API reaches a
//! real receiver on 127.0.0.1, signed, and the delivery log says how it
//! went; failures are retried, a 410 turns the webhook off.

use chrono::Duration;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::Sha256;
use tripdesk::domain::{
    Clock, DeliveryStatus, Effects, EventTypes, TargetPolicy, Webhook, WebhookDescription,
    WebhookId, WebhookSecret, WebhookUrl,
};
use tripdesk::store::DeliveryQuery;

use crate::helpers::{Backend, Receiver, TestApp, read};

mod crash;
mod delivery;
mod readme_receivers;
use crate::store_tests;

store_tests!(
    a_booking_reaches_the_receiver_signed,
    failures_are_retried_and_a_410_turns_the_webhook_off,
);

const PRIVATE_ALLOWED: [(&str, &str); 2] = [
    ("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
    ("METRICS_ADDR", "127.0.0.1:0"),
];

/// The value of the webhook delivery counter for `outcome` (the recorder
/// is shared by every app of the test process: compare before and after).
async fn deliveries_counted(app: &TestApp, outcome: &str) -> f64 {
    let metrics = app.metrics_base.clone().expect("a metrics listener");
    let text = reqwest::get(format!("{metrics}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = format!("tripdesk_webhook_deliveries_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .map_or(0.0, |value| value.parse().unwrap())
}

/// A webhook for `url` wanting booking.created, straight into the store
/// (as the admin routes will), and its secret.
async fn subscribe(app: &TestApp, url: &str) -> (Webhook, WebhookSecret) {
    let policy = TargetPolicy {
        https_only: false,
        allow_private: true,
    };
    let webhook = Webhook {
        id: WebhookId::generate(),
        url: WebhookUrl::parse(url, policy).unwrap(),
        events: EventTypes::parse(&["booking.created"]).unwrap(),
        description: WebhookDescription::default(),
        active: true,
        disabled_reason: None,
        created_at: app.clock.now(),
    };
    let secret = WebhookSecret::generate();
    app.store
        .insert_webhook(&webhook, &secret, &Effects::default())
        .await
        .unwrap();
    (webhook, secret)
}

/// Checks `Tripdesk-Signature` the way the README tells receivers to.
fn verify(secret: &WebhookSecret, header: &str, body: &str) -> i64 {
    let (t, v1) = header.split_once(",v1=").unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.reveal().as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    mac.verify_slice(&hex::decode(v1).unwrap())
        .expect("the signature matches");
    t.parse().unwrap()
}

async fn a_booking_reaches_the_receiver_signed(backend: Backend) {
    let app = TestApp::spawn_with(backend, &PRIVATE_ALLOWED).await;
    let receiver = Receiver::start(&[]).await;
    let (webhook, secret) = subscribe(&app, &receiver.url).await;
    let succeeded_before = deliveries_counted(&app, "succeeded").await;
    let (customer, _) = app.customer().await;
    let (consultant, _) = app.consultant().await;
    let (status, booked) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");

    let received = receiver.wait_for(1).await;
    let delivery = &received[0];
    let body: Value = serde_json::from_str(&delivery.body).unwrap();
    assert_eq!(body["type"], "booking.created");
    assert_eq!(body["data"]["booking"]["id"], booked["booking"]["id"]);
    assert_eq!(
        delivery.header("tripdesk-event-type"),
        Some("booking.created")
    );
    assert_eq!(delivery.header("tripdesk-event-id"), body["id"].as_str());
    assert_eq!(delivery.header("content-type"), Some("application/json"));
    let signed_at = verify(
        &secret,
        delivery.header("tripdesk-signature").unwrap(),
        &delivery.body,
    );
    assert!((app.clock.now().timestamp() - signed_at).abs() < 300);

    // The log says it succeeded (recorded just after the answer).
    let query = DeliveryQuery {
        status: None,
        before: None,
        fetch_limit: 10,
    };
    for _ in 0..100 {
        let log = app.store.list_deliveries(webhook.id, &query).await.unwrap();
        if log[0].status == DeliveryStatus::Succeeded {
            assert_eq!((log[0].attempts, log[0].response_status), (1, Some(200)));
            assert!(deliveries_counted(&app, "succeeded").await > succeeded_before);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the delivery was never recorded as succeeded");
}

async fn failures_are_retried_and_a_410_turns_the_webhook_off(backend: Backend) {
    let app = TestApp::spawn_with(backend, &PRIVATE_ALLOWED).await;
    let receiver = Receiver::start(&[503, 410]).await;
    let (webhook, _) = subscribe(&app, &receiver.url).await;
    let (customer, _) = app.customer().await;
    let (consultant, _) = app.consultant().await;
    let (status, _) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let first = receiver.wait_for(1).await;
    // Retried after its backoff (30 s and a little jitter), same event.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1, "not before its time");
    app.clock.advance(Duration::seconds(40));
    let both = receiver.wait_for(2).await;
    assert_eq!(
        first[0].header("tripdesk-event-id"),
        both[1].header("tripdesk-event-id")
    );
    assert_eq!(first[0].body, both[1].body);
    // The 410 turned the webhook off.
    for _ in 0..100 {
        let stored = app.store.find_webhook(webhook.id).await.unwrap().unwrap();
        if !stored.active {
            assert_eq!(
                stored.disabled_reason.as_deref(),
                Some(tripdesk::domain::GONE)
            );
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("a 410 must turn the webhook off");
}
