//! Erasure: a customer closing their account with their password
//! (`DELETE /api/users/me`), or staff erasing one. One durable step makes
//! the account no one's (no login, no session, the address free to
//! register again); then their live future bookings are cancelled (their
//! consultants told) and what is left of them is removed. A crash between
//! the two is resumed by the service's upkeep.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::all_bookings;
use crate::auth::{CustomerSession, removal_cookie};
use crate::domain::{
    AuditContext, AuditEntry, Booking, BookingScope, ChangedBy, Effects, Erasure, EventType,
    Password, User, WebhookEvent, anonymised,
};
use crate::error::{ApiError, ErrorBody, ErrorChain};
use crate::http::ApiJson;
use crate::routes::bookings::cancel_whatever_the_notice;
use crate::routes::responses::{BodyErrors, CrossSiteError, SessionErrors};
use crate::routes::users::credentials::check_current_password;
use crate::routes::users::limit_by_address;
use crate::state::AppState;

/// `DELETE /api/users/me` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// The account's password.
    #[schema(example = "correct horse battery")]
    password: String,
}

impl std::fmt::Debug for EraseRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EraseRequest { password: <redacted> }")
    }
}

/// What an accepted erasure answers.
#[derive(Serialize, ToSchema)]
pub struct Erased {
    #[schema(example = "Account Erased")]
    title: &'static str,
    #[schema(example = "The account and its personal data were erased")]
    detail: &'static str,
}

impl Erased {
    pub(crate) fn done() -> Self {
        Self {
            title: "Account Erased",
            detail: "The account and its personal data were erased",
        }
    }
}

/// Delete my account.
///
/// Erases the logged-in customer, given their password: their sessions
/// end, their live future bookings are cancelled (consultants are told),
/// their name, address, notes and destinations are removed (bookings stay,
/// anonymised, in the consultants' history), and the address can register
/// again. A wrong password counts toward the account's lockout. Consultants
/// and staff are closed by the agency (403).
#[utoipa::path(
    delete,
    path = "/api/users/me",
    operation_id = "eraseMe",
    tag = "users",
    request_body = EraseRequest,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 202, description = "Erased; the cookie is cleared", body = Erased),
        (status = 401, description = "No valid session (`unauthenticated`), or a wrong password (`invalid_credentials`)", body = ErrorBody),
        (status = 403, description = "Not a customer (`forbidden`)", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords (`too_many_attempts`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, CrossSiteError, SessionErrors,
    ),
)]
pub async fn erase_me(
    state: web::Data<AppState>,
    request: HttpRequest,
    customer: CustomerSession,
    ApiJson(body): ApiJson<EraseRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let password = Password::parse_presented(body.password, "password")?;
    check_current_password(&state, &customer, password, "password", "erasure").await?;
    let context = customer.audit(state.now());
    erase(&state, &customer.user, &context, ChangedBy::Customer).await?;
    Ok(HttpResponse::Accepted()
        .cookie(removal_cookie(&state.settings.cookie))
        .json(Erased::done()))
}

/// Erases `user`'s person, as `context` asks (`by` is who the consultants
/// are told cancelled): the durable step, then the follow-ups (left to
/// the upkeep if one fails). An account erased already is left as it is.
pub(crate) async fn erase(
    state: &AppState,
    user: &User,
    context: &AuditContext,
    by: ChangedBy,
) -> Result<(), ApiError> {
    if Erasure::done_for(user) {
        return Ok(());
    }
    let erasure = Erasure::of(user, state.now());
    // A password nobody knows: the old hash, a secret's image, goes.
    let hash = state.hasher.hash(Password::generate()).await?;
    let erased = WebhookEvent::new(
        EventType::CustomerErased,
        context.at,
        serde_json::json!({ "customerId": user.id.to_string() }),
    );
    let effects = Effects {
        audit: vec![AuditEntry::erased(context, user.id)],
        events: vec![erased],
        ..Effects::default()
    };
    let account = erasure.erased_account(user);
    if state
        .store
        .begin_erasure(&account, &hash, &erasure, &effects)
        .await?
    {
        tracing::info!(user = %user.id, "erasure begun");
        // Once begun the erasure is the person's answer: a step failing
        // now (the store away a moment) is retried by the upkeep.
        if let Err(error) = follow_up(state, &erasure, context, by).await {
            tracing::warn!(user = %user.id, error = %ErrorChain(&error), "erasure to be finished by the upkeep");
        }
    }
    Ok(())
}

/// The second half of `erasure`: live future bookings cancelled, then the
/// rest removed (and the erasure marked finished).
async fn follow_up(
    state: &AppState,
    erasure: &Erasure,
    context: &AuditContext,
    by: ChangedBy,
) -> Result<(), ApiError> {
    let customer = erasure.user_id;
    let scope = BookingScope::Own {
        customer,
        consultant: None,
    };
    for booking in all_bookings(state, scope).await? {
        let without_them = |booking: Booking| anonymised(&booking);
        cancel_whatever_the_notice(state, context, booking, by, None, without_them).await?;
    }
    state.store.finish_erasure(erasure).await?;
    tracing::info!(user = %customer, "erasure finished");
    Ok(())
}

/// Erases the customers `RETENTION_DAYS` lets go (the service's upkeep
/// calls it with the hourly purge).
pub(crate) async fn erase_dormant(state: &AppState) {
    let Some(retention) = state.settings.privacy.retention else {
        return;
    };
    let now = state.now();
    let dormant = match state.store.dormant_customers(now - retention).await {
        Ok(dormant) => dormant,
        Err(error) => {
            tracing::warn!(error = %ErrorChain(&error), "could not look for dormant customers");
            return;
        }
    };
    let context = AuditContext::service(now);
    for user in dormant {
        match erase(state, &user, &context, ChangedBy::Agency).await {
            Ok(()) => tracing::info!(user = %user.id, "dormant customer erased"),
            Err(error) => {
                tracing::warn!(user = %user.id, error = %ErrorChain(&error), "dormant customer not erased yet")
            }
        }
    }
}

/// Finishes the erasures a crash interrupted (the service's upkeep calls
/// it at start and then periodically).
pub(crate) async fn resume(state: &AppState) {
    let unfinished = match state.store.unfinished_erasures().await {
        Ok(unfinished) => unfinished,
        Err(error) => {
            tracing::warn!(error = %ErrorChain(&error), "could not look for unfinished erasures");
            return;
        }
    };
    let context = AuditContext::service(state.now());
    for erasure in unfinished {
        if let Err(error) = follow_up(state, &erasure, &context, ChangedBy::Agency).await {
            tracing::warn!(user = %erasure.user_id, error = %ErrorChain(&error), "erasure not finished yet");
        }
    }
}
