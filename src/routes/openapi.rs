//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! served at `GET /api/openapi.json`.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

use super::{bookings, consultants, health, sessions, users};
use crate::error::{ErrorBody, ErrorObject};

/// `customer` or `consultant` (documentation only).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RoleName {
    Customer,
    Consultant,
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

/// How a consultation takes place (documentation only).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ModeName {
    Video,
    Phone,
    InPerson,
}

/// `{"status": "ok"}` and the like.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok` or `ready`.
    pub status: &'static str,
}

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

/// Adds the session cookie and bearer schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "token",
                "The httpOnly session cookie set by registration and login (name configurable)",
            ))),
        );
        components.add_security_scheme(
            "bearer_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The same session token, for native apps (from Set-Cookie)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tripdesk",
        description = "Book travel-consultation appointments. Sessions are opaque random tokens held \
            server-side, carried in an httpOnly cookie (or `Authorization: Bearer` for native apps). \
            Every error has the body `{\"errors\":[{\"status\",\"code\",\"title\",\"detail\",\"field\"?}]}`; \
            every response carries `X-Request-Id`. Times are RFC 3339 in UTC with `Z`.",
    ),
    paths(
        health::health,
        health::ready,
        openapi_json,
        users::register,
        users::credentials::login,
        users::logout,
        users::me,
        users::credentials::change_password,
        sessions::list,
        sessions::revoke_others,
        sessions::revoke,
        consultants::list,
        consultants::get,
        consultants::availability,
        bookings::create,
        bookings::list,
        bookings::get,
        bookings::update,
        bookings::cancel,
        bookings::confirm,
        bookings::calendar,
    ),
    components(schemas(ErrorBody, ErrorObject, RoleName, BookingStatusName, ModeName)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "operations", description = "Health and readiness"),
        (name = "users", description = "Registration, login, the current user and their sessions"),
        (name = "consultants", description = "Who can be booked, and when (no session needed)"),
        (name = "bookings", description = "Appointments (session needed)"),
    ),
)]
pub struct ApiDoc;

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .expect("the OpenAPI document serialises")
});

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    operation_id = "getOpenApi",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")),
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.as_str())
}
