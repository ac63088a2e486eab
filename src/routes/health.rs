//! Liveness and readiness.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::responses::StoreErrors;
use crate::error::ApiError;
use crate::state::AppState;

/// Liveness.
///
/// 200 as long as the process is up and serving, whatever the store does.
#[utoipa::path(
    get,
    path = "/health",
    operation_id = "health",
    tag = "operations",
    responses((status = 200, description = "Up", body = Status, example = json!({"status": "ok"}))),
)]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// Readiness.
///
/// 200 when the store answers, 503 `store_unavailable` (with `Retry-After`)
/// otherwise: a load balancer sends no traffic to an instance that cannot
/// reach its store.
#[utoipa::path(
    get,
    path = "/ready",
    operation_id = "ready",
    tag = "operations",
    responses((status = 200, description = "Ready", body = Status, example = json!({"status": "ready"})), StoreErrors),
)]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.ping().await?;
    Ok(HttpResponse::Ok().json(Status { status: "ready" }))
}

/// `{"status": "ok"}` and the like.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok` or `ready`.
    pub status: &'static str,
}
