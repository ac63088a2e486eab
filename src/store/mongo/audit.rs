//! The audit log in MongoDB, without transactions.
//!
//! An entry rides in the very document its change writes (`pendingAudit`,
//! JSON text: the test server stores a `$set` document as text anyway),
//! so one single-document write records the change and its entry together.
//! Entries then move to the `audit` collection, keyed by their id (a move
//! repeated after a crash stores nothing twice): before every read of the
//! log, and whenever a mail dispatcher looks for work. A write that adds
//! entries to a document still holding some keeps them: it is conditioned
//! on the `auditToken` it read.

use async_trait::async_trait;
use mongodb::Collection;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::FindOptions;
use rand::RngCore;

use super::documents::{Fields, date};
use super::{MongoStore, classify, find_all, is_duplicate_key};
use crate::domain::{AuditEntry, AuditQuery, Effects};
use crate::store::{
    AuditRecord, AuditStore, StoreError, StoreResult, WebhookStore, entries_from_json,
    entries_to_json, events_from_json, events_to_json,
};

const PENDING: &str = "pendingAudit";
/// A change's webhook events, waiting (with its entries, under the same
/// token and flag) to be fanned out to deliveries.
const EVENTS: &str = "pendingEvents";
const TOKEN: &str = "auditToken";
const FLAG: &str = "auditPending";
/// Documents whose entries one move takes per collection.
const MOVE_BATCH: i64 = 200;

fn new_token() -> String {
    let mut token = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut token);
    hex::encode(token)
}

/// The fields that carry `entries` in a document.
fn pending_fields(entries: &[AuditEntry]) -> Document {
    doc! {PENDING: entries_to_json(entries), TOKEN: new_token(), FLAG: "1"}
}

/// `document` (written whole: inserted or replaced) carrying `entries`.
pub(super) fn with_audit(mut document: Document, entries: &[AuditEntry]) -> Document {
    if !entries.is_empty() {
        document.extend(pending_fields(entries));
    }
    document
}

/// `document` (written whole) carrying a change's entries and its webhook
/// events.
pub(super) fn with_effects(document: Document, effects: &Effects) -> Document {
    if effects.events.is_empty() {
        return with_audit(document, &effects.audit);
    }
    let mut document = document;
    document.extend(pending_fields(&effects.audit));
    document.insert(EVENTS, events_to_json(&effects.events));
    document
}

/// An entry as a document of the `audit` collection.
pub(super) fn entry_document(entry: &AuditEntry) -> Document {
    let record = AuditRecord::from(entry);
    let details = mongodb::bson::to_document(&record.details).unwrap_or_default();
    doc! {
        "_id": record.id,
        "at": date(entry.at),
        "actorId": record.actor_id,
        "actorRole": record.actor_role,
        "action": record.action,
        "targetType": record.target_type,
        "targetId": record.target_id,
        "details": details,
        "requestId": record.request_id,
    }
}

pub(super) fn entry_from(document: &Document) -> StoreResult<AuditEntry> {
    let fields = Fields {
        document,
        collection: "audit",
    };
    let details = document
        .get_document("details")
        .map_err(|_| fields.corrupt("details"))?;
    let details: serde_json::Map<String, serde_json::Value> =
        mongodb::bson::from_document(details.clone()).map_err(|_| fields.corrupt("details"))?;
    AuditRecord {
        id: fields.string("_id")?.to_owned(),
        at: fields.instant("at")?.timestamp_millis(),
        actor_id: fields.optional_string("actorId")?.map(str::to_owned),
        actor_role: fields.optional_string("actorRole")?.map(str::to_owned),
        action: fields.string("action")?.to_owned(),
        target_type: fields.string("targetType")?.to_owned(),
        target_id: fields.string("targetId")?.to_owned(),
        details,
        request_id: fields.optional_string("requestId")?.map(str::to_owned),
    }
    .into_entry()
}

impl MongoStore {
    /// Applies `update` to the document `filter` matches, with `entries`
    /// riding in it; whether a document matched.
    pub(super) async fn update_with_audit(
        &self,
        collection: &Collection<Document>,
        filter: Document,
        mut update: Document,
        entries: &[AuditEntry],
    ) -> StoreResult<bool> {
        if entries.is_empty() {
            let result = collection
                .update_one(filter, update)
                .await
                .map_err(classify)?;
            return Ok(result.matched_count > 0);
        }
        for _ in 0..8 {
            let current = collection
                .find_one(filter.clone())
                .projection(doc! {PENDING: 1, TOKEN: 1})
                .await
                .map_err(classify)?;
            let Some(current) = current else {
                return Ok(false);
            };
            let mut waiting = match current.get_str(PENDING) {
                Ok(json) => entries_from_json(json)?,
                Err(_) => Vec::new(),
            };
            waiting.extend(entries.iter().cloned());
            let mut guarded = filter.clone();
            match current.get(TOKEN) {
                Some(token) => guarded.insert(TOKEN, token.clone()),
                None => guarded.insert(TOKEN, doc! {"$exists": false}),
            };
            let set = match update.get_mut("$set") {
                Some(Bson::Document(set)) => set,
                _ => {
                    update.insert("$set", Document::new());
                    update
                        .get_document_mut("$set")
                        .map_err(|error| StoreError::Internal(error.into()))?
                }
            };
            set.extend(pending_fields(&waiting));
            let written = collection
                .update_one(guarded, update.clone())
                .await
                .map_err(classify)?;
            if written.matched_count > 0 {
                return Ok(true);
            }
        }
        Err(StoreError::Conflict)
    }

    /// Writes `entries` into the document `filter` matches (entries about
    /// a change written elsewhere in the same step).
    pub(super) async fn record_on(
        &self,
        collection: &Collection<Document>,
        filter: Document,
        entries: &[AuditEntry],
    ) -> StoreResult<()> {
        if !entries.is_empty() {
            self.update_with_audit(collection, filter, Document::new(), entries)
                .await?;
        }
        Ok(())
    }

    /// Moves the entries waiting in the document `filter` matches (if any)
    /// to the log.
    pub(super) async fn move_audit_of(
        &self,
        collection: &Collection<Document>,
        filter: Document,
    ) -> StoreResult<()> {
        let mut waiting = filter;
        waiting.insert(FLAG, "1");
        self.move_waiting(collection, waiting, 1).await
    }

    /// Moves every entry waiting in documents to the log.
    pub(super) async fn move_pending_audit(&self) -> StoreResult<()> {
        for collection in [
            &self.users,
            &self.sessions,
            &self.consultants,
            &self.bookings,
            &self.outbox,
            &self.api_keys,
            &self.webhooks,
            &self.passkeys,
        ] {
            self.move_waiting(collection, doc! {FLAG: "1"}, MOVE_BATCH)
                .await?;
        }
        Ok(())
    }

    async fn move_waiting(
        &self,
        collection: &Collection<Document>,
        filter: Document,
        limit: i64,
    ) -> StoreResult<()> {
        let options = FindOptions::builder()
            .projection(doc! {PENDING: 1, TOKEN: 1, EVENTS: 1})
            .limit(limit)
            .build();
        let holders =
            find_all(collection, filter, options, |document| Ok(document.clone())).await?;
        // Read once for the whole batch, and only if some change had events.
        let webhooks = if holders.iter().any(|holder| holder.contains_key(EVENTS)) {
            self.list_webhooks().await?
        } else {
            Vec::new()
        };
        for holder in holders {
            let (Some(id), Ok(json), Ok(token)) = (
                holder.get("_id"),
                holder.get_str(PENDING),
                holder.get_str(TOKEN),
            ) else {
                continue;
            };
            self.insert_entries(&entries_from_json(json)?).await?;
            if let Ok(events) = holder.get_str(EVENTS) {
                self.fan_out(&events_from_json(events)?, &webhooks).await?;
            }
            collection
                .update_one(
                    doc! {"_id": id.clone(), TOKEN: token},
                    doc! {"$unset": {PENDING: "", TOKEN: "", FLAG: "", EVENTS: ""}},
                )
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    /// Inserts entries into the log, skipping any already there.
    async fn insert_entries(&self, entries: &[AuditEntry]) -> StoreResult<()> {
        for entry in entries {
            match self.audit.insert_one(entry_document(entry)).await {
                Ok(_) => {}
                Err(error) if is_duplicate_key(&error) => {}
                Err(error) => return Err(classify(error)),
            }
        }
        Ok(())
    }
}

#[async_trait]
impl AuditStore for MongoStore {
    async fn append_audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
        self.insert_entries(entries).await
    }

    async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        self.move_pending_audit().await?;
        let mut clauses = vec![doc! {}];
        if let Some(actor) = &query.actor_id {
            clauses.push(doc! {"actorId": actor});
        }
        if let Some(target) = &query.target_id {
            clauses.push(doc! {"targetId": target});
        }
        if let Some(action) = query.action {
            clauses.push(doc! {"action": action.as_str()});
        }
        let mut at = Document::new();
        if let Some(from) = query.from {
            at.insert("$gte", date(from));
        }
        if let Some(to) = query.to {
            at.insert("$lt", date(to));
        }
        if !at.is_empty() {
            clauses.push(doc! {"at": at});
        }
        let (past, order) = if query.oldest_first {
            ("$gt", 1)
        } else {
            ("$lt", -1)
        };
        if let Some(after) = query.after {
            clauses.push(doc! {"$or": [
                {"at": {past: date(after.at)}},
                {"at": date(after.at), "_id": {past: after.id.to_string()}},
            ]});
        }
        let options = FindOptions::builder()
            .sort(doc! {"at": order, "_id": order})
            .limit(i64::try_from(query.fetch_limit()).unwrap_or(i64::MAX))
            .build();
        find_all(&self.audit, doc! {"$and": clauses}, options, entry_from).await
    }
}
