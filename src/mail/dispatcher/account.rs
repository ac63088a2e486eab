//! Delivering an account mail (password reset, address verification) with a
//! token drawn at send time.

use chrono::{DateTime, Utc};

use super::{Dispatcher, WAIT_FOR_CHANGE, failed, log_handed_over, subject_of};
use crate::domain::{
    AccountMail, AccountMessage, AuditContext, AuditEntry, IssuedToken, ORPHANED_AFTER, Recipients,
    TargetKind, Wanted,
};
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
    ) -> StoreResult<(Delivery, Vec<AuditEntry>)> {
        let attempts = message.attempts;
        let account = match &message.mail {
            AccountMail::PasswordReset { email } => self
                .store
                .find_credentials(email)
                .await?
                .map(|credentials| credentials.user),
            AccountMail::Verification { user } | AccountMail::Invitation { user } => {
                self.store.find_user(*user).await?
            }
        };
        let orphaned = now - message.created_at >= ORPHANED_AFTER;
        let user = match (message.wanted(account.as_ref(), orphaned), account) {
            (Wanted::Send, Some(user)) => user,
            (Wanted::Wait, _) => {
                let retry = Delivery::Retry {
                    attempts,
                    at: now + WAIT_FOR_CHANGE,
                    delivered: Recipients::NONE,
                };
                return Ok((retry, Vec::new()));
            }
            _ => return Ok((Delivery::Dropped { attempts }, Vec::new())),
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
                return Ok((Delivery::Dropped { attempts }, Vec::new()));
            }
        };
        let (context, target) = (
            AuditContext::service(now),
            (TargetKind::User, user.id.to_string()),
        );
        let subject = subject_of(&mail);
        match self.transport.send(mail).await {
            Ok(written) => {
                log_handed_over(&message.id, written.as_deref());
                let sent = Delivery::Sent {
                    attempts: attempts + 1,
                };
                let entry = AuditEntry::mail_sent(&context, target, &message.id, &subject);
                Ok((sent, vec![entry]))
            }
            Err(error) => {
                let expired = message.expired(now);
                let none = Recipients::NONE;
                let outcome = failed(&message.id, attempts, expired, now, &error, none);
                let entries = match outcome {
                    Delivery::Dropped { attempts } => {
                        vec![AuditEntry::mail_failed(
                            &context,
                            target,
                            &message.id,
                            attempts,
                        )]
                    }
                    _ => Vec::new(),
                };
                Ok((outcome, entries))
            }
        }
    }
}
