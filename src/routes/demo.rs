//! The demo frontend at `/`: three static files compiled into the binary,
//! so the page works offline and in the container image with nothing beside
//! the executable. It is a client of the API like any other, not part of it.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};

const INDEX: &str = include_str!("../../static/index.html");
const SCRIPT: &str = include_str!("../../static/app.js");
const STYLES: &str = include_str!("../../static/app.css");

/// Only this origin's own files, and requests to this origin only: the page
/// can never be made to send a password anywhere else.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; \
     form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

fn file(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .body(body)
}

/// The demo's paths and their files. The pages that mailed links open
/// (`?token=…`) are the same page, which reads the token and drops it from
/// the address bar; the access log records paths without their query.
pub const FILES: [(&str, &str, &str); 5] = [
    ("/", "text/html; charset=utf-8", INDEX),
    ("/reset-password", "text/html; charset=utf-8", INDEX),
    ("/verify-email", "text/html; charset=utf-8", INDEX),
    ("/app.js", "text/javascript; charset=utf-8", SCRIPT),
    ("/app.css", "text/css; charset=utf-8", STYLES),
];

/// Mounts the demo's files (GET and HEAD; other methods get 405).
pub fn configure(config: &mut web::ServiceConfig) {
    for (path, content_type, body) in FILES {
        config.service(
            super::resource(path, "GET, HEAD")
                .route(web::get().to(move || async move { file(content_type, body) }))
                .route(web::head().to(move || async move { file(content_type, body) })),
        );
    }
}
