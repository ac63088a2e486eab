//! Routes, one module per resource. Handlers are thin: parse the request
//! into domain types, call the domain and the store, map the result to JSON.

mod admin;
mod availability;
mod bookings;
mod calendar_feed;
mod consultant_calendar;
pub(crate) mod consultants;
pub mod demo;
mod health;
pub(crate) mod idempotency;
mod mfa;
pub mod openapi;
mod openapi_conventions;
mod passkeys;
pub(crate) mod privacy;
pub(crate) mod responses;
mod sessions;
mod users;

use actix_web::http::header;
use actix_web::{HttpResponse, Resource, web};

use crate::error::{ApiError, error_json};

/// A resource whose unsupported methods get 405 with an `Allow` header and
/// the contract's error body. It carries its pattern for the metrics' route
/// label (read back without matching the path again).
fn resource(path: &'static str, allow: &'static str) -> Resource {
    resource_in_scope(path, path, allow)
}

/// [`resource`] at `relative` inside a scope, for the full `pattern`.
fn resource_in_scope(
    pattern: &'static str,
    relative: &'static str,
    allow: &'static str,
) -> Resource {
    web::resource(relative)
        .app_data(RoutePattern(pattern))
        .default_service(web::to(move || async move {
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, allow))
                .content_type("application/json")
                .body(error_json(
                    actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    &format!("This endpoint supports {allow}"),
                    None,
                ))
        }))
}

/// The pattern of the resource that served a request (`/api/bookings/{id}`).
#[derive(Debug, Clone, Copy)]
pub struct RoutePattern(pub &'static str);

async fn no_such_route() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(
        "not_found",
        "There is no such endpoint",
    ))
}

/// Attaches a resource's method routes.
type Mount = fn(Resource) -> Resource;

/// Every resource: path, the methods it serves (its `Allow` header), and how
/// its routes are attached. The single source of both the app's routes and
/// [`served`].
///
/// Matching tries the patterns in this order, and each pattern with a path
/// parameter costs a regex run: the busiest parametrised one comes first.
const ROUTES: [(&str, &str, Mount); 40] = [
    ("/api/consultants/{id}/availability", "GET", |r| {
        r.route(web::get().to(consultants::availability))
    }),
    ("/health", "GET", |r| r.route(web::get().to(health::health))),
    ("/ready", "GET", |r| r.route(web::get().to(health::ready))),
    ("/api/openapi.json", "GET", |r| {
        r.route(web::get().to(openapi::openapi_json))
    }),
    ("/api/users/register", "POST", |r| {
        r.route(web::post().to(users::registration::register))
    }),
    ("/api/users/login", "POST", |r| {
        r.route(web::post().to(users::credentials::login))
    }),
    ("/api/users/logout", "POST", |r| {
        r.route(web::post().to(users::logout))
    }),
    ("/api/users/me", "GET, PATCH, DELETE", |r| {
        r.route(web::get().to(users::me))
            .route(web::patch().to(users::profile::update_me))
            .route(web::delete().to(privacy::erasure::erase_me))
    }),
    ("/api/users/login/mfa", "POST", |r| {
        r.route(web::post().to(mfa::login::second_step))
    }),
    ("/api/users/me/mfa/totp", "POST, DELETE", |r| {
        r.route(web::post().to(mfa::enrol_totp))
            .route(web::delete().to(mfa::remove_totp))
    }),
    ("/api/users/me/mfa/totp/confirm", "POST", |r| {
        r.route(web::post().to(mfa::confirm_totp))
    }),
    ("/api/users/me/passkeys", "GET", |r| {
        r.route(web::get().to(passkeys::list))
    }),
    ("/api/users/me/passkeys/register/start", "POST", |r| {
        r.route(web::post().to(passkeys::start_registration))
    }),
    ("/api/users/me/passkeys/register/finish", "POST", |r| {
        r.route(web::post().to(passkeys::finish_registration))
    }),
    ("/api/users/me/passkeys/{id}", "DELETE", |r| {
        r.route(web::delete().to(passkeys::remove))
    }),
    ("/api/users/login/passkey/start", "POST", |r| {
        r.route(web::post().to(passkeys::login::start))
    }),
    ("/api/users/login/passkey/finish", "POST", |r| {
        r.route(web::post().to(passkeys::login::finish))
    }),
    ("/api/users/me/password", "PUT", |r| {
        r.route(web::put().to(users::credentials::change_password))
    }),
    ("/api/users/me/verification", "POST", |r| {
        r.route(web::post().to(users::verification::resend_verification))
    }),
    ("/api/users/verify-email", "POST", |r| {
        r.route(web::post().to(users::verification::verify_email))
    }),
    ("/api/users/password-reset", "POST", |r| {
        r.route(web::post().to(users::recovery::request_password_reset))
    }),
    ("/api/users/password-reset/confirm", "POST", |r| {
        r.route(web::post().to(users::recovery::confirm_password_reset))
    }),
    ("/api/users/set-password", "POST", |r| {
        r.route(web::post().to(users::invitation::set_password))
    }),
    ("/api/users/me/sessions", "GET, DELETE", |r| {
        r.route(web::get().to(sessions::list))
            .route(web::delete().to(sessions::revoke_others))
    }),
    ("/api/users/me/export", "GET", |r| {
        r.route(web::get().to(privacy::export::export))
    }),
    ("/api/users/me/sessions/{id}", "DELETE", |r| {
        r.route(web::delete().to(sessions::revoke))
    }),
    ("/api/consultants", "GET", |r| {
        r.route(web::get().to(consultants::list))
    }),
    ("/api/availability", "GET", |r| {
        r.route(web::get().to(availability::search))
    }),
    ("/api/consultants/me/schedule", "GET, PUT", |r| {
        r.route(web::get().to(consultant_calendar::schedule::get_schedule))
            .route(web::put().to(consultant_calendar::schedule::put_schedule))
    }),
    ("/api/consultants/me/time-off", "GET, POST", |r| {
        r.route(web::get().to(consultant_calendar::time_off::list_time_off))
            .route(web::post().to(consultant_calendar::time_off::add_time_off))
    }),
    ("/api/consultants/me/time-off/{id}", "DELETE", |r| {
        r.route(web::delete().to(consultant_calendar::time_off::remove_time_off))
    }),
    (
        "/api/consultants/me/calendar-feed",
        "GET, POST, DELETE",
        |r| {
            r.route(web::get().to(calendar_feed::status))
                .route(web::post().to(calendar_feed::rotate))
                .route(web::delete().to(calendar_feed::revoke))
        },
    ),
    ("/calendar/{token}.ics", "GET", |r| {
        r.route(web::get().to(calendar_feed::serve))
    }),
    ("/api/consultants/{id}", "GET", |r| {
        r.route(web::get().to(consultants::get))
    }),
    ("/api/bookings", "GET, POST", |r| {
        r.route(web::get().to(bookings::list))
            .route(web::post().to(bookings::create::create))
    }),
    ("/api/bookings/{id}", "GET, PATCH", |r| {
        r.route(web::get().to(bookings::get))
            .route(web::patch().to(bookings::update))
    }),
    ("/api/bookings/{id}/calendar.ics", "GET", |r| {
        r.route(web::get().to(bookings::ics::calendar))
    }),
    ("/api/bookings/{id}/cancel", "POST", |r| {
        r.route(web::post().to(bookings::cancel))
    }),
    ("/api/bookings/{id}/confirm", "POST", |r| {
        r.route(web::post().to(bookings::confirm))
    }),
    ("/api/bookings/{id}/history", "GET", |r| {
        r.route(web::get().to(bookings::history::history))
    }),
];

/// The (path, allowed methods) pairs the app serves, e.g.
/// `("/api/bookings", "GET, POST")`.
pub fn served() -> impl Iterator<Item = (&'static str, &'static str)> {
    ROUTES
        .iter()
        .map(|(path, allow, _)| (*path, *allow))
        .chain(admin::ROUTES.iter().map(|route| (route.path, route.allow)))
}

/// Registers every route.
pub fn configure(config: &mut web::ServiceConfig) {
    for (path, allow, mount) in ROUTES {
        config.service(mount(resource(path, allow)));
    }
    admin::configure(config);
    demo::configure(config);
    config.default_service(web::to(no_such_route));
}
