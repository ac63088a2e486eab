//! `/api/users`: logout and the current user here; registration in
//! [`registration`]; login and password changes in [`credentials`];
//! password reset in [`recovery`]; address verification in
//! [`verification`]; invitations in [`invitation`]; sessions in
//! `routes::sessions`.

pub mod credentials;
pub mod invitation;
pub mod profile;
pub mod recovery;
pub mod registration;
pub mod verification;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::responses::{CrossSiteError, NoBodyErrors, SessionErrors};
use actix_web::cookie::Cookie;

use crate::auth::{Authenticated, presented_token, removal_cookie, session_cookie};
use crate::rate_limit::client_address;
use chrono::{DateTime, Utc};

use crate::domain::{Actor, AuditContext, SessionToken, User, format_timestamp};
use crate::error::ApiError;
use crate::http::request_id;
use crate::state::AppState;

/// A supported language (documentation only).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum LocaleName {
    En,
    Es,
    Fr,
    De,
    It,
    Ja,
}

/// `customer`, `consultant` or `admin` (agency staff) (documentation only).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RoleName {
    Customer,
    Consultant,
    Admin,
}

/// A user as the API shows it: never a hash, never a token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    #[schema(example = "6b03ed74b3a2a1dec430c866")]
    id: String,
    #[schema(example = "ada@example.com")]
    email: String,
    #[schema(example = "Ada Lovelace")]
    name: String,
    #[schema(value_type = RoleName)]
    role: &'static str,
    #[schema(format = DateTime, example = "2026-11-23T07:38:28.731Z")]
    created_at: String,
    /// Whether the address is verified (mail goes to verified addresses only).
    email_verified: bool,
    /// The language they are written to in.
    #[schema(value_type = LocaleName)]
    locale: &'static str,
    /// Their own time zone (IANA), when they gave one.
    #[schema(example = "Europe/Madrid")]
    timezone: Option<&'static str>,
    /// Their second factors.
    mfa: MfaView,
}

/// Which second factors an account has.
#[derive(Debug, Serialize, ToSchema)]
pub struct MfaView {
    /// Whether logins ask for a TOTP code.
    totp: bool,
    /// How many passkeys it has.
    passkeys: u32,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.to_string(),
            name: user.name.to_string(),
            role: user.role.as_str(),
            created_at: format_timestamp(user.created_at),
            email_verified: user.email_verified,
            locale: user.locale.as_str(),
            timezone: user.timezone.map(|zone| zone.name()),
            mfa: MfaView {
                totp: user.totp,
                passkeys: user.passkeys,
            },
        }
    }
}

/// `{"user": User}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserEnvelope {
    pub(crate) user: UserView,
}

/// A successful registration, login or password change, with the user.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthSuccess {
    #[schema(example = "Login Successful")]
    title: &'static str,
    #[schema(example = "Successfully validated user credentials")]
    detail: &'static str,
    user: UserView,
}

/// A success message.
#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    #[schema(example = "Logout Successful")]
    title: &'static str,
    #[schema(example = "Successfully expired login session")]
    detail: &'static str,
}

/// `POST /api/users/login` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(format = Email, max_length = 254, example = "ada@example.com")]
    email: String,
    #[schema(min_length = 1, max_length = 128, example = "correct horse battery")]
    password: String,
}

/// `PUT /api/users/me/password` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    #[schema(min_length = 1, max_length = 128)]
    current_password: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    new_password: String,
}

// Request bodies with passwords or tokens never show them in Debug output.
macro_rules! redacted_debug {
    ($type:ident, $($field:ident),*) => {
        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($type))$(.field(stringify!($field), &self.$field))*.finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use redacted_debug;
redacted_debug!(LoginRequest, email);
redacted_debug!(ChangePasswordRequest,);

/// At most `AUTH_RATE_LIMIT_PER_MINUTE` requests that check or set a
/// password or use an account token (registration, login, password change
/// and reset, verification) per client address.
pub(crate) fn limit_by_address(state: &AppState, request: &HttpRequest) -> Result<(), ApiError> {
    let Some(address) = client_address(request, &state.settings.client_address) else {
        return Ok(());
    };
    state.auth_limiter.check(address).map_err(|wait| {
        tracing::warn!(%address, "authentication request refused: address over its rate limit");
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Too many account requests from this address; slow down",
        )
        .with_retry_after(wait.as_secs().max(1))
    })
}

/// The audit context of what `request` does as `actor` (the account it
/// logs in, registers or resets; `None` for a failed login) at `at`.
fn audit_as(actor: Option<&User>, request: &HttpRequest, at: DateTime<Utc>) -> AuditContext {
    AuditContext {
        actor: actor.map(Actor::user),
        request_id: request_id(request),
        at,
    }
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

/// The response of a successful authentication: the session cookie, and the
/// device cookie when this device was not trusted yet.
fn with_session_cookie(
    mut response: actix_web::HttpResponseBuilder,
    state: &AppState,
    token: &SessionToken,
    device: Option<Cookie<'static>>,
    body: AuthSuccess,
) -> HttpResponse {
    response.cookie(session_cookie(&state.settings.cookie, token));
    if let Some(device) = device {
        response.cookie(device);
    }
    response.json(body)
}

/// Log out.
///
/// Expires the current session server-side and clears the cookie.
#[utoipa::path(
    post,
    path = "/api/users/logout",
    operation_id = "logout",
    tag = "users",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "Logged out", body = Message,
         headers(("Set-Cookie" = String, description = "token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"))),
        SessionErrors, CrossSiteError, NoBodyErrors,
    ),
)]
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
        .json(Message {
            title: "Logout Successful",
            detail: "Successfully expired login session",
        }))
}

/// The logged-in user.
///
/// The account behind the session: never a password hash or a token.
#[utoipa::path(
    get,
    path = "/api/users/me",
    operation_id = "getMe",
    tag = "users",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses((status = 200, description = "The user", body = UserEnvelope), SessionErrors),
)]
pub async fn me(auth: Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(UserEnvelope {
        user: UserView::from(&auth.user),
    })
}
