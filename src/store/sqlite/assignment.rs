//! The facts "any consultant" assignment ranks by, in SQL.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::bookings::{check_limit, insert_new};
use super::rows::millis;
use crate::domain::{Booking, ConsultantId, ConsultantLoad, Effects, LiveBookingLimit, UserId};
use crate::store::{AssignmentStore, StoreError, StoreResult};

#[async_trait]
impl AssignmentStore for SqliteStore {
    async fn latest_consultant_of(&self, customer: UserId) -> StoreResult<Option<ConsultantId>> {
        self.read(move |conn| {
            let latest: Option<String> = conn
                .prepare_cached(
                    "SELECT consultant_id FROM bookings WHERE customer_id = ?1
                     ORDER BY created_at DESC, id DESC LIMIT 1",
                )?
                .query_row([customer.to_string()], |row| row.get(0))
                .optional()?;
            latest.map(|text| stored_id(&text)).transpose()
        })
        .await
    }

    async fn consultant_loads(
        &self,
        consultants: &[ConsultantId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ConsultantLoad>> {
        let consultants = consultants.to_vec();
        self.read(move |conn| {
            // Answered by the partial index of live bookings alone.
            let mut nearby = conn.prepare_cached(
                "SELECT COUNT(*) FROM bookings
                 WHERE consultant_id = ?1 AND starts_at >= ?2 AND starts_at < ?3
                   AND status <> 'cancelled'",
            )?;
            let mut latest = conn
                .prepare_cached("SELECT MAX(created_at) FROM bookings WHERE consultant_id = ?1")?;
            consultants
                .into_iter()
                .map(|consultant| {
                    let id = consultant.to_string();
                    let window = params![id, millis(from), millis(to)];
                    let live_nearby: i64 = nearby.query_row(window, |row| row.get(0))?;
                    let last_booked: Option<i64> = latest.query_row([&id], |row| row.get(0))?;
                    Ok(ConsultantLoad {
                        consultant_id: consultant,
                        live_nearby: live_nearby.unsigned_abs(),
                        last_booked_at: last_booked.and_then(DateTime::from_timestamp_millis),
                    })
                })
                .collect()
        })
        .await
    }

    async fn insert_first_free(
        &self,
        candidates: &[(Booking, Effects)],
        limit: &LiveBookingLimit,
    ) -> StoreResult<usize> {
        let (candidates, limit) = (candidates.to_vec(), *limit);
        let consultants: Vec<ConsultantId> = candidates
            .iter()
            .map(|(booking, _)| booking.consultant_id)
            .collect();
        let claims = Arc::clone(&self.claims);
        self.write_then(
            move |tx| {
                let (first, _) = candidates.first().ok_or(StoreError::SlotTaken)?;
                check_limit(tx, first, &limit)?;
                // One write for every try: a candidate that cannot be booked
                // is rolled back to its savepoint, no transaction lost.
                for (at, (booking, effects)) in candidates.iter().enumerate() {
                    tx.execute_batch("SAVEPOINT candidate")?;
                    match insert_new(tx, booking, effects) {
                        Ok(()) => {
                            tx.execute_batch("RELEASE candidate")?;
                            return Ok(at);
                        }
                        Err(refused) if refused.is_about_the_consultant() => {
                            tx.execute_batch("ROLLBACK TO candidate; RELEASE candidate")?;
                        }
                        Err(other) => return Err(other),
                    }
                }
                Err(StoreError::SlotTaken)
            },
            move |&at| claims.changed(consultants[at]),
        )
        .await
    }
}

fn stored_id(text: &str) -> StoreResult<ConsultantId> {
    ConsultantId::parse(text)
        .ok_or_else(|| StoreError::Internal("corrupt bookings.consultant_id".into()))
}
