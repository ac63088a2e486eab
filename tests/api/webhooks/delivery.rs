//! What a real network does to deliveries: a receiver that is down, slow,
//! or redirecting; a name that turns private after it was saved; several
//! instances sharing the work.

use std::collections::{HashMap, HashSet};
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::Duration;
use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tripdesk::domain::{DeliveryStatus, WebhookDelivery, WebhookId};
use tripdesk::store::DeliveryQuery;
use tripdesk::webhooks::resolver::Lookup;

use super::{PRIVATE_ALLOWED, subscribe};
use crate::helpers::{Backend, Receiver, TestApp, mongo_skipped, read};
use crate::store_tests;

store_tests!(
    a_receiver_that_was_down_gets_every_event_once_it_is_back,
    a_redirect_is_not_followed,
    a_receiver_slower_than_ten_seconds_is_tried_again,
    a_name_that_turns_private_after_it_was_saved_is_not_connected_to,
);

/// The deliveries of `webhook` once `done` holds for all `count` of them.
async fn log_when(
    app: &TestApp,
    webhook: WebhookId,
    count: usize,
    done: impl Fn(&WebhookDelivery) -> bool,
) -> Vec<WebhookDelivery> {
    let query = DeliveryQuery {
        status: None,
        before: None,
        fetch_limit: 100,
    };
    let mut log = Vec::new();
    for _ in 0..400 {
        log = app.store.list_deliveries(webhook, &query).await.unwrap();
        if log.len() == count && log.iter().all(&done) {
            return log;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("{count} deliveries expected to be done, the log: {log:?}");
}

fn event_ids(received: &[crate::helpers::receiver::Received]) -> HashSet<String> {
    received
        .iter()
        .map(|request| request.header("tripdesk-event-id").unwrap().to_owned())
        .collect()
}

async fn a_receiver_that_was_down_gets_every_event_once_it_is_back(backend: Backend) {
    let app = TestApp::spawn_with(backend, &PRIVATE_ALLOWED).await;
    let receiver = Receiver::start(&[]).await;
    let (port, url) = (receiver.port, receiver.url.clone());
    receiver.stop().await;
    let (webhook, _) = subscribe(&app, &url).await;
    let (customer, _) = app.customer().await;
    let (consultant, _) = app.consultant().await;
    let mut booked = HashSet::new();
    for hour in [10, 11, 12] {
        let (status, body) = read(customer.book(&consultant, &app.at(2, hour, 0), 30).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        booked.insert(body["booking"]["id"].as_str().unwrap().to_owned());
    }
    // Each tried once, refused, kept for later.
    log_when(&app, webhook.id, 3, |delivery| {
        delivery.attempts == 1 && delivery.status == DeliveryStatus::Pending
    })
    .await;

    let receiver = Receiver::start_on(port, &[]).await;
    app.clock.advance(Duration::minutes(2));
    let received = receiver.wait_for(3).await;
    log_when(&app, webhook.id, 3, |delivery| {
        delivery.status == DeliveryStatus::Succeeded && delivery.attempts == 2
    })
    .await;
    let received_now = receiver.received();
    assert_eq!(received_now.len(), 3, "each once: {received_now:?}");
    assert_eq!(event_ids(&received).len(), 3);
    let bookings: HashSet<String> = received
        .iter()
        .map(|request| {
            let body: Value = serde_json::from_str(&request.body).unwrap();
            body["data"]["booking"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(bookings, booked);
}

async fn a_redirect_is_not_followed(backend: Backend) {
    let app = TestApp::spawn_with(backend, &PRIVATE_ALLOWED).await;
    let receiver = Receiver::start(&[302]).await;
    let (webhook, _) = subscribe(&app, &receiver.url).await;
    let (customer, _) = app.customer().await;
    let (consultant, _) = app.consultant().await;
    read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    let log = log_when(&app, webhook.id, 1, |delivery| delivery.attempts == 1).await;
    assert_eq!(
        (log[0].response_status, log[0].status),
        (Some(302), DeliveryStatus::Pending),
        "a redirect is a failure, retried later"
    );
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let paths: Vec<String> = receiver.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/hooks/tripdesk"], "/followed never asked for");
}

async fn a_receiver_slower_than_ten_seconds_is_tried_again(backend: Backend) {
    let app = TestApp::spawn_with(backend, &PRIVATE_ALLOWED).await;
    let receiver = Receiver::start_slow(&[StdDuration::from_secs(11)]).await;
    let (webhook, _) = subscribe(&app, &receiver.url).await;
    let (customer, _) = app.customer().await;
    let (consultant, _) = app.consultant().await;
    read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    let first = receiver.wait_for(1).await;
    // Given up on after 10 s with no answer, and kept for a retry.
    let log = log_when(&app, webhook.id, 1, |delivery| delivery.attempts == 1).await;
    assert_eq!(
        (log[0].response_status, log[0].status),
        (None, DeliveryStatus::Pending)
    );
    assert!(log[0].duration_ms.unwrap() >= 10_000, "{log:?}");
    app.clock.advance(Duration::minutes(2));
    let both = receiver.wait_for(2).await;
    assert_eq!(event_ids(&first), event_ids(&both), "the same event");
    log_when(&app, webhook.id, 1, |delivery| {
        delivery.status == DeliveryStatus::Succeeded && delivery.attempts == 2
    })
    .await;
}

/// A resolver the test answers for: the DNS of a name under its control.
#[derive(Default)]
struct ScriptedLookup(Mutex<HashMap<String, IpAddr>>);

impl ScriptedLookup {
    fn point(&self, host: &str, address: &str) {
        let address = address.parse().unwrap();
        self.0.lock().unwrap().insert(host.to_owned(), address);
    }
}

impl Lookup for ScriptedLookup {
    fn lookup(&self, host: &str) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> {
        let found = self.0.lock().unwrap().get(host).copied();
        Box::pin(async move {
            found
                .map(|address| vec![address])
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such name"))
        })
    }
}

async fn a_name_that_turns_private_after_it_was_saved_is_not_connected_to(backend: Backend) {
    let dns = Arc::new(ScriptedLookup::default());
    let app = TestApp::spawn_resolving(backend, &[], Arc::clone(&dns) as Arc<dyn Lookup>).await;
    let (staff, _) = app.admin().await;
    let receiver = Receiver::start(&[]).await;
    let url = format!("http://crm.example.test:{}/hooks/tripdesk", receiver.port);

    // Private when saved: refused.
    dns.point("crm.example.test", "10.1.2.3");
    let body = json!({"url": url, "events": ["booking.created"]});
    let (status, refused) = read(staff.post("/api/admin/webhooks", &body).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "invalid_webhook_url");

    // Public when saved, this machine when delivered to: the connection
    // is refused by the resolver, and the receiver here gets nothing.
    dns.point("crm.example.test", "93.184.215.14");
    let (status, created) = read(staff.post("/api/admin/webhooks", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let webhook = WebhookId::parse(created["webhook"]["id"].as_str().unwrap()).unwrap();
    dns.point("crm.example.test", "127.0.0.1");
    let (customer, _) = app.customer().await;
    let (consultant, _) = app.consultant().await;
    read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    let log = log_when(&app, webhook, 1, |delivery| delivery.attempts == 1).await;
    assert_eq!(
        (log[0].response_status, log[0].status),
        (None, DeliveryStatus::Pending)
    );
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(receiver.received().is_empty(), "{:?}", receiver.received());
}

#[tokio::test]
async fn two_instances_deliver_each_event_once() {
    if mongo_skipped() {
        return;
    }
    let app = TestApp::spawn_with(Backend::Mongo, &PRIVATE_ALLOWED).await;
    let second = app.another_instance().await;
    let receiver = Receiver::start(&[]).await;
    let (webhook, _) = subscribe(&app, &receiver.url).await;
    let (here, _) = app.customer().await;
    let (there, _) = second.customer().await;
    let (consultant, _) = app.consultant().await;
    for hour in 9..14 {
        for (client, minute) in [(&here, 0), (&there, 30)] {
            let starts_at = app.at(2, hour, minute);
            let (status, body) = read(client.book(&consultant, &starts_at, 30).await).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
    }
    receiver.wait_for(10).await;
    log_when(&app, webhook.id, 10, |delivery| {
        delivery.status == DeliveryStatus::Succeeded
    })
    .await;
    let received = receiver.received();
    assert_eq!(received.len(), 10, "each event once");
    assert_eq!(event_ids(&received).len(), 10);
}
