//! What "any consultant" assignment reads: the customer's last consultant
//! and how busy each candidate is.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{ConsultantId, ConsultantLoad, UserId};

/// The facts [`assignment_order`](crate::domain::assignment_order) ranks by.
/// Reads only: the booking's insert decides who is free.
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
}
