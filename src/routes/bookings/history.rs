//! `GET /api/bookings/{id}/history`: a booking's story from the audit log.

use actix_web::{HttpResponse, web};

use super::{booking_not_found, visible_booking};
use crate::auth::Authenticated;
use crate::domain::AuditQuery;
use crate::error::{ApiError, ErrorBody};
use crate::routes::admin::AuditHistory;
use crate::routes::responses::SessionErrors;
use crate::state::AppState;

/// A booking's history.
///
/// Every audit entry about the booking, oldest first: who created,
/// confirmed, rescheduled, reassigned or cancelled it and when, and the
/// mails sent about it. For its consultant and staff; anyone else (its
/// customer included) gets 404.
#[utoipa::path(
    get,
    path = "/api/bookings/{id}/history",
    operation_id = "getBookingHistory",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "The booking's entries, oldest first", body = AuditHistory),
        (status = 404, description = "No such booking whose history this user may read \
            (`booking_not_found`)", body = ErrorBody),
        SessionErrors,
    ),
)]
pub async fn history(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (booking, party) = visible_booking(&state, &auth.user, &id).await?;
    if !party.reads_history() {
        return Err(booking_not_found());
    }
    let mut query = AuditQuery::history_of(booking.id);
    let mut entries = Vec::new();
    loop {
        let rows = state.store.list_audit(&query).await?;
        let (page, next) = query.paginate(rows);
        entries.extend(page);
        match next {
            Some(after) => query.after = Some(after),
            None => break,
        }
    }
    Ok(HttpResponse::Ok().json(AuditHistory::of(&entries)))
}
