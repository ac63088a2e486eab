//! Delivering a booking notification: to each party still to be mailed,
//! while the booking still wants it.

use chrono::{DateTime, Utc};

use super::{Dispatcher, WAIT_FOR_CHANGE, failed, log_handed_over};
use crate::domain::{
    Consultant, ConsultantId, ORPHANED_AFTER, OutboxMessage, Recipient, User, Wanted, still_wanted,
};
use crate::error::ErrorChain;
use crate::mail::{Parties, TransportError, compose};
use crate::store::{Delivery, StoreResult};

impl Dispatcher {
    /// Mails each party of a booking notification not mailed yet, if the
    /// booking still wants it.
    pub(super) async fn deliver(
        &self,
        message: &OutboxMessage,
        now: DateTime<Utc>,
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
        let (mut delivered, mut mailed) = (message.delivered, false);
        for recipient in message.undelivered() {
            match self.send_to(message, recipient, &parties).await {
                Ok(sent) => (delivered, mailed) = (delivered.with(recipient), mailed || sent),
                Err(error) => {
                    let id = message.mail_id(recipient);
                    let expired = message.expired(now);
                    return Ok(failed(&id, attempts, expired, now, &error, delivered));
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

    /// Mails `recipient` about `message`; whether a mail went out (an
    /// unverified address gets none, and a mail that cannot be composed
    /// never will be: both are done with). An error is the transport's.
    async fn send_to(
        &self,
        message: &OutboxMessage,
        recipient: Recipient,
        parties: &Parties,
    ) -> Result<bool, TransportError> {
        let account = match (recipient, &parties.former_consultant) {
            (Recipient::Customer, _) => &parties.customer,
            (Recipient::Consultant, _) => &parties.consultant_account,
            (Recipient::FormerConsultant, Some((_, account))) => account,
            (Recipient::FormerConsultant, None) => return Ok(false),
        };
        let id = message.mail_id(recipient);
        if !account.email_verified {
            tracing::debug!(message = %id, "not mailed: the address is not verified");
            return Ok(false);
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
                return Ok(false);
            }
        };
        let written = self.transport.send(mail).await?;
        log_handed_over(&id, written.as_deref());
        Ok(true)
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
