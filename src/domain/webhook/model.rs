//! Webhooks as the agency configures them, the events they are sent, and
//! each delivery's record.

use chrono::{DateTime, Utc};

use super::{EventType, EventTypes, WebhookUrl};
use crate::domain::text::{TextRule, text_field};
use crate::domain::{BookingChange, DeliveryId, EventId, WebhookId};

text_field!(
    /// What a webhook is for, as the admin wrote it: at most 500 characters.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    WebhookDescription,
    TextRule {
        field: "description",
        code: "invalid_description",
        label: "Description",
        min_chars: 0,
        max_chars: 500,
        multiline: false,
    }
);

/// A webhook: where the agency's system listens, and for what.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// Its id.
    pub id: WebhookId,
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// What it is told of.
    pub events: EventTypes,
    /// What it is for.
    pub description: WebhookDescription,
    /// Whether deliveries go out (an admin's choice, or turned off by a
    /// `410 Gone` or a day of failures: see `disabled_reason`).
    pub active: bool,
    /// Why the service turned it off, if it did.
    pub disabled_reason: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Why the service turned a webhook off.
pub const GONE: &str = "the receiver answered 410 Gone";
/// Why the service turned a webhook off.
pub const FAILING: &str = "every delivery failed for 24 hours";

/// The webhook event a booking change causes.
pub fn booking_event(change: BookingChange) -> Option<EventType> {
    match change {
        BookingChange::Created => Some(EventType::BookingCreated),
        BookingChange::Confirmed => Some(EventType::BookingConfirmed),
        BookingChange::Edited { moved: true } => Some(EventType::BookingRescheduled),
        // Notes and travellers are the customer's business with their
        // consultant; no event type covers them.
        BookingChange::Edited { moved: false } => None,
        BookingChange::Cancelled { .. } => Some(EventType::BookingCancelled),
        BookingChange::Reassigned { .. } => Some(EventType::BookingReassigned),
    }
}

/// An event, as every webhook that wants it receives it: the body is
/// fixed when the change is written, so each delivery and redelivery sends
/// the same bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// Its id (receivers dedupe on it).
    pub id: EventId,
    /// What happened.
    pub kind: EventType,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The JSON body: `{"id","type","createdAt","data"}`.
    pub body: String,
}

impl WebhookEvent {
    /// The event of `kind` at `at` carrying `data`.
    pub fn new(kind: EventType, at: DateTime<Utc>, data: serde_json::Value) -> Self {
        let id = EventId::generate();
        let body = serde_json::json!({
            "id": format!("evt_{id}"),
            "type": kind.as_str(),
            "createdAt": crate::domain::Timestamp(at).to_string(),
            "data": data,
        });
        Self {
            id,
            kind,
            created_at: at,
            body: body.to_string(),
        }
    }

    /// The `Tripdesk-Event-Id`: `evt_<24 hex>`.
    pub fn wire_id(&self) -> String {
        format!("evt_{}", self.id)
    }
}

impl WebhookDelivery {
    /// `event`'s delivery to `webhook`, due when the event happened.
    pub fn pending(webhook: WebhookId, event: &WebhookEvent) -> Self {
        Self {
            id: DeliveryId::generate(),
            webhook_id: webhook,
            event_id: event.id,
            event_type: event.kind,
            status: DeliveryStatus::Pending,
            attempts: 0,
            first_attempt_at: None,
            last_attempt_at: None,
            response_status: None,
            duration_ms: None,
            next_attempt_at: Some(event.created_at),
            created_at: event.created_at,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its first try or a retry.
    Pending,
    /// A 2xx came back.
    Succeeded,
    /// Given up: 24 hours of failures, a 410, or its webhook turned off.
    Failed,
}

impl DeliveryStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// One event's delivery to one webhook, and how it went.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    /// Its id.
    pub id: DeliveryId,
    /// To which webhook.
    pub webhook_id: WebhookId,
    /// Which event.
    pub event_id: EventId,
    /// The event's type.
    pub event_type: EventType,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Tries so far.
    pub attempts: u32,
    /// When it was first tried.
    pub first_attempt_at: Option<DateTime<Utc>>,
    /// When it was last tried.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's last HTTP status, if it answered.
    pub response_status: Option<u16>,
    /// How long the last try took.
    pub duration_ms: Option<u64>,
    /// When it is tried next (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_body_is_fixed_with_its_id_and_type() {
        let at = DateTime::from_timestamp(1_796_256_000, 0).unwrap();
        let event = WebhookEvent::new(EventType::Ping, at, serde_json::json!({}));
        let body: serde_json::Value = serde_json::from_str(&event.body).unwrap();
        assert_eq!(body["id"], event.wire_id());
        assert_eq!(body["type"], "ping");
        assert_eq!(body["createdAt"], "2026-12-03T00:00:00Z");
        assert!(event.wire_id().starts_with("evt_") && event.wire_id().len() == 28);
    }

    #[test]
    fn booking_changes_map_to_their_events() {
        assert_eq!(
            booking_event(BookingChange::Created),
            Some(EventType::BookingCreated)
        );
        assert_eq!(
            booking_event(BookingChange::Edited { moved: true }),
            Some(EventType::BookingRescheduled)
        );
        assert_eq!(booking_event(BookingChange::Edited { moved: false }), None);
        for status in [
            DeliveryStatus::Pending,
            DeliveryStatus::Succeeded,
            DeliveryStatus::Failed,
        ] {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
        }
    }
}
