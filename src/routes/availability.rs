//! `GET /api/availability`: when anyone who matches could take a booking,
//! across every active consultant ("someone who speaks Spanish and knows
//! cruises, any day next week").

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::consultants::{ConsultantParams, free_and_held};
use super::responses::StoreErrors;
use crate::domain::{
    AvailabilityRange, BookingDuration, GridTime, InvalidInput, bookable_starts, pooled,
};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `GET /api/availability` query: when, and for how long (whom to look
/// for is [`ConsultantParams`], as `GET /api/consultants` takes it).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SearchParams {
    /// First day, in UTC (default: today).
    #[param(value_type = Option<String>, format = Date, example = "2027-03-04")]
    from: Option<String>,
    /// Number of days, 1 to 31 (default 7).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 31, example = 7)]
    days: Option<String>,
    /// The booking's length: 30, 60 or 90 (default 30).
    #[param(value_type = Option<i32>, example = 60)]
    duration_minutes: Option<String>,
}

/// A start at which at least one matching consultant is free.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PooledSlotView {
    #[schema(value_type = String, format = DateTime, example = "2027-03-04T09:30:00Z")]
    starts_at: GridTime,
    /// The start plus the asked-for length.
    #[schema(value_type = String, format = DateTime, example = "2027-03-04T10:30:00Z")]
    ends_at: GridTime,
    /// How many matching consultants could take it.
    #[schema(example = 3, minimum = 1)]
    consultants: u32,
}

/// `{"slots": [PooledSlot]}`.
#[derive(Serialize, ToSchema)]
pub struct PooledSlotList {
    slots: Vec<PooledSlotView>,
}

/// The booking length a search asks about.
fn duration(text: Option<&str>) -> Result<BookingDuration, InvalidInput> {
    let minutes = match text {
        None => 30,
        Some(text) => text.parse().unwrap_or(-1),
    };
    BookingDuration::from_minutes(minutes)
}

/// Free times across consultants.
///
/// Every start, over `days` UTC days from `from`, at which at least one
/// active consultant who matches could take a booking of `durationMinutes`
/// (their hours, zone, time off, buffer, notice and horizon, exactly as
/// booking them would), with how many could. No session needed.
#[utoipa::path(
    get,
    path = "/api/availability",
    operation_id = "searchAvailability",
    tag = "consultants",
    params(ConsultantParams, SearchParams),
    responses(
        (status = 200, description = "Starts, in order", body = PooledSlotList),
        (status = 400, description = "A bad filter or range (`invalid_language`, \
            `invalid_specialty`, `invalid_mode`, `invalid_from`, `invalid_days`, \
            `invalid_duration`, `invalid_query`)", body = ErrorBody),
        StoreErrors,
    ),
)]
pub async fn search(
    state: web::Data<AppState>,
    wanted: web::Query<ConsultantParams>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = wanted.filter()?;
    let duration = duration(params.duration_minutes.as_deref())?;
    let now = state.now();
    let range = AvailabilityRange::parse(
        params.from.as_deref(),
        params.days.as_deref(),
        now.date_naive(),
    )?;
    let (start, end) = range.utc_bounds();
    let mut starts = Vec::new();
    for consultant in state.store.list_consultants().await? {
        if !filter.matches(&consultant) {
            continue;
        }
        let (free, held) = free_and_held(&state, &consultant, &range.widened()).await?;
        starts.push(bookable_starts(&free, &held, &consultant, duration, now));
    }
    let length = chrono::TimeDelta::minutes(duration.minutes());
    let slots = pooled(starts)
        .into_iter()
        .filter(|(slot, _)| start <= slot.start() && slot.start() < end)
        .map(|(slot, consultants)| PooledSlotView {
            starts_at: GridTime(slot.start()),
            ends_at: GridTime(slot.start() + length),
            consultants,
        })
        .collect();
    Ok(HttpResponse::Ok().json(PooledSlotList { slots }))
}
