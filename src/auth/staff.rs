//! Admitting agency staff only: the middleware in front of every
//! `/api/admin` route, and the extractor handlers take.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError};
use futures_util::future::LocalBoxFuture;

use super::Authenticated;
use crate::error::ApiError;

/// A request by agency staff: an admin's valid session. The staff routes'
/// middleware ([`require_staff`]) admits it before anything else runs (the
/// body is not even read for anyone else); a handler takes it to know who
/// acts. It reads as the [`Authenticated`] request it is.
#[derive(Debug, Clone)]
pub struct Admin(Authenticated);

impl std::ops::Deref for Admin {
    type Target = Authenticated;

    fn deref(&self) -> &Authenticated {
        &self.0
    }
}

fn not_staff() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "Only agency staff may do this",
    )
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Admitted by the middleware: no second session lookup.
        if let Some(admitted) = request.extensions().get::<Admin>().cloned() {
            return Box::pin(async move { Ok(admitted) });
        }
        let session = Authenticated::from_request(request, payload);
        Box::pin(async move {
            let auth = session.await?;
            if !auth.user.role.is_admin() {
                return Err(not_staff());
            }
            Ok(Self(auth))
        })
    }
}

/// The middleware of the staff routes: 401 `unauthenticated` without a
/// valid session, 403 `forbidden` for customers and consultants, before
/// routing, extraction or the handler.
pub async fn require_staff<B: MessageBody + 'static>(
    mut request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    match request.extract::<Admin>().await {
        Ok(admin) => {
            request.extensions_mut().insert(admin);
            next.call(request)
                .await
                .map(ServiceResponse::map_into_left_body)
        }
        Err(refused) => Ok(request
            .into_response(refused.error_response())
            .map_into_right_body()),
    }
}
