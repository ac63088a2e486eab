//! The passkey login: no address, no password. The browser's authenticator
//! picks one of its discoverable credentials for this site and signs the
//! challenge after verifying its user (a fingerprint, a PIN): both factors
//! at once, so the session it opens counts as having passed the second.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{invalid_passkey, refused, relying_party};
use crate::auth::trust_new_device;
use crate::domain::{CeremonyKey, ChallengeToken, PasskeyCeremony};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::{BodyErrors, CrossSiteError, NoBodyErrors, StoreErrors};
use crate::routes::users::credentials::open_session;
use crate::routes::users::{AuthSuccess, limit_by_address};
use crate::state::AppState;

/// Options for `navigator.credentials.get()`, and the id to finish with.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyLoginOptions {
    /// Send it back to `login/passkey/finish` within five minutes.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    challenge_id: String,
    /// `PublicKeyCredentialRequestOptions` in its JSON form (binary
    /// fields base64url), with no `allowCredentials`: any passkey of this
    /// site may answer.
    #[schema(value_type = Object)]
    public_key: Value,
}

/// `POST /api/users/login/passkey/finish` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PasskeyLoginRequest {
    /// What `login/passkey/start` answered.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    challenge_id: String,
    /// The assertion in its JSON form (`credential.toJSON()`).
    #[schema(value_type = Object)]
    credential: Value,
}

fn unknown_ceremony() -> ApiError {
    invalid_passkey("This passkey login is unknown, used or expired: start again")
        .with_field("challengeId")
}

/// Start a passkey login.
///
/// Options for the browser's `navigator.credentials.get()`; no address is
/// asked (the authenticator offers its passkeys for this site).
#[utoipa::path(
    post,
    path = "/api/users/login/passkey/start",
    operation_id = "startPasskeyLogin",
    tag = "users",
    responses(
        (status = 200, description = "The request options", body = PasskeyLoginOptions),
        (status = 429, description = "Too many requests from this address (`too_many_requests`)",
         body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        CrossSiteError, NoBodyErrors, StoreErrors,
    ),
)]
pub async fn start(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let party = relying_party(&state)?;
    let (options, ceremony) = party.start_login().map_err(ApiError::internal)?;
    let token = ChallengeToken::generate();
    let key = CeremonyKey::Login(token.hash());
    let ceremony = PasskeyCeremony::begin(key, ceremony, state.now());
    state.store.put_passkey_ceremony(&ceremony).await?;
    Ok(HttpResponse::Ok().json(PasskeyLoginOptions {
        challenge_id: token.expose().to_owned(),
        public_key: options,
    }))
}

/// Finish a passkey login.
///
/// Checks the assertion (origin, challenge, signature, user verification,
/// counter) against the passkey it names and opens the session, as a login
/// with both factors does (device cookie, audit entry). Each challenge
/// answers once.
#[utoipa::path(
    post,
    path = "/api/users/login/passkey/finish",
    operation_id = "finishPasskeyLogin",
    tag = "users",
    request_body = PasskeyLoginRequest,
    responses(
        (status = 200, description = "Logged in", body = AuthSuccess,
         headers(("Set-Cookie" = String, description = "The session's cookie (and the device cookie)"))),
        (status = 400, description = "The assertion was refused, or the challenge is unknown, used \
            or expired (`invalid_passkey`)", body = ErrorBody),
        (status = 401, description = "No account has this passkey (`invalid_credentials`)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`too_many_requests`)",
         body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn finish(
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<PasskeyLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let party = relying_party(&state)?;
    let token = ChallengeToken::parse(&body.challenge_id).ok_or_else(unknown_ceremony)?;
    let (assertion, user_id, credential_id) =
        party.read_assertion(body.credential).map_err(refused)?;
    let now = state.now();
    let key = CeremonyKey::Login(token.hash());
    let ceremony = state.store.take_passkey_ceremony(&key, now).await?;
    let ceremony = ceremony.ok_or_else(unknown_ceremony)?;
    let passkey = state.store.find_passkey(&credential_id).await?;
    let user = state.store.find_user(user_id).await?;
    let (Some(passkey), Some(user)) = (
        passkey.filter(|passkey| passkey.user_id == user_id),
        user.filter(|user| user.active),
    ) else {
        tracing::warn!(user = %user_id, "passkey login refused: no such passkey");
        metrics::counter!(crate::monitoring::FAILED_LOGINS).increment(1);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "This passkey is not registered here: sign in another way",
        ));
    };
    let updated = party
        .finish_login(&ceremony.state, &assertion, &passkey)
        .map_err(|error| {
            metrics::counter!(crate::monitoring::FAILED_LOGINS).increment(1);
            refused(error)
        })?;
    let recorded = state
        .store
        .record_passkey_use(&passkey, updated.as_deref(), now)
        .await?;
    if !recorded {
        // Another login with this passkey moved its counter meanwhile.
        return Err(invalid_passkey(
            "The passkey was used at the same time: start again",
        ));
    }
    let device = trust_new_device(&state, &request, user.id).await?;
    open_session(&state, &request, &user, device, Some("passkey")).await
}
