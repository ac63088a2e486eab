//! Booking a consultant: by a customer for themselves, or by agency staff
//! for a customer (the front desk).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};

use super::any::{ANY_CONSULTANT, book_any};
use super::booking_effects;
use super::schemas::{BookingEnvelope, BookingView, CreateBookingRequest};
use crate::auth::Authenticated;
use crate::domain::{
    AuditContext, Booking, BookingChange, BookingDetails, BookingDuration, BookingError,
    Consultant, ConsultantFilter, ConsultantId, Destination, Fingerprint, InvalidInput,
    LiveBookingLimit, Mode, Notes, StoredResponse, Travelers, User, parse_timestamp,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::idempotency::{idempotency_key, run_once};
use crate::routes::responses::{BodyErrors, CrossSiteError, SessionErrors};
use crate::state::AppState;
use crate::store::StoreError;

/// Book a consultant.
///
/// Books a consultation; the store refuses a time any live booking of the
/// consultant holds, atomically. With `consultantId: "any"` the service
/// picks a free consultant who offers the mode and fits `match`: the
/// customer's previous consultant, else the one with the fewest live
/// bookings in the 7 days around the start, then the one booked least
/// recently (the booking's `assignment` says which). With an
/// `Idempotency-Key`, a retry by the same user within 24 hours gets the
/// first response again (with `Idempotent-Replayed: true`) and books
/// nothing.
#[utoipa::path(
    post,
    path = "/api/bookings",
    operation_id = "createBooking",
    tag = "bookings",
    request_body = CreateBookingRequest,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 64,
        pattern = "^[!-~]{1,64}$", description = "1 to 64 visible ASCII characters; \\
        retries with the same key replay the first response (with `Idempotent-Replayed: true`)")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 201, description = "Booked", body = BookingEnvelope,
         headers(("Location" = String, description = "/api/bookings/{id}"),
                 ("Idempotent-Replayed" = String, description = "`true` when this is the first \\
                    response to an earlier request with the same `Idempotency-Key`, replayed"))),
        (status = 404, description = "No such consultant (`consultant_not_found`)", body = ErrorBody),
        (status = 409, description = "A slot is taken, or for `any` no matching consultant is free \\
            (`slot_unavailable`), the customer already holds \\
            `MAX_LIVE_BOOKINGS_PER_CUSTOMER` live future bookings (`booking_limit_reached`), or the same \\
            key is still being processed (`idempotency_key_in_use`)", body = ErrorBody),
        (status = 422, description = "Not on a 30-minute boundary (`not_on_slot_boundary`), in the past \\
            (`starts_in_past`), outside working hours (`outside_working_hours`), or the key was used for \\
            another request (`idempotency_key_reused`)", body = ErrorBody),
        SessionErrors, BodyErrors, CrossSiteError,
    ),
)]
pub async fn create(
    state: web::Data<AppState>,
    request: HttpRequest,
    auth: Authenticated,
    ApiJson(body): ApiJson<CreateBookingRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&request)?;
    let fingerprint = Fingerprint::of(&serde_json::to_vec(&body).map_err(ApiError::internal)?);
    let context = auth.audit(state.now());
    run_once(&state, auth.user.id, key, fingerprint, || {
        book(&state, &auth.user, &context, &body)
    })
    .await
}

/// What a booking request asks for, whoever the consultant turns out to be.
pub(super) struct Requested {
    pub starts_at: DateTime<Utc>,
    duration: BookingDuration,
    details: BookingDetails,
}

impl Requested {
    fn parse(body: &CreateBookingRequest) -> Result<Self, ApiError> {
        Ok(Self {
            starts_at: parse_timestamp(&body.starts_at, "startsAt", "invalid_starts_at")?,
            duration: BookingDuration::from_minutes(body.duration_minutes)?,
            details: BookingDetails {
                mode: Mode::parse(&body.mode)?,
                destination: Destination::parse(&body.destination)?,
                travelers: Travelers::parse(body.travelers)?,
                notes: body
                    .notes
                    .as_deref()
                    .map(Notes::parse)
                    .transpose()?
                    .unwrap_or_default(),
            },
        })
    }

    /// The booking of `consultant` this request makes, by their rules.
    pub fn booking_with(
        &self,
        customer: &User,
        consultant: &Consultant,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        let details = self.details.clone();
        Booking::create(
            customer,
            consultant,
            self.starts_at,
            self.duration,
            details,
            now,
        )
    }
}

/// Stores a new booking with its effects: slots claimed, limit kept.
async fn insert(
    state: &AppState,
    context: &AuditContext,
    booking: &Booking,
    limit: &LiveBookingLimit,
) -> Result<(), StoreError> {
    let effects = booking_effects(state, context, BookingChange::Created, None, booking);
    state.store.insert_booking(booking, limit, &effects).await
}

/// Books a consultant for `customer` as `context` says who asked, under
/// the same rules whoever asks; the response to keep (and replay).
pub(crate) async fn book(
    state: &AppState,
    customer: &User,
    context: &AuditContext,
    body: &CreateBookingRequest,
) -> Result<StoredResponse, ApiError> {
    let requested = Requested::parse(body)?;
    let now = state.now();
    let limit = LiveBookingLimit {
        max: state.settings.max_live_bookings_per_customer,
        now,
    };
    let booking = if body.consultant_id == ANY_CONSULTANT {
        let wanted = body.wanted.as_ref();
        let filter = ConsultantFilter::parse(
            wanted.and_then(|wanted| wanted.language.as_deref()),
            wanted.and_then(|wanted| wanted.specialty.as_deref()),
            Some(&body.mode),
        )?;
        book_any(state, customer, context, &filter, &requested, &limit).await?
    } else {
        if body.wanted.is_some() {
            return Err(InvalidInput::new(
                "match",
                "invalid_match",
                "match goes with consultantId \"any\" only",
            )
            .into());
        }
        let consultant = named_consultant(state, &body.consultant_id).await?;
        let booking = requested.booking_with(customer, &consultant, now)?;
        insert(state, context, &booking, &limit).await?;
        booking
    };
    tracing::info!(booking = %booking.id, consultant = %booking.consultant_id, "booking created");
    metrics::counter!(crate::monitoring::BOOKINGS_CREATED).increment(1);
    Ok(StoredResponse {
        status: StatusCode::CREATED.as_u16(),
        body: serde_json::to_string(&BookingEnvelope {
            booking: BookingView::from(&booking),
        })
        .map_err(ApiError::internal)?,
        location: Some(format!("/api/bookings/{}", booking.id)),
    })
}

/// The active consultant `id` names; 404 for anything else.
async fn named_consultant(state: &AppState, id: &str) -> Result<Consultant, ApiError> {
    match ConsultantId::parse(id) {
        Some(id) => state.store.find_consultant(id).await?,
        None => None,
    }
    .filter(|consultant| consultant.active)
    .ok_or_else(|| {
        ApiError::not_found("consultant_not_found", "No such consultant").with_field("consultantId")
    })
}
