//! The audit log as the stores keep it: appended to, never changed.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{StoreError, StoreResult};
use crate::domain::{Actor, ActorKind, AuditAction, AuditEntry, AuditId, AuditQuery, TargetKind};

/// The audit log. There is no method to change or delete an entry: entries
/// that record a change are written by the change's own write (see
/// [`Effects`](crate::domain::Effects)); the rest are appended here.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends entries that record no change of their own (a failed login).
    async fn append_audit(&self, entries: &[AuditEntry]) -> StoreResult<()>;

    /// Up to `query.fetch_limit()` entries matching `query`, newest first
    /// (oldest first when the query says so), ties broken by id.
    async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>>;
}

/// An entry as JSON, the form both stores keep it in where a column or
/// field cannot hold it typed (SQLite's `details`; an entry waiting inside
/// a MongoDB document for its move to the log).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuditRecord {
    pub id: String,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub details: Map<String, Value>,
    pub request_id: Option<String>,
}

impl From<&AuditEntry> for AuditRecord {
    fn from(entry: &AuditEntry) -> Self {
        Self {
            id: entry.id.to_string(),
            at: entry.at.timestamp_millis(),
            actor_id: entry.actor.as_ref().map(|actor| actor.id.clone()),
            actor_role: entry
                .actor
                .as_ref()
                .map(|actor| actor.kind.as_str().to_owned()),
            action: entry.action.as_str().to_owned(),
            target_type: entry.target_kind.as_str().to_owned(),
            target_id: entry.target_id.clone(),
            details: entry.details.clone(),
            request_id: entry.request_id.clone(),
        }
    }
}

impl AuditRecord {
    /// The entry this record holds.
    pub fn into_entry(self) -> StoreResult<AuditEntry> {
        let corrupt =
            |what: &str| StoreError::Internal(format!("corrupt audit entry: {what}").into());
        let actor = match (self.actor_id, self.actor_role) {
            (Some(id), Some(role)) => Some(Actor {
                id,
                kind: ActorKind::parse(&role).ok_or_else(|| corrupt("actor role"))?,
            }),
            (None, None) => None,
            _ => return Err(corrupt("actor")),
        };
        Ok(AuditEntry {
            id: AuditId::parse(&self.id).ok_or_else(|| corrupt("id"))?,
            at: chrono::DateTime::from_timestamp_millis(self.at).ok_or_else(|| corrupt("at"))?,
            actor,
            action: AuditAction::parse(&self.action).ok_or_else(|| corrupt("action"))?,
            target_kind: TargetKind::parse(&self.target_type).ok_or_else(|| corrupt("target"))?,
            target_id: self.target_id,
            details: self.details,
            request_id: self.request_id,
        })
    }
}

/// `entries` as JSON text (a list of [`AuditRecord`]s).
pub(crate) fn entries_to_json(entries: &[AuditEntry]) -> String {
    let records: Vec<AuditRecord> = entries.iter().map(AuditRecord::from).collect();
    serde_json::to_string(&records).expect("audit records always serialise")
}

/// The entries in `json`, as [`entries_to_json`] wrote them.
pub(crate) fn entries_from_json(json: &str) -> StoreResult<Vec<AuditEntry>> {
    let records: Vec<AuditRecord> =
        serde_json::from_str(json).map_err(|error| StoreError::Internal(error.into()))?;
    records.into_iter().map(AuditRecord::into_entry).collect()
}
