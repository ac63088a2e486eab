//! Slot claims: how bookings are written without ever double-booking.
//!
//! A live booking holds one claim document per slot, `_id` =
//! `<consultant>:<slot start>`. Writing a booking claims first and writes the
//! booking second; releasing happens only after the booking no longer needs
//! the slot. So at every instant every slot of a live booking is claimed, and
//! the unique `_id` lets only one booking claim a slot.
//!
//! A failure between steps (store gone, process killed) can leave a claim
//! whose booking does not need it. It only blocks the slot. When a booking
//! later collides with such a claim and the claim is older than
//! [`STALE_AFTER`] — far longer than any request takes — the claim is checked
//! against its booking and deleted if unneeded, with a delete conditioned on
//! the exact claim, and the booking is retried once. A collision with a
//! fresh claim whose booking is not stored (yet) waits for that booking's
//! write to end, so racing requests do not refuse each other for nothing.

use chrono::{TimeDelta, Utc};
use mongodb::bson::doc;
use mongodb::options::InsertManyOptions;
use rand::Rng;

use super::documents::{Claim, claim_document, claim_from, claim_id, date, kind_of};
use super::{MongoStore, classify, is_duplicate_key};
use crate::domain::{Booking, HeldSlot};
use crate::store::{BookingStore, StoreError, StoreResult};

/// Age after which a claim whose booking does not need it counts as debris.
pub(super) const STALE_AFTER: TimeDelta = TimeDelta::minutes(10);
/// How often a claim collides with bookings still being written before it
/// gives up (each wait 5–25 ms: requests take a few milliseconds).
pub(super) const IN_FLIGHT_WAITS: u32 = 20;

/// The slots a booking holds while live.
pub(super) fn live_slots(booking: &Booking) -> Vec<HeldSlot> {
    if booking.status.is_live() {
        booking.held_slots().collect()
    } else {
        Vec::new()
    }
}

/// Whether `booking` (as stored) needs the claim on `held`'s slot.
pub(super) fn needs(booking: &Booking, held: HeldSlot) -> bool {
    live_slots(booking)
        .iter()
        .any(|mine| mine.slot == held.slot)
}

/// A short random pause while a booking being written lands.
pub(super) async fn wait_for_in_flight() {
    let pause = rand::thread_rng().gen_range(5..25);
    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
}

impl MongoStore {
    /// Claims `slots` for `booking`, all or none; [`StoreError::SlotTaken`]
    /// if another booking holds one. A claim of a booking still being
    /// written (claims come first) is waited for: that booking either
    /// lands, and the slot is taken, or gives up and frees it. So racing
    /// requests refuse only what a live booking really holds.
    pub(super) async fn claim(&self, booking: &Booking, slots: &[HeldSlot]) -> StoreResult<()> {
        if slots.is_empty() {
            return Ok(());
        }
        let mut repaired_once = false;
        for _ in 0..IN_FLIGHT_WAITS {
            let now = Utc::now();
            let documents: Vec<_> = slots
                .iter()
                .map(|held| claim_document(booking, *held, now))
                .collect();
            let ordered = InsertManyOptions::builder().ordered(true).build();
            let error = match self
                .claims
                .insert_many(documents)
                .with_options(ordered)
                .await
            {
                Ok(_) => return Ok(()),
                Err(error) => error,
            };
            self.release(booking, slots).await?;
            if !is_duplicate_key(&error) {
                return Err(classify(error));
            }
            if !repaired_once && self.repair_stale_claims(booking, slots).await? {
                repaired_once = true;
                continue;
            }
            if self.held_by_live_booking(booking, slots).await? {
                break;
            }
            wait_for_in_flight().await;
        }
        Err(StoreError::SlotTaken)
    }

    /// Whether a claim on one of `slots` belongs to another booking that is
    /// stored and needs it (not one still being written, or given up).
    async fn held_by_live_booking(
        &self,
        booking: &Booking,
        slots: &[HeldSlot],
    ) -> StoreResult<bool> {
        let ids: Vec<_> = slots
            .iter()
            .map(|held| claim_id(booking.consultant_id, held.slot))
            .collect();
        let mut cursor = self
            .claims
            .find(doc! {"_id": {"$in": ids}})
            .await
            .map_err(classify)?;
        let mut held = Vec::new();
        while cursor.advance().await.map_err(classify)? {
            held.push(claim_from(
                &cursor.deserialize_current().map_err(classify)?,
            )?);
        }
        for claim in held.into_iter().filter(|claim| claim.booking != booking.id) {
            if let Some(holder) = self.find_booking(claim.booking).await?
                && needs(&holder, claim.held)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Deletes `booking`'s claims on `slots` (and no one else's).
    pub(super) async fn release(&self, booking: &Booking, slots: &[HeldSlot]) -> StoreResult<()> {
        if slots.is_empty() {
            return Ok(());
        }
        let ids: Vec<_> = slots
            .iter()
            .map(|held| claim_id(booking.consultant_id, held.slot))
            .collect();
        self.claims
            .delete_many(doc! {"_id": {"$in": ids}, "bookingId": booking.id.to_string()})
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Deletes claims on `slots` that are old and not needed by their booking;
    /// returns whether any was deleted.
    async fn repair_stale_claims(
        &self,
        booking: &Booking,
        slots: &[HeldSlot],
    ) -> StoreResult<bool> {
        let ids: Vec<_> = slots
            .iter()
            .map(|held| claim_id(booking.consultant_id, held.slot))
            .collect();
        let old = date(Utc::now() - STALE_AFTER);
        let mut cursor = self
            .claims
            .find(doc! {"_id": {"$in": ids}, "claimedAt": {"$lt": old}})
            .await
            .map_err(classify)?;
        let mut stale: Vec<Claim> = Vec::new();
        while cursor.advance().await.map_err(classify)? {
            stale.push(claim_from(
                &cursor.deserialize_current().map_err(classify)?,
            )?);
        }
        let mut repaired = false;
        for claim in stale {
            let needed = match self.find_booking(claim.booking).await? {
                Some(holder) => needs(&holder, claim.held),
                None => false,
            };
            if needed {
                continue;
            }
            let deleted = self
                .claims
                .delete_one(doc! {"_id": &claim.id, "bookingId": claim.booking.to_string(), "claimedAt": date(claim.claimed_at)})
                .await
                .map_err(classify)?;
            if deleted.deleted_count > 0 {
                tracing::warn!(claim = %claim.id, booking = %claim.booking, "removed a stale slot claim");
                repaired = true;
            }
        }
        Ok(repaired)
    }

    /// Whether `booking` still holds all its claims.
    pub(super) async fn holds_claims(
        &self,
        booking: &Booking,
        slots: &[HeldSlot],
    ) -> StoreResult<bool> {
        let ids: Vec<_> = slots
            .iter()
            .map(|held| claim_id(booking.consultant_id, held.slot))
            .collect();
        let held = self
            .claims
            .count_documents(doc! {"_id": {"$in": ids}, "bookingId": booking.id.to_string()})
            .await
            .map_err(classify)?;
        Ok(held == slots.len() as u64)
    }

    /// Rewrites the `kind` of the claims `booking` keeps whose slot went
    /// from its buffer to its appointment or back.
    pub(super) async fn mark_changed_kinds(
        &self,
        booking: &Booking,
        before: &[HeldSlot],
        after: &[HeldSlot],
    ) {
        for held in after {
            let flipped = before
                .iter()
                .any(|old| old.slot == held.slot && old.buffer != held.buffer);
            if !flipped {
                continue;
            }
            let claim = doc! {"_id": claim_id(booking.consultant_id, held.slot),
            "bookingId": booking.id.to_string()};
            let update = doc! {"$set": {"kind": kind_of(*held)}};
            if let Err(error) = self.claims.update_one(claim, update).await {
                tracing::warn!(booking = %booking.id, %error, "could not mark a claim's kind");
            }
        }
    }
}
