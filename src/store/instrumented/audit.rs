//! Timing of the audit log's operations.

use async_trait::async_trait;

use super::Instrumented;
use crate::domain::{AuditEntry, AuditQuery};
use crate::store::{AuditStore, StoreResult};

#[async_trait]
impl AuditStore for Instrumented {
    async fn append_audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
        timed!(self, "append_audit", self.inner.append_audit(entries))
    }

    async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        timed!(self, "list_audit", self.inner.list_audit(query))
    }
}
