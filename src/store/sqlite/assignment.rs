//! The facts "any consultant" assignment ranks by, in SQL.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::bookings::{check_limit, insert_new, slots_held};
use super::load_cache::LiveBookings;
use super::rows::millis;
use crate::domain::{Booking, BookingId, ConsultantId, ConsultantLoad, LiveBookingLimit, UserId};
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
        let (from, to) = (millis(from), millis(to));
        let mut found = Vec::with_capacity(consultants.len());
        let mut missing = Vec::new();
        for &consultant in consultants {
            match self.loads.load(consultant, from, to) {
                Ok(load) => found.push(load),
                Err(ticket) => missing.push((consultant, ticket)),
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        // A week before the window too: later requests for earlier starts
        // are answered from memory.
        let since = from - TimeDelta::days(7).num_milliseconds();
        let ids: Vec<ConsultantId> = missing.iter().map(|&(id, _)| id).collect();
        let read = self
            .read(move |conn| {
                ids.into_iter()
                    .map(|id| live_bookings(conn, id, since))
                    .collect::<StoreResult<Vec<_>>>()
            })
            .await?;
        for ((consultant, ticket), live) in missing.into_iter().zip(read) {
            found.push(live.load(consultant, from, to));
            self.loads.offer(ticket, consultant, live);
        }
        Ok(found)
    }

    async fn insert_first_free(
        &self,
        candidates: Vec<Booking>,
        effects_of: EffectsOf,
        limit: &LiveBookingLimit,
    ) -> StoreResult<Booking> {
        let limit = *limit;
        let (claims, loads) = (Arc::clone(&self.claims), Arc::clone(&self.loads));
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
            move |booking: &Booking| {
                claims.changed(booking.consultant_id);
                loads.booked(booking);
            },
        )
        .await
    }
}

/// `consultant`'s live bookings starting from `since` on (milliseconds),
/// and when they were last booked.
fn live_bookings(
    conn: &Connection,
    consultant: ConsultantId,
    since: i64,
) -> StoreResult<LiveBookings> {
    let id = consultant.to_string();
    let starts = conn
        .prepare_cached(
            "SELECT starts_at, id FROM bookings
             WHERE consultant_id = ?1 AND starts_at >= ?2 AND status <> 'cancelled'",
        )?
        .query_map(params![id, since], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?
        .map(|row| {
            let (start, booking) = row?;
            let booking = BookingId::parse(&booking)
                .ok_or_else(|| StoreError::Internal("corrupt bookings.id".into()))?;
            Ok((start, booking))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let last_booked: Option<i64> = conn
        .prepare_cached("SELECT MAX(created_at) FROM bookings WHERE consultant_id = ?1")?
        .query_row([id], |row| row.get(0))?;
    Ok(LiveBookings::new(since, starts, last_booked))
}

fn stored_id(text: &str) -> StoreResult<ConsultantId> {
    ConsultantId::parse(text)
        .ok_or_else(|| StoreError::Internal("corrupt bookings.consultant_id".into()))
}
