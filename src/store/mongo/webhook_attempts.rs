//! A webhook delivery's try recorded in MongoDB: the delivery, the
//! webhook's failure clock, and the webhook turned off when the try says so.

use mongodb::bson::{Bson, Document, doc};

use super::MongoStore;
use super::classify;
use super::documents::{delivery_document, delivery_from, object_id};
use super::webhooks::live;
use crate::domain::{DeliveryStatus, Effects, WebhookDelivery};
use crate::store::{Attempt, StoreResult};

impl MongoStore {
    /// Records a try of a delivery `lease` still holds (see
    /// [`WebhookStore::record_attempts`]).
    pub(super) async fn record_attempt(&self, lease: &str, attempt: &Attempt) -> StoreResult<()> {
        let filter = doc! {"_id": object_id(attempt.delivery.bytes()), "lease": lease};
        let Some(document) = self
            .webhook_deliveries
            .find_one(filter.clone())
            .await
            .map_err(classify)?
        else {
            return Ok(());
        };
        let before = delivery_from(&document)?;
        let after = WebhookDelivery {
            status: attempt.status,
            attempts: before.attempts + 1,
            first_attempt_at: before.first_attempt_at.or(Some(attempt.at)),
            last_attempt_at: Some(attempt.at),
            response_status: attempt.response_status,
            duration_ms: Some(attempt.duration_ms),
            next_attempt_at: attempt.next_attempt_at,
            ..before
        };
        let body = document.get_str("body").unwrap_or_default().to_owned();
        let replaced = self
            .webhook_deliveries
            .replace_one(filter, delivery_document(&after, &body, "", 0))
            .await
            .map_err(classify)?;
        if replaced.matched_count == 0 {
            return Ok(());
        }
        // Only the failure clock and the switch, each a conditional update
        // (no read to race with another dispatcher's try; a whole-document
        // write could undo a secret rotated meanwhile).
        let filter = live(doc! {"_id": object_id(attempt.webhook.bytes())});
        let (clock_filter, clock) = match attempt.status {
            DeliveryStatus::Succeeded => (filter.clone(), Bson::Null),
            _ => {
                // Started by the first failure after a success only.
                let mut unset = filter.clone();
                unset.insert("failingSince", Bson::Null);
                (unset, Bson::Int64(attempt.at.timestamp_millis()))
            }
        };
        self.webhooks
            .update_one(clock_filter, doc! {"$set": {"failingSince": clock}})
            .await
            .map_err(classify)?;
        let Some(reason) = attempt.disable else {
            return Ok(());
        };
        let set = doc! {"active": false, "disabledReason": reason};
        self.turn_off(filter, set, &attempt.when_disabled).await
    }

    /// Applies `set` to the webhook `filter` finds if it is on, with
    /// `effects` (its notices are written first and wait, as undelivered,
    /// until the webhook shows off; dropped if it was off already).
    async fn turn_off(
        &self,
        filter: Document,
        set: Document,
        effects: &Effects,
    ) -> StoreResult<()> {
        let mut on = filter;
        on.insert("active", true);
        self.insert_account_mails(&effects.account_mails).await?;
        let turned_off = self
            .update_with_audit(&self.webhooks, on, doc! {"$set": set}, &effects.audit)
            .await;
        if !matches!(turned_off, Ok(true)) {
            self.discard_account_mails(&effects.account_mails).await;
        }
        turned_off.map(|_| ())
    }
}
