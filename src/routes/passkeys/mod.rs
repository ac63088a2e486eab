//! Passkeys on one's own account: registering one (a WebAuthn creation
//! ceremony in two requests), listing and removing them; the passkey login
//! is in [`login`].

pub mod login;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::domain::{
    AuditAction, CeremonyKey, Effects, Factor, PasskeyCeremony, PasskeyId, PasskeyName,
    StoredPasskey, format_timestamp,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::passkeys::{PasskeyError, RelyingParty};
use crate::routes::mfa::factor_change;
use crate::routes::responses::{BodyErrors, CrossSiteError, NoBodyErrors, SessionErrors};
use crate::state::AppState;

/// Options for `navigator.credentials.create()`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreationOptions {
    /// `PublicKeyCredentialCreationOptions` in its JSON form (binary
    /// fields base64url), as `PublicKeyCredential.parseCreationOptionsFromJSON`
    /// takes it.
    #[schema(value_type = Object)]
    public_key: Value,
}

/// `POST /api/users/me/passkeys/register/finish` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// The new credential in its JSON form (`credential.toJSON()`).
    #[schema(value_type = Object)]
    credential: Value,
    /// What to call it.
    #[schema(example = "Phone", min_length = 1, max_length = 64)]
    name: String,
}

/// A passkey of the account (never its key or credential id).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyView {
    #[schema(example = "65f1c0de8a1b2c3d4e5f6071")]
    id: String,
    #[schema(example = "Phone")]
    name: String,
    #[schema(example = "2026-12-03T09:00:00Z")]
    created_at: String,
    /// When it last signed in, if ever.
    #[schema(example = "2026-12-03T09:30:00Z")]
    last_used_at: Option<String>,
}

impl From<&StoredPasskey> for PasskeyView {
    fn from(passkey: &StoredPasskey) -> Self {
        Self {
            id: passkey.id.to_string(),
            name: passkey.name.as_str().to_owned(),
            created_at: format_timestamp(passkey.created_at),
            last_used_at: passkey.last_used_at.map(format_timestamp),
        }
    }
}

/// `{"passkey": Passkey}`.
#[derive(Serialize, ToSchema)]
pub struct PasskeyEnvelope {
    passkey: PasskeyView,
}

/// `{"passkeys": [Passkey]}`.
#[derive(Serialize, ToSchema)]
pub struct PasskeyList {
    passkeys: Vec<PasskeyView>,
}

/// 400 `invalid_passkey`, with why.
pub(crate) fn invalid_passkey(detail: &'static str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_passkey", detail).with_field("credential")
}

/// The relying party, or 503 when the frontend's origin cannot have
/// passkeys (`PUBLIC_BASE_URL` on an IP address).
pub(crate) fn relying_party(state: &AppState) -> Result<&RelyingParty, ApiError> {
    state.relying_party.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "passkeys_unavailable",
            "Passkeys need PUBLIC_BASE_URL to be a named origin (https://app.example.com)",
        )
    })
}

/// A ceremony that failed: the client's answer (400 `invalid_passkey`, the
/// reason logged), or data of ours that does not read back (500).
pub(crate) fn refused(error: PasskeyError) -> ApiError {
    match error {
        PasskeyError::Corrupt(_) => ApiError::internal(error),
        PasskeyError::Malformed(_) | PasskeyError::Refused(_) | PasskeyError::UnknownUser => {
            tracing::warn!(error = %error, "passkey refused");
            invalid_passkey("The authenticator's answer was refused: start again")
        }
    }
}

/// The audit entry (naming the passkey) and owner's notice of passkey
/// `id` added or removed.
fn passkey_change(
    auth: &Authenticated,
    action: AuditAction,
    id: PasskeyId,
    state: &AppState,
) -> Effects {
    let mut effects = factor_change(auth, (Factor::Passkey, action), state);
    for entry in &mut effects.audit {
        *entry = entry.clone().with("passkey", id.to_string());
    }
    effects
}

/// Start adding a passkey.
///
/// Options for the browser's `navigator.credentials.create()`: a
/// discoverable credential with user verification, none of the account's
/// own again. The answer goes to `register/finish` within five minutes
/// (a new start replaces the one before).
#[utoipa::path(
    post,
    path = "/api/users/me/passkeys/register/start",
    operation_id = "startPasskeyRegistration",
    tag = "users",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "The creation options", body = CreationOptions),
        SessionErrors, CrossSiteError, NoBodyErrors,
    ),
)]
pub async fn start_registration(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let party = relying_party(&state)?;
    let existing = state.store.passkeys_of(auth.user.id).await?;
    let (options, ceremony) = party
        .start_registration(&auth.user, &existing)
        .map_err(ApiError::internal)?;
    let key = CeremonyKey::Registration(auth.user.id);
    let ceremony = PasskeyCeremony::begin(key, ceremony, state.now());
    state.store.put_passkey_ceremony(&ceremony).await?;
    Ok(HttpResponse::Ok().json(CreationOptions {
        public_key: options,
    }))
}

/// Finish adding a passkey.
///
/// Checks the authenticator's answer (origin, challenge, user
/// verification) and keeps the passkey under `name`. Every other session
/// of the account ends, the change is audited and the owner is mailed.
#[utoipa::path(
    post,
    path = "/api/users/me/passkeys/register/finish",
    operation_id = "finishPasskeyRegistration",
    tag = "users",
    request_body = RegistrationRequest,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 201, description = "Added", body = PasskeyEnvelope),
        (status = 400, description = "The answer was refused, no registration was started or it \
            expired, or the passkey is registered already (`invalid_passkey`); a bad name \
            (`invalid_name`)", body = ErrorBody),
        SessionErrors, BodyErrors, CrossSiteError,
    ),
)]
pub async fn finish_registration(
    state: web::Data<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<RegistrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let party = relying_party(&state)?;
    let name = PasskeyName::parse(&body.name)?;
    let now = state.now();
    let key = CeremonyKey::Registration(auth.user.id);
    let Some(ceremony) = state.store.take_passkey_ceremony(&key, now).await? else {
        return Err(invalid_passkey(
            "No passkey registration is waiting: start one first",
        ));
    };
    let credential = party
        .finish_registration(&ceremony.state, body.credential)
        .map_err(refused)?;
    let passkey = StoredPasskey {
        id: PasskeyId::generate(),
        user_id: auth.user.id,
        name,
        credential_id: credential.credential_id,
        credential: credential.credential,
        created_at: now,
        last_used_at: None,
    };
    let effects = passkey_change(&auth, AuditAction::UserMfaEnabled, passkey.id, &state);
    if !state
        .store
        .insert_passkey(&passkey, auth.session.id, &effects)
        .await?
    {
        return Err(invalid_passkey("This passkey is registered already"));
    }
    tracing::info!(user = %auth.user.id, passkey = %passkey.id, "passkey added");
    let body = PasskeyEnvelope {
        passkey: PasskeyView::from(&passkey),
    };
    Ok(HttpResponse::Created().json(body))
}

/// List the account's passkeys.
///
/// Oldest first, each with its name, when it was added and when it last
/// signed in (never its key or credential id).
#[utoipa::path(
    get,
    path = "/api/users/me/passkeys",
    operation_id = "listPasskeys",
    tag = "users",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "Oldest first", body = PasskeyList),
        SessionErrors,
    ),
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let passkeys = state.store.passkeys_of(auth.user.id).await?;
    let passkeys = passkeys.iter().map(PasskeyView::from).collect();
    Ok(HttpResponse::Ok().json(PasskeyList { passkeys }))
}

/// Remove a passkey.
///
/// It can no longer sign in; every other session of the account ends, the
/// change is audited and the owner is mailed.
#[utoipa::path(
    delete,
    path = "/api/users/me/passkeys/{id}",
    operation_id = "removePasskey",
    tag = "users",
    params(("id" = String, Path, description = "A passkey's id")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such passkey of this account (`passkey_not_found`)", body = ErrorBody),
        SessionErrors, CrossSiteError, NoBodyErrors,
    ),
)]
pub async fn remove(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::not_found("passkey_not_found", "No such passkey of this account");
    let id = PasskeyId::parse(&id).ok_or_else(not_found)?;
    let effects = passkey_change(&auth, AuditAction::UserMfaDisabled, id, &state);
    if !state
        .store
        .remove_passkey(auth.user.id, id, auth.session.id, &effects)
        .await?
    {
        return Err(not_found());
    }
    tracing::info!(user = %auth.user.id, passkey = %id, "passkey removed");
    Ok(HttpResponse::NoContent().finish())
}
