//! Delivering a booking notification: to each party still to be mailed,
//! while the booking still wants it.

use chrono::{DateTime, Utc};

use super::{Dispatcher, WAIT_FOR_CHANGE, failed, log_handed_over, subject_of};
use crate::domain::{
    AuditContext, AuditEntry, Consultant, ConsultantId, ORPHANED_AFTER, OutboxMessage, Recipient,
    TargetKind, User, Wanted, still_wanted,
};
use crate::error::ErrorChain;
use crate::mail::{Parties, TransportError, compose};
use crate::store::{Delivery, StoreResult};

impl Dispatcher {
    /// Mails each party of a booking notification not mailed yet, if the
    /// booking still wants it; with a `mail.sent` entry per mail, and a
    /// `mail.failed` one when it is given up.
    pub(super) async fn deliver(
        &self,
        message: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> StoreResult<(Delivery, Vec<AuditEntry>)> {
        let mut audit = Vec::new();
        let outcome = self.deliver_logged(message, now, &mut audit).await?;
        Ok((outcome, audit))
    }

    async fn deliver_logged(
        &self,
        message: &OutboxMessage,
        now: DateTime<Utc>,
        audit: &mut Vec<AuditEntry>,
    ) -> StoreResult<Delivery> {
        let attempts = message.attempts;
        if !self.booking_notifications {
            return Ok(Delivery::Dropped { attempts });
        }
        let current = self.store.find_booking(message.booking_id()).await?;
        let orphaned = now - message.created_at >= ORPHANED_AFTER;
        match still_wanted(message, current.as_ref(), orphaned) {
            Wanted::Send => {}
            Wanted::Wait => {
                return Ok(Delivery::Retry {
                    attempts,
                    at: now + WAIT_FOR_CHANGE,
                    delivered: message.delivered,
                });
            }
            Wanted::Drop => return Ok(Delivery::Dropped { attempts }),
        }
        let Some(parties) = self.parties(message).await? else {
            return Ok(Delivery::Dropped { attempts });
        };
        let context = AuditContext::service(now);
        let target = || (TargetKind::Booking, message.booking_id().to_string());
        let (mut delivered, mut mailed) = (message.delivered, false);
        for recipient in message.undelivered() {
            let id = message.mail_id(recipient);
            match self.send_to(message, recipient, &parties).await {
                Ok(sent) => {
                    if let Some(subject) = &sent {
                        audit.push(AuditEntry::mail_sent(&context, target(), &id, subject));
                    }
                    (delivered, mailed) = (delivered.with(recipient), mailed || sent.is_some());
                }
                Err(error) => {
                    let expired = message.expired(now);
                    let outcome = failed(&id, attempts, expired, now, &error, delivered);
                    if matches!(outcome, Delivery::Dropped { .. }) {
                        audit.push(AuditEntry::mail_failed(
                            &context,
                            target(),
                            &message.id,
                            attempts + 1,
                        ));
                    }
                    return Ok(outcome);
                }
            }
        }
        Ok(if mailed {
            Delivery::Sent {
                attempts: attempts + 1,
            }
        } else {
            Delivery::Dropped { attempts }
        })
    }

    /// Mails `recipient` about `message`; the subject of the mail that went
    /// out, if one did (an unverified address gets none, and a mail that
    /// cannot be composed never will be: both are done with). An error is
    /// the transport's.
    async fn send_to(
        &self,
        message: &OutboxMessage,
        recipient: Recipient,
        parties: &Parties,
    ) -> Result<Option<String>, TransportError> {
        let account = match (recipient, &parties.former_consultant) {
            (Recipient::Customer, _) => &parties.customer,
            (Recipient::Consultant, _) => &parties.consultant_account,
            (Recipient::FormerConsultant, Some((_, account))) => account,
            (Recipient::FormerConsultant, None) => return Ok(None),
        };
        let id = message.mail_id(recipient);
        if !account.email_verified {
            tracing::debug!(message = %id, "not mailed: the address is not verified");
            return Ok(None);
        }
        let mail = match compose(
            message,
            recipient,
            parties,
            &self.from,
            &self.base_url,
            &self.host,
        ) {
            Ok(mail) => mail,
            Err(error) => {
                tracing::error!(message = %id, error = %ErrorChain(&error), "mail could not be composed");
                return Ok(None);
            }
        };
        let subject = subject_of(&mail);
        let written = self.transport.send(mail).await?;
        log_handed_over(&id, written.as_deref());
        Ok(Some(subject))
    }

    /// The accounts and profiles the message names; `None` if one is gone.
    async fn parties(&self, message: &OutboxMessage) -> StoreResult<Option<Parties>> {
        let booking = &message.booking;
        let customer = self.store.find_user(booking.customer_id).await?;
        let Some((consultant, consultant_account)) = self.consultant(booking.consultant_id).await?
        else {
            return Ok(None);
        };
        let former_consultant = match message.former_consultant {
            Some(former) => self.consultant(former).await?,
            None => None,
        };
        Ok(customer.map(|customer| Parties {
            customer,
            consultant,
            consultant_account,
            former_consultant,
        }))
    }

    /// A consultant's profile and account; `None` if either is gone.
    async fn consultant(&self, id: ConsultantId) -> StoreResult<Option<(Consultant, User)>> {
        let profile = self.store.find_consultant(id).await?;
        let account = self.store.find_consultant_account(id).await?;
        Ok(profile.zip(account))
    }
}
