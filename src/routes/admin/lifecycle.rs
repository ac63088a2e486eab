//! Deactivating and reactivating a consultant.
//!
//! A deactivated consultant is hidden from customers, cannot log in, and
//! keeps no live future booking: either there were none, or the same
//! request cancels them (each customer told). A booking racing the
//! deactivation is refused by the store once the flag is set, or found and
//! cancelled by the sweep that follows it; a request that failed half way
//! is finished by sending it again.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::StaffErrors;
use super::consultants::{StaffConsultantEnvelope, staff_view};
use crate::auth::Admin;
use crate::domain::{
    AuditEntry, Booking, CancellationReason, ChangedBy, Consultant, Effects, Party, latest_instant,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::bookings::cancel_whatever_the_notice;
use crate::routes::consultant_calendar::live_bookings_between;
use crate::routes::consultants::find_any;
use crate::routes::responses::{BodyErrors, NoBodyErrors};
use crate::state::AppState;

/// `POST /api/admin/consultants/{id}/deactivate` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeactivateRequest {
    /// Cancel their live future bookings (customers are told); without
    /// it, a consultant who has any is not deactivated (409).
    cancel_future_bookings: bool,
    /// Why, for the log and the customers' cancellation (at most 500
    /// characters).
    #[schema(max_length = 500, example = "Long-term sick leave")]
    reason: Option<String>,
}

/// The live bookings of `consultant` that have not started at `now`.
async fn future_bookings(
    state: &AppState,
    consultant: &Consultant,
) -> Result<Vec<Booking>, ApiError> {
    let now = state.now();
    let found = live_bookings_between(state, consultant.id, now, latest_instant()).await?;
    Ok(found
        .into_iter()
        .filter(|booking| booking.is_open(now))
        .collect())
}

/// Deactivate a consultant.
///
/// Hides the consultant from customers, ends their sessions and calendar
/// feed, and refuses their logins (403 `account_deactivated`). With
/// `cancelFutureBookings`, their live bookings that have not started are
/// cancelled in the same request (customers are mailed); without it, a
/// consultant who has any is left as they are (409). Deactivating a
/// deactivated consultant finishes what an interrupted request left.
#[utoipa::path(
    post,
    path = "/api/admin/consultants/{id}/deactivate",
    operation_id = "staffDeactivateConsultant",
    tag = "admin",
    params(("id" = String, Path, description = "Consultant id")),
    request_body = DeactivateRequest,
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Deactivated (`active: false`)", body = StaffConsultantEnvelope),
        (status = 404, description = "No such consultant (`consultant_not_found`)", body = ErrorBody),
        (status = 409, description = "Live future bookings remain and `cancelFutureBookings` is false \
            (`consultant_has_bookings`; the detail says how many), or one changed meanwhile \
            (`concurrent_update`)", body = ErrorBody),
        StaffErrors, BodyErrors,
    ),
)]
pub async fn deactivate(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    ApiJson(body): ApiJson<DeactivateRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = body
        .reason
        .as_deref()
        .map(CancellationReason::parse)
        .transpose()?;
    let consultant = find_any(&state, &id).await?;
    let remaining = future_bookings(&state, &consultant).await?;
    if !body.cancel_future_bookings && !remaining.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "consultant_has_bookings",
            format!(
                "{} live future booking(s) remain; cancel them first or set cancelFutureBookings",
                remaining.len()
            ),
        ));
    }
    let context = admin.audit(state.now());
    if consultant.active {
        set_active(&state, &admin, &consultant, false, reason.as_ref()).await?;
    }
    // Read again once the flag is set: a booking that landed meanwhile is
    // found now, and none can land after.
    let remaining = future_bookings(&state, &consultant).await?;
    let cancelled = remaining.len();
    for booking in remaining {
        let by = ChangedBy::of(Party::Agency);
        cancel_whatever_the_notice(&state, &context, booking, by, reason.clone(), |same| same)
            .await?;
    }
    tracing::info!(consultant = %consultant.id, cancelled, by = %admin, "consultant deactivated");
    respond(&state, &consultant).await
}

/// Reactivate a consultant.
///
/// Customers see and book the consultant again, and their account can log
/// in. Reactivating an active consultant changes nothing.
#[utoipa::path(
    post,
    path = "/api/admin/consultants/{id}/reactivate",
    operation_id = "staffReactivateConsultant",
    tag = "admin",
    params(("id" = String, Path, description = "Consultant id")),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Active again", body = StaffConsultantEnvelope),
        (status = 404, description = "No such consultant (`consultant_not_found`)", body = ErrorBody),
        StaffErrors, NoBodyErrors,
    ),
)]
pub async fn reactivate(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let consultant = find_any(&state, &id).await?;
    if !consultant.active {
        set_active(&state, &admin, &consultant, true, None).await?;
        tracing::info!(consultant = %consultant.id, by = %admin, "consultant reactivated");
    }
    respond(&state, &consultant).await
}

async fn set_active(
    state: &AppState,
    admin: &Admin,
    consultant: &Consultant,
    active: bool,
    reason: Option<&CancellationReason>,
) -> Result<(), ApiError> {
    let context = admin.audit(state.now());
    let reason = reason.map(CancellationReason::as_str);
    let entry = AuditEntry::consultant_state(&context, consultant.id, active, reason);
    let why = if active { "reactivated" } else { "deactivated" };
    let effects = Effects::audit([entry]).if_feed_revoked(AuditEntry::feed(
        &context,
        consultant.id,
        false,
        why,
    ));
    state
        .store
        .set_consultant_active(consultant.id, active, &effects)
        .await?;
    Ok(())
}

async fn respond(state: &AppState, consultant: &Consultant) -> Result<HttpResponse, ApiError> {
    let stored = state.store.find_consultant(consultant.id).await?;
    let consultant = stored.ok_or_else(crate::routes::consultants::consultant_not_found)?;
    let account = state.store.find_consultant_account(consultant.id).await?;
    Ok(staff_view(
        HttpResponse::Ok(),
        &consultant,
        account.as_ref(),
    ))
}
