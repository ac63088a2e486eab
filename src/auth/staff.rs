//! Admitting agency staff only: the middleware in front of every
//! `/api/admin` route (an admin's session, or an API key within its rate
//! limit), the check of a key's scopes each route declares, and the
//! extractors handlers take.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use futures_util::future::LocalBoxFuture;

use super::Authenticated;
use super::cookie::presented_api_key;
use crate::domain::{
    Actor, ActorKind, ApiKey, ApiKeySecret, AuditContext, KeyAccess, User, UserId,
};
use crate::error::{ApiError, ErrorChain};
use crate::http::request_id;
use crate::rate_limit::Allowance;
use crate::state::AppState;

/// Who acts on a staff route.
#[derive(Debug, Clone)]
enum Principal {
    /// An admin, by session.
    Person(Box<Authenticated>),
    /// A back-office system, by API key.
    Key(ApiKey),
}

/// A request by agency staff: an admin's valid session, or an API key. The
/// staff routes' middleware ([`require_staff`]) admits it before anything
/// else runs (the body is not even read for anyone else); a handler takes
/// it to know who acts.
#[derive(Debug, Clone)]
pub struct Admin {
    principal: Principal,
    request_id: Option<String>,
}

impl Admin {
    /// The audit context of what this request does, at `at`.
    pub fn audit(&self, at: chrono::DateTime<chrono::Utc>) -> AuditContext {
        let actor = match &self.principal {
            Principal::Person(auth) => Actor::user(&auth.user),
            Principal::Key(key) => Actor {
                id: key.id.to_string(),
                kind: ActorKind::ApiKey,
            },
        };
        AuditContext {
            actor: Some(actor),
            request_id: self.request_id.clone(),
            at,
        }
    }

    /// Whose `Idempotency-Key`s a request uses: the admin's, or the key's
    /// (its 12-byte id, which no account's id equals).
    pub fn idempotency_owner(&self) -> UserId {
        match &self.principal {
            Principal::Person(auth) => auth.user.id,
            Principal::Key(key) => UserId::from_bytes(key.id.bytes()),
        }
    }

    /// The admin's account, when a person acts.
    fn person(&self) -> Option<&Authenticated> {
        match &self.principal {
            Principal::Person(auth) => Some(auth),
            Principal::Key(_) => None,
        }
    }
}

/// What logs say acted: `admin:<id>` or `api_key:<id>` (never a secret).
impl std::fmt::Display for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.principal {
            Principal::Person(auth) => write!(f, "admin:{}", auth.user.id),
            Principal::Key(key) => write!(f, "api_key:{}", key.id),
        }
    }
}

fn not_staff() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "Only agency staff may do this",
    )
}

fn mfa_required() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "mfa_required",
        "Staff routes need a second factor: enrol TOTP at /api/users/me/mfa/totp, or sign in \
         with a passkey",
    )
}

fn insufficient_scope(detail: String) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "insufficient_scope", detail)
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Admitted by the middleware: no second lookup.
        if let Some(admitted) = request.extensions().get::<Admin>().cloned() {
            return Box::pin(async move { Ok(admitted) });
        }
        let session = Authenticated::from_request(request, payload);
        let require_mfa = request
            .app_data::<web::Data<AppState>>()
            .is_none_or(|state| state.settings.mfa.admin_require_mfa);
        Box::pin(async move {
            let auth = session.await?;
            if !auth.user.role.is_admin() {
                return Err(not_staff());
            }
            // A passkey login passed it; while TOTP is on, every session
            // of the account did (see `User::totp`).
            if require_mfa && !(auth.session.second_factor || auth.user.totp) {
                return Err(mfa_required());
            }
            Ok(Self {
                request_id: auth.request_id.clone(),
                principal: Principal::Person(Box::new(auth)),
            })
        })
    }
}

/// A staff request made by a person (an admin's session), for the routes
/// no key may use (the routes declare [`KeyAccess::PeopleOnly`]).
#[derive(Debug, Clone)]
pub struct StaffMember(Admin);

impl StaffMember {
    /// The admin acting.
    pub fn user(&self) -> &User {
        &self.0.person().expect("a staff member is a person").user
    }
}

impl std::ops::Deref for StaffMember {
    type Target = Admin;

    fn deref(&self) -> &Admin {
        &self.0
    }
}

impl FromRequest for StaffMember {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admin = Admin::from_request(request, payload);
        Box::pin(async move {
            let admin = admin.await?;
            match admin.person() {
                Some(_) => Ok(Self(admin)),
                None => Err(insufficient_scope(
                    "Only a person may do this, not an API key".to_owned(),
                )),
            }
        })
    }
}

/// The middleware of the staff routes: 401 `unauthenticated` without a
/// valid session or key, 403 `forbidden` for customers and consultants,
/// 429 for a key past its rate limit, before routing, extraction or the
/// handler. A key's responses carry its `RateLimit-*` headers.
pub async fn require_staff<B: MessageBody + 'static>(
    mut request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    if let Some(presented) = presented_api_key(request.request()) {
        return admit_key(request, presented, next).await;
    }
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

async fn admit_key<B: MessageBody + 'static>(
    request: ServiceRequest,
    presented: Option<ApiKeySecret>,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let refuse = |request: ServiceRequest, error: ApiError, allowance: Option<Allowance>| {
        let mut response = request.into_response(error.error_response());
        if let Some(allowance) = allowance {
            set_rate_limit_headers(response.headers_mut(), allowance);
        }
        Ok(response.map_into_right_body())
    };
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return refuse(
            request,
            ApiError::internal("application state is not configured"),
            None,
        );
    };
    let key = match presented {
        Some(secret) => state.store.find_api_key(&secret.hash()).await,
        None => Ok(None),
    };
    let key = match key {
        Ok(Some(key)) => key,
        Ok(None) => return refuse(request, ApiError::unauthenticated(), None),
        Err(error) => return refuse(request, error.into(), None),
    };
    let allowance = match state.key_limiter.check(key.id) {
        Ok(allowance) => allowance,
        Err((allowance, wait)) => {
            tracing::warn!(api_key = %key.id, "staff request refused: key over its rate limit");
            let error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too many requests with this API key; slow down",
            )
            .with_retry_after(wait.as_secs().max(1));
            return refuse(request, error, Some(allowance));
        }
    };
    let now = state.now();
    if key.worth_touching(now)
        && let Err(error) = state.store.touch_api_key(key.id, now).await
    {
        // Best effort: a missed touch only makes `lastUsedAt` older.
        tracing::warn!(api_key = %key.id, error = %ErrorChain(&error), "could not record key use");
    }
    let admin = Admin {
        request_id: request_id(request.request()),
        principal: Principal::Key(key),
    };
    request.extensions_mut().insert(admin);
    let mut response = next.call(request).await?;
    set_rate_limit_headers(response.headers_mut(), allowance);
    Ok(response.map_into_left_body())
}

/// The IETF draft's `RateLimit-Limit`, `RateLimit-Remaining` and
/// `RateLimit-Reset`.
fn set_rate_limit_headers(headers: &mut HeaderMap, allowance: Allowance) {
    for (name, value) in [
        ("ratelimit-limit", u64::from(allowance.limit)),
        ("ratelimit-remaining", u64::from(allowance.remaining)),
        ("ratelimit-reset", allowance.reset_seconds),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}

/// The middleware of one staff route: a key whose scopes lack what the
/// route declares (`access`) is refused with 403 `insufficient_scope`.
/// Sessions of admins pass.
pub async fn require_scope(
    access: KeyAccess,
    request: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let refusal = match request.extensions().get::<Admin>() {
        Some(Admin {
            principal: Principal::Key(key),
            ..
        }) => {
            let reads = request.method() == actix_web::http::Method::GET;
            match access.needs(reads) {
                Some(scope) if key.scopes.contains(scope) => None,
                Some(scope) => Some(insufficient_scope(format!(
                    "This API key lacks the {} scope",
                    scope.as_str()
                ))),
                None => Some(insufficient_scope(
                    "Only a person may do this, not an API key".to_owned(),
                )),
            }
        }
        _ => None,
    };
    match refusal {
        Some(error) => Ok(request.into_response(error.error_response())),
        None => next.call(request).await,
    }
}
