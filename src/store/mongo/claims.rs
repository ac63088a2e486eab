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
//! the exact claim, and the booking is retried once.

use chrono::{TimeDelta, Utc};
use mongodb::bson::doc;
use mongodb::options::InsertManyOptions;

use super::documents::{
    Claim, booking_document, claim_document, claim_from, claim_id, date, object_id,
};
use super::outbox::with_messages;
use super::{MongoStore, classify, is_duplicate_key};
use crate::domain::{Booking, OutboxMessage, Slot};
use crate::store::{BookingStore, StoreError, StoreResult};

/// Age after which a claim whose booking does not need it counts as debris.
pub(super) const STALE_AFTER: TimeDelta = TimeDelta::minutes(10);

/// The slots a booking holds while live.
fn live_slots(booking: &Booking) -> Vec<Slot> {
    if booking.status.is_live() {
        booking.appointment.slots().collect()
    } else {
        Vec::new()
    }
}

impl MongoStore {
    /// Claims `slots` for `booking`, all or none; [`StoreError::SlotTaken`]
    /// if another booking holds one.
    async fn claim(&self, booking: &Booking, slots: &[Slot]) -> StoreResult<()> {
        if slots.is_empty() {
            return Ok(());
        }
        for attempt in 0..2 {
            let now = Utc::now();
            let documents: Vec<_> = slots
                .iter()
                .map(|slot| claim_document(booking, *slot, now))
                .collect();
            let ordered = InsertManyOptions::builder().ordered(true).build();
            match self
                .claims
                .insert_many(documents)
                .with_options(ordered)
                .await
            {
                Ok(_) => return Ok(()),
                Err(error) => {
                    self.release(booking, slots).await?;
                    if !is_duplicate_key(&error) {
                        return Err(classify(error));
                    }
                    if attempt > 0 || !self.repair_stale_claims(booking, slots).await? {
                        break;
                    }
                }
            }
        }
        Err(StoreError::SlotTaken)
    }

    /// Deletes `booking`'s claims on `slots` (and no one else's).
    async fn release(&self, booking: &Booking, slots: &[Slot]) -> StoreResult<()> {
        if slots.is_empty() {
            return Ok(());
        }
        let ids: Vec<_> = slots
            .iter()
            .map(|slot| claim_id(booking.consultant_id, *slot))
            .collect();
        self.claims
            .delete_many(doc! {"_id": {"$in": ids}, "bookingId": booking.id.to_string()})
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Deletes claims on `slots` that are old and not needed by their booking;
    /// returns whether any was deleted.
    async fn repair_stale_claims(&self, booking: &Booking, slots: &[Slot]) -> StoreResult<bool> {
        let ids: Vec<_> = slots
            .iter()
            .map(|slot| claim_id(booking.consultant_id, *slot))
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
                Some(holder) => live_slots(&holder).contains(&claim.slot),
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
    async fn holds_claims(&self, booking: &Booking, slots: &[Slot]) -> StoreResult<bool> {
        let ids: Vec<_> = slots
            .iter()
            .map(|slot| claim_id(booking.consultant_id, *slot))
            .collect();
        let held = self
            .claims
            .count_documents(doc! {"_id": {"$in": ids}, "bookingId": booking.id.to_string()})
            .await
            .map_err(classify)?;
        Ok(held == slots.len() as u64)
    }

    /// Claims the slots, then inserts the booking; undoes the claims if the
    /// insert fails.
    pub(super) async fn write_new_booking(
        &self,
        booking: &Booking,
        messages: &[OutboxMessage],
    ) -> StoreResult<()> {
        let slots = live_slots(booking);
        self.claim(booking, &slots).await?;
        let document = with_messages(booking_document(booking), messages);
        if let Err(error) = self.bookings.insert_one(document).await {
            self.release(booking, &slots).await.ok();
            return Err(classify(error));
        }
        // Only a request stalled for longer than STALE_AFTER could have lost a
        // claim to repair; it must not leave a booking behind without it.
        if !self.holds_claims(booking, &slots).await? {
            self.withdraw_new_booking(booking).await?;
            return Err(StoreError::SlotTaken);
        }
        Ok(())
    }

    /// Removes a booking just written by [`write_new_booking`](Self::write_new_booking)
    /// and then its claims (in that order: its slots stay claimed while it exists).
    pub(super) async fn withdraw_new_booking(&self, booking: &Booking) -> StoreResult<()> {
        self.bookings
            .delete_one(doc! {"_id": object_id(booking.id.bytes())})
            .await
            .map_err(classify)?;
        self.release(booking, &live_slots(booking)).await
    }

    /// Claims newly needed slots, replaces the booking if still at the
    /// previous version, then releases slots no longer needed.
    pub(super) async fn write_changed_booking(
        &self,
        previous: &Booking,
        updated: &Booking,
        messages: &[OutboxMessage],
    ) -> StoreResult<()> {
        // The stored version's own messages move to the outbox first: the
        // replacement below carries only this change's.
        if !self.move_embedded_messages(previous).await? {
            return Err(StoreError::Conflict);
        }
        let (before, after) = (live_slots(previous), live_slots(updated));
        let gained: Vec<_> = after
            .iter()
            .copied()
            .filter(|slot| !before.contains(slot))
            .collect();
        let lost: Vec<_> = before
            .iter()
            .copied()
            .filter(|slot| !after.contains(slot))
            .collect();
        self.claim(updated, &gained).await?;
        let filter =
            doc! {"_id": object_id(updated.id.bytes()), "version": i64::from(previous.version)};
        let replaced = match self
            .bookings
            .replace_one(filter, with_messages(booking_document(updated), messages))
            .await
        {
            Ok(result) => result.matched_count > 0,
            Err(error) => {
                self.release(updated, &gained).await.ok();
                return Err(classify(error));
            }
        };
        if !replaced {
            self.release(updated, &gained).await?;
            return Err(StoreError::Conflict);
        }
        // Best effort: a failure here leaves only claims nobody needs.
        if let Err(error) = self.release(updated, &lost).await {
            tracing::warn!(booking = %updated.id, %error, "could not release slots; they will be repaired later");
        }
        Ok(())
    }
}
