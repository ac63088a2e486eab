//! Delivering a booking notification: to each party still to be mailed,
//! while the booking still wants it.

use chrono::{DateTime, Utc};

use super::{Dispatcher, WAIT_FOR_CHANGE, failed, log_handed_over};
use crate::domain::{ORPHANED_AFTER, OutboxMessage, Party, Wanted, still_wanted};
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
        for party in message.undelivered() {
            match self.send_to(message, party, &parties).await {
                Ok(sent) => (delivered, mailed) = (delivered.with(party), mailed || sent),
                Err(error) => {
                    let id = message.mail_id(party);
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

    /// Mails `party` about `message`; whether a mail went out (an
    /// unverified address gets none, and a mail that cannot be composed
    /// never will be: both are done with). An error is the transport's.
    async fn send_to(
        &self,
        message: &OutboxMessage,
        party: Party,
        parties: &Parties,
    ) -> Result<bool, TransportError> {
        let account = match party {
            Party::Customer => &parties.customer,
            Party::Consultant => &parties.consultant_account,
        };
        let id = message.mail_id(party);
        if !account.email_verified {
            tracing::debug!(message = %id, "not mailed: the address is not verified");
            return Ok(false);
        }
        let mail = match compose(
            message,
            party,
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

    /// The accounts and profile the message names; `None` if one is gone.
    async fn parties(&self, message: &OutboxMessage) -> StoreResult<Option<Parties>> {
        let booking = &message.booking;
        let customer = self.store.find_user(booking.customer_id).await?;
        let consultant = self.store.find_consultant(booking.consultant_id).await?;
        let consultant_account = self
            .store
            .find_consultant_account(booking.consultant_id)
            .await?;
        Ok(match (customer, consultant, consultant_account) {
            (Some(customer), Some(consultant), Some(consultant_account)) => Some(Parties {
                customer,
                consultant,
                consultant_account,
            }),
            _ => None,
        })
    }
}
