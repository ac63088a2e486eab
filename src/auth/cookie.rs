//! Reading the session token from a request and writing the cookie.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, time::Duration};
use actix_web::http::header;

use crate::config::CookieSettings;
use crate::domain::{ApiKeySecret, DEVICE_TRUST, DeviceToken, SessionToken};

/// The device cookie's name. It is sent only to `/api/users`, where logins
/// and password changes happen.
pub const DEVICE_COOKIE: &str = "device";
const DEVICE_COOKIE_PATH: &str = "/api/users";

/// How the client presented its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// The httpOnly cookie (browsers).
    Cookie,
    /// `Authorization: Bearer` (native apps).
    Bearer,
}

/// The session token a request presents, if any. The cookie wins when both
/// are present; a malformed value counts as no token (and is never looked up).
pub fn presented_token(
    request: &HttpRequest,
    cookie_name: &str,
) -> Option<(SessionToken, TokenSource)> {
    if let Some(cookie) = request.cookie(cookie_name) {
        return SessionToken::parse(cookie.value()).map(|token| (token, TokenSource::Cookie));
    }
    SessionToken::parse(bearer_credentials(request)?).map(|token| (token, TokenSource::Bearer))
}

/// The credentials of `Authorization: Bearer <credentials>`, if sent.
fn bearer_credentials(request: &HttpRequest) -> Option<&str> {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, credentials) = authorization.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(credentials.trim())
}

/// The API key a request presents: `Some` when its bearer credentials
/// claim to be a key (`tdk_…`) and no session cookie comes with them (the
/// cookie wins, as for session tokens); `Some(None)` for a malformed key.
pub fn presented_api_key(request: &HttpRequest) -> Option<Option<ApiKeySecret>> {
    let credentials = bearer_credentials(request)?;
    let no_cookie = request.headers().get(header::COOKIE).is_none();
    (no_cookie && ApiKeySecret::looks_like_key(credentials))
        .then(|| ApiKeySecret::parse(credentials))
}

fn base_cookie(settings: &CookieSettings, value: String) -> Cookie<'static> {
    Cookie::build(settings.name.clone(), value)
        .http_only(true)
        .same_site(settings.same_site)
        .secure(settings.secure)
        .path("/")
        .finish()
}

/// `token=<hex>; HttpOnly; SameSite=Strict; Path=/; Max-Age=1209600` (+ `Secure`).
pub fn session_cookie(settings: &CookieSettings, token: &SessionToken) -> Cookie<'static> {
    let mut cookie = base_cookie(settings, token.expose().to_owned());
    cookie.set_max_age(Duration::seconds(settings.max_age.num_seconds()));
    cookie
}

/// The device cookie presented, if well-formed.
pub fn presented_device(request: &HttpRequest) -> Option<DeviceToken> {
    request
        .cookie(DEVICE_COOKIE)
        .and_then(|cookie| DeviceToken::parse(cookie.value()))
}

/// `device=<hex>; HttpOnly; SameSite=…; Path=/api/users; Max-Age=<180 days>`
/// (+ `Secure`, like the session cookie).
pub fn device_cookie(settings: &CookieSettings, token: &DeviceToken) -> Cookie<'static> {
    Cookie::build(DEVICE_COOKIE, token.expose().to_owned())
        .http_only(true)
        .same_site(settings.same_site)
        .secure(settings.secure)
        .path(DEVICE_COOKIE_PATH)
        .max_age(Duration::seconds(DEVICE_TRUST.num_seconds()))
        .finish()
}

/// The same cookie, empty, with `Max-Age=0`: the browser deletes it.
pub fn removal_cookie(settings: &CookieSettings) -> Cookie<'static> {
    let mut cookie = base_cookie(settings, String::new());
    cookie.set_max_age(Duration::ZERO);
    cookie
}

#[cfg(test)]
mod tests {
    use actix_web::cookie::SameSite;
    use actix_web::test::TestRequest;
    use chrono::TimeDelta;

    use super::*;

    fn settings(secure: bool) -> CookieSettings {
        CookieSettings {
            name: "token".into(),
            secure,
            same_site: SameSite::Strict,
            max_age: TimeDelta::days(14),
        }
    }

    #[test]
    fn cookie_has_the_contract_attributes() {
        let token = SessionToken::parse("00112233445566778899aabbccddeeff").unwrap();
        let cookie = session_cookie(&settings(false), &token).to_string();
        assert_eq!(
            cookie,
            "token=00112233445566778899aabbccddeeff; HttpOnly; SameSite=Strict; Path=/; Max-Age=1209600"
        );
        assert!(
            session_cookie(&settings(true), &token)
                .to_string()
                .contains("; Secure")
        );
        assert_eq!(
            removal_cookie(&settings(false)).to_string(),
            "token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn the_cookie_wins_over_a_bearer_token() {
        let cookie_token = SessionToken::generate();
        let bearer_token = SessionToken::generate();
        let request = TestRequest::default()
            .cookie(Cookie::new("token", cookie_token.expose().to_owned()))
            .insert_header((
                header::AUTHORIZATION,
                format!("Bearer {}", bearer_token.expose()),
            ))
            .to_http_request();
        assert_eq!(
            presented_token(&request, "token"),
            Some((cookie_token, TokenSource::Cookie))
        );
    }

    #[test]
    fn bearer_tokens_are_accepted_case_insensitively() {
        let token = SessionToken::generate();
        let request = TestRequest::default()
            .insert_header((header::AUTHORIZATION, format!("bearer {}", token.expose())))
            .to_http_request();
        assert_eq!(
            presented_token(&request, "token"),
            Some((token, TokenSource::Bearer))
        );
    }

    #[test]
    fn malformed_or_foreign_credentials_are_no_token() {
        for authorization in [
            "Basic dXNlcjpwYXNz",
            "Bearer",
            "Bearer not-a-token",
            "Token abc",
        ] {
            let request = TestRequest::default()
                .insert_header((header::AUTHORIZATION, authorization))
                .to_http_request();
            assert_eq!(presented_token(&request, "token"), None, "{authorization}");
        }
        let request = TestRequest::default()
            .cookie(Cookie::new("token", "forged"))
            .insert_header((
                header::AUTHORIZATION,
                format!("Bearer {}", SessionToken::generate().expose()),
            ))
            .to_http_request();
        assert_eq!(presented_token(&request, "token"), None);
    }
}
