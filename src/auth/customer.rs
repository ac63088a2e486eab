//! Admitting customers only, on the routes about a customer's own person.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::Authenticated;
use crate::domain::Role;
use crate::error::ApiError;

/// A customer's valid session: 401 without a session, 403 `forbidden` for
/// consultants and staff (whose accounts the agency runs).
#[derive(Debug, Clone)]
pub struct CustomerSession(Authenticated);

impl std::ops::Deref for CustomerSession {
    type Target = Authenticated;

    fn deref(&self) -> &Authenticated {
        &self.0
    }
}

impl FromRequest for CustomerSession {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = Authenticated::from_request(request, payload);
        Box::pin(async move {
            let auth = session.await?;
            if auth.user.role != Role::Customer {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "Only a customer's own account is closed this way; the agency closes staff and consultant accounts",
                ));
            }
            Ok(Self(auth))
        })
    }
}
