//! The mail dispatcher: a task beside the server that leases due outbox
//! messages, delivers them, and records the outcome. At least once: a
//! message is marked sent only after the server took it, and a lease that
//! runs out (a crash mid-send) lets another dispatcher take it again.
//! Several instances share the work; the lease keeps them off each other's
//! messages. Modelled on zero2prod's `issue_delivery_worker`; it runs as a
//! `crate::worker`.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use lettre::message::Mailbox;
use rand::RngCore;

mod account;
mod booking;

use super::{Transport, TransportError};
use crate::config::MailSettings;
use crate::domain::{AccountMail, Clock, LEASE, Outgoing, Recipients, retry_delay};
use crate::error::ErrorChain;
use crate::monitoring;
use crate::store::{Delivery, Finished, SharedStore, StoreResult};

/// Messages leased at once.
const BATCH: u32 = 32;
/// Messages of a batch delivered at once. An SMTP exchange mostly waits:
/// on the network, and on the classic write-write-read stall (lettre writes
/// the end-of-data mark on its own, which Nagle's algorithm holds until the
/// relay's delayed acknowledgement, about 40 ms). One at a time that capped
/// delivery near 25 mails a second; several, over the transport's pooled
/// connections (10), keep the relay busy.
const IN_FLIGHT: usize = 8;
/// How soon a message whose change is not stored yet is looked at again.
const WAIT_FOR_CHANGE: chrono::TimeDelta = chrono::TimeDelta::seconds(5);

/// Delivers the outbox.
pub struct Dispatcher {
    store: SharedStore,
    transport: Transport,
    clock: Arc<dyn Clock>,
    from: Mailbox,
    base_url: String,
    host: String,
    /// `BOOKING_NOTIFICATIONS`: when off, booking mail already queued (in a
    /// restored copy of production data) is dropped, not sent.
    booking_notifications: bool,
}

impl Dispatcher {
    /// A dispatcher sending through `transport` as `settings` say (sender,
    /// links, whether booking mail goes out).
    pub fn new(
        store: SharedStore,
        transport: Transport,
        clock: Arc<dyn Clock>,
        settings: &MailSettings,
    ) -> Self {
        let base_url = &settings.public_base_url;
        Self {
            store,
            transport,
            clock,
            from: settings.from.clone(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            host: super::invite::host_of(base_url).to_owned(),
            booking_notifications: settings.booking_notifications,
        }
    }

    /// Leases the due messages, delivers them (several at once, see
    /// `in_order`), and records the outcomes together; how many.
    pub async fn dispatch_once(&self) -> StoreResult<usize> {
        let mut lease = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut lease);
        let lease = hex::encode(lease);
        let now = self.clock.now();
        let due = self
            .store
            .claim_due_messages(now, &lease, now + LEASE, BATCH)
            .await?;
        let delivered: Vec<Vec<Finished>> = stream::iter(in_order(due))
            .map(|messages| async move {
                let mut finished = Vec::with_capacity(messages.len());
                for message in messages {
                    finished.push(self.outcome(message).await);
                }
                finished
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let finished: Vec<_> = delivered.into_iter().flatten().collect();
        self.store.finish_messages(&lease, &finished).await?;
        Ok(finished.len())
    }

    /// How delivering `message` now ended, with the audit entries of the
    /// mails it sent or gave up.
    async fn outcome(&self, message: Outgoing) -> Finished {
        let now = self.clock.now();
        let delivered = match &message {
            Outgoing::Booking(booking) => self.deliver(booking, now).await,
            Outgoing::Account(account) => self.deliver_account(account, now).await,
        };
        let (outcome, audit) = match delivered {
            Ok(delivered) => delivered,
            // The store failed while looking the message up: try again
            // shortly, and still record what was sent before it failed.
            Err(error) => {
                tracing::warn!(message = %message.id(), error = %ErrorChain(&error),
                    "mail not delivered: store unavailable");
                let retry = Delivery::Retry {
                    attempts: message.attempts(),
                    at: now + WAIT_FOR_CHANGE,
                    delivered: match &message {
                        Outgoing::Booking(booking) => booking.delivered,
                        Outgoing::Account(_) => Recipients::NONE,
                    },
                };
                (retry, Vec::new())
            }
        };
        Finished {
            message,
            outcome,
            audit,
        }
    }
}

impl crate::worker::Drain for Dispatcher {
    const NAME: &'static str = "mail-dispatcher";

    async fn drain_once(&self) -> StoreResult<usize> {
        self.dispatch_once().await
    }
}

/// `due` in the groups that must be delivered one after another: account
/// mails to one recipient, for one purpose, in the order they were asked
/// for (a newer reset link supersedes the older, so its mail must arrive
/// after it); every other message alone. Groups go out concurrently.
fn in_order(mut due: Vec<Outgoing>) -> Vec<Vec<Outgoing>> {
    due.sort_by_key(Outgoing::created_at);
    let mut groups: Vec<Vec<Outgoing>> = Vec::with_capacity(due.len());
    let mut by_recipient: HashMap<AccountMail, usize> = HashMap::new();
    for message in due {
        let Outgoing::Account(account) = &message else {
            groups.push(vec![message]);
            continue;
        };
        match by_recipient.get(&account.mail) {
            Some(&group) => groups[group].push(message),
            None => {
                by_recipient.insert(account.mail.clone(), groups.len());
                groups.push(vec![message]);
            }
        }
    }
    groups
}

/// The subject a composed mail carries (for its `mail.sent` entry).
fn subject_of(mail: &lettre::Message) -> String {
    mail.headers()
        .get::<lettre::message::header::Subject>()
        .map(|subject| subject.as_ref().to_owned())
        .unwrap_or_default()
}

/// Logs and counts a mail handed over: to the SMTP server, or written to
/// `file` (development).
fn log_handed_over(id: &str, file: Option<&std::path::Path>) {
    match file {
        Some(path) => tracing::info!(message = %id, file = %path.display(), "mail written"),
        None => tracing::info!(message = %id, "mail sent"),
    }
    metrics::counter!(monitoring::NOTIFICATIONS_SENT).increment(1);
}

/// The outcome of a mail the transport refused after `attempts` earlier
/// tries: retried with backoff, or given up (logged at error level and
/// counted) once the message has `expired`. `delivered`: the recipients
/// already done with.
fn failed(
    id: &str,
    attempts: u32,
    expired: bool,
    now: DateTime<Utc>,
    error: &TransportError,
    delivered: Recipients,
) -> Delivery {
    if expired {
        tracing::error!(message = %id, attempts = attempts + 1, error = %ErrorChain(error),
            "mail given up after 24 hours of failures");
        metrics::counter!(monitoring::NOTIFICATIONS_FAILED).increment(1);
        return Delivery::Dropped {
            attempts: attempts + 1,
        };
    }
    tracing::warn!(message = %id, attempts = attempts + 1, error = %ErrorChain(error),
        "mail not delivered; will retry");
    Delivery::Retry {
        attempts: attempts + 1,
        at: now + retry_delay(attempts),
        delivered,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::domain::{AccountMessage, Email, UserId};

    #[test]
    fn mails_to_one_recipient_stay_in_order_and_others_go_beside_them() {
        let now = Utc::now();
        let email = Email::parse("ada@example.com").unwrap();
        let reset = |minutes| {
            let mail = AccountMail::PasswordReset {
                email: email.clone(),
            };
            Outgoing::Account(AccountMessage::new(mail, now + TimeDelta::minutes(minutes)))
        };
        let verify = Outgoing::Account(AccountMessage::new(
            AccountMail::Verification {
                user: UserId::generate(),
            },
            now,
        ));
        let (second, first) = (reset(2), reset(1));
        let groups = in_order(vec![second.clone(), verify.clone(), first.clone()]);
        assert_eq!(groups, vec![vec![verify], vec![first, second]]);
    }
}
