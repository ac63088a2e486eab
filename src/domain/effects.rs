//! What a change causes besides itself: the mail to send, the audit
//! entries to keep and the webhook events to deliver. A store writes them in the same transaction as the
//! change (SQLite), or in the same document (MongoDB), and background
//! workers deliver the mail at least once.

use super::{
    AccountMessage, AuditContext, AuditEntry, Booking, BookingChange, Consent, OutboxMessage,
    WebhookEvent, booking_entries, plan_notifications,
};

/// The side effects of one change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// Booking notifications.
    pub messages: Vec<OutboxMessage>,
    /// Account mails (verification, reset, invitation links).
    pub account_mails: Vec<AccountMessage>,
    /// Audit entries.
    pub audit: Vec<AuditEntry>,
    /// Webhook events: a delivery for each active webhook that wants one.
    pub events: Vec<WebhookEvent>,
    /// Audit entries written only if the change turned a consultant's
    /// calendar feed off (a password change, a reset, "log out everywhere"
    /// and a deactivation do, when one is on).
    pub when_feed_revoked: Vec<AuditEntry>,
    /// The terms the account being created accepted: kept with the
    /// account's creation (the one change that carries it).
    pub consent: Option<Consent>,
}

impl Effects {
    /// Nothing but these audit entries.
    pub fn audit(entries: impl IntoIterator<Item = AuditEntry>) -> Self {
        Self {
            audit: entries.into_iter().collect(),
            ..Self::default()
        }
    }

    /// These effects and `entry`.
    pub fn and(mut self, entry: AuditEntry) -> Self {
        self.audit.push(entry);
        self
    }

    /// What `change` of a booking (from `before`, to `after`) causes: its
    /// audit entries, and its mail when `notify` (`BOOKING_NOTIFICATIONS`).
    pub fn of_booking(
        context: &AuditContext,
        change: BookingChange,
        before: Option<&Booking>,
        after: &Booking,
        notify: bool,
    ) -> Self {
        Self {
            messages: if notify {
                plan_notifications(change, after, context.at)
            } else {
                Vec::new()
            },
            audit: booking_entries(context, change, before, after),
            ..Self::default()
        }
    }

    /// These effects and `entry`, should the change turn a feed off.
    pub fn if_feed_revoked(mut self, entry: AuditEntry) -> Self {
        self.when_feed_revoked.push(entry);
        self
    }
}
