//! Delivering an account mail (password reset, address verification) with a
//! token drawn at send time.

use chrono::{DateTime, Utc};

use super::{Dispatcher, WAIT_FOR_CHANGE, failed, log_handed_over};
use crate::domain::{AccountMail, AccountMessage, IssuedToken, ORPHANED_AFTER, Recipients, Wanted};
use crate::error::ErrorChain;
use crate::mail::compose_account;
use crate::store::{Delivery, StoreResult};

impl Dispatcher {
    /// Sends an account mail with a fresh token, stored (as a hash) first:
    /// the raw token only ever exists in the mail.
    pub(super) async fn deliver_account(
        &self,
        message: &AccountMessage,
        now: DateTime<Utc>,
    ) -> StoreResult<Delivery> {
        let attempts = message.attempts;
        let account = match &message.mail {
            AccountMail::PasswordReset { email } => self
                .store
                .find_credentials(email)
                .await?
                .map(|credentials| credentials.user),
            AccountMail::Verification { user } => self.store.find_user(*user).await?,
        };
        let orphaned = now - message.created_at >= ORPHANED_AFTER;
        let user = match (message.wanted(account.as_ref(), orphaned), account) {
            (Wanted::Send, Some(user)) => user,
            (Wanted::Wait, _) => {
                return Ok(Delivery::Retry {
                    attempts,
                    at: now + WAIT_FOR_CHANGE,
                    delivered: Recipients::NONE,
                });
            }
            _ => return Ok(Delivery::Dropped { attempts }),
        };
        let purpose = message.mail.purpose();
        let (token, issued) = IssuedToken::issue(&user, purpose, now);
        self.store.insert_account_token(&issued).await?;
        let composed = compose_account(
            &user,
            purpose,
            &token,
            &message.id,
            &self.from,
            &self.base_url,
            &self.host,
        );
        let mail = match composed {
            Ok(mail) => mail,
            Err(error) => {
                tracing::error!(message = %message.id, error = %ErrorChain(&error), "mail could not be composed");
                return Ok(Delivery::Dropped { attempts });
            }
        };
        match self.transport.send(mail).await {
            Ok(written) => {
                log_handed_over(&message.id, written.as_deref());
                Ok(Delivery::Sent {
                    attempts: attempts + 1,
                })
            }
            Err(error) => {
                let expired = message.expired(now);
                let none = Recipients::NONE;
                Ok(failed(&message.id, attempts, expired, now, &error, none))
            }
        }
    }
}
