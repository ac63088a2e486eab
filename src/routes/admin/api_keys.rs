//! `/api/admin/api-keys`: admins give back-office systems scoped keys, and
//! take them back. Only people manage keys (the routes declare
//! `KeyAccess::PeopleOnly`, and the handlers take a [`StaffMember`]).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::StaffErrors;
use crate::auth::StaffMember;
use crate::domain::{
    ApiKey, ApiKeyId, ApiKeyName, ApiKeySecret, AuditEntry, Effects, Scopes, Timestamp,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::BodyErrors;
use crate::state::AppState;

/// `POST /api/admin/api-keys` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// What the key is for, as people will recognise it.
    #[schema(min_length = 1, max_length = 100, example = "CRM sync")]
    name: String,
    /// At least one of `bookings:read`, `bookings:write`,
    /// `consultants:read`, `consultants:write`, `audit:read`,
    /// `webhooks:write`.
    #[schema(min_items = 1, example = json!(["bookings:read"]))]
    scopes: Vec<String>,
}

/// An API key as the API shows it (never the key itself).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    #[schema(example = "6b03ed74b3a2a1dec430c866")]
    id: String,
    #[schema(example = "CRM sync")]
    name: String,
    #[schema(example = json!(["bookings:read"]))]
    scopes: Vec<&'static str>,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
    /// When a request last used it (to the minute); `null`: never.
    #[schema(value_type = Option<String>, format = DateTime)]
    last_used_at: Option<Timestamp>,
}

impl From<&ApiKey> for ApiKeyView {
    fn from(key: &ApiKey) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.name.as_str().to_owned(),
            scopes: key.scopes.names(),
            created_at: Timestamp(key.created_at),
            last_used_at: key.last_used_at.map(Timestamp),
        }
    }
}

/// `201` of `POST /api/admin/api-keys`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    api_key: ApiKeyView,
    /// The key, shown this once: `Authorization: Bearer tdk_…`.
    #[schema(example = "tdk_0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")]
    key: String,
}

/// `200` of `GET /api/admin/api-keys`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyList {
    api_keys: Vec<ApiKeyView>,
}

/// Create an API key.
///
/// The key is in this response only; the service keeps its SHA-256. A
/// request with it (`Authorization: Bearer tdk_…`) may use the staff routes
/// its scopes cover, and no other route.
#[utoipa::path(
    post,
    path = "/api/admin/api-keys",
    operation_id = "createApiKey",
    tag = "admin",
    request_body = NewApiKey,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 201, description = "Created; the key is shown once", body = CreatedApiKey),
        (status = 400, description = "`invalid_name`, `invalid_scopes`, or a malformed body",
            body = ErrorBody),
        StaffErrors, BodyErrors,
    ),
)]
pub async fn create(
    staff: StaffMember,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<NewApiKey>,
) -> Result<HttpResponse, ApiError> {
    let name = ApiKeyName::parse(&body.name)?;
    let scopes = Scopes::parse(&body.scopes)?;
    let now = state.now();
    let secret = ApiKeySecret::generate();
    let key = ApiKey {
        id: ApiKeyId::generate(),
        name,
        scopes,
        created_by: staff.user().id,
        created_at: now,
        last_used_at: None,
    };
    let effects = Effects::audit([AuditEntry::api_key(&staff.audit(now), &key, true)]);
    state
        .store
        .insert_api_key(&key, &secret.hash(), &effects)
        .await?;
    tracing::info!(api_key = %key.id, by = %*staff, "API key created");
    Ok(HttpResponse::Created().json(CreatedApiKey {
        api_key: ApiKeyView::from(&key),
        key: secret.reveal(),
    }))
}

/// List the API keys.
///
/// Every key's name, scopes and when it was made and last used; never a
/// key itself.
#[utoipa::path(
    get,
    path = "/api/admin/api-keys",
    operation_id = "listApiKeys",
    tag = "admin",
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "Every key, oldest first (never the keys themselves)",
            body = ApiKeyList),
        StaffErrors,
    ),
)]
pub async fn list(
    _staff: StaffMember,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let keys = state.store.list_api_keys().await?;
    Ok(HttpResponse::Ok().json(ApiKeyList {
        api_keys: keys.iter().map(ApiKeyView::from).collect(),
    }))
}

/// Revoke an API key.
///
/// The key stops working at once.
#[utoipa::path(
    delete,
    path = "/api/admin/api-keys/{id}",
    operation_id = "revokeApiKey",
    tag = "admin",
    params(("id" = String, Path, description = "API key id")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such key (`api_key_not_found`)", body = ErrorBody),
        StaffErrors,
    ),
)]
pub async fn revoke(
    staff: StaffMember,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::not_found("api_key_not_found", "No such API key");
    let id = ApiKeyId::parse(&id).ok_or_else(not_found)?;
    let key = state
        .store
        .list_api_keys()
        .await?
        .into_iter()
        .find(|key| key.id == id)
        .ok_or_else(not_found)?;
    let effects = Effects::audit([AuditEntry::api_key(&staff.audit(state.now()), &key, false)]);
    if !state.store.delete_api_key(id, &effects).await? {
        return Err(not_found());
    }
    tracing::info!(api_key = %id, by = %*staff, "API key revoked");
    Ok(HttpResponse::NoContent().finish())
}
