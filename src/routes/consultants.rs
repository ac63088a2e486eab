//! `/api/consultants`: who can be booked, and when.

use actix_web::{HttpResponse, web};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::{
    AvailabilityRange, Consultant, ConsultantId, WorkingHours, format_timestamp, free_slots,
    working_slots,
};
use crate::error::ApiError;
use crate::state::AppState;

/// Working hours as `{"mon": ["09:00", "17:00"], …}`, in week order, days off omitted.
struct WorkingHoursView<'a>(&'a WorkingHours);

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

/// A consultant as the API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsultantView<'a> {
    id: String,
    name: &'a str,
    specialties: &'a [String],
    languages: &'a [String],
    timezone: &'a str,
    working_hours: WorkingHoursView<'a>,
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
        }
    }
}

/// `GET …/availability` query.
#[derive(Debug, Deserialize)]
pub struct AvailabilityParams {
    from: Option<String>,
    days: Option<String>,
}

/// Loads a consultant by its path id; a malformed id is simply unknown.
async fn find(state: &AppState, id: &str) -> Result<Consultant, ApiError> {
    let consultant = match ConsultantId::parse(id) {
        Some(id) => state.store.find_consultant(id).await?,
        None => None,
    };
    consultant.ok_or_else(|| ApiError::not_found("consultant_not_found", "No such consultant"))
}

/// Every consultant, by name.
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let consultants = state.store.list_consultants().await?;
    let views: Vec<_> = consultants.iter().map(ConsultantView::from).collect();
    Ok(HttpResponse::Ok().json(json!({"consultants": views})))
}

/// One consultant.
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let consultant = find(&state, &id).await?;
    Ok(HttpResponse::Ok().json(json!({"consultant": ConsultantView::from(&consultant)})))
}

/// Free 30-minute slots over a run of the consultant's local days.
pub async fn availability(
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<AvailabilityParams>,
) -> Result<HttpResponse, ApiError> {
    let consultant = find(&state, &id).await?;
    let now = state.now();
    let today = now.with_timezone(&consultant.timezone).date_naive();
    let range = AvailabilityRange::parse(params.from.as_deref(), params.days.as_deref(), today)?;
    let working = working_slots(&consultant, &range);
    let occupied = match (working.first(), working.last()) {
        (Some(first), Some(last)) => {
            state
                .store
                .occupied_slots(consultant.id, first.start(), last.end())
                .await?
        }
        _ => Vec::new(),
    };
    let slots: Vec<_> = free_slots(working, &occupied, now)
        .iter()
        .map(|slot| json!({"startsAt": format_timestamp(slot.start()), "endsAt": format_timestamp(slot.end())}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"slots": slots})))
}
