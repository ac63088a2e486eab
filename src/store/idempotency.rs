//! Remembered `Idempotency-Key` uses.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::IdempotencyRecord;

/// Remembered `Idempotency-Key` uses.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Stores `record` unless its user already used its key; then returns the
    /// existing record instead (and stores nothing).
    async fn insert_idempotency_record(
        &self,
        record: &IdempotencyRecord,
    ) -> StoreResult<Option<IdempotencyRecord>>;

    /// Replaces `existing` with `record` (same user and key) if the stored
    /// record is still `existing` (same `created_at` and response state);
    /// returns whether it was replaced.
    async fn replace_idempotency_record(
        &self,
        existing: &IdempotencyRecord,
        record: &IdempotencyRecord,
    ) -> StoreResult<bool>;

    /// Forgets `record` (if still stored as is), so its key can be used again.
    async fn delete_idempotency_record(&self, record: &IdempotencyRecord) -> StoreResult<()>;
}
