//! Cross-site request forgery defence for cookie-authenticated browsers.
//!
//! SameSite=Strict already keeps the cookie off cross-site requests in
//! current browsers; this is the second layer (ASVS 4.2.2, 13.2.3): a
//! state-changing request whose `Origin` (or, without one, `Referer`) is
//! neither an allowed frontend nor the service itself is refused with 403.
//! Requests authenticated by a bearer token (a session's or an API key) are exempt: no browser attaches
//! one by itself. Only when the bearer token *is* the credential, though:
//! when a session cookie is present it wins, so a junk `Authorization`
//! header beside the cookie buys no exemption. Requests with neither header
//! come from non-browser clients.

use actix_web::HttpRequest;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use crate::auth::{TokenSource, presented_api_key, presented_token};
use crate::error::ApiError;
use crate::state::AppState;

/// `scheme://host[:port]` of an `Origin` value or of a `Referer` URL,
/// lower-cased; `None` for anything else (including `Origin: null`).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let valid =
        matches!(scheme, "http" | "https") && !authority.is_empty() && !authority.contains('@');
    valid.then(|| format!("{scheme}://{authority}").to_ascii_lowercase())
}

/// The origin a request claims to come from: `Origin`, else `Referer`.
/// `Some(None)` when a header is present but is not a usable origin.
fn claimed_origin(headers: &HeaderMap) -> Option<Option<String>> {
    let value = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))?;
    Some(value.to_str().ok().and_then(origin_of))
}

/// Whether the request's credential is a bearer token (a session token or
/// an API key, well-formed, and no session cookie beside it).
fn authenticates_by_bearer(request: &HttpRequest, cookie_name: &str) -> bool {
    matches!(
        presented_token(request, cookie_name),
        Some((_, TokenSource::Bearer))
    ) || matches!(presented_api_key(request), Some(Some(_)))
}

/// Whether `origin` is the service's own: the same host and port the request
/// was sent to.
fn is_own_origin(origin: &str, request: &ServiceRequest) -> bool {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            request
                .uri()
                .authority()
                .map(|authority| authority.to_string())
        });
    let authority = origin
        .split_once("://")
        .map_or("", |(_, authority)| authority);
    host.is_some_and(|host| host.eq_ignore_ascii_case(authority))
}

/// The origin to refuse, if this request is a cross-site state change.
fn refused_origin(request: &ServiceRequest) -> Option<Option<String>> {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !changes_state {
        return None;
    }
    let state = request.app_data::<web::Data<AppState>>();
    let bearer = state.is_some_and(|state| {
        authenticates_by_bearer(request.request(), &state.settings.cookie.name)
    });
    if bearer {
        return None;
    }
    let claimed = claimed_origin(request.headers())?;
    let allowed = claimed.as_deref().is_some_and(|origin| {
        is_own_origin(origin, request)
            || state.is_some_and(|state| {
                state
                    .settings
                    .allowed_origins
                    .iter()
                    .any(|allowed| allowed == origin)
            })
    });
    (!allowed).then_some(claimed)
}

/// The middleware.
pub async fn reject_cross_site_requests<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    if let Some(origin) = refused_origin(&request) {
        tracing::warn!(?origin, path = %request.path(), "cross-site request refused");
        let error = ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf_rejected",
            "Requests that change data must come from this service or an allowed frontend",
        );
        return Ok(request
            .into_response(error.error_response())
            .map_into_right_body());
    }
    next.call(request)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use actix_web::cookie::Cookie;
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn origins_are_read_from_origin_values_and_referer_urls() {
        assert_eq!(
            origin_of("https://App.example.com"),
            Some("https://app.example.com".into())
        );
        assert_eq!(
            origin_of("http://localhost:5173/bookings?x=1#y"),
            Some("http://localhost:5173".into())
        );
        for bad in [
            "null",
            "",
            "file:///etc/passwd",
            "https://",
            "javascript:alert(1)",
            "https://user@evil.example",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_a_bearer_token_that_is_the_credential_counts() {
        let token = "00112233445566778899aabbccddeeff";
        let bearer =
            |request: TestRequest| authenticates_by_bearer(&request.to_http_request(), "token");
        let with_bearer = || {
            TestRequest::default().insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        };
        assert!(bearer(with_bearer()));
        assert!(!bearer(TestRequest::default()));
        assert!(!bearer(
            TestRequest::default().insert_header((header::AUTHORIZATION, "Bearer junk"))
        ));
        assert!(!bearer(TestRequest::default().insert_header((
            header::AUTHORIZATION,
            format!("Basic {token}")
        ))));
        // A cookie beside it authenticates instead.
        assert!(!bearer(with_bearer().cookie(Cookie::new("token", token))));
    }
}
