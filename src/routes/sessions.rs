//! `/api/users/me/sessions`: the user's logged-in devices.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::responses::{CrossSiteError, NoBodyErrors, SessionErrors};

use crate::auth::{Authenticated, removal_cookie};
use crate::domain::{AuditEntry, Effects, Session, SessionId, format_timestamp};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// A session as its owner sees it: a public id, never the token or its hash.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    #[schema(example = "6b03f1984dd6f480974a713c")]
    id: String,
    #[schema(format = DateTime)]
    created_at: String,
    /// Last use, to within a minute.
    #[schema(format = DateTime)]
    last_seen_at: String,
    /// When it stops working if unused: the earlier of its absolute expiry
    /// and the idle timeout.
    #[schema(format = DateTime)]
    expires_at: String,
    #[schema(example = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)")]
    user_agent: Option<String>,
    /// Whether this is the session making the request.
    current: bool,
}

/// `{"sessions": [Session]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    sessions: Vec<SessionView>,
}

/// `{"revoked": n}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revoked {
    /// How many sessions were expired.
    revoked: u64,
}

impl SessionView {
    pub(crate) fn new(session: &Session, auth: &Authenticated, state: &AppState) -> Self {
        let current = &auth.session;
        Self {
            id: session.id.to_string(),
            created_at: format_timestamp(session.created_at),
            last_seen_at: format_timestamp(session.last_seen_at),
            // When it stops working if unused: absolute or idle limit, whichever is first.
            expires_at: format_timestamp(session.usable_until(&auth.user, &state.settings.session)),
            user_agent: session
                .user_agent
                .as_ref()
                .map(|agent| agent.as_str().to_owned()),
            current: session.id == current.id,
        }
    }
}

/// The user's sessions.
///
/// Usable sessions of the current user, newest first, with the one making the
/// request marked `current`.
#[utoipa::path(
    get,
    path = "/api/users/me/sessions",
    operation_id = "listSessions",
    tag = "users",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses((status = 200, description = "The sessions", body = SessionList), SessionErrors),
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let sessions: Vec<_> = state
        .store
        .list_sessions(auth.user.id, now)
        .await?
        .iter()
        .filter(|session| {
            session
                .check(&auth.user, now, &state.settings.session)
                .is_ok()
        })
        .map(|session| SessionView::new(session, &auth, &state))
        .collect();
    Ok(HttpResponse::Ok().json(SessionList { sessions }))
}

/// End one session.
///
/// Expires one of the user's sessions; ending the current one logs this
/// client out and clears its cookie.
#[utoipa::path(
    delete,
    path = "/api/users/me/sessions/{id}",
    operation_id = "revokeSession",
    tag = "users",
    params(("id" = String, Path, description = "A session's public id")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 204, description = "Expired"),
        (status = 404, description = "No such active session of this user (`session_not_found`)", body = ErrorBody),
        SessionErrors, CrossSiteError, NoBodyErrors,
    ),
)]
pub async fn revoke(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::not_found("session_not_found", "No such active session");
    let id = SessionId::parse(&id).ok_or_else(not_found)?;
    if !state.store.expire_session(auth.user.id, id).await? {
        return Err(not_found());
    }
    let mut response = HttpResponse::NoContent();
    if id == auth.session.id {
        response.cookie(removal_cookie(&state.settings.cookie));
    }
    Ok(response.finish())
}

/// Log out everywhere else.
///
/// Expires every session of the user except the current one, and turns off a
/// consultant's calendar feed (a feed made in a stolen session must not
/// outlive it).
#[utoipa::path(
    delete,
    path = "/api/users/me/sessions",
    operation_id = "revokeOtherSessions",
    tag = "users",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "Expired", body = Revoked),
        SessionErrors, CrossSiteError, NoBodyErrors,
    ),
)]
pub async fn revoke_others(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let effects = match auth.user.role.consultant_id() {
        Some(consultant) => Effects::default().if_feed_revoked(AuditEntry::feed(
            &auth.audit(state.now()),
            consultant,
            false,
            "logged out everywhere",
        )),
        None => Effects::default(),
    };
    let revoked = state
        .store
        .expire_other_sessions(auth.user.id, auth.session.id, &effects)
        .await?;
    Ok(HttpResponse::Ok().json(Revoked { revoked }))
}
