//! The outermost middleware: request id, tracing span, access log, security
//! headers, and the guarantee that every error response has the contract's
//! JSON body, whoever produced it (a handler, an extractor, actix itself).

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use rand::RngCore;
use tracing::Instrument;

use crate::error::error_json;
use crate::state::AppState;

/// `X-Request-Id`.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Marks a request as authenticated (set by the session extractor): its
/// response is personal and must never be stored by a cache.
#[derive(Debug, Clone, Copy)]
pub struct AuthenticatedRequest;

/// The request's id, as its log lines and audit entries carry it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The id of `request` (set by [`request_context`]).
pub fn request_id(request: &actix_web::HttpRequest) -> Option<String> {
    request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
}

/// A client-supplied id is echoed only if it is short and plain, so it can
/// neither forge log lines nor bloat them.
fn is_sane_request_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Stable code and detail for errors that carry no body of ours.
fn generic_error(status: StatusCode, request_id: &str) -> (&'static str, String) {
    let (code, detail) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "The request could not be understood"),
        StatusCode::UNAUTHORIZED => ("unauthenticated", "Log in to use this endpoint"),
        StatusCode::FORBIDDEN => ("forbidden", "This action is not allowed"),
        StatusCode::NOT_FOUND => ("not_found", "There is no such endpoint"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "This endpoint does not support this method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ("payload_too_large", "Request bodies are limited to 16 KiB")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "Send request bodies as application/json",
        ),
        StatusCode::URI_TOO_LONG => ("uri_too_long", "The request URI is too long"),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            ("headers_too_large", "The request headers are too large")
        }
        StatusCode::SERVICE_UNAVAILABLE => (
            "service_unavailable",
            "The service is temporarily unavailable",
        ),
        status if status.is_server_error() => {
            return (
                "internal_error",
                format!(
                    "Something went wrong. If it keeps happening, report request id {request_id}"
                ),
            );
        }
        _ => ("http_error", "The request failed"),
    };
    (code, detail.to_owned())
}

/// Gives error responses the contract's body. A 500 always gets the generic
/// one (naming the request id), whatever was there before: nothing internal
/// can leak through it.
fn normalize_error_body(
    response: ServiceResponse<BoxBody>,
    request_id: &str,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if is_json && status != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (code, detail) = generic_error(status, request_id);
    response.map_body(|head, _| {
        head.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        BoxBody::new(error_json(status, code, &detail, None))
    })
}

/// A response that does not admit the requesting origin carries no CORS
/// headers at all (actix-cors adds some of them regardless of the origin).
fn drop_partial_cors_headers(response: &mut ServiceResponse<BoxBody>) {
    let headers = response.headers_mut();
    if headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        return;
    }
    let cors: Vec<HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .cloned()
        .collect();
    for name in cors {
        headers.remove(name);
    }
}

fn add_security_headers(response: &mut ServiceResponse<BoxBody>, path: &str, request_id: &str) {
    // Account data and Set-Cookie must never be stored by a cache, nor
    // anything answered to an authenticated request (bookings are personal).
    let personal = path.starts_with("/api/users")
        || response
            .request()
            .extensions()
            .contains::<AuthenticatedRequest>();
    let hsts = response
        .request()
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.settings.hsts_max_age)
        .and_then(|max_age| {
            HeaderValue::from_str(&format!("max-age={}", max_age.num_seconds())).ok()
        });
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if personal {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(hsts) = hsts {
        // Production only (see `HSTS_MAX_AGE`): browsers then never try
        // plain HTTP to this host, so the Secure cookie cannot be stripped.
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts);
    }
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID, value);
    }
}

/// The middleware itself; wrap it around the whole app.
pub async fn request_context(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_sane_request_id(id))
        .map_or_else(new_request_id, str::to_owned);
    let span = tracing::info_span!("request", request_id = %request_id);
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let method = request.method().clone();
    let path = request.path().to_owned();

    // Handlers, extractors and our own middleware answer errors with
    // responses; an `Err` here could only come from actix itself, which
    // renders it. (Cloning the request up front to render it ourselves is not
    // an option: routing needs the request to be unshared.)
    let response = next
        .call(request)
        .instrument(span.clone())
        .await
        .inspect_err(|error| {
            let path = redacted_path(&path);
            span.in_scope(
                || tracing::warn!(%method, %path, %error, "request failed before a response"),
            );
        })?;
    let mut response = normalize_error_body(response.map_into_boxed_body(), &request_id);
    drop_partial_cors_headers(&mut response);
    add_security_headers(&mut response, &path, &request_id);

    let elapsed = started.elapsed();
    let route = response
        .request()
        .app_data::<crate::routes::RoutePattern>()
        .map(|pattern| pattern.0);
    crate::monitoring::record_request(&method, route, response.status(), elapsed);
    let status = response.status().as_u16();
    let latency_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3;
    let path = route.map_or_else(|| redacted_path(&path), str::to_owned);
    span.in_scope(|| tracing::info!(%method, %path, status, latency_ms, "request"));
    Ok(response)
}

/// Hex runs at least this long are redacted from unmatched paths: a
/// secret (a feed's 64, a token's 32) is never that short, an ordinary
/// word never that long.
const SECRET_RUN: usize = 16;

/// A path no route matched, as the access log shows it: decoded (so
/// `%61%62…` cannot hide a secret), with every long hex run replaced by
/// `<redacted>`. A matched request is logged by its route's pattern, never
/// its path: a calendar feed's path carries its secret, however it is
/// spelled. (Queries are never logged: mailed links carry tokens there.)
fn redacted_path(path: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut logged = String::with_capacity(decoded.len());
    let mut run = String::new();
    let flush = |run: &mut String, logged: &mut String| {
        if run.len() >= SECRET_RUN {
            logged.push_str("<redacted>");
        } else {
            logged.push_str(run);
        }
        run.clear();
    };
    for c in decoded.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut logged);
            logged.push(c);
        }
    }
    flush(&mut run, &mut logged);
    logged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_short_request_ids_are_echoed() {
        assert!(is_sane_request_id("3f2c9a7e-1b2d-4c5e-8f90-0a1b2c3d4e5f"));
        assert!(is_sane_request_id("req_42.retry:1"));
        for id in ["", "has space", "line\nbreak", "quote\"", &"x".repeat(65)] {
            assert!(!is_sane_request_id(id), "{id:?}");
        }
        assert_eq!(new_request_id().len(), 32);
    }

    #[test]
    fn unmatched_paths_lose_their_long_hex_runs_however_spelled() {
        let secret = "3f".repeat(32);
        let encoded: String = secret.bytes().map(|b| format!("%{b:02x}")).collect();
        for path in [
            format!("//calendar/{secret}.ics"),
            format!("/./calendar/{secret}.ics"),
            format!("/x/{encoded}"),
        ] {
            let logged = redacted_path(&path);
            assert!(!logged.contains(&secret[..SECRET_RUN]), "{logged}");
            assert!(logged.contains("<redacted>"), "{logged}");
        }
        assert_eq!(redacted_path("/no/such/page"), "/no/such/page");
        assert_eq!(redacted_path("/api/deadbeef"), "/api/deadbeef");
    }

    #[test]
    fn server_errors_name_the_request_id() {
        let (code, detail) = generic_error(StatusCode::INTERNAL_SERVER_ERROR, "abc123");
        assert_eq!(code, "internal_error");
        assert!(detail.contains("abc123"));
        assert_eq!(
            generic_error(StatusCode::METHOD_NOT_ALLOWED, "x").0,
            "method_not_allowed"
        );
    }
}
