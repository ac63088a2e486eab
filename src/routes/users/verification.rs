//! Address verification: the mailed link, and asking for another mail.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Message, UserEnvelope, UserView, limit_by_address, redacted_debug};
use crate::auth::{self, Authenticated};
use crate::domain::{AccountMail, AccountMessage, AccountToken, Reservation, TokenPurpose};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::{
    BodyErrors, CrossSiteError, NoBodyErrors, SessionErrors, StoreErrors,
};
use crate::state::AppState;

/// `POST /api/users/verify-email` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The token from the mailed link (64 hex characters).
    #[schema(min_length = 64, max_length = 64)]
    token: String,
}

redacted_debug!(VerifyEmailRequest,);

fn invalid_verification_token() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_verification_token",
        "This verification link is invalid or has expired; ask for a new one",
    )
    .with_field("token")
}

/// Verify the address.
///
/// Marks the address verified with the token from a verification mail. No
/// session is needed: the link may be opened on another device.
#[utoipa::path(
    post,
    path = "/api/users/verify-email",
    operation_id = "verifyEmail",
    tag = "users",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "Verified", body = UserEnvelope),
        (status = 400, description = "An unknown, used or expired token (`invalid_verification_token`), \
            or a malformed body", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`too_many_requests`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn verify_email(
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<VerifyEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let token = AccountToken::parse(&body.token).ok_or_else(invalid_verification_token)?;
    let purpose = TokenPurpose::EmailVerification;
    let used = state
        .store
        .consume_account_token(&token.hash(), purpose, state.now())
        .await?;
    let Some(user) = used else {
        tracing::warn!("address verification refused: unknown, used or expired token");
        return Err(invalid_verification_token());
    };
    let Some(user) = state.store.mark_email_verified(user.user_id).await? else {
        return Err(invalid_verification_token());
    };
    tracing::info!(user = %user.id, "address verified");
    Ok(HttpResponse::Ok().json(UserEnvelope {
        user: UserView::from(&user),
    }))
}

/// Send another verification mail.
///
/// Sends the logged-in user a new verification link. Verification and reset
/// mails share a budget of three an hour per mailbox.
#[utoipa::path(
    post,
    path = "/api/users/me/verification",
    operation_id = "resendVerification",
    tag = "users",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 202, description = "A new verification mail is on its way", body = Message),
        (status = 409, description = "The address is verified already (`already_verified`)", body = ErrorBody),
        (status = 429, description = "Three verification mails within the hour, or too many requests \
            from this address (`too_many_requests`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        SessionErrors, CrossSiteError, NoBodyErrors,
    ),
)]
pub async fn resend_verification(
    state: web::Data<AppState>,
    request: HttpRequest,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let user = &auth.user;
    if user.email_verified {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_verified",
            "This address is verified already",
        ));
    }
    let now = state.now();
    // The mailbox's budget only: whoever registered the address holds a
    // device trusted for the account, so a device budget would let them
    // mail it without end.
    if let Reservation::Refused { retry_at } =
        auth::reserve_account_mail(&state, &request, &user.email, None).await?
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Three mails were sent to this address within the hour; try again later",
        )
        .with_retry_after((retry_at - now).num_seconds().max(1) as u64));
    }
    let message = AccountMessage::new(AccountMail::Verification { user: user.id }, now);
    state.store.insert_account_message(&message).await?;
    tracing::info!(user = %user.id, "verification mail asked for again");
    Ok(HttpResponse::Accepted().json(Message {
        title: "Verification Mail Sent",
        detail: "A new link to verify your address is on its way",
    }))
}
