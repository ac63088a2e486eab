//! Webhooks and their deliveries as documents. Instants of deliveries are
//! milliseconds, not dates, and every document is written whole: numbers
//! keep their type on every server.

use chrono::{DateTime, Utc};
use mongodb::bson::{Bson, Document, doc};

use super::{Fields, date, flag, object_id};
use crate::domain::{
    DeliveryId, DeliveryStatus, EventId, EventType, EventTypes, Webhook, WebhookDelivery,
    WebhookDescription, WebhookId, WebhookUrl,
};
use crate::store::StoreResult;

pub(in crate::store::mongo) fn webhook_document(
    webhook: &Webhook,
    secret: &str,
    failing_since: Option<i64>,
) -> Document {
    doc! {
        "_id": object_id(webhook.id.bytes()),
        "url": webhook.url.as_str(),
        "events": webhook.events.names(),
        "description": webhook.description.as_str(),
        "secret": secret,
        "active": webhook.active,
        "disabledReason": webhook.disabled_reason.clone(),
        "createdAt": date(webhook.created_at),
        "failingSince": failing_since,
    }
}

pub(in crate::store::mongo) fn webhook_from(document: &Document) -> StoreResult<Webhook> {
    let fields = Fields {
        document,
        collection: "webhooks",
    };
    Ok(Webhook {
        id: WebhookId::from_bytes(fields.object_id()?),
        url: fields.domain("url", WebhookUrl::from_stored)?,
        events: EventTypes::from_stored(&fields.strings("events")?),
        description: fields.domain("description", WebhookDescription::from_stored)?,
        active: flag(&fields, "active", true)?,
        disabled_reason: fields.optional_string("disabledReason")?.map(str::to_owned),
        created_at: fields.instant("createdAt")?,
    })
}

pub(in crate::store::mongo) fn optional_millis(
    fields: &Fields<'_>,
    key: &str,
) -> StoreResult<Option<DateTime<Utc>>> {
    match fields.document.get(key) {
        None | Some(Bson::Null) => Ok(None),
        Some(_) => DateTime::from_timestamp_millis(fields.integer(key)?)
            .map(Some)
            .ok_or_else(|| fields.corrupt(key)),
    }
}

pub(in crate::store::mongo) fn optional_integer(
    fields: &Fields<'_>,
    key: &str,
) -> StoreResult<Option<i64>> {
    match fields.document.get(key) {
        None | Some(Bson::Null) => Ok(None),
        Some(_) => fields.integer(key).map(Some),
    }
}

pub(in crate::store::mongo) fn delivery_document(
    delivery: &WebhookDelivery,
    body: &str,
    lease: &str,
    lease_until: i64,
) -> Document {
    let millis = |at: Option<DateTime<Utc>>| at.map(|at| at.timestamp_millis());
    doc! {
        "_id": object_id(delivery.id.bytes()),
        "webhookId": delivery.webhook_id.to_string(),
        "eventId": delivery.event_id.to_string(),
        "eventType": delivery.event_type.as_str(),
        "body": body,
        "status": delivery.status.as_str(),
        "attempts": i64::from(delivery.attempts),
        "firstAttemptAt": millis(delivery.first_attempt_at),
        "lastAttemptAt": millis(delivery.last_attempt_at),
        "responseStatus": delivery.response_status.map(i64::from),
        "durationMs": delivery.duration_ms.map(|ms| ms as i64),
        "nextAttemptAt": millis(delivery.next_attempt_at),
        "lease": lease,
        "leaseUntil": lease_until,
        "createdAt": delivery.created_at.timestamp_millis(),
    }
}

pub(in crate::store::mongo) fn delivery_from(document: &Document) -> StoreResult<WebhookDelivery> {
    let fields = Fields {
        document,
        collection: "webhook_deliveries",
    };
    Ok(WebhookDelivery {
        id: DeliveryId::from_bytes(fields.object_id()?),
        webhook_id: fields.domain("webhookId", WebhookId::parse)?,
        event_id: fields.domain("eventId", EventId::parse)?,
        event_type: fields.domain("eventType", EventType::parse)?,
        status: fields.domain("status", DeliveryStatus::parse)?,
        attempts: u32::try_from(fields.integer("attempts")?)
            .map_err(|_| fields.corrupt("attempts"))?,
        first_attempt_at: optional_millis(&fields, "firstAttemptAt")?,
        last_attempt_at: optional_millis(&fields, "lastAttemptAt")?,
        response_status: optional_integer(&fields, "responseStatus")?
            .map(|status| u16::try_from(status).map_err(|_| fields.corrupt("responseStatus")))
            .transpose()?,
        duration_ms: optional_integer(&fields, "durationMs")?.map(|ms| ms.max(0) as u64),
        next_attempt_at: optional_millis(&fields, "nextAttemptAt")?,
        created_at: DateTime::from_timestamp_millis(fields.integer("createdAt")?)
            .ok_or_else(|| fields.corrupt("createdAt"))?,
    })
}
