//! `/api/admin/bookings`: staff see every booking, book for a customer at
//! the front desk, and hand a booking to another consultant. Confirming,
//! rescheduling and cancelling go through `/api/bookings/{id}`, where staff
//! see every booking.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::StaffErrors;
use crate::auth::Admin;
use crate::domain::{
    BookingChange, BookingId, BookingQuery, BookingScope, ConsultantId, Email, Fingerprint,
    RawBookingQuery, Role,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::bookings::create::book;
use crate::routes::bookings::{
    BookingEnvelope, BookingList, BookingStatusName, BookingView, CreateBookingRequest, ModeName,
    page_response, write_change,
};
use crate::routes::consultants::consultant_not_found;
use crate::routes::idempotency::{idempotency_key, run_once};
use crate::routes::responses::BodyErrors;
use crate::state::AppState;

/// `GET /api/admin/bookings` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct StaffListParams {
    /// Only this consultant's bookings.
    consultant_id: Option<String>,
    /// Only the bookings of the customer with this login.
    #[param(format = Email)]
    customer_email: Option<String>,
    /// Only bookings in this status.
    #[param(value_type = Option<BookingStatusName>)]
    status: Option<String>,
    /// Only bookings starting at or after this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// Only bookings starting before this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// `POST /api/admin/bookings` body: a booking's, and whose it is.
/// Serialised (in field order) for the request's idempotency fingerprint.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StaffBookingRequest {
    /// The login of the customer the booking is for (an existing account).
    #[schema(format = Email, max_length = 254, example = "ada@example.com")]
    customer_email: String,
    #[schema(example = "6b03ed4bb8702cb5d37340e4")]
    consultant_id: String,
    #[schema(format = DateTime, example = "2027-03-04T09:30:00Z")]
    starts_at: String,
    /// 30, 60 or 90.
    #[schema(example = 60, minimum = 30, maximum = 90, multiple_of = 30)]
    duration_minutes: i64,
    #[schema(value_type = ModeName)]
    mode: String,
    #[schema(min_length = 1, max_length = 120, example = "Azores")]
    destination: String,
    #[schema(minimum = 1, maximum = 20, example = 2)]
    travelers: i64,
    #[serde(default)]
    #[schema(max_length = 2000)]
    notes: Option<String>,
}

impl StaffBookingRequest {
    fn booking(&self) -> CreateBookingRequest {
        CreateBookingRequest {
            consultant_id: self.consultant_id.clone(),
            starts_at: self.starts_at.clone(),
            duration_minutes: self.duration_minutes,
            mode: self.mode.clone(),
            destination: self.destination.clone(),
            travelers: self.travelers,
            notes: self.notes.clone(),
            wanted: None,
        }
    }
}

/// `POST /api/admin/bookings/{id}/reassign` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReassignRequest {
    /// The consultant to take the booking over.
    #[schema(example = "6b03ed4bb8702cb5d37340e4")]
    consultant_id: String,
}

/// The scope the consultant and customer filters ask for; `None` when the
/// customer filter names no account (nothing matches).
async fn scope_of(
    state: &AppState,
    params: &StaffListParams,
) -> Result<Option<BookingScope>, ApiError> {
    let consultant = params
        .consultant_id
        .as_deref()
        .map(|text| {
            ConsultantId::parse(text).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_consultant_id",
                    "consultantId must be a consultant id",
                )
                .with_field("consultantId")
            })
        })
        .transpose()?;
    let customer = match params.customer_email.as_deref() {
        None => None,
        Some(text) => {
            let email = Email::parse(text).map_err(|error| error.for_field("customerEmail"))?;
            match state.store.find_credentials(&email).await? {
                Some(credentials) => Some(credentials.user.id),
                None => return Ok(None),
            }
        }
    };
    Ok(Some(BookingScope::All {
        consultant,
        customer,
    }))
}

/// Every booking.
///
/// Every booking of the agency, filtered by consultant, customer, status and
/// start, by start time, a page at a time.
#[utoipa::path(
    get,
    path = "/api/admin/bookings",
    operation_id = "staffListBookings",
    tag = "admin",
    params(StaffListParams),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "A page of bookings", body = BookingList),
        (status = 400, description = "A bad filter (`invalid_consultant_id`, `invalid_email`, \
            `invalid_status`, `invalid_from`, `invalid_to`, `invalid_limit`, `invalid_cursor`, \
            `invalid_query`)", body = ErrorBody),
        StaffErrors,
    ),
)]
pub async fn list(
    _staff: Admin,
    state: web::Data<AppState>,
    params: web::Query<StaffListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let scope = scope_of(&state, &params).await?;
    let raw = RawBookingQuery {
        status: params.status,
        from: params.from,
        to: params.to,
        limit: params.limit,
        cursor: params.cursor,
    };
    // Parsed whether or not anyone matches: a bad filter is a 400 either way.
    let everyone = BookingScope::All {
        consultant: None,
        customer: None,
    };
    let query = BookingQuery::parse(scope.unwrap_or(everyone), &raw)?;
    let rows = match scope {
        Some(_) => state.store.list_bookings(&query).await?,
        None => Vec::new(),
    };
    let (page, next) = query.paginate(rows);
    page_response(&page, next)
}

/// Book for a customer.
///
/// The front desk books a consultation for an existing customer, under the
/// same rules as the customer booking themselves; both parties are told as
/// usual. Honours `Idempotency-Key` as `POST /api/bookings` does.
#[utoipa::path(
    post,
    path = "/api/admin/bookings",
    operation_id = "staffCreateBooking",
    tag = "admin",
    request_body = StaffBookingRequest,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 64,
        pattern = "^[!-~]{1,64}$", description = "1 to 64 visible ASCII characters; \
        retries with the same key replay the first response")),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 201, description = "Booked", body = BookingEnvelope,
         headers(("Location" = String, description = "/api/bookings/{id}"))),
        (status = 404, description = "No customer has this login (`customer_not_found`), or no such \
            consultant (`consultant_not_found`)", body = ErrorBody),
        (status = 409, description = "As for `POST /api/bookings`", body = ErrorBody),
        (status = 422, description = "As for `POST /api/bookings`", body = ErrorBody),
        StaffErrors, BodyErrors,
    ),
)]
pub async fn create(
    admin: Admin,
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<StaffBookingRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&request)?;
    let fingerprint = Fingerprint::of(&serde_json::to_vec(&body).map_err(ApiError::internal)?);
    let email =
        Email::parse(&body.customer_email).map_err(|error| error.for_field("customerEmail"))?;
    let customer = state
        .store
        .find_credentials(&email)
        .await?
        .map(|credentials| credentials.user)
        .filter(|user| user.role == Role::Customer && user.active)
        .ok_or_else(|| {
            ApiError::not_found("customer_not_found", "No customer has this login")
                .with_field("customerEmail")
        })?;
    let context = admin.audit(state.now());
    let booking = body.booking();
    run_once(&state, admin.idempotency_owner(), key, fingerprint, || {
        book(&state, &customer, &context, &booking)
    })
    .await
}

/// Reassign a booking.
///
/// Gives a live booking, at the same time, to another active consultant who
/// works then and offers its mode. The new consultant's slots are claimed as
/// atomically as a new booking's; the former consultant receives a
/// `METHOD:CANCEL`, the new one and the customer a `METHOD:REQUEST` with the
/// same `UID` and a higher `SEQUENCE`.
#[utoipa::path(
    post,
    path = "/api/admin/bookings/{id}/reassign",
    operation_id = "staffReassignBooking",
    tag = "admin",
    params(("id" = String, Path, description = "Booking id")),
    request_body = ReassignRequest,
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Reassigned (or already with that consultant)", body = BookingEnvelope),
        (status = 404, description = "No such booking (`booking_not_found`) or consultant \
            (`consultant_not_found`)", body = ErrorBody),
        (status = 409, description = "The new consultant is busy then (`slot_unavailable`), the \
            booking is cancelled or past (`booking_closed`), or it changed meanwhile \
            (`concurrent_update`)", body = ErrorBody),
        (status = 422, description = "The new consultant does not work then \
            (`outside_working_hours`, `consultant_unavailable`) or does not offer the booking's \
            mode (`mode_not_offered`)", body = ErrorBody),
        StaffErrors, BodyErrors,
    ),
)]
pub async fn reassign(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    ApiJson(body): ApiJson<ReassignRequest>,
) -> Result<HttpResponse, ApiError> {
    let booking = match BookingId::parse(&id) {
        Some(id) => state.store.find_booking(id).await?,
        None => None,
    }
    .ok_or_else(|| ApiError::not_found("booking_not_found", "No such booking"))?;
    let to = match ConsultantId::parse(&body.consultant_id) {
        Some(id) => state.store.find_consultant(id).await?,
        None => None,
    }
    .filter(|consultant| consultant.active)
    .ok_or_else(|| consultant_not_found().with_field("consultantId"))?;
    let from = booking.consultant_id;
    let reassigned = if from == to.id {
        booking.clone()
    } else {
        booking.reassign(&to, state.now())?
    };
    let context = admin.audit(state.now());
    let change = BookingChange::Reassigned { from };
    write_change(&state, &context, &booking, &reassigned, change).await?;
    tracing::info!(booking = %booking.id, %from, to = %to.id, "booking reassigned");
    Ok(HttpResponse::Ok().json(BookingEnvelope {
        booking: BookingView::from(&reassigned),
    }))
}
