//! Persistence. Handlers talk to a [`Store`]; the embedded SQLite store and
//! the MongoDB store implement it and pass the same contract tests.
//!
//! Domain types go in and come out: no SQL, BSON or driver error crosses
//! this boundary. The store enforces what only it can enforce atomically:
//! unique emails, unique session tokens, and no two live bookings of one
//! consultant sharing a slot.

pub mod instrumented;
pub mod mongo;
pub mod snapshot;
pub mod sqlite;

mod accounts;
mod api_keys;
mod assignment;
mod audit;
mod bookings;
mod idempotency;
mod mfa;
mod outbox;
mod passkeys;
mod privacy;
mod webhooks;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use accounts::{AccountTokenStore, Credentials, SessionStore, ThrottleStore, UserStore};
pub use api_keys::ApiKeyStore;
pub use assignment::{AssignmentStore, EffectsOf};
pub use audit::AuditStore;
pub(crate) use audit::{AuditRecord, entries_from_json, entries_to_json};
pub use bookings::{BookingStore, CalendarStore, ConsultantStore};
pub use idempotency::IdempotencyStore;
pub use mfa::MfaStore;
pub(crate) use outbox::follow_ups;
pub use outbox::{Delivery, Finished, OutboxStore};
pub use passkeys::PasskeyStore;
pub use privacy::PrivacyStore;
pub use webhooks::{Attempt, DeliveryQuery, DueDelivery, WebhookBacklog, WebhookStore};
pub(crate) use webhooks::{events_from_json, events_to_json};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another account already uses this email.
    #[error("email address already registered")]
    EmailTaken,
    /// One of the slots is held by another live booking of the consultant.
    #[error("slot already booked")]
    SlotTaken,
    /// The customer already holds as many live future bookings as allowed.
    #[error("live booking limit reached")]
    LimitReached,
    /// The appointment falls in the consultant's time off as stored when
    /// the booking was written (time off added at the same moment).
    #[error("the consultant is away then")]
    ConsultantAway,
    /// The consultant was deactivated (a deactivation written at the same
    /// moment as the booking).
    #[error("the consultant is deactivated")]
    ConsultantInactive,
    /// Live bookings fall in the time off being added: how many.
    #[error("{0} live booking(s) fall in the time off")]
    BookingsInTimeOff(u64),
    /// The consultant keeps as many time off entries as allowed.
    #[error("too many time off entries")]
    TooManyTimeOff,
    /// The record changed since it was read (optimistic concurrency).
    #[error("record was changed concurrently")]
    Conflict,
    /// The store cannot be reached right now; retrying later may succeed.
    #[error("store unavailable")]
    Unavailable(#[source] BoxError),
    /// Anything else: a bug, corrupt data, a full disk.
    #[error("store failure")]
    Internal(#[source] BoxError),
}

impl StoreError {
    /// Whether the refusal is about the consultant of the booking written
    /// (their slot taken, away, deactivated): another consultant may still
    /// take the same request.
    pub fn is_about_the_consultant(&self) -> bool {
        matches!(
            self,
            Self::SlotTaken | Self::ConsultantAway | Self::ConsultantInactive
        )
    }
}

/// A boxed error from a driver.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the service persists: one object implementing every part.
#[async_trait]
pub trait Store:
    UserStore
    + AccountTokenStore
    + CalendarStore
    + ThrottleStore
    + OutboxStore
    + SessionStore
    + ConsultantStore
    + BookingStore
    + AssignmentStore
    + IdempotencyStore
    + AuditStore
    + ApiKeyStore
    + WebhookStore
    + PrivacyStore
    + MfaStore
    + PasskeyStore
    + Send
    + Sync
    + 'static
{
    /// Checks that the store answers (for `/ready`).
    async fn ping(&self) -> StoreResult<()>;

    /// Deletes what ended before `now` and nothing reads any more (ended
    /// sessions past their retention, old attempt places, expired
    /// idempotency keys, account tokens, device trust, login challenges and
    /// passkey ceremonies); returns how many records. The
    /// service calls it periodically; MongoDB's TTL indexes do this work
    /// themselves, so there it deletes nothing.
    async fn purge_ended(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

/// A store shared by every worker.
pub type SharedStore = Arc<dyn Store>;
