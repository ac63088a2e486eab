//! `/api/consultants/me`: a consultant runs their own calendar: schedule
//! (time zone, hours, buffer, notice, horizon) and time off. Customers get
//! 403.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::consultants::{WeeklyHours, WorkingHoursView};
use super::responses::{BodyErrors, NoBodyErrors, SessionErrors};
use crate::auth::Authenticated;
use crate::domain::{
    Booking, BookingQuery, BookingRules, Consultant, ConsultantId, Schedule, TimeOff, TimeOffId,
    User, format_timestamp, parse_timestamp,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::state::AppState;

/// The consultant profile the logged-in account speaks for; 403 for a
/// customer.
pub(super) fn own_consultant(auth: &Authenticated) -> Result<ConsultantId, ApiError> {
    auth.user.role.consultant_id().ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only consultants manage a calendar",
        )
    })
}

fn missing_profile(id: ConsultantId) -> ApiError {
    ApiError::internal(format!("consultant account without profile {id}"))
}

async fn load(state: &AppState, id: ConsultantId) -> Result<Consultant, ApiError> {
    let found = state.store.find_consultant(id).await?;
    found.ok_or_else(|| missing_profile(id))
}

/// A consultant's schedule.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView<'a> {
    #[schema(example = "Europe/Lisbon")]
    timezone: &'a str,
    #[schema(value_type = WeeklyHours)]
    working_hours: WorkingHoursView<'a>,
    /// 0, 30 or 60.
    #[schema(example = 30, minimum = 0, maximum = 60, multiple_of = 30)]
    buffer_minutes: i64,
    /// 0 to 10080.
    #[schema(example = 120, minimum = 0, maximum = 10080)]
    minimum_notice_minutes: u32,
    /// 1 to 365.
    #[schema(example = 90, minimum = 1, maximum = 365)]
    booking_horizon_days: u32,
}

impl<'a> From<&'a Consultant> for ScheduleView<'a> {
    fn from(consultant: &'a Consultant) -> Self {
        Self {
            timezone: consultant.timezone.name(),
            working_hours: WorkingHoursView(&consultant.working_hours),
            buffer_minutes: consultant.rules.buffer().minutes(),
            minimum_notice_minutes: consultant.rules.minimum_notice_minutes(),
            booking_horizon_days: consultant.rules.booking_horizon_days(),
        }
    }
}

/// `{"schedule": Schedule}`.
#[derive(Serialize, ToSchema)]
pub struct ScheduleEnvelope<'a> {
    schedule: ScheduleView<'a>,
}

fn default_notice() -> i64 {
    i64::from(BookingRules::DEFAULT.minimum_notice_minutes())
}

fn default_horizon() -> i64 {
    i64::from(BookingRules::DEFAULT.booking_horizon_days())
}

/// Working hours as sent, every entry kept: a day named twice is refused,
/// not quietly overwritten (as a map would).
#[derive(Debug)]
pub struct DayWindows(Vec<(String, [String; 2])>);

impl<'de> Deserialize<'de> for DayWindows {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = DayWindows;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of day names and [start, end] windows")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<DayWindows, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(DayWindows(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// `PUT /api/consultants/me/schedule` body; the rules default as the
/// contract says when left out.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScheduleRequest {
    /// An IANA time zone name.
    #[schema(example = "Europe/Lisbon")]
    timezone: String,
    /// Windows by day (`mon` … `sun`), on the half hour; days left out are off.
    #[schema(value_type = WeeklyHours)]
    working_hours: DayWindows,
    /// 0, 30 or 60 (default 0).
    #[serde(default)]
    #[schema(example = 30, minimum = 0, maximum = 60, multiple_of = 30)]
    buffer_minutes: i64,
    /// 0 to 10080 (default 120).
    #[serde(default = "default_notice")]
    #[schema(example = 120, minimum = 0, maximum = 10080)]
    minimum_notice_minutes: i64,
    /// 1 to 365 (default 90).
    #[serde(default = "default_horizon")]
    #[schema(example = 90, minimum = 1, maximum = 365)]
    booking_horizon_days: i64,
}

/// The consultant's schedule.
///
/// Time zone, weekly hours, buffer, notice and horizon of the logged-in
/// consultant.
#[utoipa::path(
    get,
    path = "/api/consultants/me/schedule",
    operation_id = "getMySchedule",
    tag = "calendar",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "The schedule", body = ScheduleEnvelope),
        (status = 403, description = "Not a consultant (`forbidden`)", body = ErrorBody),
        SessionErrors,
    ),
)]
pub async fn get_schedule(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let consultant = load(&state, own_consultant(&auth)?).await?;
    Ok(HttpResponse::Ok().json(ScheduleEnvelope {
        schedule: ScheduleView::from(&consultant),
    }))
}

/// Replace the schedule.
///
/// Takes the whole schedule; existing bookings are kept as they are. New
/// bookings keep the new buffer to the appointments on both sides.
#[utoipa::path(
    put,
    path = "/api/consultants/me/schedule",
    operation_id = "putMySchedule",
    tag = "calendar",
    request_body = ScheduleRequest,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "The new schedule", body = ScheduleEnvelope),
        (status = 400, description = "`invalid_timezone`, `invalid_working_hours`, `invalid_buffer`, \
            `invalid_notice`, `invalid_horizon`, or a malformed body", body = ErrorBody),
        (status = 403, description = "Not a consultant (`forbidden`), or a cross-site request (`csrf_rejected`)", body = ErrorBody),
        SessionErrors, BodyErrors,
    ),
)]
pub async fn put_schedule(
    state: web::Data<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<ScheduleRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = own_consultant(&auth)?;
    let rules = BookingRules::new(
        body.buffer_minutes,
        body.minimum_notice_minutes,
        body.booking_horizon_days,
    )?;
    let schedule = Schedule::parse(&body.timezone, &body.working_hours.0, rules)?;
    let consultant = state
        .store
        .update_schedule(id, &schedule)
        .await?
        .ok_or_else(|| missing_profile(id))?;
    tracing::info!(consultant = %id, "schedule changed");
    Ok(HttpResponse::Ok().json(ScheduleEnvelope {
        schedule: ScheduleView::from(&consultant),
    }))
}

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
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let consultant = load(&state, own_consultant(&auth)?).await?;
    let now = state.now();
    let time_off = consultant
        .time_off
        .iter()
        .filter(|off| off.ends_at > now)
        .map(TimeOffView::from)
        .collect();
    Ok(HttpResponse::Ok().json(TimeOffList { time_off }))
}

/// Every live booking of the consultant (`account` is its login) that
/// overlaps `[from, to)`.
pub(super) async fn live_bookings_between(
    state: &AppState,
    account: &User,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Booking>, ApiError> {
    // An appointment lasts at most 90 minutes: those starting that much
    // before `from` may still overlap it.
    let mut query = BookingQuery::consultant_between(account, from - TimeDelta::minutes(90), to);
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
    auth: Authenticated,
    ApiJson(body): ApiJson<TimeOffRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = own_consultant(&auth)?;
    let starts_at = parse_timestamp(&body.starts_at, "startsAt", "invalid_starts_at")?;
    let ends_at = parse_timestamp(&body.ends_at, "endsAt", "invalid_ends_at")?;
    let now = state.now();
    let time_off = TimeOff::new(id, starts_at, ends_at, body.reason.as_deref(), now)?;
    let time_off = state.store.insert_time_off(&time_off, now).await?;
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
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let consultant = own_consultant(&auth)?;
    let not_found = || ApiError::not_found("time_off_not_found", "No such time off");
    let id = TimeOffId::parse(&path).ok_or_else(not_found)?;
    if !state.store.delete_time_off(consultant, id).await? {
        return Err(not_found());
    }
    tracing::info!(%consultant, time_off = %id, "time off removed");
    Ok(HttpResponse::NoContent().finish())
}
