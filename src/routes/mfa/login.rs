//! The login's second step: after the right password of an account with a
//! second factor, `POST /api/users/login` answers with a challenge, and
//! this route trades it and a code for the session.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{second_factor_passes, wrong_code};
use crate::auth::PasswordAttempt;
use crate::domain::{ChallengeToken, MfaChallenge, User};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::{BodyErrors, CrossSiteError, StoreErrors};
use crate::routes::users::credentials::open_session;
use crate::routes::users::{AuthSuccess, limit_by_address};
use crate::state::AppState;

/// A right password of an account with a second factor: no session yet.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MfaRequired {
    /// Always `true`.
    mfa_required: bool,
    /// Answer it with a code at `POST /api/users/login/mfa` within five
    /// minutes.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    challenge: String,
}

/// What a login answers: a session, or the challenge of a second factor
/// (documentation only).
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum LoginAnswer {
    /// Logged in.
    LoggedIn(AuthSuccess),
    /// A code is due.
    SecondFactorDue(MfaRequired),
}

/// `POST /api/users/login/mfa` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondStepRequest {
    /// The challenge the login answered with.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    challenge: String,
    /// A TOTP code or an unused recovery code.
    #[schema(example = "492039", max_length = 32)]
    code: String,
}

crate::routes::users::redacted_debug!(SecondStepRequest,);

/// The password of `user` was right and a second factor is due: a
/// challenge instead of a session; its codes count against the key the
/// password was counted on.
pub(crate) async fn challenge(
    state: &AppState,
    attempt: PasswordAttempt,
    user: &User,
) -> Result<HttpResponse, ApiError> {
    let (throttle, trust_device) = attempt.awaiting_second_factor(state).await?;
    let (token, challenge) = MfaChallenge::issue(user.id, throttle, trust_device, state.now());
    state.store.insert_challenge(&challenge).await?;
    tracing::info!(user = %user.id, "password right; second factor due");
    Ok(HttpResponse::Ok().json(MfaRequired {
        mfa_required: true,
        challenge: token.expose().to_owned(),
    }))
}

fn invalid_challenge() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_challenge",
        "This login challenge is unknown, used or expired: log in again",
    )
    .with_field("challenge")
}

/// Finish a login with a second factor.
///
/// Trades the challenge of a login whose password was right, and a TOTP
/// code (or an unused recovery code), for the session. Each wrong code
/// counts as a failed login of the account; the fifth ends the challenge.
#[utoipa::path(
    post,
    path = "/api/users/login/mfa",
    operation_id = "loginSecondFactor",
    tag = "users",
    request_body = SecondStepRequest,
    responses(
        (status = 200, description = "Logged in", body = AuthSuccess,
         headers(("Set-Cookie" = String, description = "The session's cookie (and the device cookie)"))),
        (status = 400, description = "A wrong code (`invalid_code`), or a challenge unknown, used or expired \
            (`invalid_challenge`)", body = ErrorBody),
        (status = 429, description = "Too many failed logins of the account (`too_many_attempts`), or \
            too many requests from this address (`too_many_requests`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn second_step(
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<SecondStepRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let token = ChallengeToken::parse(&body.challenge).ok_or_else(invalid_challenge)?;
    let hash = token.hash();
    let challenge = state.store.find_challenge(&hash).await?;
    let now = state.now();
    let Some(challenge) = challenge.filter(|challenge| challenge.usable_at(now)) else {
        return Err(invalid_challenge());
    };
    let user = state.store.find_user(challenge.user_id).await?;
    let Some(user) = user.filter(|user| user.active && user.totp) else {
        return Err(invalid_challenge());
    };
    let attempt =
        PasswordAttempt::second_factor(&state, challenge.throttle.clone(), challenge.trust_device)
            .await?;
    let Some(factor) = second_factor_passes(&state, &user, &body.code).await? else {
        tracing::warn!(user = %user.id, "login refused: wrong second factor");
        metrics::counter!(crate::monitoring::FAILED_LOGINS).increment(1);
        state.store.fail_challenge(&hash).await?;
        return Err(wrong_code());
    };
    if !state.store.consume_challenge(&hash).await? {
        return Err(invalid_challenge());
    }
    let device = attempt.succeeded(&state, user.id).await?;
    open_session(&state, &request, &user, device, Some(factor)).await
}
