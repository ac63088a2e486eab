//! A second factor on one's own account: TOTP enrolment, its confirmation
//! by a first code (which hands out the recovery codes, once), and its
//! removal; the login's second step is in [`login`].

pub mod login;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::domain::{
    AccountMail, AccountMessage, AuditAction, AuditEntry, Effects, Factor, Password, RecoveryCode,
    TokenHash, TotpCode, TotpEnrollment, TotpSecret, User,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::{BodyErrors, CrossSiteError, SessionErrors, StoreErrors};
use crate::routes::users::credentials::check_current_password;
use crate::state::AppState;

/// A TOTP secret waiting for its first code.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpEnrolment {
    /// The secret in base32, to type into an authenticator app.
    #[schema(example = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")]
    secret: String,
    /// The same as an `otpauth://` URL, for a QR code.
    #[schema(
        example = "otpauth://totp/tripdesk:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=tripdesk"
    )]
    otpauth_url: String,
}

/// A code from the authenticator app.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Six digits (spaces allowed).
    #[schema(example = "492039", max_length = 16)]
    code: String,
}

/// The recovery codes, shown this once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    /// Ten single-use codes, each standing in for one TOTP code.
    #[schema(example = json!(["k7m2-p9qx-4tnd-wz8c"]))]
    recovery_codes: Vec<String>,
}

/// `DELETE /api/users/me/mfa/totp` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveTotpRequest {
    #[schema(min_length = 1, max_length = 128)]
    password: String,
    /// A TOTP code or an unused recovery code.
    #[schema(example = "492039", max_length = 32)]
    code: String,
}

crate::routes::users::redacted_debug!(CodeRequest,);
crate::routes::users::redacted_debug!(RemoveTotpRequest,);

fn already_enabled() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "mfa_already_enabled",
        "This account already has a second factor",
    )
}

/// 400 `invalid_code`, with why.
pub(crate) fn invalid_code(detail: &'static str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_code", detail).with_field("code")
}

/// 400 `invalid_code` for a code that is not right now.
pub(crate) fn wrong_code() -> ApiError {
    invalid_code("The code is not right, or was used already")
}

/// The secret an enrolment of `user` holds.
fn open_secret(
    state: &AppState,
    enrollment: &TotpEnrollment,
    user: &User,
) -> Result<TotpSecret, ApiError> {
    state
        .mfa_cipher
        .open(&enrollment.sealed_secret, user.id)
        .map_err(|error| ApiError::internal(error.to_string()))
}

/// Secrets and recovery codes are never stored by a cache.
fn never_stored(mut response: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    response.insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")));
    response
}

/// The audit entry and owner's notice of a change to `auth`'s factors:
/// `factor` added (`UserMfaEnabled`) or removed (`UserMfaDisabled`).
pub(crate) fn factor_change(
    auth: &Authenticated,
    (factor, action): (Factor, AuditAction),
    state: &AppState,
) -> Effects {
    let now = state.now();
    let entry =
        AuditEntry::new(&auth.audit(now), action, auth.user.id).with("factor", factor.as_str());
    let notice = AccountMail::FactorChanged {
        user: auth.user.id,
        factor,
        added: action == AuditAction::UserMfaEnabled,
    };
    Effects {
        audit: vec![entry],
        account_mails: vec![AccountMessage::new(notice, now)],
        ..Effects::default()
    }
}

/// Start TOTP enrolment.
///
/// A new secret, pending until a code from it confirms it (a pending one
/// is replaced). Answered with `Cache-Control: no-store`.
#[utoipa::path(
    post,
    path = "/api/users/me/mfa/totp",
    operation_id = "enrolTotp",
    tag = "users",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 201, description = "The secret, to put in an authenticator app", body = TotpEnrolment),
        (status = 409, description = "A second factor is on already (`mfa_already_enabled`)", body = ErrorBody),
        SessionErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn enrol_totp(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let user = &auth.user;
    if user.totp {
        return Err(already_enabled());
    }
    let secret = TotpSecret::generate();
    let sealed = state.mfa_cipher.seal(&secret, user.id);
    if !state.store.put_pending_totp(user.id, &sealed).await? {
        return Err(already_enabled());
    }
    let body = TotpEnrolment {
        secret: secret.base32(&user.email),
        otpauth_url: secret.otpauth_url(&user.email),
    };
    Ok(never_stored(HttpResponse::Created()).json(body))
}

/// The secret `user` enrolled, if one waits for its first code.
async fn pending_secret(state: &AppState, user: &User) -> Result<TotpSecret, ApiError> {
    let enrollment = state.store.find_totp(user.id).await?;
    let Some(enrollment) = enrollment.filter(|enrollment| !enrollment.confirmed) else {
        return Err(invalid_code(
            "No TOTP enrolment waits for a code: start one first",
        ));
    };
    open_secret(state, &enrollment, user)
}

/// Confirm TOTP enrolment.
///
/// A code from the new secret turns it on: logins ask for a code from now
/// on, every other session of the account ends (this one has just shown
/// the factor), and the ten recovery codes are shown this once.
#[utoipa::path(
    post,
    path = "/api/users/me/mfa/totp/confirm",
    operation_id = "confirmTotp",
    tag = "users",
    request_body = CodeRequest,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "On; the recovery codes", body = RecoveryCodes),
        (status = 400, description = "A wrong code, or nothing to confirm (`invalid_code`)", body = ErrorBody),
        (status = 409, description = "A second factor is on already (`mfa_already_enabled`)", body = ErrorBody),
        SessionErrors, BodyErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn confirm_totp(
    state: web::Data<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    if auth.user.totp {
        return Err(already_enabled());
    }
    let code = TotpCode::parse(&body.code).ok_or_else(wrong_code)?;
    let secret = pending_secret(&state, &auth.user).await?;
    let step = secret
        .matching_step(&auth.user.email, &code, state.now())
        .ok_or_else(wrong_code)?;
    let codes = RecoveryCode::generate_set();
    let hashes: Vec<TokenHash> = codes.iter().map(RecoveryCode::hash).collect();
    let effects = factor_change(&auth, (Factor::Totp, AuditAction::UserMfaEnabled), &state);
    let (user, session) = (auth.user.id, auth.session.id);
    if !state
        .store
        .confirm_totp(user, step, &hashes, session, &effects)
        .await?
    {
        return Err(already_enabled());
    }
    tracing::info!(user = %user, "second factor enrolled");
    let body = RecoveryCodes {
        recovery_codes: codes.iter().map(RecoveryCode::expose).collect(),
    };
    Ok(never_stored(HttpResponse::Ok()).json(body))
}

/// Whether `code` is a right second factor of `user` now: a TOTP code of a
/// step later than the last one used, or an unused recovery code (each is
/// used up by one conditional write, so two requests never both pass).
pub(crate) async fn second_factor_passes(
    state: &AppState,
    user: &User,
    code: &str,
) -> Result<Option<&'static str>, ApiError> {
    if let Some(code) = TotpCode::parse(code) {
        let Some(enrollment) = state.store.find_totp(user.id).await? else {
            return Ok(None);
        };
        let secret = open_secret(state, &enrollment, user)?;
        let Some(step) = secret.matching_step(&user.email, &code, state.now()) else {
            return Ok(None);
        };
        let fresh = state.store.use_totp_step(user.id, step).await?;
        return Ok(fresh.then_some("totp"));
    }
    let Some(code) = RecoveryCode::parse(code) else {
        return Ok(None);
    };
    let used = state.store.use_recovery_code(user.id, &code.hash()).await?;
    Ok(used.then_some("recovery_code"))
}

/// Turn TOTP off.
///
/// Needs the password and a code (or a recovery code). The recovery codes
/// go with it, and every other session of the account ends.
#[utoipa::path(
    delete,
    path = "/api/users/me/mfa/totp",
    operation_id = "removeTotp",
    tag = "users",
    request_body = RemoveTotpRequest,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 204, description = "Off"),
        (status = 400, description = "A wrong code, or no second factor to remove (`invalid_code`)", body = ErrorBody),
        (status = 401, description = "No valid session (`unauthenticated`), or a wrong password \
            (`invalid_credentials`)", body = ErrorBody),
        (status = 429, description = "Wrong passwords count as failed logins of the account \
            (`too_many_attempts`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn remove_totp(
    state: web::Data<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<RemoveTotpRequest>,
) -> Result<HttpResponse, ApiError> {
    let password = Password::parse_presented(body.password, "password")?;
    check_current_password(&state, &auth, password, "password", "second factor removal").await?;
    if !auth.user.totp {
        return Err(invalid_code("This account has no second factor to remove"));
    }
    if second_factor_passes(&state, &auth.user, &body.code)
        .await?
        .is_none()
    {
        return Err(wrong_code());
    }
    let effects = factor_change(&auth, (Factor::Totp, AuditAction::UserMfaDisabled), &state);
    let (user, session) = (auth.user.id, auth.session.id);
    state.store.remove_totp(user, session, &effects).await?;
    tracing::info!(user = %user, "second factor removed");
    Ok(HttpResponse::NoContent().finish())
}
