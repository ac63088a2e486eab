//! The demo frontend at `/`: static files compiled into the binary,
//! so the page works offline and in the container image with nothing beside
//! the executable. It is a client of the API like any other, not part of it.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};

const INDEX: &str = include_str!("../../static/index.html");
const SCRIPT: &str = include_str!("../../static/app.js");
const CALENDAR_SCRIPT: &str = include_str!("../../static/calendar.js");
const ADMIN_SCRIPT: &str = include_str!("../../static/admin.js");
const WEBHOOKS_SCRIPT: &str = include_str!("../../static/webhooks.js");
const FINDING_SCRIPT: &str = include_str!("../../static/finding.js");
const PRIVACY_SCRIPT: &str = include_str!("../../static/privacy.js");
const PROFILE_SCRIPT: &str = include_str!("../../static/profile.js");
const MFA_SCRIPT: &str = include_str!("../../static/mfa.js");
const PASSKEYS_SCRIPT: &str = include_str!("../../static/passkeys.js");
const QR_SCRIPT: &str = include_str!("../../static/vendor/qrcode-generator.js");
const STYLES: &str = include_str!("../../static/app.css");

/// Only this origin's own files, and requests to this origin only: the page
/// can never be made to send a password anywhere else.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; \
     form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

fn file(content_type: &'static str, body: &'static str, caching: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(caching)))
        .body(body)
}

/// Revalidated on every use: a new release shows at once.
const REVALIDATE: &str = "no-cache";
/// Never stored: the address these are fetched at carries a mailed token.
const NEVER_STORE: &str = "no-store";

/// A script of the page: revalidated like the page itself.
const fn script(
    path: &'static str,
    body: &'static str,
) -> (&'static str, &'static str, &'static str, &'static str) {
    (path, "text/javascript; charset=utf-8", body, REVALIDATE)
}

/// The demo's paths, their files and how they may be cached. The pages
/// that mailed links open (`?token=…`) are the same page, which reads the
/// token and drops it from the address bar; the access log records paths
/// without their query, and no cache keeps them.
pub const FILES: [(&str, &str, &str, &str); 15] = [
    ("/", "text/html; charset=utf-8", INDEX, REVALIDATE),
    (
        "/reset-password",
        "text/html; charset=utf-8",
        INDEX,
        NEVER_STORE,
    ),
    (
        "/verify-email",
        "text/html; charset=utf-8",
        INDEX,
        NEVER_STORE,
    ),
    (
        "/set-password",
        "text/html; charset=utf-8",
        INDEX,
        NEVER_STORE,
    ),
    script("/app.js", SCRIPT),
    script("/calendar.js", CALENDAR_SCRIPT),
    script("/admin.js", ADMIN_SCRIPT),
    script("/webhooks.js", WEBHOOKS_SCRIPT),
    script("/finding.js", FINDING_SCRIPT),
    script("/privacy.js", PRIVACY_SCRIPT),
    script("/profile.js", PROFILE_SCRIPT),
    script("/mfa.js", MFA_SCRIPT),
    script("/passkeys.js", PASSKEYS_SCRIPT),
    script("/vendor/qrcode-generator.js", QR_SCRIPT),
    ("/app.css", "text/css; charset=utf-8", STYLES, REVALIDATE),
];

/// Mounts the demo's files (GET and HEAD; other methods get 405).
pub fn configure(config: &mut web::ServiceConfig) {
    for (path, content_type, body, caching) in FILES {
        let serve = move || async move { file(content_type, body, caching) };
        config.service(
            super::resource(path, "GET, HEAD")
                .route(web::get().to(serve))
                .route(web::head().to(serve)),
        );
    }
}
