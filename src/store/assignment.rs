//! "Any consultant" assignment in the store: the customer's last
//! consultant and how busy each candidate is, and booking the first
//! candidate free.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{Booking, ConsultantId, ConsultantLoad, Effects, LiveBookingLimit, UserId};

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
    /// consultant, and its effects) whose slots can be claimed, exactly as
    /// [`BookingStore::insert_booking`](super::BookingStore::insert_booking)
    /// books one; its index. A candidate taken, away or deactivated at that
    /// moment is passed over; [`StoreError::SlotTaken`](super::StoreError::SlotTaken)
    /// when none is left, [`StoreError::LimitReached`](super::StoreError::LimitReached)
    /// as for one booking.
    async fn insert_first_free(
        &self,
        candidates: &[(Booking, Effects)],
        limit: &LiveBookingLimit,
    ) -> StoreResult<usize>;
}
