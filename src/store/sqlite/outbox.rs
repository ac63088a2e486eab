//! The outbox in SQL: messages are inserted in the transaction of the
//! booking change that planned them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Row, Transaction, params};

use super::SqliteStore;
use super::rows::millis;
use crate::domain::{BookingEvent, DeliveryState, OutboxMessage, Party};
use crate::store::{Delivery, OutboxStore, StoreError, StoreResult, snapshot};

/// Inserts `messages`, ignoring any already stored (a retried write).
pub(super) fn insert_messages(tx: &Transaction<'_>, messages: &[OutboxMessage]) -> StoreResult<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO outbox (id, booking_id, event, recipient, snapshot, not_before,
             created_at, attempts, state, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?6)",
    )?;
    for message in messages {
        insert.execute(params![
            message.id,
            message.booking.id.to_string(),
            message.event.as_str(),
            party_name(message.recipient),
            snapshot::to_json(&message.booking),
            millis(message.not_before),
            millis(message.created_at),
            message.attempts,
            message.state.as_str(),
        ])?;
    }
    Ok(())
}

fn party_name(party: Party) -> &'static str {
    match party {
        Party::Customer => "customer",
        Party::Consultant => "consultant",
    }
}

fn corrupt(column: &str) -> StoreError {
    StoreError::Internal(format!("corrupt value in outbox.{column}").into())
}

fn instant(ms: i64, column: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(column))
}

const MESSAGE_COLUMNS: &str =
    "id, event, recipient, snapshot, not_before, created_at, attempts, state";

fn message(row: &Row<'_>) -> StoreResult<OutboxMessage> {
    let text = |index: usize| -> StoreResult<String> { Ok(row.get(index)?) };
    Ok(OutboxMessage {
        id: text(0)?,
        event: BookingEvent::parse(&text(1)?).ok_or_else(|| corrupt("event"))?,
        recipient: match text(2)?.as_str() {
            "customer" => Party::Customer,
            "consultant" => Party::Consultant,
            _ => return Err(corrupt("recipient")),
        },
        booking: snapshot::from_json(&text(3)?)?,
        not_before: instant(row.get(4)?, "not_before")?,
        created_at: instant(row.get(5)?, "created_at")?,
        attempts: row.get(6)?,
        state: DeliveryState::parse(&text(7)?).ok_or_else(|| corrupt("state"))?,
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
        let outcomes: Vec<(String, Delivery)> = outcomes
            .iter()
            .map(|(message, outcome)| (message.id.clone(), *outcome))
            .collect();
        // One relaxed transaction for the batch: a "sent" lost in a power cut
        // means one more send of the same mail (same Message-ID), which at
        // least once allows.
        self.write_relaxed(
            move |tx| {
                let mut finish = tx.prepare_cached(
                    "UPDATE outbox SET state = ?1, attempts = ?2,
                         next_attempt_at = COALESCE(?3, next_attempt_at),
                         lease = NULL, lease_until = NULL
                     WHERE id = ?4 AND lease = ?5",
                )?;
                for (id, outcome) in outcomes {
                    let (state, attempts, next) = match outcome {
                        Delivery::Sent { attempts } => (DeliveryState::Sent, attempts, None),
                        Delivery::Retry { attempts, at } => {
                            (DeliveryState::Pending, attempts, Some(at))
                        }
                        Delivery::Dropped { attempts } => (DeliveryState::Dropped, attempts, None),
                    };
                    finish.execute(params![
                        state.as_str(),
                        attempts,
                        next.map(millis),
                        id,
                        lease
                    ])?;
                }
                Ok(())
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
