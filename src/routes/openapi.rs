//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! served at `GET /api/openapi.json`.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::bookings::{AssignmentReasonName, BookingStatusName, ModeName};
use super::consultants::HalfHour;
use super::openapi_conventions::Conventions;
use super::users::{LocaleName, RoleName};
use super::{
    admin, availability, bookings, calendar_feed, consultant_calendar, consultants, health, mfa,
    passkeys, privacy, sessions, users,
};
use crate::error::{ErrorBody, ErrorObject};

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
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tdk_<64 hex>")
                    .description(Some(
                        "A back-office system's API key (staff routes only, within its scopes)",
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
        users::registration::register,
        users::credentials::login,
        mfa::login::second_step,
        mfa::enrol_totp,
        mfa::confirm_totp,
        mfa::remove_totp,
        passkeys::start_registration,
        passkeys::finish_registration,
        passkeys::list,
        passkeys::remove,
        passkeys::login::start,
        passkeys::login::finish,
        users::logout,
        users::me,
        users::profile::update_me,
        users::credentials::change_password,
        users::recovery::request_password_reset,
        users::recovery::confirm_password_reset,
        users::verification::verify_email,
        users::verification::resend_verification,
        users::invitation::set_password,
        sessions::list,
        privacy::export::export,
        privacy::erasure::erase_me,
        sessions::revoke_others,
        sessions::revoke,
        consultants::list,
        consultants::get,
        consultants::availability,
        availability::search,
        consultant_calendar::schedule::get_schedule,
        consultant_calendar::schedule::put_schedule,
        consultant_calendar::time_off::list_time_off,
        consultant_calendar::time_off::add_time_off,
        consultant_calendar::time_off::remove_time_off,
        calendar_feed::status,
        calendar_feed::rotate,
        calendar_feed::revoke,
        calendar_feed::serve,
        bookings::create::create,
        bookings::list,
        bookings::get,
        bookings::update,
        bookings::cancel,
        bookings::confirm,
        bookings::ics::calendar,
        bookings::history::history,
        admin::staff::invite,
        admin::customers::erase_customer,
        admin::consultants::list,
        admin::consultants::get,
        admin::consultants::create,
        admin::consultants::update,
        admin::lifecycle::deactivate,
        admin::lifecycle::reactivate,
        admin::bookings::list,
        admin::bookings::create,
        admin::bookings::reassign,
        admin::audit::list,
        admin::api_keys::create,
        admin::api_keys::list,
        admin::api_keys::revoke,
        admin::webhooks::create,
        admin::webhooks::list,
        admin::webhooks::get,
        admin::webhooks::update,
        admin::webhooks::delete,
        admin::webhooks::rotate_secret,
        admin::webhook_deliveries::deliveries,
        admin::webhook_deliveries::redeliver,
        admin::webhook_deliveries::ping,
    ),
    components(schemas(ErrorBody, ErrorObject, RoleName, LocaleName, BookingStatusName, ModeName, AssignmentReasonName,
        HalfHour)),
    modifiers(&SecuritySchemes, &Conventions),
    tags(
        (name = "operations", description = "Health and readiness"),
        (name = "users", description = "Registration, login, the current user and their sessions"),
        (name = "consultants", description = "Who can be booked, and when (no session needed)"),
        (name = "bookings", description = "Appointments (session needed)"),
        (name = "calendar", description = "A consultant's own calendar: schedule, time off, calendar feed"),
        (name = "admin", description = "Agency staff: staff accounts, consultants, every booking, the audit log \
            (an admin session; anyone else gets 403)"),
    ),
)]
pub struct ApiDoc;

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .expect("the OpenAPI document serialises")
});

/// This document.
///
/// The OpenAPI 3.1 document of the API, generated from the handlers
/// themselves.
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
