//! What a change causes besides itself: the mail to send and the audit
//! entries to keep. A store writes them in the same transaction as the
//! change (SQLite), or in the same document (MongoDB), and background
//! workers deliver the mail at least once.

use super::{AccountMessage, AuditEntry, OutboxMessage};

/// The side effects of one change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// Booking notifications.
    pub messages: Vec<OutboxMessage>,
    /// Account mails (verification, reset, invitation links).
    pub account_mails: Vec<AccountMessage>,
    /// Audit entries.
    pub audit: Vec<AuditEntry>,
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

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.account_mails.is_empty() && self.audit.is_empty()
    }
}
