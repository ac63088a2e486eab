//! Webhooks: a change's events become deliveries with the change, one per
//! active webhook that wants them; dispatchers lease them one at a time.

use chrono::Duration;
use serde_json::json;
use tripdesk::domain::{
    AuditContext, AuditEntry, AuditQuery, DeliveryStatus, Effects, EventType, EventTypes,
    TargetPolicy, Webhook, WebhookDescription, WebhookEvent, WebhookId, WebhookSecret, WebhookUrl,
};
use tripdesk::store::{Attempt, DeliveryQuery, WebhookBacklog};

use super::*;
use crate::helpers::Backend;
use crate::store_tests;

store_tests!(
    events_become_deliveries_with_their_change,
    a_delivery_is_leased_once_and_its_tries_recorded,
);

fn webhook(events: &[&str], active: bool, now: DateTime<Utc>) -> Webhook {
    let policy = TargetPolicy {
        https_only: true,
        allow_private: false,
    };
    Webhook {
        id: WebhookId::generate(),
        url: WebhookUrl::parse("https://crm.agency.example/hooks", policy).unwrap(),
        events: EventTypes::parse(events).unwrap(),
        description: WebhookDescription::default(),
        active,
        disabled_reason: None,
        created_at: now,
    }
}

fn all(fetch_limit: usize) -> DeliveryQuery {
    DeliveryQuery {
        status: None,
        before: None,
        fetch_limit,
    }
}

async fn events_become_deliveries_with_their_change(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let secret = WebhookSecret::generate();
    let created = webhook(&["booking.created"], true, now);
    let cancelled_only = webhook(&["booking.cancelled"], true, now);
    let off = webhook(&["booking.created"], false, now);
    for hook in [&created, &cancelled_only, &off] {
        store
            .insert_webhook(hook, &secret, &Effects::default())
            .await
            .unwrap();
    }
    assert_eq!(store.list_webhooks().await.unwrap().len(), 3);

    let connie = consultant();
    store
        .insert_consultant(&connie, None, &Effects::default())
        .await
        .unwrap();
    let user = customer(now);
    store
        .insert_user(&user, &hash("x"), None, &Effects::default())
        .await
        .unwrap();
    let first = booking(&user, &connie, day(now, 2), 30, now);
    // Due an hour from the app's clock: the app's own dispatcher, which
    // runs beside this test, leaves it to the test.
    let now = now + Duration::hours(1);
    let event = WebhookEvent::new(EventType::BookingCreated, now, json!({"booking": {}}));
    let effects = Effects {
        events: vec![event.clone()],
        ..Effects::default()
    };
    store
        .insert_booking(&first, &roomy(now), &effects)
        .await
        .unwrap();

    // Dispatchers see the delivery (on MongoDB once it has left the
    // booking's document: claiming moves it).
    let lease_until = now + Duration::minutes(1);
    let due = store
        .claim_due_deliveries(now, "lease-a", lease_until, 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "only the active webhook that wants it");
    assert_eq!(due[0].delivery.webhook_id, created.id);
    assert_eq!(due[0].delivery.event_id, event.id);
    assert_eq!(due[0].body, event.body);
    assert_eq!(due[0].secret, secret);
    for hook in [&cancelled_only, &off] {
        assert!(
            store
                .list_deliveries(hook.id, &all(10))
                .await
                .unwrap()
                .is_empty()
        );
    }
}

async fn a_delivery_is_leased_once_and_its_tries_recorded(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let hook = webhook(&["booking.created"], true, now);
    store
        .insert_webhook(&hook, &WebhookSecret::generate(), &Effects::default())
        .await
        .unwrap();
    let connie = consultant();
    store
        .insert_consultant(&connie, None, &Effects::default())
        .await
        .unwrap();
    let user = customer(now);
    store
        .insert_user(&user, &hash("x"), None, &Effects::default())
        .await
        .unwrap();
    let first = booking(&user, &connie, day(now, 2), 30, now);
    // Due an hour from the app's clock: the app's own dispatcher, which
    // runs beside this test, leaves it to the test.
    let now = now + Duration::hours(1);
    let effects = Effects {
        events: vec![WebhookEvent::new(EventType::BookingCreated, now, json!({}))],
        ..Effects::default()
    };
    store
        .insert_booking(&first, &roomy(now), &effects)
        .await
        .unwrap();
    let until = now + Duration::minutes(1);
    let due = store
        .claim_due_deliveries(now, "a", until, 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    let again = store
        .claim_due_deliveries(now, "b", until, 10)
        .await
        .unwrap();
    assert!(again.is_empty(), "leased to a");

    // A failed try: pending again later, and the webhook's failure clock runs.
    let retry_at = now + Duration::seconds(30);
    let failed = Attempt {
        delivery: due[0].delivery.id,
        webhook: hook.id,
        at: now,
        response_status: Some(503),
        duration_ms: 12,
        status: DeliveryStatus::Pending,
        next_attempt_at: Some(retry_at),
        disable: None,
        when_disabled: Effects::default(),
    };
    store
        .record_attempts("a", std::slice::from_ref(&failed))
        .await
        .unwrap();
    let backlog = |pending, disabled| WebhookBacklog { pending, disabled };
    assert_eq!(store.webhook_backlog().await.unwrap(), backlog(1, 0));
    let listed = store.list_deliveries(hook.id, &all(10)).await.unwrap();
    assert_eq!(listed[0].attempts, 1);
    assert_eq!(listed[0].response_status, Some(503));
    assert_eq!(listed[0].next_attempt_at, Some(retry_at));
    assert!(
        store
            .claim_due_deliveries(now, "b", until, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Due again: another dispatcher takes it; a 410 ends it and the webhook.
    let later = retry_at + Duration::seconds(1);
    let due = store
        .claim_due_deliveries(later, "b", later + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        due[0].failing_since,
        Some(now),
        "failing since the first try"
    );
    let context = AuditContext::service(later);
    let turned_off = AuditEntry::webhook_disabled(&context, hook.id, tripdesk::domain::GONE);
    let gone = Attempt {
        at: later,
        response_status: Some(410),
        status: DeliveryStatus::Failed,
        next_attempt_at: None,
        disable: Some(tripdesk::domain::GONE),
        when_disabled: Effects::audit([turned_off.clone()]),
        ..failed
    };
    // A stale lease records nothing.
    store
        .record_attempts("a", std::slice::from_ref(&gone))
        .await
        .unwrap();
    assert_eq!(
        store.list_deliveries(hook.id, &all(10)).await.unwrap()[0].attempts,
        1
    );
    store.record_attempts("b", &[gone]).await.unwrap();
    let listed = store.list_deliveries(hook.id, &all(10)).await.unwrap();
    assert_eq!(
        (listed[0].attempts, listed[0].status),
        (2, DeliveryStatus::Failed)
    );
    let stored = store.find_webhook(hook.id).await.unwrap().unwrap();
    assert!(!stored.active);
    let query = AuditQuery::history_of(hook.id);
    let entries = store.list_audit(&query).await.unwrap();
    assert_eq!(
        entries,
        [turned_off],
        "written with the try that turned it off"
    );
    assert_eq!(store.webhook_backlog().await.unwrap(), backlog(0, 1));
    assert_eq!(
        stored.disabled_reason.as_deref(),
        Some(tripdesk::domain::GONE)
    );

    // Redelivered on request: pending at once, though the webhook is off
    // until an admin turns it on again.
    assert!(store.redeliver(hook.id, listed[0].id, later).await.unwrap());
    assert!(
        store
            .claim_due_deliveries(later, "c", until, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mut on = stored.clone();
    on.active = true;
    on.disabled_reason = None;
    assert!(
        store
            .update_webhook(&on, &Effects::default())
            .await
            .unwrap()
    );
    let later = later + Duration::seconds(1);
    let due = store
        .claim_due_deliveries(later, "c", later + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert!(
        store
            .delete_webhook(hook.id, &Effects::default())
            .await
            .unwrap()
    );
    assert!(store.find_webhook(hook.id).await.unwrap().is_none());
    assert!(
        store
            .list_deliveries(hook.id, &all(10))
            .await
            .unwrap()
            .is_empty()
    );
}
