//! Consultants' schedules, feed secrets and time off in SQL (time off as
//! JSON on the consultant's row, rewritten in one transaction).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::SqliteStore;
use super::audit::write_effects;
use super::rows::{self, CONSULTANT_COLUMNS, millis};
use crate::domain::{
    Consultant, ConsultantId, Effects, FeedSecret, SLOT_MINUTES, Schedule, TimeOff, TimeOffId,
    TokenHash,
};
use crate::store::{CalendarStore, StoreError, StoreResult, snapshot};

/// Rewrites the time off of `consultant` with `change` in one
/// transaction; what `change` returned.
fn change_time_off<T>(
    tx: &Transaction<'_>,
    consultant: ConsultantId,
    change: impl FnOnce(&mut Vec<TimeOff>) -> StoreResult<T>,
) -> StoreResult<T> {
    let mut time_off = time_off_of(tx, consultant)?;
    let result = change(&mut time_off)?;
    time_off.sort_by_key(|off| (off.starts_at, off.id));
    tx.prepare_cached("UPDATE consultants SET time_off = ?1 WHERE id = ?2")?
        .execute(params![
            snapshot::time_off_to_json(&time_off),
            consultant.to_string()
        ])?;
    Ok(result)
}

/// The time off of `consultant` as stored now (none for an unknown one).
pub(super) fn time_off_of(
    tx: &Transaction<'_>,
    consultant: ConsultantId,
) -> StoreResult<Vec<TimeOff>> {
    let stored: Option<String> = tx
        .prepare_cached("SELECT time_off FROM consultants WHERE id = ?1")?
        .query_row([consultant.to_string()], |row| row.get(0))
        .optional()?;
    let corrupt = || StoreError::Internal("corrupt value in consultants.time_off".into());
    match stored.as_deref() {
        None | Some("[]") => Ok(Vec::new()),
        Some(json) => snapshot::time_off_from_json(consultant, json).ok_or_else(corrupt),
    }
}

/// How many live bookings of `consultant` have an appointment overlapping
/// `[from, to)`, from their claims (an appointment slot overlaps when it
/// starts before `to` and ends after `from`).
fn live_bookings_in(
    tx: &Transaction<'_>,
    consultant: ConsultantId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<u64> {
    let slot = TimeDelta::minutes(SLOT_MINUTES);
    Ok(tx
        .prepare_cached(
            "SELECT COUNT(DISTINCT booking_id) FROM booking_slots
             WHERE consultant_id = ?1 AND buffer = 0 AND slot_start > ?2 AND slot_start < ?3",
        )?
        .query_row(
            params![consultant.to_string(), millis(from - slot), millis(to)],
            |row| row.get(0),
        )?)
}

#[async_trait]
impl CalendarStore for SqliteStore {
    async fn update_schedule(
        &self,
        consultant: ConsultantId,
        schedule: &Schedule,
        effects: &Effects,
    ) -> StoreResult<Option<Consultant>> {
        let (schedule, effects) = (*schedule, effects.clone());
        let cache = Arc::clone(&self.consultants);
        let change = move |tx: &Transaction<'_>| {
            let id = consultant.to_string();
            let rules = schedule.rules;
            let changed = tx.execute(
                "UPDATE consultants SET timezone = ?1, working_hours = ?2, buffer_minutes = ?3,
                     minimum_notice_minutes = ?4, booking_horizon_days = ?5,
                     cancellation_notice_minutes = ?7
                 WHERE id = ?6",
                params![
                    schedule.timezone.name(),
                    schedule.working_hours.to_string(),
                    rules.buffer().minutes(),
                    rules.minimum_notice_minutes(),
                    rules.booking_horizon_days(),
                    id,
                    rules.cancellation_notice_minutes(),
                ],
            )?;
            if changed > 0 {
                write_effects(tx, &effects)?;
            }
            let sql = format!("SELECT {CONSULTANT_COLUMNS} FROM consultants c WHERE c.id = ?1");
            Ok(tx
                .query_row(&sql, [id], |row| rows::consultant(row, 0))
                .optional()?)
        };
        self.write_then(change, move |_| cache.changed(consultant))
            .await
    }

    async fn set_calendar_feed(
        &self,
        consultant: ConsultantId,
        secret: Option<&FeedSecret>,
        effects: &Effects,
    ) -> StoreResult<()> {
        let hash = secret.map(|secret| secret.token_hash.as_str().to_owned());
        let since = secret.map(|secret| millis(secret.created_at));
        let effects = effects.clone();
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE consultants SET calendar_feed_hash = ?1, calendar_feed_created_at = ?2
                 WHERE id = ?3",
                params![hash, since, consultant.to_string()],
            )?;
            if changed > 0 {
                write_effects(tx, &effects)?;
            }
            Ok(())
        })
        .await
    }

    async fn calendar_feed_since(
        &self,
        consultant: ConsultantId,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        self.read(move |conn| {
            let since: Option<i64> = conn
                .query_row(
                    "SELECT calendar_feed_created_at FROM consultants
                     WHERE id = ?1 AND calendar_feed_hash IS NOT NULL",
                    [consultant.to_string()],
                    |row| row.get(0),
                )
                .optional()?
                .flatten();
            since
                .map(|ms| {
                    DateTime::from_timestamp_millis(ms).ok_or_else(|| {
                        StoreError::Internal("corrupt consultants.calendar_feed_created_at".into())
                    })
                })
                .transpose()
        })
        .await
    }

    async fn find_consultant_by_feed(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<Consultant>> {
        let hash = token_hash.as_str().to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {CONSULTANT_COLUMNS} FROM consultants c WHERE c.calendar_feed_hash = ?1"
            );
            Ok(conn
                .query_row(&sql, [hash], |row| rows::consultant(row, 0))
                .optional()?)
        })
        .await
    }

    async fn insert_time_off(
        &self,
        time_off: &TimeOff,
        now: DateTime<Utc>,
        effects: &Effects,
    ) -> StoreResult<TimeOff> {
        let (time_off, consultant) = (time_off.clone(), time_off.consultant_id);
        let effects = effects.clone();
        let cache = Arc::clone(&self.consultants);
        self.write_then(
            move |tx| {
                let clashing =
                    live_bookings_in(tx, consultant, time_off.starts_at, time_off.ends_at)?;
                if clashing > 0 {
                    return Err(StoreError::BookingsInTimeOff(clashing));
                }
                let stored = change_time_off(tx, consultant, |all| {
                    time_off
                        .add_to(all, now)
                        .map_err(|_| StoreError::TooManyTimeOff)
                })?;
                write_effects(tx, &effects)?;
                Ok(stored)
            },
            move |_| cache.changed(consultant),
        )
        .await
    }

    async fn delete_time_off(
        &self,
        consultant: ConsultantId,
        id: TimeOffId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let cache = Arc::clone(&self.consultants);
        let effects = effects.clone();
        self.write_then(
            move |tx| {
                let deleted = change_time_off(tx, consultant, |all| {
                    let before = all.len();
                    all.retain(|off| off.id != id);
                    Ok(all.len() < before)
                })?;
                if deleted {
                    write_effects(tx, &effects)?;
                }
                Ok(deleted)
            },
            move |_| cache.changed(consultant),
        )
        .await
    }
}
