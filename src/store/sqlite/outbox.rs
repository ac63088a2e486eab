//! The outbox in SQL: messages are inserted in the transaction of the
//! booking change that planned them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Row, Transaction, params};

use super::SqliteStore;
use super::rows::millis;
use crate::domain::{BookingEvent, DeliveryState, OutboxMessage, Recipients};
use crate::store::{Delivery, OutboxStore, StoreError, StoreResult, follow_ups, snapshot};

/// Inserts `messages`, ignoring any already stored (a retried write).
pub(super) fn insert_messages(tx: &Transaction<'_>, messages: &[OutboxMessage]) -> StoreResult<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO outbox (id, booking_id, event, recipients, delivered, snapshot,
             not_before, reminder_at, created_at, attempts, state, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?7)",
    )?;
    for message in messages {
        insert.execute(params![
            message.id,
            message.booking.id.to_string(),
            message.event.as_str(),
            message.recipients.as_str(),
            message.delivered.as_str(),
            snapshot::to_json(&message.booking),
            millis(message.not_before),
            message.reminder_at.map(millis),
            millis(message.created_at),
            message.attempts,
            message.state.as_str(),
        ])?;
    }
    Ok(())
}

fn corrupt(column: &str) -> StoreError {
    StoreError::Internal(format!("corrupt value in outbox.{column}").into())
}

fn instant(ms: i64, column: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(column))
}

const MESSAGE_COLUMNS: &str = "id, event, recipients, delivered, snapshot, not_before, \
     reminder_at, created_at, attempts, state";

fn message(row: &Row<'_>) -> StoreResult<OutboxMessage> {
    let text = |index: usize| -> StoreResult<String> { Ok(row.get(index)?) };
    Ok(OutboxMessage {
        id: text(0)?,
        event: BookingEvent::parse(&text(1)?).ok_or_else(|| corrupt("event"))?,
        recipients: Recipients::parse(&text(2)?).ok_or_else(|| corrupt("recipients"))?,
        delivered: Recipients::parse(&text(3)?).ok_or_else(|| corrupt("delivered"))?,
        booking: snapshot::from_json(&text(4)?)?,
        not_before: instant(row.get(5)?, "not_before")?,
        reminder_at: row
            .get::<_, Option<i64>>(6)?
            .map(|ms| instant(ms, "reminder_at"))
            .transpose()?,
        created_at: instant(row.get(7)?, "created_at")?,
        attempts: row.get(8)?,
        state: DeliveryState::parse(&text(9)?).ok_or_else(|| corrupt("state"))?,
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
    ) -> StoreResult<Vec<OutboxMessage>> {
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

    async fn finish_messages(
        &self,
        lease: &str,
        outcomes: &[(OutboxMessage, Delivery)],
    ) -> StoreResult<()> {
        let lease = lease.to_owned();
        let follow_ups = follow_ups(outcomes);
        let finished: Vec<_> = outcomes
            .iter()
            .map(|(message, outcome)| outcome.apply(message))
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
                for (message, next) in finished {
                    finish.execute(params![
                        message.state.as_str(),
                        message.attempts,
                        message.delivered.as_str(),
                        next.map(millis),
                        message.id,
                        lease
                    ])?;
                }
                insert_messages(tx, &follow_ups)
            },
            |_| (),
        )
        .await
    }

    async fn pending_messages(&self) -> StoreResult<u64> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
                [],
                |row| row.get(0),
            )?)
        })
        .await
    }
}
