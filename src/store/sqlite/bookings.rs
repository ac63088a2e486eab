//! Bookings and their slot claims in SQL.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params, params_from_iter};

use super::audit::write_effects;
use super::calendar::time_off_of;
use super::claim_cache::Claims;
use super::outbox::withdraw_reminders;
use super::rows::{self, BOOKING_COLUMNS, millis};
use super::{SqliteStore, unique_violation};
use crate::domain::{
    Booking, BookingId, BookingQuery, BookingScope, BookingStatus, ConsultantId, Effects, HeldSlot,
    LiveBookingLimit, Slot,
};
use crate::store::{BookingStore, StoreError, StoreResult};

/// Claims every slot of a live booking; a slot already claimed fails the
/// whole transaction with [`StoreError::SlotTaken`].
fn claim_slots(tx: &Transaction<'_>, booking: &Booking) -> StoreResult<()> {
    if !booking.status.is_live() {
        return Ok(());
    }
    let mut claim = tx.prepare_cached(
        "INSERT INTO booking_slots (consultant_id, slot_start, booking_id, buffer)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let (consultant, id) = (booking.consultant_id.to_string(), booking.id.to_string());
    for held in booking.held_slots() {
        claim
            .execute(params![
                consultant,
                millis(held.slot.start()),
                id,
                held.buffer
            ])
            .map_err(unique_violation(StoreError::SlotTaken))?;
    }
    Ok(())
}

/// Whether another booking holds one of the slots `booking` would: what
/// its claims' key would refuse, found by a lookup instead of a write
/// rolled back.
pub(super) fn slots_held(tx: &Transaction<'_>, booking: &Booking) -> StoreResult<bool> {
    let mut probe = tx.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM booking_slots WHERE consultant_id = ?1 AND slot_start = ?2)",
    )?;
    let consultant = booking.consultant_id.to_string();
    for held in booking.held_slots() {
        let taken: bool = probe
            .query_row(params![consultant, millis(held.slot.start())], |row| {
                row.get(0)
            })?;
        if taken {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Refuses a live `booking` inside its write (SQLite's one writer makes
/// the reads and the write one step): a deactivated consultant, its
/// appointment in the consultant's time off as stored now, or another
/// appointment within its buffer before it. (Overlaps with held slots the
/// claims' key refuses.)
fn check_surroundings(tx: &Transaction<'_>, booking: &Booking) -> StoreResult<()> {
    let active: Option<bool> = tx
        .prepare_cached("SELECT active FROM consultants WHERE id = ?1")?
        .query_row([booking.consultant_id.to_string()], |row| row.get(0))
        .optional()?;
    if active == Some(false) {
        return Err(StoreError::ConsultantInactive);
    }
    let (from, to) = (booking.appointment.start(), booking.appointment.end());
    let away = time_off_of(tx, booking.consultant_id)?;
    if away.iter().any(|off| off.overlaps(from, to)) {
        return Err(StoreError::ConsultantAway);
    }
    let Some(first) = booking.buffer_before().next() else {
        return Ok(());
    };
    let mut statement = tx.prepare_cached(
        "SELECT slot_start, buffer FROM booking_slots
         WHERE consultant_id = ?1 AND slot_start >= ?2 AND slot_start < ?3 AND booking_id <> ?4",
    )?;
    let consultant = booking.consultant_id.to_string();
    let (since, until) = (millis(first.start()), millis(from));
    let mut rows = statement.query(params![consultant, since, until, booking.id.to_string()])?;
    while let Some(row) = rows.next()? {
        if booking.clashes_with(held_slot(row.get(0)?, row.get(1)?)?) {
            return Err(StoreError::SlotTaken);
        }
    }
    Ok(())
}

/// A claim as read back: its slot's start (milliseconds) and buffer flag.
fn held_slot(start: i64, buffer: bool) -> StoreResult<HeldSlot> {
    let slot = Slot::from_millis(start)
        .ok_or_else(|| StoreError::Internal(format!("corrupt slot start {start}").into()))?;
    Ok(HeldSlot { slot, buffer })
}

/// Refuses a new booking that would give its customer more live future
/// bookings than `limit` allows. Counted inside the write transaction:
/// SQLite's single writer makes the check and the insert one step.
pub(super) fn check_limit(
    tx: &Transaction<'_>,
    booking: &Booking,
    limit: &LiveBookingLimit,
) -> StoreResult<()> {
    let held: u64 = tx
        .prepare_cached(
            "SELECT COUNT(*) FROM bookings
             WHERE customer_id = ?1 AND starts_at > ?2 AND status <> ?3",
        )?
        .query_row(
            params![
                booking.customer_id.to_string(),
                millis(limit.now),
                BookingStatus::Cancelled.as_str()
            ],
            |row| row.get(0),
        )?;
    if !limit.allows(held + 1) {
        return Err(StoreError::LimitReached);
    }
    Ok(())
}

/// Writes a new booking, claims its slots, checks its surroundings and
/// stores its effects: all or (the transaction rolled back) nothing.
pub(super) fn insert_new(
    tx: &Transaction<'_>,
    booking: &Booking,
    effects: &Effects,
) -> StoreResult<()> {
    let details = &booking.details;
    tx.prepare_cached(
        "INSERT INTO bookings (id, customer_id, consultant_id, starts_at, duration_minutes, mode,
             destination, travelers, notes, status, cancellation_reason, version, created_at, updated_at,
             buffer_minutes, meeting_url, assignment_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)")?.execute(
        params![
            booking.id.to_string(),
            booking.customer_id.to_string(),
            booking.consultant_id.to_string(),
            millis(booking.appointment.start()),
            booking.appointment.duration().minutes(),
            details.mode.as_str(),
            details.destination.as_str(),
            details.travelers.get(),
            details.notes.as_str(),
            booking.status.as_str(),
            booking.cancellation_reason.as_ref().map(|reason| reason.as_str()),
            booking.version,
            millis(booking.created_at),
            millis(booking.updated_at),
            booking.buffer.minutes(),
            booking.meeting_url.as_ref().map(|url| url.as_str()),
            booking.assignment.map(|reason| reason.as_str()),
        ],
    )?;
    claim_slots(tx, booking)?;
    check_surroundings(tx, booking)?;
    write_effects(tx, effects)
}

#[async_trait]
impl BookingStore for SqliteStore {
    async fn insert_booking(
        &self,
        booking: &Booking,
        limit: &LiveBookingLimit,
        effects: &Effects,
    ) -> StoreResult<()> {
        let (booking, limit, effects) = (booking.clone(), *limit, effects.clone());
        let (claims, loads) = (Arc::clone(&self.claims), Arc::clone(&self.loads));
        self.write_then(
            move |tx| {
                check_limit(tx, &booking, &limit)?;
                insert_new(tx, &booking, &effects)?;
                Ok(booking)
            },
            move |booking| {
                claims.changed(booking.consultant_id);
                loads.booked(booking);
            },
        )
        .await
        .map(drop)
    }

    async fn find_booking(&self, id: BookingId) -> StoreResult<Option<Booking>> {
        self.read(move |conn| {
            let sql = format!("SELECT {BOOKING_COLUMNS} FROM bookings b WHERE b.id = ?1");
            let mut statement = conn.prepare_cached(&sql)?;
            Ok(statement
                .query_row([id.to_string()], |row| rows::booking(row, 0))
                .optional()?)
        })
        .await
    }

    async fn update_booking(
        &self,
        previous: &Booking,
        updated: &Booking,
        effects: &Effects,
    ) -> StoreResult<()> {
        let (booking, previous_version) = (updated.clone(), previous.version);
        let moved = updated.status.is_live()
            && (updated.appointment, updated.buffer, updated.consultant_id)
                != (
                    previous.appointment,
                    previous.buffer,
                    previous.consultant_id,
                );
        let effects = effects.clone();
        let (claims, loads) = (Arc::clone(&self.claims), Arc::clone(&self.loads));
        let consultants = [previous.consultant_id, booking.consultant_id];
        self.write_then(move |tx| {
            let details = &booking.details;
            let changed = tx.prepare_cached(
                "UPDATE bookings SET starts_at = ?1, duration_minutes = ?2, mode = ?3, destination = ?4,
                     travelers = ?5, notes = ?6, status = ?7, cancellation_reason = ?8, version = ?9,
                     updated_at = ?10, buffer_minutes = ?13, consultant_id = ?14, meeting_url = ?15,
                     assignment_reason = ?16
                 WHERE id = ?11 AND version = ?12")?.execute(
                params![
                    millis(booking.appointment.start()),
                    booking.appointment.duration().minutes(),
                    details.mode.as_str(),
                    details.destination.as_str(),
                    details.travelers.get(),
                    details.notes.as_str(),
                    booking.status.as_str(),
                    booking.cancellation_reason.as_ref().map(|reason| reason.as_str()),
                    booking.version,
                    millis(booking.updated_at),
                    booking.id.to_string(),
                    previous_version,
                    booking.buffer.minutes(),
                    booking.consultant_id.to_string(),
                    booking.meeting_url.as_ref().map(|url| url.as_str()),
                    booking.assignment.map(|reason| reason.as_str()),
                ],
            )?;
            if changed == 0 {
                return Err(StoreError::Conflict);
            }
            tx.prepare_cached("DELETE FROM booking_slots WHERE booking_id = ?1")?.execute( [booking.id.to_string()])?;
            claim_slots(tx, &booking)?;
            if moved {
                check_surroundings(tx, &booking)?;
            }
            withdraw_reminders(tx, booking.id)?;
            write_effects(tx, &effects)
        }, move |_| {
            for consultant in consultants {
                claims.changed(consultant);
                loads.changed(consultant);
            }
        })
        .await
    }

    async fn list_bookings(&self, query: &BookingQuery) -> StoreResult<Vec<Booking>> {
        let (sql, values) = list_bookings_sql(query);
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            let bookings = statement
                .query_map(params_from_iter(values), |row| rows::booking(row, 0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(bookings)
        })
        .await
    }

    async fn occupied_slots(
        &self,
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<HeldSlot>> {
        let (since, until) = (from.timestamp(), to.timestamp());
        let ticket = match self.claims.get(consultant) {
            Ok(kept) => match kept.between(since, until) {
                Some(slots) => return Ok(slots),
                None => None,
            },
            Err(ticket) => Some(ticket),
        };
        // Every claim from `from` on: later requests for later ranges
        // are answered from memory.
        let slots = self
            .read(move |conn| {
                let mut statement = conn.prepare_cached(
                    "SELECT slot_start, buffer FROM booking_slots
                     WHERE consultant_id = ?1 AND slot_start >= ?2
                     ORDER BY slot_start",
                )?;
                let slots = statement
                    .query_map(params![consultant.to_string(), millis(from)], |row| {
                        Ok((row.get::<_, i64>(0)?, row.get::<_, bool>(1)?))
                    })?
                    .map(|held| {
                        let (start, buffer) = held?;
                        held_slot(start, buffer)
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(slots)
            })
            .await?;
        let claims = Claims::new(since, slots);
        let between = claims.between(since, until).unwrap_or_default();
        if let Some(ticket) = ticket {
            self.claims.offer(ticket, consultant, claims);
        }
        Ok(between)
    }
}

/// The listing's SQL with a condition only for each filter present, and its
/// parameters: each combination of filters is its own cached statement with
/// a plan fit for it, rather than one plan full of `(?n IS NULL OR ...)`.
fn list_bookings_sql(query: &BookingQuery) -> (String, Vec<Value>) {
    let mut values = Vec::new();
    let mut sql = format!("SELECT {BOOKING_COLUMNS} FROM bookings b WHERE ");
    let text = |id: &dyn std::fmt::Display| Value::Text(id.to_string());
    match query.scope {
        BookingScope::Own {
            customer,
            consultant: Some(consultant),
        } => {
            values.extend([text(&customer), text(&consultant)]);
            sql.push_str("(b.customer_id = ?1 OR b.consultant_id = ?2)");
        }
        BookingScope::Own {
            customer,
            consultant: None,
        } => {
            values.push(text(&customer));
            sql.push_str("b.customer_id = ?1");
        }
        BookingScope::All {
            consultant,
            customer,
        } => {
            sql.push_str("1 = 1");
            for (column, id) in [
                ("consultant_id", consultant.map(|id| text(&id))),
                ("customer_id", customer.map(|id| text(&id))),
            ] {
                if let Some(id) = id {
                    values.push(id);
                    sql.push_str(&format!(" AND b.{column} = ?{}", values.len()));
                }
            }
        }
    }
    let mut condition = |clause: &str, value: Value| {
        values.push(value);
        sql.push_str(&clause.replace('?', &format!("?{}", values.len())));
    };
    if let Some(status) = query.status {
        condition(" AND b.status = ?", Value::Text(status.as_str().to_owned()));
    }
    if let Some(from) = query.from {
        condition(" AND b.starts_at >= ?", Value::Integer(millis(from)));
    }
    if let Some(to) = query.to {
        condition(" AND b.starts_at < ?", Value::Integer(millis(to)));
    }
    if let Some(after) = query.after {
        condition(
            " AND (b.starts_at, b.id) > (?",
            Value::Integer(millis(after.starts_at)),
        );
        condition(", ?)", Value::Text(after.id.to_string()));
    }
    condition(
        " ORDER BY b.starts_at, b.id LIMIT ?",
        Value::Integer(query.fetch_limit() as i64),
    );
    (sql, values)
}
