//! The facts "any consultant" assignment ranks by, in SQL.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::bookings::{check_limit, insert_new, slots_held};
use super::rows::millis;
use crate::domain::{Booking, ConsultantId, ConsultantLoad, LiveBookingLimit, UserId};
use crate::store::{AssignmentStore, EffectsOf, StoreError, StoreResult};

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
        let ids: Vec<String> = consultants.iter().map(ToString::to_string).collect();
        let ids =
            serde_json::to_string(&ids).map_err(|error| StoreError::Internal(error.into()))?;
        self.read(move |conn| {
            // One statement for every candidate; the count is answered by
            // the partial index of live bookings alone.
            let mut loads = conn.prepare_cached(
                "SELECT candidate.value,
                     (SELECT COUNT(*) FROM bookings
                      WHERE consultant_id = candidate.value AND starts_at >= ?2
                        AND starts_at < ?3 AND status <> 'cancelled'),
                     (SELECT MAX(created_at) FROM bookings WHERE consultant_id = candidate.value)
                 FROM json_each(?1) AS candidate",
            )?;
            let mut rows = loads.query(params![ids, millis(from), millis(to)])?;
            let mut found = Vec::new();
            while let Some(row) = rows.next()? {
                let live_nearby: i64 = row.get(1)?;
                let last_booked: Option<i64> = row.get(2)?;
                found.push(ConsultantLoad {
                    consultant_id: stored_id(&row.get::<_, String>(0)?)?,
                    live_nearby: live_nearby.unsigned_abs(),
                    last_booked_at: last_booked.and_then(DateTime::from_timestamp_millis),
                });
            }
            Ok(found)
        })
        .await
    }

    async fn insert_first_free(
        &self,
        candidates: Vec<Booking>,
        effects_of: EffectsOf,
        limit: &LiveBookingLimit,
    ) -> StoreResult<Booking> {
        let limit = *limit;
        let claims = Arc::clone(&self.claims);
        self.write_then(
            move |tx| {
                let first = candidates.first().ok_or(StoreError::SlotTaken)?;
                check_limit(tx, first, &limit)?;
                // One write for every try: a candidate that cannot be booked
                // is rolled back to its savepoint, no transaction lost.
                for booking in candidates {
                    // Racing requests rank alike: most pass over candidates
                    // just taken, which a lookup finds cheaper than a try.
                    if slots_held(tx, &booking)? {
                        continue;
                    }
                    tx.execute_batch("SAVEPOINT candidate")?;
                    match insert_new(tx, &booking, &effects_of(&booking)) {
                        Ok(()) => {
                            tx.execute_batch("RELEASE candidate")?;
                            return Ok(booking);
                        }
                        Err(refused) if refused.is_about_the_consultant() => {
                            tx.execute_batch("ROLLBACK TO candidate; RELEASE candidate")?;
                        }
                        Err(other) => return Err(other),
                    }
                }
                Err(StoreError::SlotTaken)
            },
            move |booking: &Booking| claims.changed(booking.consultant_id),
        )
        .await
    }
}

fn stored_id(text: &str) -> StoreResult<ConsultantId> {
    ConsultantId::parse(text)
        .ok_or_else(|| StoreError::Internal("corrupt bookings.consultant_id".into()))
}
