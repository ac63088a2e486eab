//! Writing bookings with their claims and side effects, in the order that
//! keeps every slot of a live booking claimed (see `claims.rs`): claims
//! first, then the booking document (carrying its mail and audit entries),
//! then the release of what it no longer needs.

use mongodb::bson::doc;

use super::audit::with_effects;
use super::claims::live_slots;
use super::documents::{booking_document, object_id};
use super::outbox::with_messages;
use super::{MongoStore, classify};
use crate::domain::{AuditAction, AuditEntry, Booking, Effects, HeldSlot};
use crate::store::{AuditStore, StoreError, StoreResult};

/// The slots of `after` that `before` does not hold (another consultant's
/// are all new), and those of `before` that `after` gives up.
fn slot_changes(before: &Booking, after: &Booking) -> (Vec<HeldSlot>, Vec<HeldSlot>) {
    let (held_before, held_after) = (live_slots(before), live_slots(after));
    if before.consultant_id != after.consultant_id {
        return (held_after, held_before);
    }
    let has = |slots: &[HeldSlot], held: &HeldSlot| slots.iter().any(|s| s.slot == held.slot);
    let gained = held_after
        .iter()
        .copied()
        .filter(|held| !has(&held_before, held))
        .collect();
    let lost = held_before
        .iter()
        .copied()
        .filter(|held| !has(&held_after, held))
        .collect();
    (gained, lost)
}

impl MongoStore {
    /// Claims the slots, checks what the claims cannot, then inserts the
    /// booking with `effects`; undoes the claims if any step fails.
    pub(super) async fn write_new_booking(
        &self,
        booking: &Booking,
        effects: &Effects,
    ) -> StoreResult<()> {
        let slots = live_slots(booking);
        self.claim(booking, &slots).await?;
        if let Err(refused) = self.check_surroundings(booking).await {
            self.release(booking, &slots).await.ok();
            return Err(refused);
        }
        let document = with_messages(booking_document(booking), &effects.messages);
        let document = with_effects(document, effects);
        if let Err(error) = self.bookings.insert_one(document).await {
            self.release(booking, &slots).await.ok();
            return Err(classify(error));
        }
        // Only a request stalled for longer than STALE_AFTER could have lost a
        // claim to repair; it must not leave a booking behind without it.
        if !self.holds_claims(booking, &slots).await? {
            self.withdraw_new_booking(booking, &effects.audit, "slot_unavailable")
                .await?;
            return Err(StoreError::SlotTaken);
        }
        Ok(())
    }

    /// Removes a booking just written by [`write_new_booking`](Self::write_new_booking)
    /// and then its claims (in that order: its slots stay claimed while it
    /// exists). Its entries (`audit`) may have moved to the log already:
    /// the log records the withdrawal, `why`.
    pub(super) async fn withdraw_new_booking(
        &self,
        booking: &Booking,
        audit: &[AuditEntry],
        why: &str,
    ) -> StoreResult<()> {
        self.bookings
            .delete_one(doc! {"_id": object_id(booking.id.bytes())})
            .await
            .map_err(classify)?;
        let withdrawn: Vec<AuditEntry> = audit
            .iter()
            .filter(|entry| entry.action == AuditAction::BookingCreated)
            .map(|entry| entry.undone_as(AuditAction::BookingWithdrawn, why))
            .collect();
        self.append_audit(&withdrawn).await?;
        self.release(booking, &live_slots(booking)).await
    }

    /// Claims newly needed slots (all of them for another consultant),
    /// replaces the booking if still at the previous version, with
    /// `effects`, then releases the slots no longer needed.
    pub(super) async fn write_changed_booking(
        &self,
        previous: &Booking,
        updated: &Booking,
        effects: &Effects,
    ) -> StoreResult<()> {
        // The stored version's own messages and entries move out first:
        // the replacement below carries only this change's.
        if !self.move_embedded_messages(previous).await? {
            return Err(StoreError::Conflict);
        }
        let id = doc! {"_id": object_id(updated.id.bytes())};
        self.move_audit_of(&self.bookings, id.clone()).await?;
        let (gained, lost) = slot_changes(previous, updated);
        self.claim(updated, &gained).await?;
        let moved = (updated.appointment, updated.buffer, updated.consultant_id)
            != (
                previous.appointment,
                previous.buffer,
                previous.consultant_id,
            );
        if updated.status.is_live()
            && moved
            && let Err(refused) = self.check_surroundings(updated).await
        {
            self.release(updated, &gained).await.ok();
            return Err(refused);
        }
        let mut filter = id;
        filter.insert("version", i64::from(previous.version));
        let document = with_messages(booking_document(updated), &effects.messages);
        let replaced = match self
            .bookings
            .replace_one(filter, with_effects(document, effects))
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
        self.after_change(previous, updated, &lost).await;
        Ok(())
    }

    /// What follows a stored change, best effort: a failure leaves only a
    /// reminder dropped when due, claims nobody needs (repaired later), or
    /// a claim's kind that availability reads a moment longer.
    async fn after_change(&self, previous: &Booking, updated: &Booking, lost: &[HeldSlot]) {
        // The older versions' reminders, moved out above: this version
        // planned its own.
        if let Err(error) = self.withdraw_reminders(updated).await {
            tracing::warn!(booking = %updated.id, %error, "could not withdraw reminders; they are dropped when due");
        }
        if let Err(error) = self.release(previous, lost).await {
            tracing::warn!(booking = %updated.id, %error, "could not release slots; they will be repaired later");
        }
        if previous.consultant_id == updated.consultant_id {
            let (before, after) = (live_slots(previous), live_slots(updated));
            self.mark_changed_kinds(updated, &before, &after).await;
        }
    }
}
