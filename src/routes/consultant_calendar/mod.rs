//! `/api/consultants/me`: a consultant runs their own calendar: schedule
//! (time zone, hours, buffer, notice, horizon) in [`schedule`] and time off
//! in [`time_off`]. Every handler takes a `ConsultantSession`: customers
//! and staff get 403.

pub(crate) mod schedule;
pub(crate) mod time_off;

use chrono::TimeDelta;

use crate::domain::{Booking, BookingQuery, Consultant, ConsultantId};
use crate::error::ApiError;
use crate::state::AppState;

pub(super) fn missing_profile(id: ConsultantId) -> ApiError {
    ApiError::internal(format!("consultant account without profile {id}"))
}

pub(super) async fn load(state: &AppState, id: ConsultantId) -> Result<Consultant, ApiError> {
    let found = state.store.find_consultant(id).await?;
    found.ok_or_else(|| missing_profile(id))
}

/// Every live booking of `consultant` that overlaps `[from, to)`.
pub(crate) async fn live_bookings_between(
    state: &AppState,
    consultant: ConsultantId,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Booking>, ApiError> {
    // An appointment lasts at most 90 minutes: those starting that much
    // before `from` may still overlap it.
    let mut query = BookingQuery::consultant_between(consultant, from - TimeDelta::minutes(90), to);
    let mut found = Vec::new();
    loop {
        let rows = state.store.list_bookings(&query).await?;
        let (page, next) = query.paginate(rows);
        found.extend(page.into_iter().filter(|booking| {
            booking.status.is_live()
                && booking.appointment.start() < to
                && from < booking.appointment.end()
        }));
        match next {
            Some(after) => query.after = Some(after),
            None => return Ok(found),
        }
    }
}
