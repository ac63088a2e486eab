//! Registration: a new customer account, logged in, and the mail that asks
//! its owner to verify the address (queued with the account).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    AuthSuccess, LocaleName, UserView, audit_as, discard_presented_session, limit_by_address,
    redacted_debug, with_session_cookie,
};
use crate::auth;
use crate::domain::{
    AccountMail, AccountMessage, AuditEntry, Consent, Effects, Email, EventType, Locale, Password,
    PersonName, Reservation, User, WebhookEvent, parse_time_zone,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::rate_limit::client_address;
use crate::routes::responses::{BodyErrors, CrossSiteError, StoreErrors};
use crate::state::AppState;

/// `POST /api/users/register` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Trimmed and compared case-insensitively.
    #[schema(format = Email, max_length = 254, example = "ada@example.com")]
    email: String,
    /// 8 to 128 characters, any characters.
    #[schema(min_length = 8, max_length = 128, example = "correct horse battery")]
    password: String,
    /// 1 to 100 characters after trimming.
    #[schema(min_length = 1, max_length = 100, example = "Ada Lovelace")]
    name: String,
    /// The language to write to them in (a region is ignored: `es-MX` is
    /// `es`); without it, the best match of `Accept-Language`, else
    /// `DEFAULT_LOCALE`.
    #[schema(value_type = Option<LocaleName>)]
    #[serde(default)]
    locale: Option<String>,
    /// Their time zone (IANA), for the times in their mail; without it,
    /// each consultant's.
    #[schema(example = "Europe/Madrid")]
    #[serde(default)]
    timezone: Option<String>,
}

redacted_debug!(RegisterRequest, email, name);

/// Register a customer.
///
/// Creates a customer account and logs it in: a new session in the `token`
/// cookie, and a `device` cookie for this browser or app. A mail asks the
/// owner of the address to verify it (three account mails an hour per mailbox
/// at most; past that the account is still made).
#[utoipa::path(
    post,
    path = "/api/users/register",
    operation_id = "register",
    tag = "users",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and logged in", body = AuthSuccess,
         headers(("Set-Cookie" = String, description = "token=<32 hex>; HttpOnly; SameSite=Strict; Path=/; Max-Age=1209600"))),
        (status = 409, description = "The email is taken (`email_taken`)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`too_many_requests`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, CrossSiteError, StoreErrors,
    ),
)]
pub async fn register(
    state: web::Data<AppState>,
    request: HttpRequest,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_address(&state, &request)?;
    let email = Email::parse(&body.email)?;
    let password = Password::parse_new(body.password, "password")?;
    let name = PersonName::parse(&body.name)?;
    let locale = match &body.locale {
        Some(tag) => Locale::parse(tag)?,
        None => accepted_locale(&request).unwrap_or(state.settings.default_locale),
    };
    let timezone = body.timezone.as_deref().map(parse_time_zone).transpose()?;
    let password_hash = state.hasher.hash(password).await?;
    let user = User {
        locale,
        timezone,
        ..User::new_customer(email, name, state.now())
    };
    let stamp = user.credentials_stamp;
    let (token, session) = auth::new_session(&state, user.id, stamp, &request);
    // Past the mailbox's budget the account is still made; its owner asks
    // for the mail again later.
    let verification = match auth::reserve_account_mail(&state, &request, &user.email, None).await?
    {
        Reservation::Granted => Some(AccountMessage::new(
            AccountMail::Verification { user: user.id },
            state.now(),
        )),
        Reservation::Refused { .. } => {
            tracing::warn!("verification mail not queued: the mailbox had three this hour");
            None
        }
    };
    let context = audit_as(Some(&user), &request, state.now());
    let registered = WebhookEvent::new(
        EventType::CustomerRegistered,
        state.now(),
        serde_json::json!({ "user": UserView::from(&user) }),
    );
    let consent = Consent {
        user_id: user.id,
        terms_version: state.settings.privacy.terms_version.clone(),
        accepted_at: state.now(),
        client_address: client_address(&request, &state.settings.client_address),
    };
    let effects = Effects {
        account_mails: verification.into_iter().collect(),
        audit: vec![AuditEntry::account_created(&context, &user, false)],
        events: vec![registered],
        consent: Some(consent),
        ..Effects::default()
    };
    state
        .store
        .insert_user(&user, &password_hash, Some(&session), &effects)
        .await?;
    discard_presented_session(&state, &request).await?;
    let device = auth::trust_this_device(&state, user.id).await?;
    tracing::info!(user = %user.id, "user registered");
    let body = AuthSuccess {
        title: "User Registration Successful",
        detail: "Successfully registered new user",
        user: UserView::from(&user),
    };
    Ok(with_session_cookie(
        HttpResponse::Created(),
        &state,
        &token,
        Some(device),
        body,
    ))
}

/// The supported locale the request's `Accept-Language` prefers, if any.
fn accepted_locale(request: &HttpRequest) -> Option<Locale> {
    let header = request.headers().get(header::ACCEPT_LANGUAGE)?;
    Locale::preferred(header.to_str().ok()?)
}
