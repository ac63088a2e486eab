//! The audit log in SQL: entries are inserted in the transaction of the
//! change they record; a trigger refuses to delete one.

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Row, Transaction, params, params_from_iter};

use super::SqliteStore;
use super::outbox::{insert_account_message, insert_messages};
use super::privacy::insert_consent;
use super::rows::millis;
use super::webhook_writes::insert_events;
use crate::domain::{AuditEntry, AuditQuery, Effects};
use crate::store::{AuditRecord, AuditStore, StoreError, StoreResult};

/// Writes a change's side effects in its transaction: its mail, its audit
/// entries and its webhook deliveries.
pub(super) fn write_effects(tx: &Transaction<'_>, effects: &Effects) -> StoreResult<()> {
    insert_messages(tx, &effects.messages)?;
    for mail in &effects.account_mails {
        insert_account_message(tx, mail)?;
    }
    insert_events(tx, &effects.events)?;
    if let Some(consent) = &effects.consent {
        insert_consent(tx, consent)?;
    }
    insert_audit(tx, &effects.audit)
}

/// Inserts audit entries.
pub(super) fn insert_audit(tx: &Transaction<'_>, entries: &[AuditEntry]) -> StoreResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO audit_log (id, at, actor_id, actor_role, action, target_type, target_id,
             details, request_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for entry in entries {
        let record = AuditRecord::from(entry);
        let details = serde_json::to_string(&record.details)
            .map_err(|error| StoreError::Internal(error.into()))?;
        insert.execute(params![
            record.id,
            record.at,
            record.actor_id,
            record.actor_role,
            record.action,
            record.target_type,
            record.target_id,
            details,
            record.request_id,
        ])?;
    }
    Ok(())
}

pub(super) const AUDIT_COLUMNS: &str =
    "id, at, actor_id, actor_role, action, target_type, target_id, details, request_id";

pub(super) fn entry(row: &Row<'_>) -> StoreResult<AuditEntry> {
    let details: String = row.get(7)?;
    AuditRecord {
        id: row.get(0)?,
        at: row.get(1)?,
        actor_id: row.get(2)?,
        actor_role: row.get(3)?,
        action: row.get(4)?,
        target_type: row.get(5)?,
        target_id: row.get(6)?,
        details: serde_json::from_str(&details)
            .map_err(|error| StoreError::Internal(error.into()))?,
        request_id: row.get(8)?,
    }
    .into_entry()
}

/// The query's SQL with a condition only for each filter present, and its
/// parameters (as for the booking list).
fn list_audit_sql(query: &AuditQuery) -> (String, Vec<Value>) {
    let mut values = Vec::new();
    let mut filters = String::new();
    let mut condition = |clause: &str, value: Value| {
        values.push(value);
        filters.push_str(&clause.replace('?', &format!("?{}", values.len())));
    };
    if let Some(target) = &query.target_id {
        condition(" AND target_id = ?", Value::Text(target.clone()));
    }
    if let Some(action) = query.action {
        condition(" AND action = ?", Value::Text(action.as_str().to_owned()));
    }
    if let Some(from) = query.from {
        condition(" AND at >= ?", Value::Integer(millis(from)));
    }
    if let Some(to) = query.to {
        condition(" AND at < ?", Value::Integer(millis(to)));
    }
    let (past, order) = if query.oldest_first {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    if let Some(after) = query.after {
        condition(
            &format!(" AND (at, id) {past} (?"),
            Value::Integer(millis(after.at)),
        );
        condition(", ?)", Value::Text(after.id.to_string()));
    }
    values.push(Value::Integer(query.fetch_limit() as i64));
    let page = format!(" ORDER BY at {order}, id {order} LIMIT ?{}", values.len());
    let Some(actor) = &query.actor_id else {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE 1 = 1{filters}{page}");
        return (sql, values);
    };
    values.push(Value::Text(actor.clone()));
    let actor = values.len();
    // Two ordered pages merged: the entries the actor index holds, and a
    // customer's acts on bookings, found through their bookings (see the
    // schema).
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM (
             SELECT * FROM (SELECT {AUDIT_COLUMNS} FROM audit_log
                 WHERE actor_id = ?{actor}
                   AND (actor_role IS NOT 'customer' OR target_type <> 'booking'){filters}{page})
             UNION ALL
             SELECT * FROM (SELECT {AUDIT_COLUMNS} FROM audit_log
                 WHERE target_id IN (SELECT id FROM bookings WHERE customer_id = ?{actor})
                   AND actor_id = ?{actor} AND actor_role = 'customer'
                   AND target_type = 'booking'{filters}{page})
         ){page}"
    );
    (sql, values)
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
        let entries = entries.to_vec();
        self.write(move |tx| insert_audit(tx, &entries)).await
    }

    async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        let (sql, values) = list_audit_sql(query);
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            let mut rows = statement.query(params_from_iter(values))?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next()? {
                entries.push(entry(row)?);
            }
            Ok(entries)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;
    use crate::domain::{AuditAction, AuditCursor, AuditId};

    /// SQLite's plan for `query`, one step a line.
    fn plan(query: &AuditQuery) -> String {
        let mut connection = Connection::open_in_memory().unwrap();
        super::super::schema::migrations()
            .to_latest(&mut connection)
            .unwrap();
        let (sql, values) = list_audit_sql(query);
        let mut statement = connection
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let steps = statement
            .query_map(params_from_iter(values), |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        steps.join("\n")
    }

    /// A filter by actor or by record never reads the whole log, whatever
    /// else it is combined with.
    #[test]
    fn actor_and_record_filters_read_through_indexes() {
        let base = AuditQuery {
            actor_id: None,
            target_id: None,
            action: None,
            from: None,
            to: None,
            after: None,
            limit: 50,
            oldest_first: false,
        };
        let after = AuditCursor {
            at: chrono::Utc::now(),
            id: AuditId::next(),
        };
        let queries = [
            AuditQuery {
                actor_id: Some("6b03ed74b3a2a1dec430c866".into()),
                ..base.clone()
            },
            AuditQuery {
                actor_id: Some("6b03ed74b3a2a1dec430c866".into()),
                action: Some(AuditAction::BookingCancelled),
                after: Some(after),
                ..base.clone()
            },
            AuditQuery {
                target_id: Some("6b03ed74b3a2a1dec430c899".into()),
                oldest_first: true,
                ..base.clone()
            },
        ];
        for query in queries {
            let plan = plan(&query);
            assert!(!plan.contains("SCAN audit_log"), "{plan}");
            assert!(plan.contains("audit_by_"), "{plan}");
        }
    }
}
