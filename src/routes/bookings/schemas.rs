//! The wire shapes of `/api/bookings`.

use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::{
    Booking, BookingChanges, BookingDuration, Destination, Mode, Notes, RawBookingQuery, Travelers,
    format_timestamp, parse_timestamp,
};
use crate::error::ApiError;

/// A booking as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookingView {
    #[schema(example = "6b03ef642afbc2a9f2c431c2")]
    id: String,
    /// The account that booked.
    customer_id: String,
    consultant_id: String,
    #[schema(format = DateTime, example = "2027-03-04T09:30:00Z")]
    starts_at: String,
    #[schema(format = DateTime, example = "2027-03-04T10:30:00Z")]
    ends_at: String,
    #[schema(example = 60)]
    duration_minutes: i64,
    #[schema(value_type = crate::routes::openapi::ModeName)]
    mode: &'static str,
    #[schema(example = "Azores")]
    destination: String,
    #[schema(example = 2)]
    travelers: u8,
    notes: String,
    #[schema(value_type = crate::routes::openapi::BookingStatusName)]
    status: &'static str,
    /// Why it was cancelled, if a reason was given.
    cancellation_reason: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
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

/// `{"booking": Booking}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingEnvelope {
    pub booking: BookingView,
}

/// A page of bookings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookingList {
    pub bookings: Vec<BookingView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /api/bookings` body. Serialised (in field order) for the request's
/// idempotency fingerprint.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateBookingRequest {
    #[schema(example = "6b03ed4bb8702cb5d37340e4")]
    pub consultant_id: String,
    /// On a 30-minute boundary, in the future, the whole appointment inside
    /// the consultant's working hours.
    #[schema(format = DateTime, example = "2027-03-04T09:30:00Z")]
    pub starts_at: String,
    /// 30, 60 or 90.
    #[schema(example = 60)]
    pub duration_minutes: i64,
    #[schema(value_type = crate::routes::openapi::ModeName)]
    pub mode: String,
    #[schema(min_length = 1, max_length = 120, example = "Azores")]
    pub destination: String,
    #[schema(minimum = 1, maximum = 20, example = 2)]
    pub travelers: i64,
    #[serde(default)]
    #[schema(max_length = 2000, example = "Whale watching, please")]
    pub notes: Option<String>,
}

/// `PATCH /api/bookings/{id}` body: at least one of the fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateBookingRequest {
    #[schema(format = DateTime)]
    starts_at: Option<String>,
    /// 30, 60 or 90.
    duration_minutes: Option<i64>,
    #[schema(value_type = Option<crate::routes::openapi::ModeName>)]
    mode: Option<String>,
    #[schema(min_length = 1, max_length = 120)]
    destination: Option<String>,
    #[schema(minimum = 1, maximum = 20)]
    travelers: Option<i64>,
    #[schema(max_length = 2000)]
    notes: Option<String>,
}

impl UpdateBookingRequest {
    /// The domain's view of the changes; 400 for a bad value or no change.
    pub fn parse(self) -> Result<BookingChanges, ApiError> {
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
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[schema(max_length = 500, example = "Plans changed")]
    pub reason: Option<String>,
}

/// `GET /api/bookings` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only bookings in this status.
    #[param(value_type = Option<crate::routes::openapi::BookingStatusName>)]
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

impl From<ListParams> for RawBookingQuery {
    fn from(params: ListParams) -> Self {
        Self {
            status: params.status,
            from: params.from,
            to: params.to,
            limit: params.limit,
            cursor: params.cursor,
        }
    }
}
