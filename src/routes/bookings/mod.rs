//! `/api/bookings`: a customer's appointments, and a consultant's.

mod schemas;

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};

pub use schemas::{
    BookingEnvelope, BookingList, BookingStatusName, BookingView, CancelRequest,
    CreateBookingRequest, ListParams, ModeName, UpdateBookingRequest,
};

use super::idempotency::{idempotency_key, run_once};
use super::responses::{BodyErrors, CrossSiteError, NoBodyErrors, SessionErrors};
use crate::auth::Authenticated;
use crate::domain::{
    Booking, BookingChange, BookingDetails, BookingDuration, BookingId, BookingQuery,
    CancellationReason, ChangedBy, ConsultantId, Destination, Fingerprint, LiveBookingLimit, Mode,
    Notes, OutboxMessage, Party, RawBookingQuery, StoredResponse, Travelers, User, parse_timestamp,
    plan_notifications,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::{ApiJson, OptionalJson};
use crate::mail::{Parties, invite};
use crate::state::AppState;

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

/// The notifications `change` queues: none while `BOOKING_NOTIFICATIONS`
/// is off.
fn notifications(
    state: &AppState,
    change: BookingChange,
    booking: &Booking,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<OutboxMessage> {
    if state.settings.mail.booking_notifications {
        plan_notifications(change, booking, now)
    } else {
        Vec::new()
    }
}

/// Writes a changed booking, unless nothing changed, with the
/// notifications the change causes.
async fn save(
    state: &AppState,
    before: &Booking,
    after: Booking,
    change: BookingChange,
) -> Result<HttpResponse, ApiError> {
    if after != *before {
        let messages = notifications(state, change, &after, state.now());
        state
            .store
            .update_booking(before, &after, &messages)
            .await?;
    }
    Ok(HttpResponse::Ok().json(BookingEnvelope {
        booking: BookingView::from(&after),
    }))
}

/// Book a consultant.
///
/// Books a consultation; the store refuses a time any live booking of the
/// consultant holds, atomically. With an `Idempotency-Key`, a retry by the
/// same user within 24 hours gets the first response again (with
/// `Idempotent-Replayed: true`) and books nothing.
#[utoipa::path(
    post,
    path = "/api/bookings",
    operation_id = "createBooking",
    tag = "bookings",
    request_body = CreateBookingRequest,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 64,
        pattern = "^[!-~]{1,64}$", description = "1 to 64 visible ASCII characters; \
        retries with the same key replay the first response (with `Idempotent-Replayed: true`)")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 201, description = "Booked", body = BookingEnvelope,
         headers(("Location" = String, description = "/api/bookings/{id}"),
                 ("Idempotent-Replayed" = String, description = "`true` when this is the first \
                    response to an earlier request with the same `Idempotency-Key`, replayed"))),
        (status = 404, description = "No such consultant (`consultant_not_found`)", body = ErrorBody),
        (status = 409, description = "A slot is taken (`slot_unavailable`), the customer already holds \
            `MAX_LIVE_BOOKINGS_PER_CUSTOMER` live future bookings (`booking_limit_reached`), or the same \
            key is still being processed (`idempotency_key_in_use`)", body = ErrorBody),
        (status = 422, description = "Not on a 30-minute boundary (`not_on_slot_boundary`), in the past \
            (`starts_in_past`), outside working hours (`outside_working_hours`), or the key was used for \
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
    let limit = LiveBookingLimit {
        max: state.settings.max_live_bookings_per_customer,
        now: state.now(),
    };
    let messages = notifications(state, BookingChange::Created, &booking, limit.now);
    state
        .store
        .insert_booking(&booking, &limit, &messages)
        .await?;
    tracing::info!(booking = %booking.id, consultant = %consultant.id, "booking created");
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

/// The user's bookings.
///
/// The user's bookings (and, for a consultant, those made with them), by
/// start time, a page at a time.
#[utoipa::path(
    get,
    path = "/api/bookings",
    operation_id = "listBookings",
    tag = "bookings",
    params(ListParams),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "A page of bookings", body = BookingList),
        (status = 400, description = "A bad filter (`invalid_status`, `invalid_from`, `invalid_to`, \
            `invalid_limit`, `invalid_cursor`, `invalid_query`)", body = ErrorBody),
        SessionErrors,
    ),
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = BookingQuery::parse(&auth.user, &RawBookingQuery::from(params.into_inner()))?;
    let rows = state.store.list_bookings(&query).await?;
    let (page, next) = query.paginate(rows);
    let list = BookingList {
        bookings: page.iter().map(BookingView::from).collect(),
        next_cursor: next.map(|cursor| cursor.encode()),
    };
    // A booking takes about 450 bytes: size the body once instead of
    // growing it from nothing through a dozen reallocations.
    let mut body = Vec::with_capacity(64 + 512 * list.bookings.len());
    serde_json::to_writer(&mut body, &list).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
}

/// One booking.
///
/// A booking the user is a party to; any other is 404, as if it did not
/// exist.
#[utoipa::path(
    get,
    path = "/api/bookings/{id}",
    operation_id = "getBooking",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "The booking", body = BookingEnvelope),
        (status = 404, description = "No such booking visible to this user (`booking_not_found`)", body = ErrorBody),
        SessionErrors,
    ),
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (booking, _) = visible_booking(&state, &auth.user, &id).await?;
    Ok(HttpResponse::Ok().json(BookingEnvelope {
        booking: BookingView::from(&booking),
    }))
}

/// Change a booking.
///
/// Reschedules or edits a booking (its customer only). Moving a confirmed
/// booking to a new time returns it to `pending`; `"notes": null` clears the
/// notes.
#[utoipa::path(
    patch,
    path = "/api/bookings/{id}",
    operation_id = "updateBooking",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    request_body = UpdateBookingRequest,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "Changed", body = BookingEnvelope),
        (status = 403, description = "The consultant may not edit a booking's details (`forbidden`), or a \
            cross-site request (`csrf_rejected`)", body = ErrorBody),
        (status = 404, description = "No such booking visible to this user (`booking_not_found`)", body = ErrorBody),
        (status = 409, description = "A slot is taken (`slot_unavailable`), the booking is cancelled or past \
            (`booking_closed`), or it changed meanwhile (`concurrent_update`)", body = ErrorBody),
        (status = 422, description = "The new time breaks a scheduling rule", body = ErrorBody),
        SessionErrors, BodyErrors,
    ),
)]
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
    let moved = updated.appointment != booking.appointment;
    save(&state, &booking, updated, BookingChange::Edited { moved }).await
}

/// Cancel a booking.
///
/// Either party cancels; the slots become free again and both parties get the
/// cancelled invite.
#[utoipa::path(
    post,
    path = "/api/bookings/{id}/cancel",
    operation_id = "cancelBooking",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    request_body(content = Option<CancelRequest>, description = "Optional"),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "Cancelled", body = BookingEnvelope),
        (status = 404, description = "No such booking visible to this user (`booking_not_found`)", body = ErrorBody),
        (status = 409, description = "Already cancelled or past (`booking_closed`), or changed meanwhile \
            (`concurrent_update`)", body = ErrorBody),
        SessionErrors, BodyErrors, CrossSiteError,
    ),
)]
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
    let (booking, party) = visible_booking(&state, &auth.user, &id).await?;
    let cancelled = booking.cancel(reason, state.now())?;
    save(
        &state,
        &booking,
        cancelled,
        BookingChange::Cancelled {
            by: ChangedBy::of(party),
        },
    )
    .await
}

/// Confirm a booking.
///
/// The booking's consultant confirms it; confirming a confirmed booking
/// changes nothing.
#[utoipa::path(
    post,
    path = "/api/bookings/{id}/confirm",
    operation_id = "confirmBooking",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "Confirmed", body = BookingEnvelope),
        (status = 403, description = "Only the booking's consultant may confirm it (`forbidden`), or a \
            cross-site request (`csrf_rejected`)", body = ErrorBody),
        (status = 404, description = "No such booking visible to this user (`booking_not_found`)", body = ErrorBody),
        (status = 409, description = "Cancelled or past (`booking_closed`), or changed meanwhile \
            (`concurrent_update`)", body = ErrorBody),
        SessionErrors, NoBodyErrors,
    ),
)]
pub async fn confirm(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (booking, party) = visible_booking(&state, &auth.user, &id).await?;
    let confirmed = booking.confirm(party, state.now())?;
    save(&state, &booking, confirmed, BookingChange::Confirmed).await
}

/// A booking as an iCalendar file.
///
/// The booking's event with the same `UID` and `SEQUENCE` as the invites its
/// mails carry, for its customer and its consultant.
#[utoipa::path(
    get,
    path = "/api/bookings/{id}/calendar.ics",
    operation_id = "getBookingCalendar",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "The event (`METHOD:REQUEST`, or `CANCEL` once cancelled)",
         content_type = "text/calendar", body = String),
        (status = 404, description = "No such booking visible to this user (`booking_not_found`)", body = ErrorBody),
        SessionErrors,
    ),
)]
pub async fn calendar(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (booking, _) = visible_booking(&state, &auth.user, &id).await?;
    let missing = || ApiError::internal(format!("booking {} lost a party", booking.id));
    let parties = Parties {
        customer: state
            .store
            .find_user(booking.customer_id)
            .await?
            .ok_or_else(missing)?,
        consultant: state
            .store
            .find_consultant(booking.consultant_id)
            .await?
            .ok_or_else(missing)?,
        consultant_account: state
            .store
            .find_consultant_account(booking.consultant_id)
            .await?
            .ok_or_else(missing)?,
        former_consultant: None,
    };
    let host = invite::host_of(&state.settings.mail.public_base_url);
    Ok(HttpResponse::Ok()
        .content_type(format!(
            "text/calendar; charset=utf-8; method={}",
            invite::method(&booking)
        ))
        .body(invite::calendar(&booking, &parties, host)))
}
