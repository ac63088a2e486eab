//! The audit log as the API shows it: `GET /api/admin/audit` for staff, and
//! a booking's history (`GET /api/bookings/{id}/history`) for its
//! consultant and staff.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::StaffErrors;
use crate::auth::Admin;
use crate::domain::{AuditAction, AuditEntry, AuditQuery, RawAuditQuery, Timestamp};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// An audit action's name, `area.verb` (documentation only).
pub struct AuditActionName;

impl PartialSchema for AuditActionName {
    fn schema() -> RefOr<Schema> {
        let names = AuditAction::ALL.iter().map(|action| action.as_str());
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(names))
            .examples([Value::from("booking.cancelled")])
            .into()
    }
}

impl ToSchema for AuditActionName {}

/// Who acted.
#[derive(Serialize, ToSchema)]
pub struct ActorView<'a> {
    /// An account's or API key's id.
    #[schema(example = "6b03ed74b3a2a1dec430c866")]
    id: &'a str,
    /// `customer`, `consultant`, `admin` or `api_key`.
    #[schema(example = "admin")]
    role: &'static str,
}

/// One entry of the audit log.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView<'a> {
    #[schema(example = "6b03ed74b3a2a1dec430c899")]
    id: String,
    #[schema(value_type = String, format = DateTime)]
    at: Timestamp,
    /// `null`: nobody logged in (a failed login), or the service itself
    /// (mail delivery, the command line).
    actor: Option<ActorView<'a>>,
    #[schema(value_type = AuditActionName)]
    action: &'static str,
    /// `user`, `booking` or `consultant`.
    #[schema(example = "booking")]
    target_type: &'static str,
    #[schema(example = "6b03ed4bb8702cb5d37340e4")]
    target_id: &'a str,
    /// What matters about it: old and new start for a reschedule, the reason
    /// for a cancellation, a mail's subject…
    #[schema(value_type = Object)]
    details: &'a Map<String, Value>,
    /// The request that made the change (`null` for the service's own work).
    request_id: Option<&'a str>,
}

impl<'a> From<&'a AuditEntry> for AuditEntryView<'a> {
    fn from(entry: &'a AuditEntry) -> Self {
        Self {
            id: entry.id.to_string(),
            at: Timestamp(entry.at),
            actor: entry.actor.as_ref().map(|actor| ActorView {
                id: &actor.id,
                role: actor.kind.as_str(),
            }),
            action: entry.action.as_str(),
            target_type: entry.target_kind.as_str(),
            target_id: &entry.target_id,
            details: &entry.details,
            request_id: entry.request_id.as_deref(),
        }
    }
}

/// A page of the audit log.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage<'a> {
    entries: Vec<AuditEntryView<'a>>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// A record's whole history, oldest first.
#[derive(Serialize, ToSchema)]
pub struct AuditHistory<'a> {
    entries: Vec<AuditEntryView<'a>>,
}

impl<'a> AuditHistory<'a> {
    /// The history made of `entries`.
    pub(crate) fn of(entries: &'a [AuditEntry]) -> Self {
        Self {
            entries: entries.iter().map(AuditEntryView::from).collect(),
        }
    }
}

/// `GET /api/admin/audit` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AuditParams {
    /// Only entries by this account or key.
    actor_id: Option<String>,
    /// Only entries about this record (a booking, user or consultant id).
    target_id: Option<String>,
    /// Only this action.
    #[param(value_type = Option<AuditActionName>)]
    action: Option<String>,
    /// Only entries at or after this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// Only entries before this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// The audit log.
///
/// Who did what to which record, when and in which request, newest first,
/// filtered by actor, record, action and time, a page at a time.
#[utoipa::path(
    get,
    path = "/api/admin/audit",
    operation_id = "staffListAudit",
    tag = "admin",
    params(AuditParams),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "A page of entries, newest first", body = AuditPage),
        (status = 400, description = "A bad filter (`invalid_id`, `invalid_action`, `invalid_from`, \
            `invalid_to`, `invalid_limit`, `invalid_cursor`, `invalid_query`)", body = ErrorBody),
        StaffErrors,
    ),
)]
pub async fn list(
    _staff: Admin,
    state: web::Data<AppState>,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let query = AuditQuery::parse(&RawAuditQuery {
        actor_id: params.actor_id,
        target_id: params.target_id,
        action: params.action,
        from: params.from,
        to: params.to,
        limit: params.limit,
        cursor: params.cursor,
    })?;
    let rows = state.store.list_audit(&query).await?;
    let (page, next) = query.paginate(rows);
    Ok(HttpResponse::Ok().json(AuditPage {
        entries: page.iter().map(AuditEntryView::from).collect(),
        next_cursor: next.map(|cursor| cursor.encode()),
    }))
}
