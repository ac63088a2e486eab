//! The personal data export: one JSON document with the person's profile,
//! sessions, bookings in either role, the mails sent to them, the audit
//! entries by or about them, their consents and their passkeys.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::all_bookings;
use crate::auth::Authenticated;
use crate::domain::{
    BookingScope, Consent, LoginThrottle, MailRecord, Reservation, ThrottleKey, Timestamp, mails_to,
};
use crate::error::{ApiError, ErrorBody};
use crate::routes::admin::AuditEntryView;
use crate::routes::bookings::BookingView;
use crate::routes::passkeys::PasskeyView;
use crate::routes::responses::SessionErrors;
use crate::routes::sessions::SessionView;
use crate::routes::users::UserView;
use crate::state::AppState;

/// A mail sent to the person.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailView<'a> {
    /// The mail's `Message-ID`.
    #[schema(example = "account.4f1c0b6d2e8a9f3b7c5d1e0a2b4c6d8e")]
    message_id: &'a str,
    /// `null` for a mail given up before it was written.
    #[schema(example = "Your booking request was received")]
    subject: Option<&'a str>,
    /// When it was handed to the mail server, or given up.
    #[schema(value_type = String, format = DateTime)]
    at: Timestamp,
    /// `sent` or `failed`.
    #[schema(example = "sent")]
    status: &'static str,
}

impl<'a> From<&'a MailRecord> for MailView<'a> {
    fn from(mail: &'a MailRecord) -> Self {
        Self {
            message_id: &mail.message_id,
            subject: mail.subject.as_deref(),
            at: Timestamp(mail.at),
            status: mail.status.as_str(),
        }
    }
}

/// The terms the person accepted.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView<'a> {
    #[schema(example = "2026-11")]
    terms_version: &'a str,
    #[schema(value_type = String, format = DateTime)]
    accepted_at: Timestamp,
    /// The client address registration came from, when known.
    #[schema(example = "203.0.113.7")]
    client_address: Option<String>,
}

impl<'a> From<&'a Consent> for ConsentView<'a> {
    fn from(consent: &'a Consent) -> Self {
        Self {
            terms_version: consent.terms_version.as_str(),
            accepted_at: Timestamp(consent.accepted_at),
            client_address: consent.client_address.map(|address| address.to_string()),
        }
    }
}

/// Everything the service holds about the person.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonalData<'a> {
    #[schema(value_type = String, format = DateTime)]
    exported_at: Timestamp,
    user: UserView,
    /// Usable sessions (ended ones are purged), without their tokens.
    sessions: Vec<SessionView>,
    /// Bookings the person made, and as a consultant those made with them.
    bookings: Vec<BookingView<'a>>,
    /// Mails handed to the mail server for them (or given up), oldest first.
    mails: Vec<MailView<'a>>,
    /// Entries of the audit log by them or about their account or
    /// bookings, oldest first.
    audit: Vec<AuditEntryView<'a>>,
    consents: Vec<ConsentView<'a>>,
    /// Their passkeys' names and dates (never a key).
    passkeys: Vec<PasskeyView>,
}

/// Download my data.
///
/// Everything the service holds about the logged-in person, as one JSON
/// file to keep: profile, sessions, bookings in either role, the mails sent
/// to them, the audit entries about them, the terms they accepted and their
/// passkeys. Three exports an hour.
#[utoipa::path(
    get,
    path = "/api/users/me/export",
    operation_id = "exportMyData",
    tag = "users",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "The person's data", body = PersonalData,
         headers(
             ("Content-Disposition" = String, description = "attachment; filename=\"tripdesk-data.json\""),
             ("Cache-Control" = String, description = "no-store"),
         )),
        (status = 429, description = "Three exports this hour already (`too_many_requests`)", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        SessionErrors,
    ),
)]
pub async fn export(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let user = &auth.user;
    let now = state.now();
    let key = ThrottleKey::export(user.id);
    if let Reservation::Refused { retry_at } = state
        .store
        .reserve_attempt(&key, &LoginThrottle::EXPORTS, now)
        .await?
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Three exports were made this hour; try again later",
        )
        .with_retry_after((retry_at - now).num_seconds().max(1) as u64));
    }
    let consultant = user.role.consultant_id();
    let (sessions, bookings, audit, consents, passkeys) = futures_util::future::try_join5(
        state.store.list_sessions(user.id, now),
        all_bookings(
            &state,
            BookingScope::Own {
                customer: user.id,
                consultant,
            },
        ),
        state.store.audit_about(user.id, consultant),
        state.store.consents_of(user.id),
        state.store.passkeys_of(user.id),
    )
    .await?;
    let mails = mails_to(user, &bookings, &audit);
    tracing::info!(user = %user.id, "personal data exported");
    let body = PersonalData {
        exported_at: Timestamp(now),
        user: UserView::from(user),
        sessions: sessions
            .iter()
            .map(|session| SessionView::new(session, &auth, &state))
            .collect(),
        bookings: bookings.iter().map(BookingView::from).collect(),
        mails: mails.iter().map(MailView::from).collect(),
        audit: audit.iter().map(AuditEntryView::from).collect(),
        consents: consents.iter().map(ConsentView::from).collect(),
        passkeys: passkeys.iter().map(PasskeyView::from).collect(),
    };
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((
            CONTENT_DISPOSITION,
            "attachment; filename=\"tripdesk-data.json\"",
        ))
        .json(body))
}
