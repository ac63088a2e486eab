//! The outbox of mail to deliver, and how a delivery ended.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{
    AccountMessage, AuditEntry, DeliveryState, OutboxMessage, Outgoing, Recipients,
};

/// How delivering an outbox message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Handed to the mail server, after `attempts` tries in all.
    Sent {
        /// Tries so far, this one included.
        attempts: u32,
    },
    /// Not now: try again at `at`, for the recipients not in `delivered`.
    Retry {
        /// Failed tries so far.
        attempts: u32,
        /// When to try again.
        at: DateTime<Utc>,
        /// The recipients done with (mailed, or not to be mailed).
        delivered: Recipients,
    },
    /// Never to be sent (given up, or no longer wanted).
    Dropped {
        /// Tries so far.
        attempts: u32,
    },
}

impl Delivery {
    /// The state and attempt count this outcome records, and when the
    /// message is due again (`None`: never, it is done with).
    pub(crate) fn record(&self) -> (DeliveryState, u32, Option<DateTime<Utc>>) {
        match *self {
            Delivery::Sent { attempts } => (DeliveryState::Sent, attempts, None),
            Delivery::Retry { attempts, at, .. } => (DeliveryState::Pending, attempts, Some(at)),
            Delivery::Dropped { attempts } => (DeliveryState::Dropped, attempts, None),
        }
    }

    /// `message` as this outcome leaves it, and when it is due again
    /// (`None`: never, it is done with).
    pub(crate) fn apply(&self, message: &Outgoing) -> (Outgoing, Option<DateTime<Utc>>) {
        let (state, attempts, next) = self.record();
        let finished = match message {
            Outgoing::Booking(message) => Outgoing::Booking(OutboxMessage {
                state,
                attempts,
                delivered: match *self {
                    Delivery::Retry { delivered, .. } => delivered,
                    _ => message.recipients,
                },
                ..message.clone()
            }),
            Outgoing::Account(message) => Outgoing::Account(AccountMessage {
                state,
                attempts,
                ..message.clone()
            }),
        };
        (finished, next)
    }
}

/// A delivery as the dispatcher records it: the message, how delivering it
/// ended, and the audit entries of the mails it sent or gave up.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The message as it was leased.
    pub message: Outgoing,
    /// How delivering it ended.
    pub outcome: Delivery,
    /// `mail.sent` and `mail.failed` entries, written with the outcome.
    pub audit: Vec<AuditEntry>,
}

/// The reminders that the booking messages done with (not to be retried)
/// queue: [`OutboxStore::finish_messages`] writes them with the outcomes.
pub(crate) fn follow_ups(finished: &[Finished]) -> Vec<OutboxMessage> {
    finished
        .iter()
        .filter(|done| !matches!(done.outcome, Delivery::Retry { .. }))
        .filter_map(|done| match &done.message {
            Outgoing::Booking(message) => message.follow_up(),
            Outgoing::Account(_) => None,
        })
        .collect()
}

/// The outbox: booking notifications written with the booking changes that
/// caused them, and account mails; taken by mail dispatchers under a lease.
///
/// SQLite writes a change's messages in the change's transaction. MongoDB
/// embeds booking messages in the booking document the change writes (one
/// atomic write), and moves them into the outbox collection, keyed by
/// message id, before the next change of that booking or when a dispatcher
/// looks for work; a retried move stores nothing twice. Account mails go
/// straight into the outbox collection, keyed by their random id.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues an account mail.
    async fn insert_account_message(&self, message: &AccountMessage) -> StoreResult<()>;

    /// Leases up to `limit` messages due at `now` and not leased by anyone
    /// else, to `lease` until `lease_until`, with one conditional write each:
    /// two dispatchers never hold the same message.
    async fn claim_due_messages(
        &self,
        now: DateTime<Utc>,
        lease: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Outgoing>>;

    /// Records how delivering each message ended, with its audit entries,
    /// for those `lease` still holds (one write for the whole batch where
    /// the store allows), and queues the reminders of those done with (see
    /// `follow_ups`): a message is never marked done before its reminder is
    /// stored.
    async fn finish_messages(&self, lease: &str, finished: &[Finished]) -> StoreResult<()>;

    /// How many messages wait to be delivered at `now`: due, or being
    /// retried (a reminder of the future waits for nothing yet).
    async fn pending_messages(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}
