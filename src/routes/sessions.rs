//! `/api/users/me/sessions`: the user's logged-in devices.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::json;

use crate::auth::{Authenticated, removal_cookie};
use crate::domain::{Session, SessionId, format_timestamp};
use crate::error::ApiError;
use crate::state::AppState;

/// A session as its owner sees it: a public id, never the token or its hash.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    id: String,
    created_at: String,
    last_seen_at: String,
    expires_at: String,
    user_agent: Option<String>,
    current: bool,
}

impl SessionView {
    fn new(session: &Session, current: &Session, state: &AppState) -> Self {
        Self {
            id: session.id.to_string(),
            created_at: format_timestamp(session.created_at),
            last_seen_at: format_timestamp(session.last_seen_at),
            // When it stops working if unused: absolute or idle limit, whichever is first.
            expires_at: format_timestamp(session.usable_until(&state.settings.session)),
            user_agent: session
                .user_agent
                .as_ref()
                .map(|agent| agent.as_str().to_owned()),
            current: session.id == current.id,
        }
    }
}

/// Usable sessions of the current user, newest first.
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
        .filter(|session| session.check(now, &state.settings.session).is_ok())
        .map(|session| SessionView::new(session, &auth.session, &state))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"sessions": sessions})))
}

/// Expires one of the user's sessions (the current one logs this client out).
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

/// Expires every session of the user except the current one.
pub async fn revoke_others(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let revoked = state
        .store
        .expire_other_sessions(auth.user.id, auth.session.id)
        .await?;
    Ok(HttpResponse::Ok().json(json!({"revoked": revoked})))
}
