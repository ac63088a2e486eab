//! `/api/bookings`: a customer's appointments, and a consultant's.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Authenticated;
use crate::domain::{
    Booking, BookingChanges, BookingDetails, BookingDuration, BookingId, BookingQuery,
    CancellationReason, ConsultantId, Destination, Fingerprint, Mode, Notes, Party,
    RawBookingQuery, StoredResponse, Travelers, User, format_timestamp, parse_timestamp,
};
use crate::error::ApiError;
use crate::http::{ApiJson, OptionalJson};
use crate::routes::idempotency::{idempotency_key, run_once};
use crate::state::AppState;

/// A booking as the API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingView {
    id: String,
    customer_id: String,
    consultant_id: String,
    starts_at: String,
    ends_at: String,
    duration_minutes: i64,
    mode: &'static str,
    destination: String,
    travelers: u8,
    notes: String,
    status: &'static str,
    cancellation_reason: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<&Booking> for BookingView {
    fn from(booking: &Booking) -> Self {
        let details = &booking.details;
        Self {
            id: booking.id.to_string(),
            customer_id: booking.customer_id.to_string(),
            consultant_id: booking.consultant_id.to_string(),
            starts_at: format_timestamp(booking.appointment.start()),
            ends_at: format_timestamp(booking.appointment.end()),
            duration_minutes: booking.appointment.duration().minutes(),
            mode: details.mode.as_str(),
            destination: details.destination.as_str().to_owned(),
            travelers: details.travelers.get(),
            notes: details.notes.as_str().to_owned(),
            status: booking.status.as_str(),
            cancellation_reason: booking
                .cancellation_reason
                .as_ref()
                .map(|reason| reason.as_str().to_owned()),
            created_at: format_timestamp(booking.created_at),
            updated_at: format_timestamp(booking.updated_at),
        }
    }
}

fn booking_response(status: StatusCode, booking: &Booking) -> HttpResponse {
    HttpResponse::build(status).json(json!({"booking": BookingView::from(booking)}))
}

/// `POST /api/bookings` body. Serialised (in field order) for the request's
/// idempotency fingerprint.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateBookingRequest {
    consultant_id: String,
    starts_at: String,
    duration_minutes: i64,
    mode: String,
    destination: String,
    travelers: i64,
    #[serde(default)]
    notes: Option<String>,
}

/// `PATCH /api/bookings/{id}` body: any subset of the fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateBookingRequest {
    starts_at: Option<String>,
    duration_minutes: Option<i64>,
    mode: Option<String>,
    destination: Option<String>,
    travelers: Option<i64>,
    notes: Option<String>,
}

impl UpdateBookingRequest {
    fn parse(self) -> Result<BookingChanges, ApiError> {
        let changes = BookingChanges {
            starts_at: self
                .starts_at
                .map(|text| parse_timestamp(&text, "startsAt", "invalid_starts_at"))
                .transpose()?,
            duration: self
                .duration_minutes
                .map(BookingDuration::from_minutes)
                .transpose()?,
            mode: self.mode.as_deref().map(Mode::parse).transpose()?,
            destination: self
                .destination
                .as_deref()
                .map(Destination::parse)
                .transpose()?,
            travelers: self.travelers.map(Travelers::parse).transpose()?,
            notes: self.notes.as_deref().map(Notes::parse).transpose()?,
        };
        if changes.is_empty() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "empty_patch",
                "Send at least one of startsAt, durationMinutes, mode, destination, travelers, notes",
            ));
        }
        Ok(changes)
    }
}

/// `POST /api/bookings/{id}/cancel` body (optional).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    reason: Option<String>,
}

/// `GET /api/bookings` query.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

fn booking_not_found() -> ApiError {
    ApiError::not_found("booking_not_found", "No such booking")
}

/// Loads a booking `user` may see. Someone else's booking is 404, exactly
/// like a missing one: its existence is not revealed.
async fn visible_booking(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<(Booking, Party), ApiError> {
    let booking = match BookingId::parse(id) {
        Some(id) => state.store.find_booking(id).await?,
        None => None,
    };
    booking
        .and_then(|booking| booking.party(user).map(|party| (booking, party)))
        .ok_or_else(booking_not_found)
}

/// Writes a changed booking, unless nothing changed.
async fn save(
    state: &AppState,
    before: &Booking,
    after: Booking,
) -> Result<HttpResponse, ApiError> {
    if after != *before {
        state.store.update_booking(before, &after).await?;
    }
    Ok(booking_response(StatusCode::OK, &after))
}

/// Books a consultant. With an `Idempotency-Key`, a retry gets the first
/// response again and books nothing.
pub async fn create(
    state: web::Data<AppState>,
    request: HttpRequest,
    auth: Authenticated,
    ApiJson(body): ApiJson<CreateBookingRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&request)?;
    let fingerprint = Fingerprint::of(&serde_json::to_vec(&body).map_err(ApiError::internal)?);
    run_once(&state, &auth.user, key, fingerprint, || {
        book(&state, &auth.user, body)
    })
    .await
}

async fn book(
    state: &AppState,
    user: &User,
    body: CreateBookingRequest,
) -> Result<StoredResponse, ApiError> {
    let starts_at = parse_timestamp(&body.starts_at, "startsAt", "invalid_starts_at")?;
    let duration = BookingDuration::from_minutes(body.duration_minutes)?;
    let details = BookingDetails {
        mode: Mode::parse(&body.mode)?,
        destination: Destination::parse(&body.destination)?,
        travelers: Travelers::parse(body.travelers)?,
        notes: body
            .notes
            .as_deref()
            .map(Notes::parse)
            .transpose()?
            .unwrap_or_default(),
    };
    let consultant = match ConsultantId::parse(&body.consultant_id) {
        Some(id) => state.store.find_consultant(id).await?,
        None => None,
    }
    .ok_or_else(|| {
        ApiError::not_found("consultant_not_found", "No such consultant").with_field("consultantId")
    })?;
    let booking = Booking::create(user, &consultant, starts_at, duration, details, state.now())?;
    state.store.insert_booking(&booking).await?;
    tracing::info!(booking = %booking.id, consultant = %consultant.id, "booking created");
    Ok(StoredResponse {
        status: StatusCode::CREATED.as_u16(),
        body: json!({"booking": BookingView::from(&booking)}).to_string(),
        location: Some(format!("/api/bookings/{}", booking.id)),
    })
}

/// The user's bookings (and, for a consultant, those made with them), by start time.
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let raw = RawBookingQuery {
        status: params.status,
        from: params.from,
        to: params.to,
        limit: params.limit,
        cursor: params.cursor,
    };
    let query = BookingQuery::parse(&auth.user, &raw)?;
    let rows = state.store.list_bookings(&query).await?;
    let (page, next) = query.paginate(rows);
    let bookings: Vec<_> = page.iter().map(BookingView::from).collect();
    Ok(HttpResponse::Ok().json(json!({
        "bookings": bookings,
        "nextCursor": next.map(|cursor| cursor.encode()),
    })))
}

/// One booking.
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (booking, _) = visible_booking(&state, &auth.user, &id).await?;
    Ok(booking_response(StatusCode::OK, &booking))
}

/// Reschedules or edits a booking (its customer only).
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    ApiJson(body): ApiJson<UpdateBookingRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.parse()?;
    let (booking, party) = visible_booking(&state, &auth.user, &id).await?;
    let consultant = state
        .store
        .find_consultant(booking.consultant_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("booking {} has no consultant", booking.id)))?;
    let updated = booking.change(party, changes, &consultant, state.now())?;
    save(&state, &booking, updated).await
}

/// Cancels a booking (either party); its slots become free again.
pub async fn cancel(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    OptionalJson(body): OptionalJson<CancelRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = body
        .and_then(|body| body.reason)
        .map(|reason| CancellationReason::parse(&reason))
        .transpose()?;
    let (booking, _) = visible_booking(&state, &auth.user, &id).await?;
    let cancelled = booking.cancel(reason, state.now())?;
    save(&state, &booking, cancelled).await
}

/// Confirms a booking (its consultant only).
pub async fn confirm(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (booking, party) = visible_booking(&state, &auth.user, &id).await?;
    let confirmed = booking.confirm(party, state.now())?;
    save(&state, &booking, confirmed).await
}
