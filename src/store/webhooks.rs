//! Webhooks and their deliveries. An event is written with the change
//! that causes it (in [`Effects`]): the store turns it into one delivery
//! per active webhook that wants it, in the same write, and webhook
//! dispatchers take due deliveries under a lease, as mail dispatchers take
//! the outbox.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{StoreError, StoreResult};
use crate::domain::{
    DeliveryId, DeliveryStatus, Effects, EventId, EventType, Webhook, WebhookDelivery,
    WebhookEvent, WebhookId, WebhookSecret, WebhookUrl,
};

/// A delivery a dispatcher leased: what to send, where, signed with what.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    /// The delivery as leased.
    pub delivery: WebhookDelivery,
    /// The event's body, byte for byte as first written.
    pub body: String,
    /// Where to send it.
    pub url: WebhookUrl,
    /// What to sign it with.
    pub secret: WebhookSecret,
    /// Since when every try of the webhook's deliveries failed (`None`:
    /// the last one succeeded).
    pub failing_since: Option<DateTime<Utc>>,
}

/// How one try of a delivery ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// Which delivery.
    pub delivery: DeliveryId,
    /// Its webhook.
    pub webhook: WebhookId,
    /// When the try was made.
    pub at: DateTime<Utc>,
    /// The receiver's status, if it answered.
    pub response_status: Option<u16>,
    /// How long it took.
    pub duration_ms: u64,
    /// Where the delivery stands now.
    pub status: DeliveryStatus,
    /// When to try again (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The reason to turn the webhook off, when this try says so.
    pub disable: Option<&'static str>,
    /// What turning it off causes (the admins' notices, the audit entry),
    /// written only by the try that does turn it off.
    pub when_disabled: Effects,
}

/// How webhook delivery stands, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WebhookBacklog {
    /// Deliveries waiting for a first try or a retry.
    pub pending: u64,
    /// Webhooks the service turned off (a `410 Gone` or a day of
    /// failures), not those an admin switched off.
    pub disabled: u64,
}

/// Which deliveries of a webhook to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryQuery {
    /// Only those in this state.
    pub status: Option<DeliveryStatus>,
    /// Those older than this one (the cursor).
    pub before: Option<DeliveryId>,
    /// Rows to fetch (one past a page).
    pub fetch_limit: usize,
}

/// The agency's webhooks.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a new webhook with its signing secret.
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        secret: &WebhookSecret,
        effects: &Effects,
    ) -> StoreResult<()>;

    /// Every webhook, oldest first.
    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>>;

    /// One webhook.
    async fn find_webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>>;

    /// Replaces a webhook's settings; `false` when it is gone.
    async fn update_webhook(&self, webhook: &Webhook, effects: &Effects) -> StoreResult<bool>;

    /// Replaces its secret; `false` when it is gone.
    async fn rotate_webhook_secret(
        &self,
        id: WebhookId,
        secret: &WebhookSecret,
        effects: &Effects,
    ) -> StoreResult<bool>;

    /// Deletes a webhook and its pending deliveries; `false` when it is gone.
    async fn delete_webhook(&self, id: WebhookId, effects: &Effects) -> StoreResult<bool>;

    /// Queues `event` for `webhook` alone, whatever it subscribed to (a
    /// ping); `false` when there is no such webhook.
    async fn queue_event(&self, webhook: WebhookId, event: &WebhookEvent) -> StoreResult<bool>;

    /// A webhook's deliveries, newest first.
    async fn list_deliveries(
        &self,
        webhook: WebhookId,
        query: &DeliveryQuery,
    ) -> StoreResult<Vec<WebhookDelivery>>;

    /// Makes a delivery due again at `now` (a fresh day of retries);
    /// `false` when there is no such delivery of that webhook.
    async fn redeliver(
        &self,
        webhook: WebhookId,
        delivery: DeliveryId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Leases up to `limit` deliveries due at `now` (of active webhooks)
    /// to `lease` until `lease_until`: two dispatchers never hold the same.
    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DueDelivery>>;

    /// How many deliveries wait, and how many webhooks the service turned off.
    async fn webhook_backlog(&self) -> StoreResult<WebhookBacklog>;

    /// Records tries of deliveries `lease` still holds (a delivery whose
    /// lease ran out and went to another dispatcher is left alone), turning
    /// a webhook off when a try says so (and, if it was on, writing
    /// `when_disabled` with it). SQLite records them all in one write.
    async fn record_attempts(&self, lease: &str, attempts: &[Attempt]) -> StoreResult<()>;
}

/// An event as JSON, the form a MongoDB document carries it in until it is
/// fanned out to deliveries.
#[derive(serde::Serialize, serde::Deserialize)]
struct EventRecord {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    at: i64,
    body: String,
}

/// `events` as JSON text.
pub(crate) fn events_to_json(events: &[WebhookEvent]) -> String {
    let records: Vec<EventRecord> = events
        .iter()
        .map(|event| EventRecord {
            id: event.id.to_string(),
            kind: event.kind.as_str().to_owned(),
            at: event.created_at.timestamp_millis(),
            body: event.body.clone(),
        })
        .collect();
    serde_json::to_string(&records).expect("event records always serialise")
}

/// The events in `json`, as [`events_to_json`] wrote them.
pub(crate) fn events_from_json(json: &str) -> StoreResult<Vec<WebhookEvent>> {
    let corrupt = || StoreError::Internal("corrupt pending webhook event".into());
    let records: Vec<EventRecord> = serde_json::from_str(json).map_err(|_| corrupt())?;
    records
        .into_iter()
        .map(|record| {
            Ok(WebhookEvent {
                id: EventId::parse(&record.id).ok_or_else(corrupt)?,
                kind: EventType::parse(&record.kind).ok_or_else(corrupt)?,
                created_at: DateTime::from_timestamp_millis(record.at).ok_or_else(corrupt)?,
                body: record.body,
            })
        })
        .collect()
}
