//! API keys, kept by the SHA-256 of the key.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{ApiKey, ApiKeyId, Effects, TokenHash};

/// The API keys back-office systems present.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Stores a new key under the hash of its secret, with the change's
    /// audit entries.
    async fn insert_api_key(
        &self,
        key: &ApiKey,
        hash: &TokenHash,
        effects: &Effects,
    ) -> StoreResult<()>;

    /// Every key, oldest first.
    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>>;

    /// The key whose secret hashes to `hash`.
    async fn find_api_key(&self, hash: &TokenHash) -> StoreResult<Option<ApiKey>>;

    /// Deletes a key (it stops working at once), with the change's audit
    /// entries; `false` when there is no such key.
    async fn delete_api_key(&self, id: ApiKeyId, effects: &Effects) -> StoreResult<bool>;

    /// Records that the key was accepted at `at` (a relaxed write: a lost
    /// `lastUsedAt` loses no data anyone relies on).
    async fn touch_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<()>;
}
