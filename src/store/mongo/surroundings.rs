//! What a booking and a time off must see of each other, and of the
//! bookings around a booking, without a transaction.
//!
//! Each side writes first and looks second: a booking claims its slots,
//! then reads the consultant's time off (and the appointments within its
//! buffer before it) before its document is written; a time off is
//! written, then counts the live bookings whose claims fall in it, waiting
//! for claims of bookings still being written. Whichever looks second sees
//! the other, so of a booking and a time off made at the same moment at
//! most one lands (both may be refused).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use mongodb::bson::doc;
use mongodb::options::FindOptions;

use super::claims::{IN_FLIGHT_WAITS, STALE_AFTER, live_slots, needs, wait_for_in_flight};
use super::documents::{Claim, claim_from, date};
use super::{MongoStore, find_all};
use crate::domain::{
    AuditAction, AuditEntry, Booking, BookingId, ConsultantId, SLOT_MINUTES, TimeOff,
};
use crate::store::{BookingStore, ConsultantStore, StoreError, StoreResult};

impl MongoStore {
    /// The claims on `consultant`'s slots starting in `(from, to)`.
    async fn claims_between(
        &self,
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Claim>> {
        let filter = doc! {
            "consultantId": consultant.to_string(),
            "slotStart": {"$gt": date(from), "$lt": date(to)},
        };
        find_all(&self.claims, filter, FindOptions::default(), claim_from).await
    }

    /// Refuses `booking`, whose slots are claimed and whose document is not
    /// written yet: a deactivated consultant (a deactivation sets the flag
    /// before it looks for bookings to cancel), its appointment in the
    /// consultant's time off as stored now, or another stored appointment
    /// within its buffer before it.
    pub(super) async fn check_surroundings(&self, booking: &Booking) -> StoreResult<()> {
        let (from, to) = (booking.appointment.start(), booking.appointment.end());
        let consultant = self.find_consultant(booking.consultant_id).await?;
        if consultant
            .as_ref()
            .is_some_and(|consultant| !consultant.active)
        {
            return Err(StoreError::ConsultantInactive);
        }
        let away = consultant.map_or(Vec::new(), |consultant| consultant.time_off);
        if away.iter().any(|off| off.overlaps(from, to)) {
            return Err(StoreError::ConsultantAway);
        }
        let Some(first) = booking.buffer_before().next() else {
            return Ok(());
        };
        let since = first.start() - TimeDelta::seconds(1);
        for claim in self
            .claims_between(booking.consultant_id, since, from)
            .await?
        {
            if claim.booking == booking.id {
                continue;
            }
            // Only what a stored booking holds: one still being written
            // checks its own claims (after it, this one's).
            if let Some(holder) = self.find_booking(claim.booking).await?
                && needs(&holder, claim.held)
                && booking.clashes_with(claim.held)
            {
                return Err(StoreError::SlotTaken);
            }
        }
        Ok(())
    }

    /// How many live bookings of `consultant` have an appointment in
    /// `[from, to)`, after the bookings being written there have landed or
    /// given up (those still unsettled after a while count as landed).
    pub(super) async fn live_bookings_in(
        &self,
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let slot = TimeDelta::minutes(SLOT_MINUTES);
        let mut holders: HashMap<BookingId, Option<Booking>> = HashMap::new();
        for attempt in 1..=IN_FLIGHT_WAITS {
            let mut clashing = HashSet::new();
            let mut unsettled = HashSet::new();
            for claim in self.claims_between(consultant, from - slot, to).await? {
                let holder = match holders.get(&claim.booking) {
                    Some(holder) => holder.clone(),
                    None => self.find_booking(claim.booking).await?,
                };
                let fresh = claim.claimed_at > Utc::now() - STALE_AFTER;
                match &holder {
                    Some(stored) if needs(stored, claim.held) => {
                        let appointment = live_slots(stored)
                            .iter()
                            .any(|held| held.slot == claim.held.slot && !held.buffer);
                        if appointment {
                            clashing.insert(claim.booking);
                        }
                        holders.insert(claim.booking, holder);
                    }
                    // Claimed for a booking not written (or moved) yet.
                    _ if fresh => {
                        unsettled.insert(claim.booking);
                    }
                    _ => {}
                }
            }
            if unsettled.is_empty() || attempt == IN_FLIGHT_WAITS {
                return Ok((clashing.len() + unsettled.len()) as u64);
            }
            wait_for_in_flight().await;
        }
        unreachable!("the last attempt returns")
    }

    /// Adds `time_off` (merged with what it overlaps), then counts the live
    /// bookings in it, and takes it back if there are any.
    pub(super) async fn add_time_off(
        &self,
        time_off: &TimeOff,
        now: DateTime<Utc>,
        audit: &[AuditEntry],
    ) -> StoreResult<TimeOff> {
        let consultant = time_off.consultant_id;
        let added = self
            .change_time_off(
                consultant,
                |all| {
                    let absorbed: Vec<TimeOff> = all
                        .iter()
                        .filter(|off| off.overlaps(time_off.starts_at, time_off.ends_at))
                        .cloned()
                        .collect();
                    let stored = time_off.clone().add_to(all, now);
                    stored.map(|stored| (stored, absorbed))
                },
                |added| {
                    if added.is_ok() {
                        audit.to_vec()
                    } else {
                        Vec::new()
                    }
                },
            )
            .await?
            .ok_or_else(|| StoreError::Internal("time off of an unknown consultant".into()))?
            .map_err(|_| StoreError::TooManyTimeOff)?;
        let (stored, absorbed) = added;
        let clashing = self
            .live_bookings_in(consultant, time_off.starts_at, time_off.ends_at)
            .await?;
        if clashing == 0 {
            return Ok(stored);
        }
        // Taken back: the log says so (its entry may have moved already).
        let undone: Vec<AuditEntry> = audit
            .iter()
            .map(|entry| entry.undone_as(AuditAction::TimeOffRemoved, "bookings_in_time_off"))
            .collect();
        self.change_time_off(
            consultant,
            |all| {
                all.retain(|off| off.id != stored.id);
                all.extend(absorbed.iter().cloned());
            },
            |_| undone.clone(),
        )
        .await?;
        Err(StoreError::BookingsInTimeOff(clashing))
    }
}
