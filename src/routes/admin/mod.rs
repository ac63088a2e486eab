//! `/api/admin`: agency staff run the agency. One scope holds every staff
//! route behind [`require_staff`]: customers and consultants get 403 (no
//! session 401) before anything else happens, on every route, known or
//! not. Every change is written with its audit entry.
//!
//! Staff accounts in [`staff`]; consultants in [`consultants`] and their
//! deactivation in [`lifecycle`]; every booking in [`bookings`]; the log in
//! [`audit`]; back-office systems' keys in [`api_keys`]. Each route declares
//! what an API key needs to use it ([`KeyAccess`]).

pub(crate) mod api_keys;
pub(crate) mod audit;
pub(crate) mod bookings;
pub(crate) mod consultants;
pub(crate) mod customers;
pub(crate) mod lifecycle;
pub(crate) mod staff;
pub(crate) mod webhook_deliveries;
pub(crate) mod webhooks;

pub(crate) use audit::{AuditEntryView, AuditHistory};

use actix_web::middleware::from_fn;
use actix_web::web;
use utoipa::IntoResponses;

use super::{Mount, no_such_route, resource_in_scope};
use crate::auth::{require_scope, require_staff};
use crate::domain::{
    AccountMail, AccountMessage, KeyAccess, Password, PasswordHash, Records, User,
};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// What any staff route may meet besides its own errors.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum StaffErrors {
    /// No valid session or API key (`unauthenticated`).
    #[response(status = 401)]
    Unauthenticated(ErrorBody<'static>),
    /// Not agency staff (`forbidden`), an API key without the route's
    /// scope (`insufficient_scope`), or a cross-site request
    /// (`csrf_rejected`).
    #[response(status = 403)]
    Forbidden(ErrorBody<'static>),
    /// An API key past its rate limit (`too_many_requests`).
    #[response(status = 429, headers(("Retry-After" = u64, description = "Seconds to wait")))]
    TooManyRequests(ErrorBody<'static>),
    /// The store is unreachable; retry after `Retry-After` seconds.
    #[response(status = 503, headers(("Retry-After" = u64, description = "Seconds to wait")))]
    Unavailable(ErrorBody<'static>),
}

/// What inviting `user` takes: the hash of a random password nobody is
/// told (the account cannot log in before its owner chooses one), and the
/// invitation mail, whose link sets it.
async fn invitation(
    state: &AppState,
    user: &User,
) -> Result<(PasswordHash, AccountMessage), ApiError> {
    let hash = state.hasher.hash(Password::generate()).await?;
    let mail = AccountMessage::new(AccountMail::Invitation { user: user.id }, state.now());
    Ok((hash, mail))
}

/// Where the staff routes live.
const PREFIX: &str = "/api/admin";

/// One staff route: its path, the methods it serves (its `Allow` header),
/// what an API key needs to use it, and how its handlers are attached.
pub(super) struct StaffRoute {
    pub path: &'static str,
    pub allow: &'static str,
    pub keys: KeyAccess,
    pub mount: Mount,
}

/// Registers the staff scope: every route of [`ROUTES`] behind
/// [`require_staff`], each behind [`require_scope`] with what it declares.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    let mut scope = web::scope(PREFIX)
        .wrap(from_fn(require_staff))
        .default_service(web::to(no_such_route));
    for route in &ROUTES {
        let relative = route
            .path
            .strip_prefix(PREFIX)
            .expect("staff routes live under the prefix");
        let keys = route.keys;
        let resource = (route.mount)(resource_in_scope(route.path, relative, route.allow)).wrap(
            from_fn(move |request, next| require_scope(keys, request, next)),
        );
        scope = scope.service(resource);
    }
    config.service(scope);
}

const fn route(
    path: &'static str,
    allow: &'static str,
    keys: KeyAccess,
    mount: Mount,
) -> StaffRoute {
    StaffRoute {
        path,
        allow,
        keys,
        mount,
    }
}

const BOOKINGS: KeyAccess = KeyAccess::Records(Records::Bookings);
const CONSULTANTS: KeyAccess = KeyAccess::Records(Records::Consultants);
const AUDIT: KeyAccess = KeyAccess::Records(Records::Audit);
const WEBHOOKS: KeyAccess = KeyAccess::Records(Records::Webhooks);

/// The staff routes.
pub(super) const ROUTES: [StaffRoute; 17] = [
    route("/api/admin/bookings", "GET, POST", BOOKINGS, |r| {
        r.route(web::get().to(bookings::list))
            .route(web::post().to(bookings::create))
    }),
    route("/api/admin/bookings/{id}/reassign", "POST", BOOKINGS, |r| {
        r.route(web::post().to(bookings::reassign))
    }),
    route("/api/admin/consultants", "GET, POST", CONSULTANTS, |r| {
        r.route(web::get().to(consultants::list))
            .route(web::post().to(consultants::create))
    }),
    route(
        "/api/admin/consultants/{id}",
        "GET, PATCH",
        CONSULTANTS,
        |r| {
            r.route(web::get().to(consultants::get))
                .route(web::patch().to(consultants::update))
        },
    ),
    route(
        "/api/admin/consultants/{id}/deactivate",
        "POST",
        CONSULTANTS,
        |r| r.route(web::post().to(lifecycle::deactivate)),
    ),
    route(
        "/api/admin/consultants/{id}/reactivate",
        "POST",
        CONSULTANTS,
        |r| r.route(web::post().to(lifecycle::reactivate)),
    ),
    route(
        "/api/admin/customers/{id}/erase",
        "POST",
        KeyAccess::PeopleOnly,
        |r| r.route(web::post().to(customers::erase_customer)),
    ),
    route("/api/admin/users", "POST", KeyAccess::PeopleOnly, |r| {
        r.route(web::post().to(staff::invite))
    }),
    route("/api/admin/audit", "GET", AUDIT, |r| {
        r.route(web::get().to(audit::list))
    }),
    route(
        "/api/admin/api-keys",
        "GET, POST",
        KeyAccess::PeopleOnly,
        |r| {
            r.route(web::get().to(api_keys::list))
                .route(web::post().to(api_keys::create))
        },
    ),
    route(
        "/api/admin/api-keys/{id}",
        "DELETE",
        KeyAccess::PeopleOnly,
        |r| r.route(web::delete().to(api_keys::revoke)),
    ),
    route("/api/admin/webhooks", "GET, POST", WEBHOOKS, |r| {
        r.route(web::get().to(webhooks::list))
            .route(web::post().to(webhooks::create))
    }),
    route(
        "/api/admin/webhooks/{id}",
        "GET, PATCH, DELETE",
        WEBHOOKS,
        |r| {
            r.route(web::get().to(webhooks::get))
                .route(web::patch().to(webhooks::update))
                .route(web::delete().to(webhooks::delete))
        },
    ),
    route(
        "/api/admin/webhooks/{id}/rotate-secret",
        "POST",
        WEBHOOKS,
        |r| r.route(web::post().to(webhooks::rotate_secret)),
    ),
    route("/api/admin/webhooks/{id}/ping", "POST", WEBHOOKS, |r| {
        r.route(web::post().to(webhook_deliveries::ping))
    }),
    route(
        "/api/admin/webhooks/{id}/deliveries",
        "GET",
        WEBHOOKS,
        |r| r.route(web::get().to(webhook_deliveries::deliveries)),
    ),
    route(
        "/api/admin/webhooks/{id}/deliveries/{deliveryId}/redeliver",
        "POST",
        WEBHOOKS,
        |r| r.route(web::post().to(webhook_deliveries::redeliver)),
    ),
];
