//! `/api/bookings`: a customer's appointments, and a consultant's.

mod any;
pub(crate) mod create;
pub(crate) mod history;
pub(crate) mod ics;
mod schemas;

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};

pub use schemas::{
    AssignmentReasonName, BookingEnvelope, BookingList, BookingStatusName, BookingView,
    CancelRequest, CreateBookingRequest, ListParams, ModeName, UpdateBookingRequest,
};

use super::responses::{BodyErrors, CrossSiteError, NoBodyErrors, SessionErrors};
use crate::auth::Authenticated;
use crate::domain::{
    AuditContext, Booking, BookingChange, BookingCursor, BookingId, BookingQuery, BookingRules,
    BookingScope, CancellationReason, ChangedBy, Consultant, Effects, Party, RawBookingQuery, User,
    WebhookEvent, booking_event,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::{ApiJson, OptionalJson};
use crate::state::AppState;
use crate::store::StoreError;

fn booking_not_found() -> ApiError {
    ApiError::not_found("booking_not_found", "No such booking")
}

/// Loads a booking `user` may see. Someone else's booking is 404, exactly
/// like a missing one: its existence is not revealed.
pub(crate) async fn visible_booking(
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

/// Writes a changed booking, unless nothing changed, with what the change
/// causes (its mail unless `BOOKING_NOTIFICATIONS` is off, its audit
/// entries), as `context` says who made it.
pub(crate) async fn write_change(
    state: &AppState,
    context: &AuditContext,
    before: &Booking,
    after: &Booking,
    change: BookingChange,
) -> Result<(), StoreError> {
    if after == before {
        return Ok(());
    }
    let effects = booking_effects(state, context, change, Some(before), after);
    state.store.update_booking(before, after, &effects).await
}

/// Cancels `booking` unless it has begun or ended, for someone the
/// cancellation notice does not bind (`by`: staff, or a customer's
/// erasure), re-reading it if it changed meanwhile. `reshape` makes the
/// cancelled booking what is written (an erasure's is anonymised too, so
/// that not even its cancellation's mail and event carry the customer's
/// words).
pub(crate) async fn cancel_whatever_the_notice(
    state: &AppState,
    context: &AuditContext,
    mut booking: Booking,
    by: ChangedBy,
    reason: Option<CancellationReason>,
    reshape: fn(Booking) -> Booking,
) -> Result<(), ApiError> {
    loop {
        if !booking.is_open(state.now()) {
            return Ok(());
        }
        let rules = BookingRules::DEFAULT;
        let cancelled = booking.cancel(Party::Agency, &rules, reason.clone(), state.now())?;
        let cancelled = reshape(cancelled);
        let change = BookingChange::Cancelled { by };
        match write_change(state, context, &booking, &cancelled, change).await {
            Err(StoreError::Conflict) => {}
            outcome => return Ok(outcome?),
        }
        match state.store.find_booking(booking.id).await? {
            Some(current) => booking = current,
            None => return Ok(()),
        }
    }
}

/// What `change` of a booking causes: its audit entries, its mail (when
/// `BOOKING_NOTIFICATIONS`), and its webhook event, carrying the booking as
/// the API shows it.
pub(crate) fn booking_effects(
    state: &AppState,
    context: &AuditContext,
    change: BookingChange,
    before: Option<&Booking>,
    after: &Booking,
) -> Effects {
    let notify = state.settings.mail.booking_notifications;
    effects_of_change(notify, context, (change, before, after))
}

/// [`booking_effects`], with booking notifications on (`notify`) or off.
fn effects_of_change(
    notify: bool,
    context: &AuditContext,
    (change, before, after): (BookingChange, Option<&Booking>, &Booking),
) -> Effects {
    let mut effects = Effects::of_booking(context, change, before, after, notify);
    if let Some(kind) = booking_event(change) {
        let data = serde_json::json!({ "booking": BookingView::for_outsiders(after) });
        effects
            .events
            .push(WebhookEvent::new(kind, context.at, data));
    }
    effects
}

/// [`write_change`] as `auth` made it, answered with the booking.
async fn save(
    state: &AppState,
    auth: &Authenticated,
    before: &Booking,
    after: Booking,
    change: BookingChange,
) -> Result<HttpResponse, ApiError> {
    write_change(state, &auth.audit(state.now()), before, &after, change).await?;
    Ok(HttpResponse::Ok().json(BookingEnvelope {
        booking: BookingView::from(&after),
    }))
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
    let scope = BookingScope::of(&auth.user);
    let query = BookingQuery::parse(scope, &RawBookingQuery::from(params.into_inner()))?;
    let rows = state.store.list_bookings(&query).await?;
    let (page, next) = query.paginate(rows);
    page_response(&page, next)
}

/// A page of bookings and the cursor of the next, as `BookingList`.
pub(crate) fn page_response(
    page: &[Booking],
    next: Option<BookingCursor>,
) -> Result<HttpResponse, ApiError> {
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
            (`booking_closed`), a customer's move is past the cancellation notice \
            (`too_late_to_change`), or it changed meanwhile (`concurrent_update`)", body = ErrorBody),
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
    let consultant = consultant_of(&state, &booking).await?;
    let updated = booking.change(party, changes, &consultant, state.now())?;
    let moved = updated.appointment != booking.appointment;
    save(
        &state,
        &auth,
        &booking,
        updated,
        BookingChange::Edited { moved },
    )
    .await
}

/// The consultant of `booking`, whose rules its changes follow.
async fn consultant_of(state: &AppState, booking: &Booking) -> Result<Consultant, ApiError> {
    state
        .store
        .find_consultant(booking.consultant_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("booking {} has no consultant", booking.id)))
}

/// Cancel a booking.
///
/// Either party cancels; the slots become free again and both parties get the
/// cancelled invite. A customer cannot cancel later than the consultant's
/// cancellation notice before the start.
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
        (status = 409, description = "Already cancelled or past (`booking_closed`), past the \
            cancellation notice for a customer (`too_late_to_change`), or changed meanwhile \
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
    let consultant = consultant_of(&state, &booking).await?;
    let cancelled = booking.cancel(party, &consultant.rules, reason, state.now())?;
    save(
        &state,
        &auth,
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
    let rooms = &state.settings.video_meetings;
    let confirmed = booking.confirm(party, rooms, state.now())?;
    save(&state, &auth, &booking, confirmed, BookingChange::Confirmed).await
}
