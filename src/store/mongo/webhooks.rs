//! Webhooks and their deliveries in MongoDB. Whole documents are written
//! (inserted or replaced, never `$set`), so every field keeps its BSON type
//! on every server; a delivery is leased by a replace conditioned on the
//! lease it was seen with, as the outbox's messages are.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::FindOptions;

use super::audit::with_audit;
use super::documents::{
    Fields, delivery_document, delivery_from, object_id, optional_integer, webhook_document,
    webhook_from,
};
use super::{MongoStore, classify, find_all, is_duplicate_key};
use crate::domain::{
    DeliveryId, DeliveryStatus, Effects, Webhook, WebhookDelivery, WebhookEvent, WebhookId,
    WebhookSecret,
};
use crate::store::{
    Attempt, DeliveryQuery, DueDelivery, StoreResult, WebhookBacklog, WebhookStore,
};

/// `filter`, for webhooks not deleted.
pub(super) fn live(mut filter: Document) -> Document {
    filter.insert("deletedAt", doc! {"$exists": false});
    filter
}

/// A webhook as stored: with its secret and failure clock.
struct Stored {
    webhook: Webhook,
    secret: String,
    failing_since: Option<i64>,
}

impl MongoStore {
    /// One pending delivery per active webhook of `webhooks` that wants
    /// each event;
    /// fanning the same events out again stores nothing twice.
    pub(super) async fn fan_out(
        &self,
        events: &[WebhookEvent],
        webhooks: &[Webhook],
    ) -> StoreResult<()> {
        for webhook in webhooks.iter().filter(|webhook| webhook.active) {
            for event in events
                .iter()
                .filter(|event| webhook.events.wants(event.kind))
            {
                self.insert_delivery(webhook.id, event).await?;
            }
        }
        Ok(())
    }

    /// `event`'s delivery to `webhook`, unless it has one.
    async fn insert_delivery(&self, webhook: WebhookId, event: &WebhookEvent) -> StoreResult<()> {
        let delivery = WebhookDelivery::pending(webhook, event);
        let document = delivery_document(&delivery, &event.body, "", 0);
        match self.webhook_deliveries.insert_one(document).await {
            Ok(_) => Ok(()),
            Err(error) if is_duplicate_key(&error) => Ok(()),
            Err(error) => Err(classify(error)),
        }
    }

    /// A webhook with its secret and failure clock, in one read.
    async fn webhook_internals(&self, id: WebhookId) -> StoreResult<Option<Stored>> {
        let Some(document) = self
            .webhooks
            .find_one(live(doc! {"_id": object_id(id.bytes())}))
            .await
            .map_err(classify)?
        else {
            return Ok(None);
        };
        let fields = Fields {
            document: &document,
            collection: "webhooks",
        };
        Ok(Some(Stored {
            webhook: webhook_from(&document)?,
            secret: fields.string("secret")?.to_owned(),
            failing_since: optional_integer(&fields, "failingSince")?,
        }))
    }

    /// Replaces a webhook's document, keeping or changing its internals;
    /// `false` when it is gone.
    async fn replace_webhook(
        &self,
        webhook: &Webhook,
        secret: &str,
        failing_since: Option<i64>,
        effects: &Effects,
    ) -> StoreResult<bool> {
        // A replacement carries only its own entries: those still waiting
        // in the document go to the log first.
        let filter = doc! {"_id": object_id(webhook.id.bytes())};
        self.move_audit_of(&self.webhooks, filter).await?;
        let document = with_audit(
            webhook_document(webhook, secret, failing_since),
            &effects.audit,
        );
        let replaced = self
            .webhooks
            .replace_one(live(doc! {"_id": object_id(webhook.id.bytes())}), document)
            .await
            .map_err(classify)?;
        Ok(replaced.matched_count > 0)
    }
}

#[async_trait]
impl WebhookStore for MongoStore {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        secret: &WebhookSecret,
        effects: &Effects,
    ) -> StoreResult<()> {
        let document = with_audit(
            webhook_document(webhook, secret.reveal(), None),
            &effects.audit,
        );
        self.webhooks.insert_one(document).await.map_err(classify)?;
        Ok(())
    }

    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>> {
        let options = FindOptions::builder()
            .sort(doc! {"createdAt": 1, "_id": 1})
            .build();
        find_all(&self.webhooks, live(Document::new()), options, webhook_from).await
    }

    async fn find_webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>> {
        self.webhooks
            .find_one(live(doc! {"_id": object_id(id.bytes())}))
            .await
            .map_err(classify)?
            .as_ref()
            .map(webhook_from)
            .transpose()
    }

    async fn update_webhook(&self, webhook: &Webhook, effects: &Effects) -> StoreResult<bool> {
        let Some(Stored {
            secret,
            failing_since,
            ..
        }) = self.webhook_internals(webhook.id).await?
        else {
            return Ok(false);
        };
        // Turned on again by an admin: a fresh start for the failure clock.
        let failing_since = if webhook.active { None } else { failing_since };
        self.replace_webhook(webhook, &secret, failing_since, effects)
            .await
    }

    async fn rotate_webhook_secret(
        &self,
        id: WebhookId,
        secret: &WebhookSecret,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let Some(stored) = self.webhook_internals(id).await? else {
            return Ok(false);
        };
        self.replace_webhook(
            &stored.webhook,
            secret.reveal(),
            stored.failing_since,
            effects,
        )
        .await
    }

    async fn delete_webhook(&self, id: WebhookId, effects: &Effects) -> StoreResult<bool> {
        // Marked deleted, with the entry riding in the same write; nothing
        // finds it again, and its deliveries go.
        let deleted = self
            .update_with_audit(
                &self.webhooks,
                live(doc! {"_id": object_id(id.bytes())}),
                doc! {"$set": {"deletedAt": Utc::now().timestamp_millis()}},
                &effects.audit,
            )
            .await?;
        if deleted {
            self.webhook_deliveries
                .delete_many(doc! {"webhookId": id.to_string()})
                .await
                .map_err(classify)?;
        }
        Ok(deleted)
    }

    async fn queue_event(&self, webhook: WebhookId, event: &WebhookEvent) -> StoreResult<bool> {
        if self.find_webhook(webhook).await?.is_none() {
            return Ok(false);
        }
        self.insert_delivery(webhook, event).await?;
        Ok(true)
    }

    async fn webhook_backlog(&self) -> StoreResult<WebhookBacklog> {
        let pending = self
            .webhook_deliveries
            .count_documents(doc! {"status": DeliveryStatus::Pending.as_str()})
            .await
            .map_err(classify)?;
        let disabled = self
            .webhooks
            .count_documents(live(doc! {"disabledReason": {"$ne": Bson::Null}}))
            .await
            .map_err(classify)?;
        Ok(WebhookBacklog { pending, disabled })
    }

    async fn list_deliveries(
        &self,
        webhook: WebhookId,
        query: &DeliveryQuery,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        let mut filter = doc! {"webhookId": webhook.to_string()};
        if let Some(status) = query.status {
            filter.insert("status", status.as_str());
        }
        if let Some(before) = query.before {
            filter.insert("_id", doc! {"$lt": object_id(before.bytes())});
        }
        let options = FindOptions::builder()
            .sort(doc! {"_id": -1})
            .limit(query.fetch_limit as i64)
            .build();
        find_all(&self.webhook_deliveries, filter, options, delivery_from).await
    }

    async fn redeliver(
        &self,
        webhook: WebhookId,
        delivery: DeliveryId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let filter = doc! {"_id": object_id(delivery.bytes()), "webhookId": webhook.to_string()};
        let Some(document) = self
            .webhook_deliveries
            .find_one(filter.clone())
            .await
            .map_err(classify)?
        else {
            return Ok(false);
        };
        let again = WebhookDelivery {
            status: DeliveryStatus::Pending,
            first_attempt_at: None,
            next_attempt_at: Some(now),
            ..delivery_from(&document)?
        };
        let body = document.get_str("body").unwrap_or_default().to_owned();
        let replaced = self
            .webhook_deliveries
            .replace_one(filter, delivery_document(&again, &body, "", 0))
            .await
            .map_err(classify)?;
        Ok(replaced.matched_count > 0)
    }

    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DueDelivery>> {
        // Events still riding in the documents of their changes first.
        self.move_pending_audit().await?;
        let now_ms = now.timestamp_millis();
        let due = doc! {
            "status": DeliveryStatus::Pending.as_str(),
            "nextAttemptAt": {"$lte": now_ms},
            "leaseUntil": {"$lte": now_ms},
        };
        let options = FindOptions::builder()
            .sort(doc! {"nextAttemptAt": 1})
            .limit(i64::from(limit))
            .build();
        let candidates = find_all(&self.webhook_deliveries, due, options, |document| {
            Ok(document.clone())
        })
        .await?;
        let mut claimed = Vec::new();
        for document in candidates {
            let delivery = delivery_from(&document)?;
            let Some(Stored {
                webhook,
                secret,
                failing_since,
            }) = self.webhook_internals(delivery.webhook_id).await?
            else {
                continue;
            };
            if !webhook.active {
                continue;
            }
            let (Some(secret), Ok(body), Ok(seen)) = (
                WebhookSecret::from_stored(&secret),
                document.get_str("body"),
                document.get_str("lease"),
            ) else {
                continue;
            };
            // One replace conditioned on the lease seen: of two dispatchers
            // that saw the delivery free, only one takes it.
            let replaced = self
                .webhook_deliveries
                .replace_one(
                    doc! {"_id": object_id(delivery.id.bytes()), "lease": seen,
                    "status": DeliveryStatus::Pending.as_str()},
                    delivery_document(&delivery, body, lease, lease_until.timestamp_millis()),
                )
                .await
                .map_err(classify)?;
            if replaced.modified_count == 1 {
                claimed.push(DueDelivery {
                    delivery,
                    body: body.to_owned(),
                    url: webhook.url,
                    secret,
                    failing_since: failing_since.and_then(DateTime::from_timestamp_millis),
                });
            }
        }
        Ok(claimed)
    }

    async fn record_attempts(&self, lease: &str, attempts: &[Attempt]) -> StoreResult<()> {
        for attempt in attempts {
            self.record_attempt(lease, attempt).await?;
        }
        Ok(())
    }
}
