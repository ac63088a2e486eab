//! "Any consultant" assignment in the store: the customer's last
//! consultant and how busy each candidate is, and booking the first
//! candidate free.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{Booking, ConsultantId, ConsultantLoad, Effects, LiveBookingLimit, UserId};

/// The effects of booking a candidate, built only for the one a write
/// tries (racing requests pass over most candidates: building each one's
/// audit entry, mail plan and webhook payload up front was most of the
/// cost of an "any" booking).
pub type EffectsOf = Arc<dyn Fn(&Booking) -> Effects + Send + Sync>;

/// The facts [`assignment_order`](crate::domain::assignment_order) ranks
/// by, and the write that decides who, of the candidates in that order, is
/// free.
#[async_trait]
pub trait AssignmentStore: Send + Sync {
    /// The consultant of the booking `customer` made last (any status).
    async fn latest_consultant_of(&self, customer: UserId) -> StoreResult<Option<ConsultantId>>;

    /// For each of `consultants`, in no particular order: their live
    /// bookings starting in `[from, to)` and when they were last booked.
    async fn consultant_loads(
        &self,
        consultants: &[ConsultantId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ConsultantLoad>>;

    /// Books the first of `candidates` (one request, each with another
    /// consultant) whose slots can be claimed, with the effects `effects_of`
    /// builds for it, exactly as
    /// [`BookingStore::insert_booking`](super::BookingStore::insert_booking)
    /// books one; the booking made. A candidate taken, away or deactivated
    /// at that moment is passed over; [`StoreError::SlotTaken`](super::StoreError::SlotTaken)
    /// when none is left, [`StoreError::LimitReached`](super::StoreError::LimitReached)
    /// as for one booking.
    async fn insert_first_free(
        &self,
        candidates: Vec<Booking>,
        effects_of: EffectsOf,
        limit: &LiveBookingLimit,
    ) -> StoreResult<Booking>;
}
