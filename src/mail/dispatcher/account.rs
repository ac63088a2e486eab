//! Delivering an account mail: a link (password reset, address
//! verification, invitation) with a token drawn at send time, or a notice
//! to staff.

use chrono::{DateTime, Utc};
use lettre::Message;

use super::{Dispatcher, WAIT_FOR_CHANGE, failed, log_handed_over, subject_of};
use crate::domain::{
    AccountMail, AccountMessage, AuditContext, AuditEntry, IssuedToken, ORPHANED_AFTER, Recipients,
    TargetKind, User, Wanted,
};
use crate::error::ErrorChain;
use crate::mail::{compose_account, compose_sign_in_notice, compose_webhook_disabled};
use crate::store::{Delivery, StoreResult};

/// What to do with an account mail now.
enum Composed {
    Send(Message),
    /// Look again soon: what it tells of is not stored yet.
    Wait,
    Drop,
}

impl Dispatcher {
    /// The mail `message` sends `user`: a link with a fresh token (stored,
    /// as a hash, first: the raw token only ever exists in the mail), or a
    /// notice.
    async fn compose_for(
        &self,
        message: &AccountMessage,
        user: &User,
        now: DateTime<Utc>,
    ) -> StoreResult<Composed> {
        let composed = match (&message.mail, message.mail.purpose()) {
            (AccountMail::WebhookDisabled { webhook, .. }, _) => {
                let webhook = match self.store.find_webhook(*webhook).await? {
                    Some(webhook) if !webhook.active => webhook,
                    // MongoDB writes the notice just before turning the
                    // webhook off.
                    Some(_) if now - message.created_at < ORPHANED_AFTER => {
                        return Ok(Composed::Wait);
                    }
                    _ => return Ok(Composed::Drop),
                };
                compose_webhook_disabled(
                    user,
                    &webhook,
                    &message.id,
                    &self.from,
                    &self.base_url,
                    &self.host,
                )
            }
            (AccountMail::FactorChanged { .. } | AccountMail::PasswordChanged { .. }, _) => {
                compose_sign_in_notice(
                    user,
                    &message.mail,
                    &message.id,
                    &self.from,
                    &self.base_url,
                    &self.host,
                )
            }
            (_, Some(purpose)) => {
                let (token, issued) = IssuedToken::issue(user, purpose, now);
                self.store.insert_account_token(&issued).await?;
                compose_account(
                    user,
                    purpose,
                    &token,
                    &message.id,
                    &self.from,
                    &self.base_url,
                    &self.host,
                )
            }
            (_, None) => return Ok(Composed::Drop),
        };
        Ok(match composed {
            Ok(mail) => Composed::Send(mail),
            Err(error) => {
                tracing::error!(message = %message.id, error = %ErrorChain(&error), "mail could not be composed");
                Composed::Drop
            }
        })
    }

    /// Sends an account mail (see [`Self::compose_for`]).
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
            AccountMail::Verification { user }
            | AccountMail::Invitation { user }
            | AccountMail::FactorChanged { user, .. }
            | AccountMail::PasswordChanged { user }
            | AccountMail::WebhookDisabled { admin: user, .. } => {
                self.store.find_user(*user).await?
            }
        };
        let orphaned = now - message.created_at >= ORPHANED_AFTER;
        let retry = Delivery::Retry {
            attempts,
            at: now + WAIT_FOR_CHANGE,
            delivered: Recipients::NONE,
        };
        let dropped = Delivery::Dropped { attempts };
        let user = match (message.wanted(account.as_ref(), orphaned), account) {
            (Wanted::Send, Some(user)) => user,
            (Wanted::Wait, _) => return Ok((retry, Vec::new())),
            _ => return Ok((dropped, Vec::new())),
        };
        let mail = match self.compose_for(message, &user, now).await? {
            Composed::Send(mail) => mail,
            Composed::Wait => return Ok((retry, Vec::new())),
            Composed::Drop => return Ok((dropped, Vec::new())),
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
