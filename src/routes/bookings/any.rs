//! Booking "any consultant who speaks Spanish and knows cruises": the
//! candidates that could take the request, tried in the contract's order;
//! the first whose slots the store lets it claim is the one. Racing
//! requests each claim a different consultant, and one fails only when no
//! candidate is left free.

use std::collections::HashMap;

use super::create::{Requested, insert};
use crate::domain::{
    AuditContext, Booking, ConsultantFilter, LiveBookingLimit, User, assignment_order, load_window,
};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::StoreError;

/// The `consultantId` that asks the service to choose.
pub(super) const ANY_CONSULTANT: &str = "any";

/// Books the first free consultant `wanted` matches, for `customer`.
/// 409 `slot_unavailable` when none is free; a request no consultant
/// could take whoever they are (off the grid, in the past) is refused as
/// for a named one.
pub(super) async fn book_any(
    state: &AppState,
    customer: &User,
    context: &AuditContext,
    wanted: &ConsultantFilter,
    requested: &Requested,
    limit: &LiveBookingLimit,
) -> Result<Booking, ApiError> {
    let mut candidates = HashMap::new();
    for consultant in state.store.list_consultants().await? {
        if !wanted.matches(&consultant) {
            continue;
        }
        match requested.booking_with(customer, &consultant, limit.now) {
            Ok(booking) => {
                candidates.insert(consultant.id, booking);
            }
            Err(refused) if refused.is_about_the_consultant() => {}
            Err(refused) => return Err(refused.into()),
        }
    }
    if candidates.is_empty() {
        return Err(StoreError::SlotTaken.into());
    }
    let ids: Vec<_> = candidates.keys().copied().collect();
    let (from, to) = load_window(requested.starts_at);
    let previous = state.store.latest_consultant_of(customer.id).await?;
    let loads = state.store.consultant_loads(&ids, from, to).await?;
    for (id, reason) in assignment_order(loads, previous) {
        let Some(booking) = candidates.remove(&id) else {
            continue;
        };
        let booking = booking.assigned(reason);
        match insert(state, context, &booking, limit).await {
            Ok(()) => return Ok(booking),
            // Taken by a racing request, away or deactivated meanwhile: the next one.
            Err(
                StoreError::SlotTaken | StoreError::ConsultantAway | StoreError::ConsultantInactive,
            ) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Err(StoreError::SlotTaken.into())
}
