//! A consultant's schedule: what they see and send.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{load, missing_profile};
use crate::auth::ConsultantSession;
use crate::domain::{AuditEntry, BookingRules, Consultant, Effects, InvalidInput, Schedule};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::consultants::{WeeklyHours, WorkingHoursView};
use crate::routes::responses::{BodyErrors, SessionErrors};
use crate::state::AppState;

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
    /// 0 to 10080: how long before the start a customer may still cancel
    /// or move a booking.
    #[schema(example = 1440, minimum = 0, maximum = 10080)]
    cancellation_notice_minutes: u32,
}

impl<'a> From<&'a Consultant> for ScheduleView<'a> {
    fn from(consultant: &'a Consultant) -> Self {
        Self {
            timezone: consultant.timezone.name(),
            working_hours: WorkingHoursView(&consultant.working_hours),
            buffer_minutes: consultant.rules.buffer().minutes(),
            minimum_notice_minutes: consultant.rules.minimum_notice_minutes(),
            booking_horizon_days: consultant.rules.booking_horizon_days(),
            cancellation_notice_minutes: consultant.rules.cancellation_notice_minutes(),
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
    /// 0 to 10080 (default 0): a customer cannot cancel or move a booking
    /// later than this before its start.
    #[serde(default)]
    #[schema(example = 1440, minimum = 0, maximum = 10080)]
    cancellation_notice_minutes: i64,
}

impl ScheduleRequest {
    /// The schedule it describes.
    pub fn parse(&self) -> Result<Schedule, InvalidInput> {
        let rules = BookingRules::new(
            self.buffer_minutes,
            self.minimum_notice_minutes,
            self.booking_horizon_days,
        )?
        .with_cancellation_notice(self.cancellation_notice_minutes)?;
        Schedule::parse(&self.timezone, &self.working_hours.0, rules)
    }
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
    auth: ConsultantSession,
) -> Result<HttpResponse, ApiError> {
    let consultant = load(&state, auth.consultant).await?;
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
    auth: ConsultantSession,
    ApiJson(body): ApiJson<ScheduleRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = auth.consultant;
    let schedule = body.parse()?;
    let entry = AuditEntry::schedule_changed(&auth.audit(state.now()), id, &schedule);
    let consultant = state
        .store
        .update_schedule(id, &schedule, &Effects::audit([entry]))
        .await?
        .ok_or_else(|| missing_profile(id))?;
    tracing::info!(consultant = %id, "schedule changed");
    Ok(HttpResponse::Ok().json(ScheduleEnvelope {
        schedule: ScheduleView::from(&consultant),
    }))
}
