//! Timing of the audit log's and the API keys' operations.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Instrumented;
use crate::domain::{ApiKey, ApiKeyId, AuditEntry, AuditQuery, Effects, TokenHash};
use crate::store::{ApiKeyStore, AuditStore, StoreResult};

#[async_trait]
impl AuditStore for Instrumented {
    async fn append_audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
        timed!(self, "append_audit", self.inner.append_audit(entries))
    }

    async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        timed!(self, "list_audit", self.inner.list_audit(query))
    }
}

#[async_trait]
impl ApiKeyStore for Instrumented {
    async fn insert_api_key(
        &self,
        key: &ApiKey,
        hash: &TokenHash,
        effects: &Effects,
    ) -> StoreResult<()> {
        timed!(
            self,
            "insert_api_key",
            self.inner.insert_api_key(key, hash, effects)
        )
    }

    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        timed!(self, "list_api_keys", self.inner.list_api_keys())
    }

    async fn find_api_key(&self, hash: &TokenHash) -> StoreResult<Option<ApiKey>> {
        timed!(self, "find_api_key", self.inner.find_api_key(hash))
    }

    async fn delete_api_key(&self, id: ApiKeyId, effects: &Effects) -> StoreResult<bool> {
        timed!(
            self,
            "delete_api_key",
            self.inner.delete_api_key(id, effects)
        )
    }

    async fn touch_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<()> {
        timed!(self, "touch_api_key", self.inner.touch_api_key(id, at))
    }
}
