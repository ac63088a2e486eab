//! Checking passwords: login, changing the password, and the current
//! password before a change only its owner may make. Each takes an attempt
//! place before Argon2 runs (see `auth::PasswordAttempt`).

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{
    AuthSuccess, ChangePasswordRequest, LoginRequest, UserView, audit_as,
    discard_presented_session, limit_by_address, with_session_cookie,
};
use crate::auth::{self, Authenticated, PasswordAttempt};
use crate::domain::{
    AccountMail, AccountMessage, AuditAction, AuditContext, AuditEntry, CredentialsStamp, Effects,
    Email, Password, User,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::mfa::login::LoginAnswer;
use crate::routes::responses::{BodyErrors, CrossSiteError, StoreErrors};
use crate::state::AppState;

/// Log in.
///
/// Checks the credentials and opens a new session in the cookie; any session
/// token the request presented is expired. An account with a second factor
/// gets a challenge instead (no cookie), to answer at
/// `POST /api/users/login/mfa` with a code. Unknown emails and wrong passwords
/// get the same answer in the same time. Five failed checks in 15 minutes
/// lock the account for unknown devices, or one known device (its `device`
/// cookie).
#[utoipa::path(
    post,
    path = "/api/users/login",
    operation_id = "login",
    tag = "users",
    request_body = LoginRequest,
    params(("device" = Option<String>, Cookie, nullable = false, pattern = "^[0-9a-f]{32}$",
        description = "The httpOnly device cookie (`Path=/api/users`, 180 days) a login or registration \
            set: a device that logged in to the account before has its own failed-login and mail budgets")),
    responses(
        (status = 200, description = "Logged in, or (an account with a second factor) a challenge \
            to answer with a code", body = LoginAnswer,
         headers(("Set-Cookie" = String, description = "token=<32 hex>; HttpOnly; SameSite=Strict; Path=/; Max-Age=1209600 \
            (and, for a device not seen before, its device cookie)"))),
        (status = 401, description = "Wrong email or password (`invalid_credentials`)", body = ErrorBody),
        (status = 403, description = "The right password of a deactivated account (`account_deactivated`), \
            or a cross-site request (`csrf_rejected`)", body = ErrorBody),
        (status = 429, description = "Five failed logins within 15 minutes for this account from unknown devices, \
            or from this device (`too_many_attempts`), or too many requests from this address (`too_many_requests`)",
         body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, StoreErrors,
    ),
)]
pub async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let email = Email::parse(&body.email)?;
    let password = Password::parse_presented(body.password, "password")?;
    let credentials = state.store.find_credentials(&email).await?;
    let account = credentials.as_ref().map(|credentials| credentials.user.id);
    // Throttled per account (or device), known or not, before any password is checked.
    let attempt = PasswordAttempt::login(&state, &request, &email, account).await?;
    // Unknown emails are verified against a dummy hash: same answer, same time.
    let (user, hash) = match credentials {
        Some(credentials) => (Some(credentials.user), Some(credentials.password_hash)),
        None => (None, None),
    };
    let verified = state.hasher.verify(password, hash).await?;
    let Some(user) = user.filter(|_| verified) else {
        // The email is personal data; the request id on the line is enough
        // to investigate (the audit log, which staff read, has it).
        tracing::warn!("login failed: invalid credentials");
        metrics::counter!(crate::monitoring::FAILED_LOGINS).increment(1);
        let context = audit_as(None, &request, state.now());
        let entry = AuditEntry::login_failed(&context, &email, account);
        state.store.append_audit(&[entry]).await?;
        return Err(ApiError::invalid_credentials());
    };
    if !user.active {
        tracing::warn!(user = %user.id, "login refused: account deactivated");
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_deactivated",
            "This account has been deactivated",
        ));
    }
    if user.totp {
        return crate::routes::mfa::login::challenge(&state, attempt, &user).await;
    }
    let device = attempt.succeeded(&state, user.id).await?;
    open_session(&state, &request, &user, device, None).await
}

/// Opens a session for `user`, whose credentials (and `second_factor`,
/// when one was asked: `totp` or `recovery_code`) were just checked: any
/// session the request presented is expired, the login is audited, and the
/// cookies are set.
pub(crate) async fn open_session(
    state: &AppState,
    request: &HttpRequest,
    user: &User,
    device: Option<Cookie<'static>>,
    second_factor: Option<&'static str>,
) -> Result<HttpResponse, ApiError> {
    discard_presented_session(state, request).await?;
    // The session carries the stamp of the credentials just checked: if the
    // password changed meanwhile, it is refused on first use.
    let stamp = user.credentials_stamp;
    let (token, mut session) = auth::new_session(state, user.id, stamp, request);
    session.second_factor = second_factor.is_some();
    let mut entry = AuditEntry::login(&audit_as(Some(user), request, state.now()), &session);
    if let Some(factor) = second_factor {
        entry = entry.with("secondFactor", factor);
    }
    state
        .store
        .insert_session(&session, &Effects::audit([entry]))
        .await?;
    tracing::info!(user = %user.id, session = %session.id, "user logged in");
    let body = AuthSuccess {
        title: "Login Successful",
        detail: "Successfully validated user credentials",
        user: UserView::from(user),
    };
    Ok(with_session_cookie(
        HttpResponse::Ok(),
        state,
        &token,
        device,
        body,
    ))
}

/// Change the password.
///
/// Needs the current password. Every other session ends, the current one is
/// replaced by a new token (a new cookie), and the account's reset links and
/// calendar feed stop working.
#[utoipa::path(
    put,
    path = "/api/users/me/password",
    operation_id = "changePassword",
    tag = "users",
    request_body = ChangePasswordRequest,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "Changed", body = AuthSuccess,
         headers(("Set-Cookie" = String, description = "The new session's cookie"))),
        (status = 401, description = "No valid session (`unauthenticated`), or a wrong current password \
            (`invalid_credentials`, field `currentPassword`)", body = ErrorBody),
        (status = 429, description = "Wrong current passwords count as failed logins of the account \
            (`too_many_attempts`); too many requests from this address (`too_many_requests`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn change_password(
    state: web::Data<AppState>,
    request: HttpRequest,
    auth: Authenticated,
    ApiJson(body): ApiJson<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let current = Password::parse_presented(body.current_password, "currentPassword")?;
    let new = Password::parse_new(body.new_password, "newPassword")?;
    let user = &auth.user;
    check_current_password(&state, &auth, current, "currentPassword", "password_change").await?;
    let new_hash = state.hasher.hash(new).await?;
    let stamp = CredentialsStamp::generate();
    let (token, mut session) = auth::new_session(&state, user.id, stamp, &request);
    // The replacement keeps what this session's login proved.
    session.second_factor = auth.session.second_factor;
    let context = auth.audit(state.now());
    let effects = password_effects(&context, user, AuditAction::UserPasswordChanged);
    let revoked = state
        .store
        .change_password(user.id, &new_hash, stamp, Some(&session), &effects)
        .await?;
    tracing::info!(user = %user.id, revoked, "password changed");
    let body = AuthSuccess {
        title: "Password Changed",
        detail: "Password updated; every other session was logged out",
        user: UserView::from(user),
    };
    Ok(with_session_cookie(
        HttpResponse::Ok(),
        &state,
        &token,
        None,
        body,
    ))
}

/// Checks that `password` is the current one of `auth`'s account, before
/// a change only its owner may make: the attempt counts toward the
/// account's lockout like a login, and a wrong one is logged (`via` says
/// where) and refused 401 `invalid_credentials` naming `field`.
pub(crate) async fn check_current_password(
    state: &AppState,
    auth: &Authenticated,
    password: Password,
    field: &'static str,
    via: &'static str,
) -> Result<(), ApiError> {
    let user = &auth.user;
    let attempt = PasswordAttempt::current_password(state, &user.email).await?;
    let stored = state.store.password_hash(user.id).await?;
    if !state.hasher.verify(password, stored).await? {
        tracing::warn!(user = %user.id, via, "refused: wrong current password");
        metrics::counter!(crate::monitoring::FAILED_LOGINS).increment(1);
        let entry = AuditEntry::login_failed(&auth.audit(state.now()), &user.email, Some(user.id))
            .with("via", via);
        state.store.append_audit(&[entry]).await?;
        return Err(ApiError::invalid_credentials().with_field(field));
    }
    // A current-password check trusts no new device: nothing to set.
    attempt.succeeded(state, user.id).await?;
    Ok(())
}

/// What replacing `user`'s password records: `action`, the calendar feed
/// it turns off if one is on, and the notice to the owner (unless they set
/// their first password from an invitation just now).
pub(super) fn password_effects(
    context: &AuditContext,
    user: &User,
    action: AuditAction,
) -> Effects {
    let mut effects = Effects::audit([AuditEntry::password(context, action, user.id)]);
    if action != AuditAction::UserPasswordSet {
        let notice = AccountMail::PasswordChanged { user: user.id };
        effects
            .account_mails
            .push(AccountMessage::new(notice, context.at));
    }
    match user.role.consultant_id() {
        Some(consultant) => effects.if_feed_revoked(AuditEntry::feed(
            context,
            consultant,
            false,
            action.as_str(),
        )),
        None => effects,
    }
}
