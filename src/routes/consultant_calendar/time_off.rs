//! A consultant's time off: listed, added (merged, bounded, decided with
//! the bookings written at the same moment), removed.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::load;
use crate::auth::ConsultantSession;
use crate::domain::{AuditEntry, Effects, TimeOff, TimeOffId, format_timestamp, parse_timestamp};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::{BodyErrors, NoBodyErrors, SessionErrors};
use crate::state::AppState;

/// A range in which the consultant takes no appointments.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimeOffView {
    #[schema(example = "6b03ed4bb8702cb5d37340e4")]
    id: String,
    #[schema(format = DateTime, example = "2027-08-01T00:00:00Z")]
    starts_at: String,
    #[schema(format = DateTime, example = "2027-08-15T00:00:00Z")]
    ends_at: String,
    #[schema(example = "Summer holiday")]
    reason: String,
}

impl From<&TimeOff> for TimeOffView {
    fn from(time_off: &TimeOff) -> Self {
        Self {
            id: time_off.id.to_string(),
            starts_at: format_timestamp(time_off.starts_at),
            ends_at: format_timestamp(time_off.ends_at),
            reason: time_off.reason.clone(),
        }
    }
}

/// `{"timeOff": TimeOff}`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimeOffEnvelope {
    time_off: TimeOffView,
}

/// `{"timeOff": [TimeOff]}`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimeOffList {
    time_off: Vec<TimeOffView>,
}

/// `POST /api/consultants/me/time-off` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TimeOffRequest {
    /// RFC 3339.
    #[schema(format = DateTime, example = "2027-08-01T00:00:00Z")]
    starts_at: String,
    /// RFC 3339, after `startsAt`, at most 366 days later.
    #[schema(format = DateTime, example = "2027-08-15T00:00:00Z")]
    ends_at: String,
    /// At most 200 characters.
    #[schema(max_length = 200, example = "Summer holiday")]
    reason: Option<String>,
}

/// The consultant's time off.
///
/// Current and future time off of the logged-in consultant, by start.
#[utoipa::path(
    get,
    path = "/api/consultants/me/time-off",
    operation_id = "listMyTimeOff",
    tag = "calendar",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "Current and future time off", body = TimeOffList),
        (status = 403, description = "Not a consultant (`forbidden`)", body = ErrorBody),
        SessionErrors,
    ),
)]
pub async fn list_time_off(
    state: web::Data<AppState>,
    auth: ConsultantSession,
) -> Result<HttpResponse, ApiError> {
    let consultant = load(&state, auth.consultant).await?;
    let now = state.now();
    let time_off = consultant
        .time_off
        .iter()
        .filter(|off| off.ends_at > now)
        .map(TimeOffView::from)
        .collect();
    Ok(HttpResponse::Ok().json(TimeOffList { time_off }))
}

/// Add time off.
///
/// Adds a range in which the consultant takes no appointments, merged with
/// the entries it overlaps. Live bookings inside it must be cancelled first;
/// a booking made at the same moment and the time off never both land. At
/// most 500 current and future entries.
#[utoipa::path(
    post,
    path = "/api/consultants/me/time-off",
    operation_id = "addMyTimeOff",
    tag = "calendar",
    request_body = TimeOffRequest,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 201, description = "Added (merged with the time off it overlaps: the entry as stored)",
         body = TimeOffEnvelope),
        (status = 400, description = "`invalid_starts_at`, `invalid_ends_at`, `invalid_time_off`, \
            `invalid_reason`, or a malformed body", body = ErrorBody),
        (status = 403, description = "Not a consultant (`forbidden`), or a cross-site request (`csrf_rejected`)", body = ErrorBody),
        (status = 409, description = "Live bookings fall in it (`bookings_in_time_off`; the detail says how many), \
            or 500 time off entries are current or ahead already (`too_many_time_off`)", body = ErrorBody),
        SessionErrors, BodyErrors,
    ),
)]
pub async fn add_time_off(
    state: web::Data<AppState>,
    auth: ConsultantSession,
    ApiJson(body): ApiJson<TimeOffRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = auth.consultant;
    let starts_at = parse_timestamp(&body.starts_at, "startsAt", "invalid_starts_at")?;
    let ends_at = parse_timestamp(&body.ends_at, "endsAt", "invalid_ends_at")?;
    let now = state.now();
    let time_off = TimeOff::new(id, starts_at, ends_at, body.reason.as_deref(), now)?;
    let entry = AuditEntry::time_off_added(&auth.audit(now), &time_off);
    let time_off = state
        .store
        .insert_time_off(&time_off, now, &Effects::audit([entry]))
        .await?;
    tracing::info!(consultant = %id, time_off = %time_off.id, "time off added");
    Ok(HttpResponse::Created().json(TimeOffEnvelope {
        time_off: TimeOffView::from(&time_off),
    }))
}

/// Remove time off.
///
/// Removes one of the logged-in consultant's time off entries; its time is
/// bookable again.
#[utoipa::path(
    delete,
    path = "/api/consultants/me/time-off/{id}",
    operation_id = "removeMyTimeOff",
    tag = "calendar",
    params(("id" = String, Path, description = "Time off id")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not a consultant (`forbidden`), or a cross-site request (`csrf_rejected`)", body = ErrorBody),
        (status = 404, description = "No such time off of this consultant (`time_off_not_found`)", body = ErrorBody),
        SessionErrors, NoBodyErrors,
    ),
)]
pub async fn remove_time_off(
    state: web::Data<AppState>,
    auth: ConsultantSession,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let consultant = auth.consultant;
    let not_found = || ApiError::not_found("time_off_not_found", "No such time off");
    let id = TimeOffId::parse(&path).ok_or_else(not_found)?;
    let entry = AuditEntry::time_off_removed(&auth.audit(state.now()), consultant, id);
    let effects = Effects::audit([entry]);
    if !state
        .store
        .delete_time_off(consultant, id, &effects)
        .await?
    {
        return Err(not_found());
    }
    tracing::info!(%consultant, time_off = %id, "time off removed");
    Ok(HttpResponse::NoContent().finish())
}
