//! The extractor that guards protected routes.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::presented_token;
use chrono::{DateTime, Utc};

use crate::domain::{Actor, AuditContext, Session, TOUCH_INTERVAL, User};
use crate::error::{ApiError, ErrorChain};
use crate::http::{AuthenticatedRequest, request_id};
use crate::state::AppState;

/// A request with a valid session. Taking it as a handler argument makes the
/// route protected: without a usable session the handler never runs and the
/// client gets 401 `unauthenticated`.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Whose session it is.
    pub user: User,
    /// The session itself.
    pub session: Session,
    /// The request's id, for the audit entries it writes.
    pub request_id: Option<String>,
}

impl Authenticated {
    /// The audit context of what this request does, at `at`.
    pub fn audit(&self, at: DateTime<Utc>) -> AuditContext {
        AuditContext {
            actor: Some(Actor::user(&self.user)),
            request_id: self.request_id.clone(),
            at,
        }
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let presented = state
            .as_ref()
            .and_then(|state| presented_token(request, &state.settings.cookie.name));
        let request = request.clone();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::internal("application state is not configured"))?;
            let (token, _source) = presented.ok_or_else(ApiError::unauthenticated)?;
            let (session, user) = state
                .store
                .find_session(&token.hash())
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            let now = state.now();
            if let Err(rejection) = session.check(&user, now, &state.settings.session) {
                tracing::debug!(session = %session.id, %rejection, "session refused");
                return Err(ApiError::unauthenticated());
            }
            if session.needs_touch(now) {
                // Best effort: a missed touch only shortens the idle window.
                if let Err(error) = state
                    .store
                    .touch_session(&session, now, now - TOUCH_INTERVAL)
                    .await
                {
                    tracing::warn!(session = %session.id, error = %ErrorChain(&error), "could not record session use");
                }
            }
            request.extensions_mut().insert(AuthenticatedRequest);
            let request_id = request_id(&request);
            Ok(Self {
                user,
                session,
                request_id,
            })
        })
    }
}
