//! The outbox in SQL: messages are inserted in the transaction of the
//! booking change that planned them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Row, Transaction, params};

use super::SqliteStore;
use super::audit::insert_audit;
use super::rows::millis;
use crate::domain::{
    AccountMail, AccountMessage, AuditEntry, BookingEvent, BookingId, ConsultantId, DeliveryState,
    OutboxMessage, Outgoing, Recipients,
};
use crate::store::{Finished, OutboxStore, StoreError, StoreResult, follow_ups, snapshot};

/// Withdraws the reminders `booking` has waiting: a change plans its own
/// (a moved or cancelled booking's old one would only be dropped when due).
pub(super) fn withdraw_reminders(tx: &Transaction<'_>, booking: BookingId) -> StoreResult<()> {
    tx.prepare_cached(
        "DELETE FROM outbox WHERE booking_id = ?1 AND event = 'reminder' AND state = 'pending'",
    )?
    .execute([booking.to_string()])?;
    Ok(())
}

/// Inserts booking `messages`, ignoring any already stored (a retried write).
pub(super) fn insert_messages(tx: &Transaction<'_>, messages: &[OutboxMessage]) -> StoreResult<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO outbox (id, kind, booking_id, event, recipients, delivered,
             snapshot, not_before, reminder_at, created_at, attempts, state, next_attempt_at,
             former_consultant)
         VALUES (?1, 'booking', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?7, ?12)",
    )?;
    for message in messages {
        insert.execute(params![
            message.id,
            message.booking.id.to_string(),
            message.event.as_str(),
            message.recipients.to_stored(),
            message.delivered.to_stored(),
            snapshot::to_json(&message.booking),
            millis(message.not_before),
            message.reminder_at.map(millis),
            millis(message.created_at),
            message.attempts,
            message.state.as_str(),
            message.former_consultant.map(|id| id.to_string()),
        ])?;
    }
    Ok(())
}

/// Inserts an account mail, due at once.
pub(super) fn insert_account_message(
    tx: &Transaction<'_>,
    message: &AccountMessage,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO outbox (id, kind, account, not_before, created_at, attempts, state,
             next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?4)",
    )?
    .execute(params![
        message.id,
        message.mail.kind(),
        message.mail.target(),
        millis(message.created_at),
        message.attempts,
        message.state.as_str(),
    ])?;
    Ok(())
}

fn corrupt(column: &str) -> StoreError {
    StoreError::Internal(format!("corrupt value in outbox.{column}").into())
}

/// Reads column `name` and parses it with `parse`.
fn parsed<T>(row: &Row<'_>, name: &str, parse: impl FnOnce(&str) -> Option<T>) -> StoreResult<T> {
    let text: String = row.get(name)?;
    parse(&text).ok_or_else(|| corrupt(name))
}

fn instant(row: &Row<'_>, name: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(row.get(name)?).ok_or_else(|| corrupt(name))
}

const MESSAGE_COLUMNS: &str = "id, kind, event, recipients, delivered, snapshot, account, \
     not_before, reminder_at, created_at, attempts, state, former_consultant";

fn message(row: &Row<'_>) -> StoreResult<Outgoing> {
    let kind: String = row.get("kind")?;
    if kind == "booking" {
        return booking_message(row).map(Outgoing::Booking);
    }
    let account: String = row.get("account")?;
    let mail = AccountMail::from_stored(&kind, &account).ok_or_else(|| corrupt("account"))?;
    Ok(Outgoing::Account(AccountMessage {
        id: row.get("id")?,
        mail,
        created_at: instant(row, "created_at")?,
        attempts: row.get("attempts")?,
        state: parsed(row, "state", DeliveryState::parse)?,
    }))
}

fn booking_message(row: &Row<'_>) -> StoreResult<OutboxMessage> {
    let snapshot: String = row.get("snapshot")?;
    Ok(OutboxMessage {
        id: row.get("id")?,
        event: parsed(row, "event", BookingEvent::parse)?,
        recipients: parsed(row, "recipients", Recipients::parse)?,
        delivered: parsed(row, "delivered", Recipients::parse)?,
        former_consultant: match row.get::<_, Option<String>>("former_consultant")? {
            Some(id) => Some(ConsultantId::parse(&id).ok_or_else(|| corrupt("former_consultant"))?),
            None => None,
        },
        booking: snapshot::from_json(&snapshot)?,
        not_before: instant(row, "not_before")?,
        reminder_at: match row.get::<_, Option<i64>>("reminder_at")? {
            Some(_) => Some(instant(row, "reminder_at")?),
            None => None,
        },
        created_at: instant(row, "created_at")?,
        attempts: row.get("attempts")?,
        state: parsed(row, "state", DeliveryState::parse)?,
    })
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn claim_due_messages(
        &self,
        now: DateTime<Utc>,
        lease: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Outgoing>> {
        let lease = lease.to_owned();
        // Relaxed: a lease lost in a power cut only lets a message be taken
        // again (at least once, never lost: the message itself was durable).
        self.write_relaxed(
            move |tx| {
                let sql = format!(
                    "UPDATE outbox SET lease = ?1, lease_until = ?2
                 WHERE id IN (SELECT id FROM outbox
                              WHERE state = 'pending' AND next_attempt_at <= ?3
                                AND (lease_until IS NULL OR lease_until <= ?3)
                              ORDER BY next_attempt_at LIMIT ?4)
                 RETURNING {MESSAGE_COLUMNS}"
                );
                let mut statement = tx.prepare_cached(&sql)?;
                let mut rows =
                    statement.query(params![lease, millis(lease_until), millis(now), limit])?;
                let mut claimed = Vec::new();
                while let Some(row) = rows.next()? {
                    claimed.push(message(row)?);
                }
                Ok(claimed)
            },
            |_| (),
        )
        .await
    }

    async fn insert_account_message(&self, message: &AccountMessage) -> StoreResult<()> {
        let message = message.clone();
        self.write(move |tx| insert_account_message(tx, &message))
            .await
    }

    async fn finish_messages(&self, lease: &str, finished: &[Finished]) -> StoreResult<()> {
        let lease = lease.to_owned();
        let follow_ups = follow_ups(finished);
        let finished: Vec<(_, Vec<AuditEntry>)> = finished
            .iter()
            .map(|done| (done.outcome.apply(&done.message), done.audit.clone()))
            .collect();
        // One relaxed transaction for the batch: a "sent" lost in a power cut
        // means one more send of the same mail (same Message-ID), which at
        // least once allows.
        self.write_relaxed(
            move |tx| {
                let mut finish = tx.prepare_cached(
                    "UPDATE outbox SET state = ?1, attempts = ?2, delivered = ?3,
                         next_attempt_at = COALESCE(?4, next_attempt_at),
                         lease = NULL, lease_until = NULL
                     WHERE id = ?5 AND lease = ?6",
                )?;
                for ((message, next), audit) in finished {
                    // Only booking messages track delivery per recipient.
                    let delivered = match &message {
                        Outgoing::Booking(message) => Some(message.delivered.to_stored()),
                        Outgoing::Account(_) => None,
                    };
                    let recorded = finish.execute(params![
                        message.state().as_str(),
                        message.attempts(),
                        delivered,
                        next.map(millis),
                        message.id(),
                        lease
                    ])?;
                    // Logged only with an outcome this lease recorded: a
                    // message another dispatcher took meanwhile is its to log.
                    if recorded > 0 {
                        insert_audit(tx, &audit)?;
                    }
                }
                insert_messages(tx, &follow_ups)
            },
            |_| (),
        )
        .await
    }

    async fn pending_messages(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        self.read(move |conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM outbox
                 WHERE state = 'pending' AND (next_attempt_at <= ?1 OR attempts > 0)",
                [millis(now)],
                |row| row.get(0),
            )?)
        })
        .await
    }
}
