//! `/api/users`: registration, login, logout, the current user, password change.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{
    self, Authenticated, client_address, presented_token, removal_cookie, session_cookie,
};
use crate::domain::{
    Email, LoginThrottle, Password, PersonName, SessionToken, User, format_timestamp,
};
use crate::error::ApiError;
use crate::http::ApiJson;
use crate::state::AppState;

/// A user as the API shows it: never a hash, never a token.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    id: String,
    email: String,
    name: String,
    role: &'static str,
    created_at: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.to_string(),
            name: user.name.to_string(),
            role: user.role.as_str(),
            created_at: format_timestamp(user.created_at),
        }
    }
}

/// `POST /api/users/register` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    email: String,
    password: String,
    name: String,
}

/// `POST /api/users/login` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
}

/// `PUT /api/users/me/password` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    current_password: String,
    new_password: String,
}

fn too_many(code: &'static str, detail: &'static str, wait: std::time::Duration) -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, detail)
        .with_retry_after(wait.as_secs().max(1))
}

/// At most `AUTH_RATE_LIMIT_PER_MINUTE` logins and registrations per client address.
fn limit_by_address(state: &AppState, request: &HttpRequest) -> Result<(), ApiError> {
    let Some(address) = client_address(request, state.settings.trust_proxy_headers) else {
        return Ok(());
    };
    state.auth_limiter.check(address).map_err(|wait| {
        too_many(
            "too_many_requests",
            "Too many login or registration attempts from this address; slow down",
            wait,
        )
    })
}

/// A session token the client presented when asking for a new one is never
/// adopted; it is expired so it cannot be used again (session fixation).
async fn discard_presented_session(
    state: &AppState,
    request: &HttpRequest,
) -> Result<(), ApiError> {
    if let Some((token, _)) = presented_token(request, &state.settings.cookie.name) {
        state.store.expire_session_by_token(&token.hash()).await?;
    }
    Ok(())
}

fn with_session_cookie(
    mut response: actix_web::HttpResponseBuilder,
    state: &AppState,
    token: &SessionToken,
    body: serde_json::Value,
) -> HttpResponse {
    response
        .cookie(session_cookie(&state.settings.cookie, token))
        .json(body)
}

/// Creates a customer account and logs it in.
pub async fn register(
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let email = Email::parse(&body.email)?;
    let password = Password::parse_new(body.password, "password")?;
    let name = PersonName::parse(&body.name)?;
    let password_hash = state.hasher.hash(password).await?;
    let user = User::new_customer(email, name, state.now());
    let (token, session) = auth::new_session(&state, user.id, &request);
    state
        .store
        .insert_user(&user, &password_hash, Some(&session))
        .await?;
    discard_presented_session(&state, &request).await?;
    tracing::info!(user = %user.id, "user registered");
    let body = json!({
        "title": "User Registration Successful",
        "detail": "Successfully registered new user",
        "user": UserView::from(&user),
    });
    Ok(with_session_cookie(
        HttpResponse::Created(),
        &state,
        &token,
        body,
    ))
}

/// Checks credentials and opens a new session.
pub async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let email = Email::parse(&body.email)?;
    let password = Password::parse_presented(body.password, "password")?;
    // Throttled per email, known or not, before any password is checked.
    let now = state.now();
    let throttle = LoginThrottle::DEFAULT;
    let failures = state
        .store
        .login_failures_since(&email, throttle.window_start(now))
        .await?;
    if let Err(wait) = throttle.check(&failures, now) {
        let wait = wait.to_std().unwrap_or_default();
        return Err(too_many(
            "too_many_attempts",
            "Too many failed logins for this account; try again later",
            wait,
        ));
    }
    let credentials = state.store.find_credentials(&email).await?;
    // Unknown emails are verified against a dummy hash: same answer, same time.
    let (user, hash) = match credentials {
        Some(credentials) => (Some(credentials.user), Some(credentials.password_hash)),
        None => (None, None),
    };
    let verified = state.hasher.verify(password, hash).await?;
    let Some(user) = user.filter(|_| verified) else {
        state
            .store
            .record_login_failure(&email, now, now + throttle.window)
            .await?;
        return Err(ApiError::invalid_credentials());
    };
    if !failures.is_empty() {
        state.store.clear_login_failures(&email).await?;
    }
    discard_presented_session(&state, &request).await?;
    let (token, session) = auth::new_session(&state, user.id, &request);
    state.store.insert_session(&session).await?;
    tracing::info!(user = %user.id, session = %session.id, "user logged in");
    let body = json!({
        "title": "Login Successful",
        "detail": "Successfully validated user credentials",
        "user": UserView::from(&user),
    });
    Ok(with_session_cookie(
        HttpResponse::Ok(),
        &state,
        &token,
        body,
    ))
}

/// Expires the current session and clears the cookie.
pub async fn logout(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    state
        .store
        .expire_session(auth.user.id, auth.session.id)
        .await?;
    tracing::info!(user = %auth.user.id, session = %auth.session.id, "user logged out");
    Ok(HttpResponse::Ok()
        .cookie(removal_cookie(&state.settings.cookie))
        .json(
            json!({"title": "Logout Successful", "detail": "Successfully expired login session"}),
        ))
}

/// The logged-in user.
pub async fn me(auth: Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(json!({"user": UserView::from(&auth.user)}))
}

/// Changes the password: every other session is expired and the current one
/// is replaced by a new token.
pub async fn change_password(
    state: web::Data<AppState>,
    request: HttpRequest,
    auth: Authenticated,
    ApiJson(body): ApiJson<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let current = Password::parse_presented(body.current_password, "currentPassword")?;
    let new = Password::parse_new(body.new_password, "newPassword")?;
    let stored = state.store.password_hash(auth.user.id).await?;
    if !state.hasher.verify(current, stored).await? {
        return Err(ApiError::invalid_credentials().with_field("currentPassword"));
    }
    let new_hash = state.hasher.hash(new).await?;
    let (token, session) = auth::new_session(&state, auth.user.id, &request);
    let revoked = state
        .store
        .change_password(auth.user.id, &new_hash, &session)
        .await?;
    tracing::info!(user = %auth.user.id, revoked, "password changed");
    let body = json!({
        "title": "Password Changed",
        "detail": "Password updated; every other session was logged out",
        "user": UserView::from(&auth.user),
    });
    Ok(with_session_cookie(
        HttpResponse::Ok(),
        &state,
        &token,
        body,
    ))
}
