//! The wire shapes of `/api/bookings`.

use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::{
    Booking, BookingChanges, BookingDuration, BookingId, ConsultantId, Destination, Mode, Notes,
    RawBookingQuery, Timestamp, Travelers, UserId, parse_timestamp,
};
use crate::error::ApiError;

/// A booking as the API shows it, borrowed from the domain value.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookingView<'a> {
    #[schema(value_type = String, example = "6b03ef642afbc2a9f2c431c2")]
    id: BookingId,
    /// The account that booked.
    #[schema(value_type = String)]
    customer_id: UserId,
    #[schema(value_type = String)]
    consultant_id: ConsultantId,
    #[schema(value_type = String, format = DateTime, example = "2027-03-04T09:30:00Z")]
    starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime, example = "2027-03-04T10:30:00Z")]
    ends_at: Timestamp,
    #[schema(example = 60, minimum = 30, maximum = 90, multiple_of = 30)]
    duration_minutes: i64,
    #[schema(value_type = ModeName)]
    mode: &'static str,
    #[schema(example = "Azores")]
    destination: &'a str,
    #[schema(example = 2)]
    travelers: u8,
    notes: &'a str,
    #[schema(value_type = BookingStatusName)]
    status: &'static str,
    /// Why it was cancelled, if a reason was given.
    cancellation_reason: Option<&'a str>,
    /// The video room, once a `video` booking is confirmed (its parties
    /// only; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "https://meet.jit.si/3f2a9c4e1b7d8a6f0e5c2b1a9d8c7e6f")]
    meeting_url: Option<&'a str>,
    /// Why the service chose the consultant of a booking made for `any`
    /// (absent for a named consultant).
    #[serde(skip_serializing_if = "Option::is_none")]
    assignment: Option<AssignmentView>,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    updated_at: Timestamp,
}

impl<'a> From<&'a Booking> for BookingView<'a> {
    fn from(booking: &'a Booking) -> Self {
        let details = &booking.details;
        Self {
            id: booking.id,
            customer_id: booking.customer_id,
            consultant_id: booking.consultant_id,
            starts_at: Timestamp(booking.appointment.start()),
            ends_at: Timestamp(booking.appointment.end()),
            duration_minutes: booking.appointment.duration().minutes(),
            mode: details.mode.as_str(),
            destination: details.destination.as_str(),
            travelers: details.travelers.get(),
            notes: details.notes.as_str(),
            status: booking.status.as_str(),
            cancellation_reason: booking
                .cancellation_reason
                .as_ref()
                .map(|reason| reason.as_str()),
            meeting_url: booking.meeting_url.as_ref().map(|url| url.as_str()),
            assignment: booking.assignment.map(|reason| AssignmentView {
                reason: reason.as_str(),
            }),
            created_at: Timestamp(booking.created_at),
            updated_at: Timestamp(booking.updated_at),
        }
    }
}

impl<'a> BookingView<'a> {
    /// The booking as systems outside it (webhooks) see it: without the
    /// video room, which is for its parties only.
    pub fn for_outsiders(booking: &'a Booking) -> Self {
        Self {
            meeting_url: None,
            ..Self::from(booking)
        }
    }
}

/// `{"reason": …}` of an assigned booking.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    /// The customer's previous consultant was free, or the one chosen had
    /// the fewest live bookings in the 7 days around the start, or tied
    /// with another and was booked less recently.
    #[schema(value_type = AssignmentReasonName)]
    reason: &'static str,
}

/// `{"booking": Booking}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingEnvelope<'a> {
    pub booking: BookingView<'a>,
}

/// A page of bookings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookingList<'a> {
    pub bookings: Vec<BookingView<'a>>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /api/bookings` body. Serialised (in field order) for the request's
/// idempotency fingerprint.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateBookingRequest {
    /// A consultant's id, or `any`: the service picks a free consultant
    /// who offers the mode and fits `match`.
    #[schema(example = "6b03ed4bb8702cb5d37340e4")]
    pub consultant_id: String,
    /// On a 30-minute boundary, in the future, the whole appointment inside
    /// the consultant's working hours.
    #[schema(format = DateTime, example = "2027-03-04T09:30:00Z")]
    pub starts_at: String,
    /// 30, 60 or 90.
    #[schema(example = 60, minimum = 30, maximum = 90, multiple_of = 30)]
    pub duration_minutes: i64,
    #[schema(value_type = ModeName)]
    pub mode: String,
    #[schema(min_length = 1, max_length = 120, example = "Azores")]
    pub destination: String,
    #[schema(minimum = 1, maximum = 20, example = 2)]
    pub travelers: i64,
    #[serde(default)]
    #[schema(max_length = 2000, example = "Whale watching, please")]
    pub notes: Option<String>,
    /// With `consultantId: "any"` only: what the consultant must know.
    /// (Left out of the idempotency fingerprint when absent, as before it
    /// existed.)
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub wanted: Option<ConsultantMatch>,
}

/// What "any consultant" must know besides offering the booking's mode.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultantMatch {
    /// A primary language subtag they speak (any regional variant).
    #[schema(example = "es")]
    pub language: Option<String>,
    /// Part of one of their specialties, regardless of case and accents.
    #[schema(example = "cruises")]
    pub specialty: Option<String>,
}

/// `PATCH /api/bookings/{id}` body: at least one of the fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateBookingRequest {
    #[schema(format = DateTime)]
    starts_at: Option<String>,
    /// 30, 60 or 90.
    #[schema(minimum = 30, maximum = 90, multiple_of = 30)]
    duration_minutes: Option<i64>,
    #[schema(value_type = Option<ModeName>)]
    mode: Option<String>,
    #[schema(min_length = 1, max_length = 120)]
    destination: Option<String>,
    #[schema(minimum = 1, maximum = 20)]
    travelers: Option<i64>,
    /// `null` clears the notes.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    notes: Option<Option<String>>,
}

/// A field that may be sent as `null`: `Some(None)` then, and `None` only
/// when it is left out.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
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
            notes: self
                .notes
                .map(|notes| notes.as_deref().map_or(Ok(Notes::default()), Notes::parse))
                .transpose()?,
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

/// A booking's status (documentation only).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum BookingStatusName {
    Pending,
    Confirmed,
    Cancelled,
}

/// Why "any consultant" became this one (documentation only).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum AssignmentReasonName {
    PreviousConsultant,
    LeastBusy,
    LeastRecent,
}

/// How a consultation takes place (documentation only).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ModeName {
    Video,
    Phone,
    InPerson,
}
