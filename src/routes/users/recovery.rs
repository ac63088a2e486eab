//! Password reset: asking for a mailed link, and setting a new password
//! with its token. Asking answers the same whether or not the address has
//! an account, after the same store work (the dispatcher finds out later).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::credentials::password_effects;
use super::{Message, audit_as, limit_by_address, redacted_debug};
use crate::auth;
use crate::domain::{
    AccountMail, AccountMessage, AccountToken, AuditAction, CredentialsStamp, Email, Password,
    Reservation, ThrottleKey, TokenPurpose, User,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::{BodyErrors, CrossSiteError, StoreErrors};
use crate::state::AppState;

/// `POST /api/users/password-reset` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[schema(format = Email, max_length = 254, example = "ada@example.com")]
    email: String,
}

/// `POST /api/users/password-reset/confirm` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PasswordResetConfirmation {
    /// The token from the mailed link (64 hex characters).
    #[schema(min_length = 64, max_length = 64)]
    token: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    new_password: String,
}

redacted_debug!(PasswordResetRequest, email);
redacted_debug!(PasswordResetConfirmation,);

fn invalid_reset_token() -> ApiError {
    // One answer for unknown, used, expired and superseded tokens.
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_reset_token",
        "This password reset link is invalid or has expired; ask for a new one",
    )
    .with_field("token")
}

/// Uses up `token` for `purpose`: the account it acts on, if it is stored,
/// unexpired, not superseded and still valid for the account as it is now.
pub(super) async fn redeem(
    state: &AppState,
    token: &AccountToken,
    purpose: TokenPurpose,
) -> Result<Option<User>, ApiError> {
    let used = state
        .store
        .consume_account_token(&token.hash(), purpose, state.now())
        .await?;
    let Some(used) = used else {
        return Ok(None);
    };
    let account = state.store.find_user(used.user_id).await?;
    Ok(account.filter(|account| used.still_valid_for(account)))
}

/// Ask for a password reset link.
///
/// Mails a reset link (valid 30 minutes, single use) to the address if an
/// account uses it. The answer is the same either way. Three account mails an
/// hour per mailbox; a device the owner logged in with has three of its own.
#[utoipa::path(
    post,
    path = "/api/users/password-reset",
    operation_id = "requestPasswordReset",
    tag = "users",
    request_body = PasswordResetRequest,
    params(("device" = Option<String>, Cookie, nullable = false, pattern = "^[0-9a-f]{32}$",
        description = "The httpOnly device cookie (`Path=/api/users`, 180 days) a login or registration \
            set: a device that logged in to the account before has its own failed-login and mail budgets")),
    responses(
        (status = 202, description = "Accepted, whether or not an account uses the address", body = Message),
        (status = 429, description = "Too many requests from this address (`too_many_requests`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let email = Email::parse(&body.email)?;
    // Looked up whether or not the owner's device asks: the same work
    // for every address.
    let account = state.store.find_credentials(&email).await?;
    let account = account.map(|credentials| credentials.user.id);
    match auth::reserve_account_mail(&state, &request, &email, account).await? {
        Reservation::Granted => {
            let mail = AccountMail::PasswordReset { email };
            let message = AccountMessage::new(mail, state.now());
            state.store.insert_account_message(&message).await?;
        }
        // Still 202: the answer must not differ.
        Reservation::Refused { .. } => {
            tracing::warn!("password reset mail not queued: three already this hour");
        }
    }
    Ok(HttpResponse::Accepted().json(Message {
        title: "Password Reset Requested",
        detail: "If an account uses this address, a link to reset its password is on its way",
    }))
}

/// Set a new password with a reset link.
///
/// Every session of the account ends, its failed-login lockout is lifted, its
/// other reset links and its calendar feed stop working; nobody is logged in
/// (the owner logs in with the new password).
#[utoipa::path(
    post,
    path = "/api/users/password-reset/confirm",
    operation_id = "confirmPasswordReset",
    tag = "users",
    request_body = PasswordResetConfirmation,
    responses(
        (status = 200, description = "The password is replaced", body = Message),
        (status = 400, description = "An unknown, used, expired or superseded token (`invalid_reset_token`), \
            an unacceptable password (`invalid_password`), or a malformed body", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`too_many_requests`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<PasswordResetConfirmation>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let token = AccountToken::parse(&body.token).ok_or_else(invalid_reset_token)?;
    let password = Password::parse_new(body.new_password, "newPassword")?;
    // Hashed before the token is used up, so a failure here costs no token.
    let hash = state.hasher.hash(password).await?;
    let account = redeem(&state, &token, TokenPurpose::PasswordReset).await?;
    let Some(account) = account else {
        tracing::warn!("password reset refused: unknown, used, expired or superseded token");
        return Err(invalid_reset_token());
    };
    let user = account.id;
    state
        .store
        .clear_attempts(&ThrottleKey::account(&account.email))
        .await?;
    let stamp = CredentialsStamp::generate();
    let context = audit_as(Some(&account), &request, state.now());
    let effects = password_effects(&context, &account, AuditAction::UserPasswordReset);
    let expired = state
        .store
        .change_password(user, &hash, stamp, None, &effects)
        .await?;
    tracing::info!(%user, expired, "password reset");
    Ok(HttpResponse::Ok().json(Message {
        title: "Password Reset",
        detail: "Your password is changed and every session logged out; log in with the new password",
    }))
}
