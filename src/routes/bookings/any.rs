//! Booking "any consultant who speaks Spanish and knows cruises": the
//! candidates that could take the request, in the contract's order, handed
//! to the store, which books the first whose slots it can claim. Racing
//! requests each claim a different consultant, and one fails only when no
//! candidate is left free.

use std::collections::HashMap;
use std::sync::Arc;

use super::create::Requested;
use super::effects_of_change;
use crate::domain::{
    AuditContext, Booking, BookingChange, ConsultantFilter, LiveBookingLimit, User,
    assignment_order, load_window,
};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{EffectsOf, StoreError};

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
    let tries: Vec<Booking> = assignment_order(loads, previous)
        .into_iter()
        .filter_map(|(id, reason)| Some(candidates.remove(&id)?.assigned(reason)))
        .collect();
    let (notify, context) = (state.settings.mail.booking_notifications, context.clone());
    let effects_of: EffectsOf = Arc::new(move |booking: &Booking| {
        effects_of_change(notify, &context, (BookingChange::Created, None, booking))
    });
    Ok(state
        .store
        .insert_first_free(tries, effects_of, limit)
        .await?)
}
