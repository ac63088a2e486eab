//! `/api/admin/webhooks`: the agency's systems subscribe to events. A
//! target must be, and resolve to, public addresses only (checked here when
//! saved, and again for every connection by the dispatcher). The delivery
//! log is in `webhook_deliveries`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::StaffErrors;
use crate::auth::Admin;
use crate::config::Environment;
use crate::domain::{
    AuditAction, AuditEntry, Effects, EventTypes, InvalidInput, TargetPolicy, Timestamp, Webhook,
    WebhookDescription, WebhookId, WebhookSecret, WebhookUrl, is_public,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::BodyErrors;
use crate::state::AppState;

/// A webhook as the API shows it (never its secret).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    #[schema(example = "6b03ed74b3a2a1dec430c866")]
    id: String,
    #[schema(example = "https://crm.agency.example/hooks/tripdesk")]
    url: String,
    #[schema(example = json!(["booking.created", "booking.cancelled"]))]
    events: Vec<&'static str>,
    #[schema(example = "CRM sync")]
    description: String,
    active: bool,
    /// Why the service turned it off (`null`: it did not).
    disabled_reason: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
}

impl From<&Webhook> for WebhookView {
    fn from(webhook: &Webhook) -> Self {
        Self {
            id: webhook.id.to_string(),
            url: webhook.url.as_str().to_owned(),
            events: webhook.events.names(),
            description: webhook.description.as_str().to_owned(),
            active: webhook.active,
            disabled_reason: webhook.disabled_reason.clone(),
            created_at: Timestamp(webhook.created_at),
        }
    }
}

/// `POST /api/admin/webhooks` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    #[schema(
        example = "https://crm.agency.example/hooks/tripdesk",
        max_length = 2000
    )]
    url: String,
    #[schema(min_items = 1, example = json!(["booking.created"]))]
    events: Vec<String>,
    #[schema(max_length = 500)]
    description: Option<String>,
}

/// `PATCH /api/admin/webhooks/{id}` body: any of the fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookChanges {
    #[schema(max_length = 2000)]
    url: Option<String>,
    #[schema(min_items = 1)]
    events: Option<Vec<String>>,
    active: Option<bool>,
    #[schema(max_length = 500)]
    description: Option<String>,
}

/// A webhook and, when just made or rotated, its secret.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEnvelope {
    webhook: WebhookView,
    /// Shown this once (`whsec_…`): the HMAC key of `Tripdesk-Signature`.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

/// `200` of `POST /api/admin/webhooks/{id}/rotate-secret`.
#[derive(Serialize, ToSchema)]
pub struct NewSecret {
    /// Shown this once (`whsec_…`).
    secret: String,
}

pub(super) fn not_found() -> ApiError {
    ApiError::not_found("webhook_not_found", "No such webhook")
}

/// The target policy of this deployment.
fn policy(state: &AppState) -> TargetPolicy {
    TargetPolicy {
        https_only: state.settings.environment == Environment::Production,
        allow_private: state.settings.webhook_allow_private_targets,
    }
}

/// Parses `raw` and resolves its host now: every address must be public.
async fn target(state: &AppState, raw: &str) -> Result<WebhookUrl, ApiError> {
    let url = WebhookUrl::parse(raw, policy(state))?;
    let refuse = |detail: &str| InvalidInput::new("url", "invalid_webhook_url", detail.to_owned());
    if state.settings.webhook_allow_private_targets {
        return Ok(url);
    }
    if let Some(url::Host::Domain(name)) = url.url().host() {
        let addresses = state
            .webhook_lookup
            .lookup(name)
            .await
            .map_err(|_| refuse("url's host does not resolve"))?;
        if addresses.is_empty() || addresses.iter().any(|address| !is_public(*address)) {
            return Err(refuse("url's host resolves to a private or reserved address").into());
        }
    }
    Ok(url)
}

pub(super) async fn find(state: &AppState, id: &str) -> Result<Webhook, ApiError> {
    let id = WebhookId::parse(id).ok_or_else(not_found)?;
    state.store.find_webhook(id).await?.ok_or_else(not_found)
}

/// Subscribe a system to events.
///
/// The response shows the signing secret once.
#[utoipa::path(
    post,
    path = "/api/admin/webhooks",
    operation_id = "createWebhook",
    tag = "admin",
    request_body = NewWebhook,
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 201, description = "Subscribed; the secret is shown once", body = WebhookEnvelope),
        (status = 400, description = "`invalid_webhook_url` (not https in production, credentials, \
            or a host that is or resolves to a private address), `invalid_events`, \
            `invalid_description`, or a malformed body", body = ErrorBody),
        StaffErrors, BodyErrors,
    ),
)]
pub async fn create(
    admin: Admin,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    let events = EventTypes::parse(&body.events)?;
    let description = WebhookDescription::parse(body.description.as_deref().unwrap_or(""))?;
    // Last: it may wait on DNS.
    let url = target(&state, &body.url).await?;
    let now = state.now();
    let webhook = Webhook {
        id: WebhookId::generate(),
        url,
        events,
        description,
        active: true,
        disabled_reason: None,
        created_at: now,
    };
    let secret = WebhookSecret::generate();
    let effects = Effects::audit([AuditEntry::webhook(
        &admin.audit(now),
        &webhook,
        AuditAction::WebhookCreated,
    )]);
    state
        .store
        .insert_webhook(&webhook, &secret, &effects)
        .await?;
    tracing::info!(webhook = %webhook.id, by = %admin, "webhook created");
    Ok(HttpResponse::Created().json(WebhookEnvelope {
        webhook: WebhookView::from(&webhook),
        secret: Some(secret.reveal().to_owned()),
    }))
}

/// `200` of `GET /api/admin/webhooks`.
#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    webhooks: Vec<WebhookView>,
}

/// List the webhooks.
///
/// Every webhook, oldest first, with whether it is on and why the service
/// turned it off if it did.
#[utoipa::path(
    get,
    path = "/api/admin/webhooks",
    operation_id = "listWebhooks",
    tag = "admin",
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses((status = 200, description = "Every webhook", body = WebhookList), StaffErrors),
)]
pub async fn list(_staff: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let webhooks = state.store.list_webhooks().await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        webhooks: webhooks.iter().map(WebhookView::from).collect(),
    }))
}

/// One webhook.
///
/// Its settings (never its secret).
#[utoipa::path(
    get,
    path = "/api/admin/webhooks/{id}",
    operation_id = "getWebhook",
    tag = "admin",
    params(("id" = String, Path, description = "Webhook id")),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The webhook", body = WebhookEnvelope),
        (status = 404, description = "No such webhook (`webhook_not_found`)", body = ErrorBody),
        StaffErrors,
    ),
)]
pub async fn get(
    _staff: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let webhook = find(&state, &id).await?;
    Ok(HttpResponse::Ok().json(WebhookEnvelope {
        webhook: WebhookView::from(&webhook),
        secret: None,
    }))
}

/// Change a webhook.
///
/// Any of `url`, `events`, `active`, `description`. Turning a webhook on
/// again clears why the service had turned it off.
#[utoipa::path(
    patch,
    path = "/api/admin/webhooks/{id}",
    operation_id = "updateWebhook",
    tag = "admin",
    params(("id" = String, Path, description = "Webhook id")),
    request_body = WebhookChanges,
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Changed", body = WebhookEnvelope),
        (status = 400, description = "As for creation", body = ErrorBody),
        (status = 404, description = "No such webhook (`webhook_not_found`)", body = ErrorBody),
        StaffErrors, BodyErrors,
    ),
)]
pub async fn update(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    ApiJson(body): ApiJson<WebhookChanges>,
) -> Result<HttpResponse, ApiError> {
    let before = find(&state, &id).await?;
    let mut after = before.clone();
    if let Some(url) = &body.url {
        after.url = target(&state, url).await?;
    }
    if let Some(events) = &body.events {
        after.events = EventTypes::parse(events)?;
    }
    if let Some(description) = &body.description {
        after.description = WebhookDescription::parse(description)?;
    }
    if let Some(active) = body.active {
        after.active = active;
        if active {
            after.disabled_reason = None;
        }
    }
    let effects = Effects::audit([AuditEntry::webhook(
        &admin.audit(state.now()),
        &after,
        AuditAction::WebhookUpdated,
    )]);
    if !state.store.update_webhook(&after, &effects).await? {
        return Err(not_found());
    }
    Ok(HttpResponse::Ok().json(WebhookEnvelope {
        webhook: WebhookView::from(&after),
        secret: None,
    }))
}

/// Delete a webhook.
///
/// Its pending deliveries are dropped.
#[utoipa::path(
    delete,
    path = "/api/admin/webhooks/{id}",
    operation_id = "deleteWebhook",
    tag = "admin",
    params(("id" = String, Path, description = "Webhook id")),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such webhook (`webhook_not_found`)", body = ErrorBody),
        StaffErrors,
    ),
)]
pub async fn delete(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let webhook = find(&state, &id).await?;
    let effects = Effects::audit([AuditEntry::webhook(
        &admin.audit(state.now()),
        &webhook,
        AuditAction::WebhookDeleted,
    )]);
    if !state.store.delete_webhook(webhook.id, &effects).await? {
        return Err(not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A new secret for a webhook.
///
/// Deliveries are signed with the new secret from now on; it is shown once.
#[utoipa::path(
    post,
    path = "/api/admin/webhooks/{id}/rotate-secret",
    operation_id = "rotateWebhookSecret",
    tag = "admin",
    params(("id" = String, Path, description = "Webhook id")),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The new secret", body = NewSecret),
        (status = 404, description = "No such webhook (`webhook_not_found`)", body = ErrorBody),
        StaffErrors,
    ),
)]
pub async fn rotate_secret(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let webhook = find(&state, &id).await?;
    let secret = WebhookSecret::generate();
    let effects = Effects::audit([AuditEntry::webhook(
        &admin.audit(state.now()),
        &webhook,
        AuditAction::WebhookSecretRotated,
    )]);
    if !state
        .store
        .rotate_webhook_secret(webhook.id, &secret, &effects)
        .await?
    {
        return Err(not_found());
    }
    Ok(HttpResponse::Ok().json(NewSecret {
        secret: secret.reveal().to_owned(),
    }))
}
