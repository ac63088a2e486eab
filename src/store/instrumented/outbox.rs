//! Timing of the outbox and idempotency operations.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Instrumented;
use crate::domain::{AccountMessage, IdempotencyRecord, Outgoing};
use crate::store::{Finished, IdempotencyStore, OutboxStore, StoreResult};

#[async_trait]
impl OutboxStore for Instrumented {
    async fn claim_due_messages(
        &self,
        now: DateTime<Utc>,
        lease: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Outgoing>> {
        timed!(
            self,
            "claim_due_messages",
            self.inner
                .claim_due_messages(now, lease, lease_until, limit)
        )
    }

    async fn insert_account_message(&self, message: &AccountMessage) -> StoreResult<()> {
        timed!(
            self,
            "insert_account_message",
            self.inner.insert_account_message(message)
        )
    }

    async fn finish_messages(&self, lease: &str, finished: &[Finished]) -> StoreResult<()> {
        timed!(
            self,
            "finish_messages",
            self.inner.finish_messages(lease, finished)
        )
    }

    async fn pending_messages(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        timed!(self, "pending_messages", self.inner.pending_messages(now))
    }
}

#[async_trait]
impl IdempotencyStore for Instrumented {
    async fn insert_idempotency_record(
        &self,
        record: &IdempotencyRecord,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        timed!(
            self,
            "insert_idempotency_record",
            self.inner.insert_idempotency_record(record)
        )
    }

    async fn replace_idempotency_record(
        &self,
        existing: &IdempotencyRecord,
        record: &IdempotencyRecord,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "replace_idempotency_record",
            self.inner.replace_idempotency_record(existing, record)
        )
    }

    async fn delete_idempotency_record(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        timed!(
            self,
            "delete_idempotency_record",
            self.inner.delete_idempotency_record(record)
        )
    }
}
