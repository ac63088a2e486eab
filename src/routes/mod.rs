//! Routes, one module per resource. Handlers are thin: parse the request
//! into domain types, call the domain and the store, map the result to JSON.

mod bookings;
mod consultants;
mod health;
mod idempotency;
mod sessions;
mod users;

use actix_web::http::header;
use actix_web::{HttpResponse, Resource, web};

use crate::error::{ApiError, error_json};

/// A resource whose unsupported methods get 405 with an `Allow` header and
/// the contract's error body.
fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
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

async fn no_such_route() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(
        "not_found",
        "There is no such endpoint",
    ))
}

/// Registers every route.
pub fn configure(config: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post, put};
    config
        .service(resource("/health", "GET").route(get().to(health::health)))
        .service(resource("/ready", "GET").route(get().to(health::ready)))
        .service(
            web::scope("/api/users")
                .service(resource("/register", "POST").route(post().to(users::register)))
                .service(resource("/login", "POST").route(post().to(users::login)))
                .service(resource("/logout", "POST").route(post().to(users::logout)))
                .service(resource("/me", "GET").route(get().to(users::me)))
                .service(resource("/me/password", "PUT").route(put().to(users::change_password)))
                .service(
                    resource("/me/sessions", "GET, DELETE")
                        .route(get().to(sessions::list))
                        .route(delete().to(sessions::revoke_others)),
                )
                .service(
                    resource("/me/sessions/{id}", "DELETE").route(delete().to(sessions::revoke)),
                ),
        )
        .service(
            web::scope("/api/consultants")
                .service(resource("", "GET").route(get().to(consultants::list)))
                .service(resource("/{id}", "GET").route(get().to(consultants::get)))
                .service(
                    resource("/{id}/availability", "GET")
                        .route(get().to(consultants::availability)),
                ),
        )
        .service(
            web::scope("/api/bookings")
                .service(
                    resource("", "GET, POST")
                        .route(get().to(bookings::list))
                        .route(post().to(bookings::create)),
                )
                .service(
                    resource("/{id}", "GET, PATCH")
                        .route(get().to(bookings::get))
                        .route(patch().to(bookings::update)),
                )
                .service(resource("/{id}/cancel", "POST").route(post().to(bookings::cancel)))
                .service(resource("/{id}/confirm", "POST").route(post().to(bookings::confirm))),
        )
        .default_service(web::to(no_such_route));
}
