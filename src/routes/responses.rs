//! The error responses routes share, as the OpenAPI document lists them.

use utoipa::IntoResponses;

use crate::error::ErrorBody;

/// The store cannot be reached (`store_unavailable`, with `Retry-After`).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum StoreErrors {
    /// The store is unreachable; retry after `Retry-After` seconds.
    #[response(status = 503, headers(("Retry-After" = u64, description = "Seconds to wait")))]
    Unavailable(ErrorBody<'static>),
}

/// No valid session, or the store is down.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum SessionErrors {
    /// No valid session (`unauthenticated`).
    #[response(status = 401)]
    Unauthenticated(ErrorBody<'static>),
    /// The store is unreachable; retry after `Retry-After` seconds.
    #[response(status = 503, headers(("Retry-After" = u64, description = "Seconds to wait")))]
    Unavailable(ErrorBody<'static>),
}

/// What any request with a JSON body may meet.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BodyErrors {
    /// Malformed JSON, a wrong type, a missing or unknown field, or a value
    /// out of range; `code` says which and `field` names it.
    #[response(status = 400)]
    BadRequest(ErrorBody<'static>),
    /// The body is over 16 KiB (`payload_too_large`).
    #[response(status = 413)]
    TooLarge(ErrorBody<'static>),
    /// The body is not `application/json` (`unsupported_media_type`).
    #[response(status = 415)]
    NotJson(ErrorBody<'static>),
}

/// What a state-changing request without a body may meet: a body it should
/// not have, or one too large.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NoBodyErrors {
    /// A body was sent and is over 16 KiB (`payload_too_large`).
    #[response(status = 413)]
    TooLarge(ErrorBody<'static>),
    /// A body was sent and is not `application/json` (`unsupported_media_type`).
    #[response(status = 415)]
    NotJson(ErrorBody<'static>),
}

/// A state-changing request from a foreign origin.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum CrossSiteError {
    /// `Origin` (or `Referer`) is neither this service nor an allowed
    /// frontend (`csrf_rejected`).
    #[response(status = 403)]
    Rejected(ErrorBody<'static>),
}
