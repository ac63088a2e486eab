//! `/api/admin`: agency staff run the agency. One scope holds every staff
//! route behind [`require_staff`]: customers and consultants get 403 (no
//! session 401) before anything else happens, on every route, known or
//! not. Every change is written with its audit entry.
//!
//! Staff accounts in [`staff`]; consultants in [`consultants`] and their
//! deactivation in [`lifecycle`]; every booking in [`bookings`]; the log in
//! [`audit`].

pub(crate) mod audit;
pub(crate) mod bookings;
pub(crate) mod consultants;
pub(crate) mod lifecycle;
pub(crate) mod staff;

pub(crate) use audit::AuditHistory;

use actix_web::middleware::from_fn;
use actix_web::web;
use utoipa::IntoResponses;

use super::{Mount, no_such_route, resource_in_scope};
use crate::auth::require_staff;
use crate::domain::{AccountMail, AccountMessage, Password, PasswordHash, User};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// What any staff route may meet besides its own errors.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum StaffErrors {
    /// No valid session (`unauthenticated`).
    #[response(status = 401)]
    Unauthenticated(ErrorBody<'static>),
    /// Not agency staff (`forbidden`), or a cross-site request
    /// (`csrf_rejected`).
    #[response(status = 403)]
    Forbidden(ErrorBody<'static>),
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

/// Registers the staff scope: every route of [`ROUTES`] behind
/// [`require_staff`].
pub(super) fn configure(config: &mut web::ServiceConfig) {
    let mut scope = web::scope(PREFIX)
        .wrap(from_fn(require_staff))
        .default_service(web::to(no_such_route));
    for (path, allow, mount) in ROUTES {
        let relative = path
            .strip_prefix(PREFIX)
            .expect("staff routes live under the prefix");
        scope = scope.service(mount(resource_in_scope(path, relative, allow)));
    }
    config.service(scope);
}

/// The staff routes, in the shape of `routes::ROUTES`.
pub(super) const ROUTES: [(&str, &str, Mount); 8] = [
    ("/api/admin/bookings", "GET, POST", |r| {
        r.route(web::get().to(bookings::list))
            .route(web::post().to(bookings::create))
    }),
    ("/api/admin/bookings/{id}/reassign", "POST", |r| {
        r.route(web::post().to(bookings::reassign))
    }),
    ("/api/admin/consultants", "GET, POST", |r| {
        r.route(web::get().to(consultants::list))
            .route(web::post().to(consultants::create))
    }),
    ("/api/admin/consultants/{id}", "GET, PATCH", |r| {
        r.route(web::get().to(consultants::get))
            .route(web::patch().to(consultants::update))
    }),
    ("/api/admin/consultants/{id}/deactivate", "POST", |r| {
        r.route(web::post().to(lifecycle::deactivate))
    }),
    ("/api/admin/consultants/{id}/reactivate", "POST", |r| {
        r.route(web::post().to(lifecycle::reactivate))
    }),
    ("/api/admin/users", "POST", |r| {
        r.route(web::post().to(staff::invite))
    }),
    ("/api/admin/audit", "GET", |r| {
        r.route(web::get().to(audit::list))
    }),
];
