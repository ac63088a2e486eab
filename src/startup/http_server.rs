//! The HTTP server: its middleware, in order, around the routes.

use std::net::TcpListener;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::error::ApiError;
use crate::http::{
    MAX_BODY_BYTES, REQUEST_ID, reject_cross_site_requests, request_context, require_json_bodies,
};
use crate::routes;
use crate::state::AppState;

/// Credentialed CORS for the allowed frontends only; other origins get no
/// CORS headers at all (and their state-changing requests meet the CSRF check).
fn cors(allowed_origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("idempotency-key"),
            REQUEST_ID,
        ])
        .expose_headers([REQUEST_ID, header::RETRY_AFTER, header::LOCATION])
        .supports_credentials()
        .max_age(600);
    for origin in allowed_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// The HTTP server on `listener`, not yet running.
pub(super) fn http_server(
    state: web::Data<AppState>,
    listener: TcpListener,
    workers: usize,
    shutdown_timeout: Duration,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        // Outermost first: request context, CORS, CSRF, JSON bodies, routes.
        App::new()
            .wrap(from_fn(require_json_bodies))
            .wrap(from_fn(reject_cross_site_requests))
            .wrap(cors(&state.settings.allowed_origins))
            .wrap(from_fn(request_context))
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", error.to_string()).into()
            }))
            .configure(routes::configure)
    })
    .workers(workers)
    // On SIGTERM or SIGINT: stop accepting, let requests in flight finish.
    .shutdown_timeout(shutdown_timeout.as_secs())
    .listen(listener)?;
    Ok(server.run())
}
