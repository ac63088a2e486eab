//! `/api/admin/webhooks/{id}/deliveries`: a webhook's delivery log,
//! redelivery on request, and a test delivery (`ping`).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::StaffErrors;
use super::webhooks::find;
use crate::auth::Admin;
use crate::domain::{
    DeliveryId, DeliveryStatus, EventType, InvalidInput, Timestamp, WebhookDelivery, WebhookEvent,
    parse_limit,
};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::store::DeliveryQuery;

/// A delivery as the API shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    id: String,
    /// `evt_…`, as in `Tripdesk-Event-Id`.
    event_id: String,
    #[schema(example = "booking.created")]
    event_type: &'static str,
    /// `pending`, `succeeded` or `failed`.
    #[schema(example = "succeeded")]
    status: &'static str,
    attempts: u32,
    #[schema(value_type = Option<String>, format = DateTime)]
    last_attempt_at: Option<Timestamp>,
    response_status: Option<u16>,
    duration_ms: Option<u64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    next_attempt_at: Option<Timestamp>,
}

impl From<&WebhookDelivery> for DeliveryView {
    fn from(delivery: &WebhookDelivery) -> Self {
        Self {
            id: delivery.id.to_string(),
            event_id: format!("evt_{}", delivery.event_id),
            event_type: delivery.event_type.as_str(),
            status: delivery.status.as_str(),
            attempts: delivery.attempts,
            last_attempt_at: delivery.last_attempt_at.map(Timestamp),
            response_status: delivery.response_status,
            duration_ms: delivery.duration_ms,
            next_attempt_at: delivery.next_attempt_at.map(Timestamp),
        }
    }
}

/// `GET …/deliveries` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Only deliveries in this state: `pending`, `succeeded`, `failed`.
    status: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// `200` of `GET …/deliveries`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPage {
    deliveries: Vec<DeliveryView>,
    /// `null` on the last page.
    next_cursor: Option<String>,
}

/// A webhook's delivery log.
///
/// Newest first: each event's status, tries, the receiver's last answer
/// and how long it took.
#[utoipa::path(
    get,
    path = "/api/admin/webhooks/{id}/deliveries",
    operation_id = "listWebhookDeliveries",
    tag = "admin",
    params(("id" = String, Path, description = "Webhook id"), DeliveryParams),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 400, description = "`invalid_status`, `invalid_limit`, `invalid_cursor`",
            body = ErrorBody),
        (status = 404, description = "No such webhook (`webhook_not_found`)", body = ErrorBody),
        StaffErrors,
    ),
)]
pub async fn deliveries(
    _staff: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<DeliveryParams>,
) -> Result<HttpResponse, ApiError> {
    let webhook = find(&state, &id).await?;
    let status = params
        .status
        .as_deref()
        .map(|text| {
            DeliveryStatus::parse(text).ok_or_else(|| {
                InvalidInput::new(
                    "status",
                    "invalid_status",
                    "status must be pending, succeeded or failed",
                )
            })
        })
        .transpose()?;
    let limit = parse_limit(params.limit.as_deref(), 20, 100)?;
    let before = params
        .cursor
        .as_deref()
        .map(|text| {
            DeliveryId::parse(text)
                .ok_or_else(|| InvalidInput::new("cursor", "invalid_cursor", "unknown cursor"))
        })
        .transpose()?;
    let query = DeliveryQuery {
        status,
        before,
        fetch_limit: limit + 1,
    };
    let rows = state.store.list_deliveries(webhook.id, &query).await?;
    let (page, next) = crate::domain::split_page(rows, limit, |last| last.id.to_string());
    Ok(HttpResponse::Ok().json(DeliveryPage {
        deliveries: page.iter().map(DeliveryView::from).collect(),
        next_cursor: next,
    }))
}

/// Deliver again.
///
/// The delivery is due at once, with a fresh day of retries.
#[utoipa::path(
    post,
    path = "/api/admin/webhooks/{id}/deliveries/{deliveryId}/redeliver",
    operation_id = "redeliverWebhook",
    tag = "admin",
    params(
        ("id" = String, Path, description = "Webhook id"),
        ("deliveryId" = String, Path, description = "Delivery id"),
    ),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 202, description = "Queued"),
        (status = 404, description = "No such webhook or delivery (`webhook_not_found`, \
            `delivery_not_found`)", body = ErrorBody),
        StaffErrors,
    ),
)]
pub async fn redeliver(
    _staff: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    let webhook = find(&state, &id).await?;
    let missing = || ApiError::not_found("delivery_not_found", "No such delivery");
    let delivery = DeliveryId::parse(&delivery).ok_or_else(missing)?;
    if !state
        .store
        .redeliver(webhook.id, delivery, state.now())
        .await?
    {
        return Err(missing());
    }
    Ok(HttpResponse::Accepted().finish())
}

/// Send a test event.
///
/// A `ping` event (`data`: `{"webhookId"}`) is queued for this webhook
/// alone and delivered like any other; its delivery shows in the log.
#[utoipa::path(
    post,
    path = "/api/admin/webhooks/{id}/ping",
    operation_id = "pingWebhook",
    tag = "admin",
    params(("id" = String, Path, description = "Webhook id")),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 202, description = "Queued"),
        (status = 404, description = "No such webhook (`webhook_not_found`)", body = ErrorBody),
        StaffErrors,
    ),
)]
pub async fn ping(
    _staff: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let webhook = find(&state, &id).await?;
    let data = serde_json::json!({"webhookId": webhook.id.to_string()});
    let event = WebhookEvent::new(EventType::Ping, state.now(), data);
    if !state.store.queue_event(webhook.id, &event).await? {
        return Err(super::webhooks::not_found());
    }
    Ok(HttpResponse::Accepted().finish())
}
