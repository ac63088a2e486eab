//! `/api/consultants`: who can be booked, and when.

use actix_web::{HttpResponse, web};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::bookings::ModeName;
use super::responses::StoreErrors;

use crate::domain::{
    AvailabilityRange, BookingDuration, Consultant, ConsultantFilter, ConsultantId, GridTime,
    HeldSlot, InvalidInput, Slot, WorkingHours, free_slots, working_slots,
};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Working hours as `{"mon": ["09:00", "17:00"], …}`, in week order, days off omitted.
pub(crate) struct WorkingHoursView<'a>(pub(crate) &'a WorkingHours);

impl Serialize for WorkingHoursView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.days().map(|(day, hours)| {
            (
                day,
                [
                    hours.start().format("%H:%M").to_string(),
                    hours.end().format("%H:%M").to_string(),
                ],
            )
        }))
    }
}

/// A local time on the half hour, `HH:MM` (documentation only).
#[derive(ToSchema)]
#[schema(pattern = "^([01][0-9]|2[0-3]):[03]0$", example = "09:00")]
#[allow(dead_code)]
pub struct HalfHour(String);

/// Local working window per weekday, `["09:00", "17:00"]` (the end after
/// the start); days off are left out, never `null` (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct WeeklyHours {
    #[serde(default)]
    #[schema(min_items = 2, max_items = 2, example = json!(["09:00", "17:00"]))]
    mon: Vec<HalfHour>,
    #[serde(default)]
    #[schema(min_items = 2, max_items = 2)]
    tue: Vec<HalfHour>,
    #[serde(default)]
    #[schema(min_items = 2, max_items = 2)]
    wed: Vec<HalfHour>,
    #[serde(default)]
    #[schema(min_items = 2, max_items = 2)]
    thu: Vec<HalfHour>,
    #[serde(default)]
    #[schema(min_items = 2, max_items = 2)]
    fri: Vec<HalfHour>,
    #[serde(default)]
    #[schema(min_items = 2, max_items = 2)]
    sat: Vec<HalfHour>,
    #[serde(default)]
    #[schema(min_items = 2, max_items = 2)]
    sun: Vec<HalfHour>,
}

/// A consultant as the API shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsultantView<'a> {
    #[schema(example = "6b03ed4bb8702cb5d37340e4")]
    id: String,
    #[schema(example = "Kenji Watanabe")]
    name: &'a str,
    #[schema(example = json!(["Japan rail passes", "Ski trips"]))]
    specialties: &'a [String],
    #[schema(example = json!(["ja", "en"]))]
    languages: &'a [String],
    /// IANA time zone of the working hours.
    #[schema(example = "Asia/Tokyo")]
    timezone: &'a str,
    #[schema(value_type = WeeklyHours)]
    working_hours: WorkingHoursView<'a>,
    /// How they consult.
    #[schema(value_type = Vec<ModeName>, example = json!(["video", "phone", "in_person"]))]
    modes: Vec<&'static str>,
    /// A few words about them (may be empty).
    #[schema(
        max_length = 1000,
        example = "Twenty years of rail travel across Japan."
    )]
    bio: &'a str,
    /// Their cancellation policy: customers can cancel or move a booking
    /// until this many minutes before it starts.
    #[schema(example = 1440, minimum = 0, maximum = 10080)]
    cancellation_notice_minutes: u32,
}

/// `{"consultants": [Consultant]}`.
#[derive(Serialize, ToSchema)]
pub struct ConsultantList<'a> {
    consultants: Vec<ConsultantView<'a>>,
}

/// `{"consultant": Consultant}`.
#[derive(Serialize, ToSchema)]
pub struct ConsultantEnvelope<'a> {
    consultant: ConsultantView<'a>,
}

/// A free 30-minute slot. (Written by hand, without a string per
/// timestamp: a month of availability is hundreds of them.)
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct SlotView {
    #[schema(format = DateTime, example = "2027-03-04T09:30:00Z")]
    starts_at: String,
    #[schema(format = DateTime, example = "2027-03-04T10:00:00Z")]
    ends_at: String,
}

/// `{"slots": [Slot]}`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SlotList {
    slots: Vec<SlotView>,
}

/// The body of [`SlotList`].
struct SlotListBody(Vec<Slot>);

impl Serialize for SlotListBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct One(Slot);
        impl Serialize for One {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut slot = serializer.serialize_struct("Slot", 2)?;
                slot.serialize_field("startsAt", &GridTime(self.0.start()))?;
                slot.serialize_field("endsAt", &GridTime(self.0.end()))?;
                slot.end()
            }
        }
        struct Slots<'a>(&'a [Slot]);
        impl Serialize for Slots<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter().map(|slot| One(*slot)))
            }
        }
        let mut body = serializer.serialize_struct("SlotList", 1)?;
        body.serialize_field("slots", &Slots(&self.0))?;
        body.end()
    }
}

impl<'a> From<&'a Consultant> for ConsultantView<'a> {
    fn from(consultant: &'a Consultant) -> Self {
        Self {
            id: consultant.id.to_string(),
            name: consultant.name.as_str(),
            specialties: &consultant.specialties,
            languages: &consultant.languages,
            timezone: consultant.timezone.name(),
            working_hours: WorkingHoursView(&consultant.working_hours),
            modes: consultant.modes.iter().map(|mode| mode.as_str()).collect(),
            bio: &consultant.bio,
            cancellation_notice_minutes: consultant.rules.cancellation_notice_minutes(),
        }
    }
}

/// `GET /api/consultants` query: what to look for (each left out matches
/// every consultant).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsultantParams {
    /// A primary language subtag they speak (`es` finds `es` and `es-MX`).
    #[param(example = "es")]
    language: Option<String>,
    /// Part of one of their specialties, regardless of case and accents.
    #[param(example = "cruise")]
    specialty: Option<String>,
    /// A way of consulting they offer: `video`, `phone` or `in_person`.
    #[param(value_type = Option<ModeName>)]
    mode: Option<String>,
}

impl ConsultantParams {
    /// The consultants these parameters ask for (the same filters serve
    /// `GET /api/availability`).
    pub(crate) fn filter(&self) -> Result<ConsultantFilter, InvalidInput> {
        ConsultantFilter::parse(
            self.language.as_deref(),
            self.specialty.as_deref(),
            self.mode.as_deref(),
        )
    }
}

/// `GET …/availability` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityParams {
    /// First day, in the consultant's time zone (default: today there).
    #[param(value_type = Option<String>, format = Date, example = "2027-03-04")]
    from: Option<String>,
    /// Number of days, 1 to 31 (default 7).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 31, example = 7)]
    days: Option<String>,
}

/// Loads a consultant by its path id, active or not; a malformed id is
/// simply unknown.
pub(crate) async fn find_any(state: &AppState, id: &str) -> Result<Consultant, ApiError> {
    let consultant = match ConsultantId::parse(id) {
        Some(id) => state.store.find_consultant(id).await?,
        None => None,
    };
    consultant.ok_or_else(consultant_not_found)
}

pub(crate) fn consultant_not_found() -> ApiError {
    ApiError::not_found("consultant_not_found", "No such consultant")
}

/// Loads a consultant customers may see: a deactivated one is unknown.
async fn find(state: &AppState, id: &str) -> Result<Consultant, ApiError> {
    Some(find_any(state, id).await?)
        .filter(|consultant| consultant.active)
        .ok_or_else(consultant_not_found)
}

/// The consultants.
///
/// Every active consultant who can be booked, by name; only those who
/// speak `language`, know `specialty` and offer `mode`, when asked. No
/// session needed.
#[utoipa::path(
    get,
    path = "/api/consultants",
    operation_id = "listConsultants",
    tag = "consultants",
    params(ConsultantParams),
    responses(
        (status = 200, description = "The consultants", body = ConsultantList),
        (status = 400, description = "A bad filter (`invalid_language`, `invalid_specialty`, \
            `invalid_mode`, `invalid_query`)", body = ErrorBody),
        StoreErrors,
    ),
)]
pub async fn list(
    state: web::Data<AppState>,
    params: web::Query<ConsultantParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = params.filter()?;
    let consultants = state.store.list_consultants().await?;
    Ok(HttpResponse::Ok().json(ConsultantList {
        consultants: consultants
            .iter()
            .filter(|consultant| filter.matches(consultant))
            .map(ConsultantView::from)
            .collect(),
    }))
}

/// One consultant.
///
/// A consultant's public profile. No session needed.
#[utoipa::path(
    get,
    path = "/api/consultants/{id}",
    operation_id = "getConsultant",
    tag = "consultants",
    params(("id" = String, Path, description = "Consultant id")),
    responses(
        (status = 200, description = "The consultant", body = ConsultantEnvelope),
        (status = 404, description = "No such consultant (`consultant_not_found`)", body = ErrorBody),
        StoreErrors,
    ),
)]
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let consultant = find(&state, &id).await?;
    Ok(HttpResponse::Ok().json(ConsultantEnvelope {
        consultant: ConsultantView::from(&consultant),
    }))
}

/// A consultant's free slots.
///
/// Free 30-minute slots over a run of the consultant's local days, never in
/// the past, honouring working hours, time off, buffer, notice and horizon:
/// exactly what booking would accept. Slots are on the 30-minute UTC grid.
#[utoipa::path(
    get,
    path = "/api/consultants/{id}/availability",
    operation_id = "getAvailability",
    tag = "consultants",
    params(("id" = String, Path, description = "Consultant id"), AvailabilityParams),
    responses(
        (status = 200, description = "Free slots, in order", body = SlotList),
        (status = 400, description = "Bad `from` or `days` (`invalid_from`, `invalid_days`, `invalid_query`)", body = ErrorBody),
        (status = 404, description = "No such consultant (`consultant_not_found`)", body = ErrorBody),
        StoreErrors,
    ),
)]
pub async fn availability(
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<AvailabilityParams>,
) -> Result<HttpResponse, ApiError> {
    let consultant = find(&state, &id).await?;
    let today = state.now().with_timezone(&consultant.timezone).date_naive();
    let range = AvailabilityRange::parse(params.from.as_deref(), params.days.as_deref(), today)?;
    let (slots, _) = free_and_held(&state, &consultant, &range).await?;
    Ok(HttpResponse::Ok().json(SlotListBody(slots)))
}

/// The free 30-minute slots of `consultant` over `range` (its local days),
/// and the slots held around them, sorted: enough to tell where a longer
/// appointment with its buffer fits too.
pub(crate) async fn free_and_held(
    state: &AppState,
    consultant: &Consultant,
    range: &AvailabilityRange,
) -> Result<(Vec<Slot>, Vec<HeldSlot>), ApiError> {
    let working = working_slots(consultant, range);
    // The buffer before the first slot counts, and after the last one the
    // longest appointment and its buffer.
    let buffer = chrono::TimeDelta::minutes(consultant.rules.buffer().minutes());
    let longest = chrono::TimeDelta::minutes(BookingDuration::Minutes90.minutes());
    let held = match (working.first(), working.last()) {
        (Some(first), Some(last)) => {
            let (from, to) = (first.start() - buffer, last.end() + longest + buffer);
            state.store.occupied_slots(consultant.id, from, to).await?
        }
        _ => Vec::new(),
    };
    let free = free_slots(working, &held, consultant, state.now());
    Ok((free, held))
}
