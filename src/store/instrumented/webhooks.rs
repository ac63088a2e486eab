//! Timing of the webhooks' operations.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Instrumented;
use crate::domain::{
    DeliveryId, Effects, Webhook, WebhookDelivery, WebhookEvent, WebhookId, WebhookSecret,
};
use crate::store::{
    Attempt, DeliveryQuery, DueDelivery, StoreResult, WebhookBacklog, WebhookStore,
};

#[async_trait]
impl WebhookStore for Instrumented {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        secret: &WebhookSecret,
        effects: &Effects,
    ) -> StoreResult<()> {
        timed!(
            self,
            "insert_webhook",
            self.inner.insert_webhook(webhook, secret, effects)
        )
    }

    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>> {
        timed!(self, "list_webhooks", self.inner.list_webhooks())
    }

    async fn find_webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>> {
        timed!(self, "find_webhook", self.inner.find_webhook(id))
    }

    async fn update_webhook(&self, webhook: &Webhook, effects: &Effects) -> StoreResult<bool> {
        timed!(
            self,
            "update_webhook",
            self.inner.update_webhook(webhook, effects)
        )
    }

    async fn rotate_webhook_secret(
        &self,
        id: WebhookId,
        secret: &WebhookSecret,
        effects: &Effects,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "rotate_webhook_secret",
            self.inner.rotate_webhook_secret(id, secret, effects)
        )
    }

    async fn delete_webhook(&self, id: WebhookId, effects: &Effects) -> StoreResult<bool> {
        timed!(
            self,
            "delete_webhook",
            self.inner.delete_webhook(id, effects)
        )
    }

    async fn queue_event(&self, webhook: WebhookId, event: &WebhookEvent) -> StoreResult<bool> {
        timed!(self, "queue_event", self.inner.queue_event(webhook, event))
    }

    async fn webhook_backlog(&self) -> StoreResult<WebhookBacklog> {
        timed!(self, "webhook_backlog", self.inner.webhook_backlog())
    }

    async fn list_deliveries(
        &self,
        webhook: WebhookId,
        query: &DeliveryQuery,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        timed!(
            self,
            "list_deliveries",
            self.inner.list_deliveries(webhook, query)
        )
    }

    async fn redeliver(
        &self,
        webhook: WebhookId,
        delivery: DeliveryId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "redeliver",
            self.inner.redeliver(webhook, delivery, now)
        )
    }

    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DueDelivery>> {
        timed!(
            self,
            "claim_due_deliveries",
            self.inner
                .claim_due_deliveries(now, lease, lease_until, limit)
        )
    }

    async fn record_attempts(&self, lease: &str, attempts: &[Attempt]) -> StoreResult<()> {
        timed!(
            self,
            "record_attempts",
            self.inner.record_attempts(lease, attempts)
        )
    }
}
