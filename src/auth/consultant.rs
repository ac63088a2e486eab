//! Admitting consultants only, on the routes of their own calendar.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::Authenticated;
use crate::domain::ConsultantId;
use crate::error::ApiError;

/// A consultant's valid session, and the profile it speaks for: 401
/// without a session, 403 `forbidden` for customers and staff. Handlers of
/// `/api/consultants/me/*` take it instead of checking the role themselves.
#[derive(Debug, Clone)]
pub struct ConsultantSession {
    auth: Authenticated,
    /// The consultant's profile.
    pub consultant: ConsultantId,
}

impl std::ops::Deref for ConsultantSession {
    type Target = Authenticated;

    fn deref(&self) -> &Authenticated {
        &self.auth
    }
}

impl FromRequest for ConsultantSession {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = Authenticated::from_request(request, payload);
        Box::pin(async move {
            let auth = session.await?;
            let consultant = auth.user.role.consultant_id().ok_or_else(|| {
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "Only consultants manage a calendar",
                )
            })?;
            Ok(Self { auth, consultant })
        })
    }
}
