//! The one error type handlers return, and the JSON error body of the contract:
//!
//! ```json
//! {"errors": [{"status": "400", "code": "invalid_email", "title": "Bad Request",
//!              "detail": "Email must be a valid email address", "field": "email"}]}
//! ```
//!
//! Layer errors (domain, store, hashing) convert into [`ApiError`] here, once.
//! Internal causes are logged (inside the request's span, so with its request
//! id) and never sent to the client.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{BookingError, InvalidInput, ScheduleError, TooManyTimeOff};
use crate::hashing::HashError;
use crate::store::{BoxError, StoreError};

/// One entry of the `errors` array.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorObject<'a> {
    /// HTTP status, as a string (JSON:API style, as in the original tutorial).
    #[schema(example = "400")]
    pub status: String,
    /// Stable machine-readable code.
    #[schema(example = "invalid_email")]
    pub code: &'a str,
    /// Reason phrase of the status.
    #[schema(example = "Bad Request")]
    pub title: &'a str,
    /// Human-readable explanation.
    #[schema(example = "Email must be a valid email address")]
    pub detail: &'a str,
    /// The offending input, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "email")]
    pub field: Option<&'a str>,
}

/// The error body: `{"errors": [ErrorObject]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody<'a> {
    /// Always exactly one entry.
    #[schema(min_items = 1, max_items = 1)]
    pub errors: [ErrorObject<'a>; 1],
}

/// Renders the contract's error body.
pub fn error_json(status: StatusCode, code: &str, detail: &str, field: Option<&str>) -> String {
    let body = ErrorBody {
        errors: [ErrorObject {
            status: status.as_str().to_owned(),
            code,
            title: status.canonical_reason().unwrap_or("Error"),
            detail,
            field,
        }],
    };
    serde_json::to_string(&body).expect("error bodies always serialise")
}

/// An error response: status, code, detail, optional field, and (for 5xx) an
/// internal cause that is logged but never shown.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: Cow<'static, str>,
    field: Option<Cow<'static, str>>,
    retry_after_seconds: Option<u64>,
    cause: Option<BoxError>,
}

impl ApiError {
    /// An error with `status`, `code` and a human-readable `detail`.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            field: None,
            retry_after_seconds: None,
            cause: None,
        }
    }

    /// Names the offending input.
    pub fn with_field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Adds a `Retry-After` header.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }

    /// 401: no usable session.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Log in to use this endpoint",
        )
    }

    /// 401: wrong email or password (the same answer for both).
    pub fn invalid_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Email or password is incorrect",
        )
    }

    /// 404 with a resource-specific code.
    pub fn not_found(code: &'static str, detail: &'static str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 500: something went wrong inside. The cause is logged, not shown.
    pub fn internal(cause: impl Into<BoxError>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Something went wrong",
            )
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON body the client receives.
    pub fn body(&self) -> String {
        error_json(self.status, self.code, &self.detail, self.field.as_deref())
    }

    /// The offending input, if named.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

/// Its internal cause is its source: [`ErrorChain`] logs a failure of the
/// service's own work (not a request's) whole.
impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|cause| cause as _)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            tracing::error!(code = self.code, cause = %ErrorChain(cause.as_ref()), "request failed");
        }
        let mut response = HttpResponse::build(self.status);
        response.content_type("application/json");
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
        response.body(error_json(
            self.status,
            self.code,
            &self.detail,
            self.field.as_deref(),
        ))
    }
}

/// Displays an error with every cause below it, `top: cause: root cause`,
/// for log lines (the top message alone rarely says what went wrong).
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl From<InvalidInput> for ApiError {
    fn from(invalid: InvalidInput) -> Self {
        Self::new(StatusCode::BAD_REQUEST, invalid.code, invalid.detail).with_field(invalid.field)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::EmailTaken => Self::new(
                StatusCode::CONFLICT,
                "email_taken",
                "An account with this email already exists",
            )
            .with_field("email"),
            StoreError::SlotTaken => Self::new(
                StatusCode::CONFLICT,
                "slot_unavailable",
                "That time is no longer available with this consultant",
            )
            .with_field("startsAt"),
            StoreError::LimitReached => Self::new(
                StatusCode::CONFLICT,
                "booking_limit_reached",
                "You already have as many upcoming bookings as allowed; cancel one to book another",
            ),
            StoreError::ConsultantAway => {
                BookingError::from(ScheduleError::ConsultantUnavailable).into()
            }
            StoreError::ConsultantInactive => {
                Self::not_found("consultant_not_found", "No such consultant")
            }
            StoreError::BookingsInTimeOff(count) => Self::new(
                StatusCode::CONFLICT,
                "bookings_in_time_off",
                format!("{count} live booking(s) fall in this time off; cancel them first"),
            ),
            StoreError::TooManyTimeOff => Self::new(
                StatusCode::CONFLICT,
                "too_many_time_off",
                TooManyTimeOff.to_string(),
            ),
            StoreError::Conflict => Self::new(
                StatusCode::CONFLICT,
                "concurrent_update",
                "The booking was changed by another request; reload it and try again",
            ),
            StoreError::Unavailable(cause) => Self {
                cause: Some(cause),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "The service is temporarily unavailable; try again shortly",
                )
                .with_retry_after(5)
            },
            StoreError::Internal(cause) => Self::internal(cause),
        }
    }
}

impl From<BookingError> for ApiError {
    fn from(error: BookingError) -> Self {
        let detail = error.to_string();
        match error {
            BookingError::Schedule(schedule) => {
                let code = match schedule {
                    ScheduleError::NotOnSlotBoundary => "not_on_slot_boundary",
                    ScheduleError::InPast => "starts_in_past",
                    ScheduleError::OutsideWorkingHours => "outside_working_hours",
                    ScheduleError::TooShortNotice => "too_short_notice",
                    ScheduleError::BeyondHorizon => "beyond_booking_horizon",
                    ScheduleError::ConsultantUnavailable => "consultant_unavailable",
                };
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail).with_field("startsAt")
            }
            BookingError::Closed => Self::new(StatusCode::CONFLICT, "booking_closed", detail),
            BookingError::TooLateToChange => {
                Self::new(StatusCode::CONFLICT, "too_late_to_change", detail)
            }
            BookingError::ModeNotOffered => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "mode_not_offered", detail)
                    .with_field("mode")
            }
            BookingError::NotTheConsultant | BookingError::NotTheCustomer => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
            }
        }
    }
}

impl From<HashError> for ApiError {
    fn from(error: HashError) -> Self {
        Self::internal(error)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;

    use super::*;

    async fn body_of(error: ApiError) -> serde_json::Value {
        let bytes = to_bytes(error.error_response().into_body()).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[actix_web::test]
    async fn invalid_input_becomes_a_400_naming_the_field() {
        let error: ApiError = InvalidInput::new(
            "email",
            "invalid_email",
            "Email must be a valid email address",
        )
        .into();
        assert_eq!(
            body_of(error).await,
            serde_json::json!({"errors": [{"status": "400", "code": "invalid_email", "title": "Bad Request",
                "detail": "Email must be a valid email address", "field": "email"}]})
        );
    }

    #[actix_web::test]
    async fn internal_causes_are_never_sent() {
        let error: ApiError = StoreError::Internal("disk I/O error at page 7".into()).into();
        let body = body_of(error).await.to_string();
        assert!(!body.contains("disk"), "{body}");
        assert!(body.contains("internal_error"));
    }

    #[actix_web::test]
    async fn unavailable_store_is_a_503_with_retry_after() {
        let error: ApiError = StoreError::Unavailable("connection refused".into()).into();
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "5");
    }
}
