//! A consultant's calendar feed: a secret URL their calendar program
//! subscribes to (Google Calendar, Outlook, Apple Calendar), serving their
//! live bookings as iCalendar. The secret is the credential; the store
//! keeps its SHA-256, and a new one replaces the old.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use chrono::TimeDelta;
use serde::Serialize;
use utoipa::ToSchema;

use super::consultant_calendar::live_bookings_between;
use super::responses::{NoBodyErrors, SessionErrors, StoreErrors};
use crate::auth::ConsultantSession;
use crate::domain::{
    AccountToken, AuditEntry, Effects, FeedSecret, Timestamp, User, UserId, latest_instant,
};
use crate::error::{ApiError, ErrorBody};
use crate::mail::{Parties, invite};
use crate::state::AppState;

/// How far back the feed reaches: last month's appointments stay visible.
const FEED_PAST: TimeDelta = TimeDelta::days(30);
/// How long calendar programs and proxies may keep a copy (private: it is
/// one consultant's).
const FEED_CACHE_CONTROL: &str = "private, max-age=300";

/// `{"url": …}`: the feed's secret address.
#[derive(Serialize, ToSchema)]
pub struct FeedUrl {
    #[schema(example = "https://app.tripdesk.example/calendar/3f1c…9ab0.ics")]
    url: String,
}

fn not_found() -> ApiError {
    ApiError::not_found("calendar_not_found", "There is no such calendar")
}

/// Make a new calendar feed URL.
///
/// Makes a new secret URL a calendar program can subscribe to; the previous
/// one stops working. The secret is the credential: keep it like a password.
#[utoipa::path(
    post,
    path = "/api/consultants/me/calendar-feed",
    operation_id = "rotateMyCalendarFeed",
    tag = "calendar",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 201, description = "The new feed URL", body = FeedUrl),
        (status = 403, description = "Not a consultant (`forbidden`), or a cross-site request (`csrf_rejected`)", body = ErrorBody),
        SessionErrors, NoBodyErrors,
    ),
)]
pub async fn rotate(
    state: web::Data<AppState>,
    auth: ConsultantSession,
) -> Result<HttpResponse, ApiError> {
    let consultant = auth.consultant;
    let now = state.now();
    let (token, secret) = FeedSecret::issue(now);
    let entry = AuditEntry::feed(&auth.audit(now), consultant, true, "asked for");
    state
        .store
        .set_calendar_feed(consultant, Some(&secret), &Effects::audit([entry]))
        .await?;
    tracing::info!(%consultant, "calendar feed secret replaced");
    let base = state.settings.mail.public_base_url.trim_end_matches('/');
    Ok(HttpResponse::Created().json(FeedUrl {
        url: format!("{base}/calendar/{}.ics", token.expose()),
    }))
}

/// Whether the feed is on (never its secret).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedStatus {
    active: bool,
    /// When the current secret was made; `null` when the feed is off.
    #[schema(value_type = Option<String>, format = DateTime)]
    created_at: Option<Timestamp>,
}

/// `{"feed": FeedStatus}`.
#[derive(Serialize, ToSchema)]
pub struct FeedStatusEnvelope {
    feed: FeedStatus,
}

/// Whether the calendar feed is on.
///
/// Whether a feed URL works, and since when, never its secret: its owner sees
/// a feed someone else may have made in their session.
#[utoipa::path(
    get,
    path = "/api/consultants/me/calendar-feed",
    operation_id = "getMyCalendarFeed",
    tag = "calendar",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "Whether the feed is on", body = FeedStatusEnvelope),
        (status = 403, description = "Not a consultant (`forbidden`)", body = ErrorBody),
        SessionErrors,
    ),
)]
pub async fn status(
    state: web::Data<AppState>,
    auth: ConsultantSession,
) -> Result<HttpResponse, ApiError> {
    let consultant = auth.consultant;
    let since = state.store.calendar_feed_since(consultant).await?;
    Ok(HttpResponse::Ok().json(FeedStatusEnvelope {
        feed: FeedStatus {
            active: since.is_some(),
            created_at: since.map(Timestamp),
        },
    }))
}

/// Turn the calendar feed off.
///
/// The feed's URL stops working at once.
#[utoipa::path(
    delete,
    path = "/api/consultants/me/calendar-feed",
    operation_id = "revokeMyCalendarFeed",
    tag = "calendar",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 204, description = "Turned off"),
        (status = 403, description = "Not a consultant (`forbidden`), or a cross-site request (`csrf_rejected`)", body = ErrorBody),
        SessionErrors, NoBodyErrors,
    ),
)]
pub async fn revoke(
    state: web::Data<AppState>,
    auth: ConsultantSession,
) -> Result<HttpResponse, ApiError> {
    let consultant = auth.consultant;
    let entry = AuditEntry::feed(&auth.audit(state.now()), consultant, false, "turned off");
    state
        .store
        .set_calendar_feed(consultant, None, &Effects::audit([entry]))
        .await?;
    tracing::info!(%consultant, "calendar feed turned off");
    Ok(HttpResponse::NoContent().finish())
}

/// A consultant's calendar feed.
///
/// The consultant's live bookings from 30 days ago on (whatever the booking
/// horizon is now) as an iCalendar `PUBLISH` feed. The secret in the path is
/// the credential; no session is needed, as calendar programs send none.
#[utoipa::path(
    get,
    path = "/calendar/{token}.ics",
    operation_id = "calendarFeed",
    tag = "calendar",
    params(("token" = String, Path, description = "The feed's secret (64 hex characters)")),
    responses(
        (status = 200, description = "An iCalendar feed (`METHOD:PUBLISH`, events without attendees): the live \
            bookings from 30 days ago on", content_type = "text/calendar", body = String,
         headers(("Cache-Control" = String, description = "private, max-age=300"))),
        (status = 404, description = "No feed has this secret (`calendar_not_found`)", body = ErrorBody),
        StoreErrors,
    ),
)]
pub async fn serve(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = AccountToken::parse(&token).ok_or_else(not_found)?;
    let store = &state.store;
    let consultant = store
        .find_consultant_by_feed(&token.hash())
        .await?
        .ok_or_else(not_found)?;
    let account = store
        .find_consultant_account(consultant.id)
        .await?
        .ok_or_else(not_found)?;
    let (from, to) = (state.now() - FEED_PAST, latest_instant());
    let bookings = live_bookings_between(&state, consultant.id, from, to).await?;
    let mut customers = HashMap::<UserId, Option<User>>::new();
    for booking in &bookings {
        if let Entry::Vacant(entry) = customers.entry(booking.customer_id) {
            entry.insert(store.find_user(booking.customer_id).await?);
        }
    }
    let host = invite::host_of(&state.settings.mail.public_base_url);
    let mut events = Vec::with_capacity(bookings.len());
    for booking in &bookings {
        let Some(Some(customer)) = customers.get(&booking.customer_id) else {
            continue;
        };
        let parties = Parties {
            customer: customer.clone(),
            consultant: consultant.clone(),
            consultant_account: account.clone(),
            former_consultant: None,
        };
        events.push(invite::feed_event(booking, &parties, host, account.locale));
    }
    let name = format!("tripdesk: {}", consultant.name);
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static(FEED_CACHE_CONTROL),
        ))
        .body(invite::feed(&name, events)))
}
