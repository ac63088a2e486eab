//! Accepting an invitation: staff created the account, its owner chooses
//! its first password from the mailed link.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::credentials::password_effects;
use super::recovery::redeem;
use super::{Message, audit_as, limit_by_address, redacted_debug};
use crate::domain::{AccountToken, AuditAction, CredentialsStamp, Password, TokenPurpose};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::{BodyErrors, CrossSiteError, StoreErrors};
use crate::state::AppState;

/// `POST /api/users/set-password` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordRequest {
    /// The token from the invitation link (64 hex characters).
    #[schema(min_length = 64, max_length = 64)]
    token: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    password: String,
}

redacted_debug!(SetPasswordRequest,);

fn invalid_invitation_token() -> ApiError {
    // One answer for unknown, used, expired and superseded tokens.
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_invitation_token",
        "This invitation link is invalid or has expired; ask the agency for a new one",
    )
    .with_field("token")
}

/// Set the first password from an invitation.
///
/// Uses up the token of an invitation link (valid 72 hours, single use; a
/// newer invitation supersedes it): the account gets its password and its
/// address is verified. Nobody is logged in: the owner logs in next.
#[utoipa::path(
    post,
    path = "/api/users/set-password",
    operation_id = "setPassword",
    tag = "users",
    request_body = SetPasswordRequest,
    responses(
        (status = 200, description = "The password is set; the account can log in", body = Message),
        (status = 400, description = "An unknown, used, expired or superseded token \
            (`invalid_invitation_token`), an unacceptable password (`invalid_password`), or a \
            malformed body", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`too_many_requests`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn set_password(
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<SetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let token = AccountToken::parse(&body.token).ok_or_else(invalid_invitation_token)?;
    let password = Password::parse_new(body.password, "password")?;
    // Hashed before the token is used up, so a failure here costs no token.
    let hash = state.hasher.hash(password).await?;
    let account = redeem(&state, &token, TokenPurpose::Invitation).await?;
    let Some(account) = account.filter(|account| account.active && !account.email_verified) else {
        tracing::warn!("invitation refused: unknown, used, expired or superseded token");
        return Err(invalid_invitation_token());
    };
    let context = audit_as(Some(&account), &request, state.now());
    let effects = password_effects(&context, &account, AuditAction::UserPasswordSet);
    let stamp = CredentialsStamp::generate();
    state
        .store
        .change_password(account.id, &hash, stamp, None, &effects)
        .await?;
    // The link reached its owner: that verifies the address. (Should this
    // write fail, the account still logs in and can verify again.)
    state.store.mark_email_verified(account.id).await?;
    tracing::info!(user = %account.id, "invitation accepted");
    Ok(HttpResponse::Ok().json(Message {
        title: "Password Set",
        detail: "Your password is set; log in with it",
    }))
}
