//! Account mail: password reset, address verification and invitation
//! links, and notices to staff (a webhook turned off).
//!
//! Asking for one queues an [`AccountMessage`] in the outbox, in the same
//! write as the change that causes it where there is one (a new account's
//! verification mail). The token is drawn only when the dispatcher sends
//! the mail: the raw token exists in that mail alone, and the store keeps
//! its SHA-256 ([`IssuedToken`]). A mail sent again after a crash carries a
//! new token; for a reset, the newer supersedes the older.

use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use rand::rngs::OsRng;

use super::{
    AccountToken, CredentialsStamp, DeliveryState, Email, GIVE_UP_AFTER, TokenHash, User, UserId,
    Wanted, WebhookId,
};

/// What an account token lets its holder do, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Set a new password without the old one.
    PasswordReset,
    /// Show that the account's owner receives mail at its address.
    EmailVerification,
    /// Set the first password of an account staff created (which also
    /// verifies its address).
    Invitation,
}

impl TokenPurpose {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
            Self::Invitation => "invitation",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::PasswordReset,
            Self::EmailVerification,
            Self::Invitation,
        ]
        .into_iter()
        .find(|purpose| purpose.as_str() == text)
    }

    /// How long a token is usable after its mail is sent.
    pub fn lifetime(&self) -> TimeDelta {
        match self {
            Self::PasswordReset => TimeDelta::minutes(30),
            Self::EmailVerification => TimeDelta::hours(48),
            Self::Invitation => TimeDelta::hours(72),
        }
    }

    /// Whether a new token makes the account's older ones of this purpose
    /// unusable. Reset and invitation links do (only the latest mail can
    /// set the password); verification links do not (any of them proves
    /// the address).
    pub fn supersedes_older(&self) -> bool {
        matches!(self, Self::PasswordReset | Self::Invitation)
    }

    /// The frontend page the mailed link opens (`?token=` follows).
    pub fn page(&self) -> &'static str {
        match self {
            Self::PasswordReset => "/reset-password",
            Self::EmailVerification => "/verify-email",
            Self::Invitation => "/set-password",
        }
    }
}

/// A token as the store keeps it: its hash, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// SHA-256 of the mailed token.
    pub token_hash: TokenHash,
    /// The account it acts on.
    pub user_id: UserId,
    /// What it allows.
    pub purpose: TokenPurpose,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The account's credentials stamp when the token was issued: a reset
    /// token is refused once the password changed after it (whatever order
    /// a send and a change landed in).
    pub credentials: CredentialsStamp,
}

impl IssuedToken {
    /// A fresh token for `purpose` on the account `user` at `now`: the
    /// token to mail, and what the store keeps of it.
    pub fn issue(user: &User, purpose: TokenPurpose, now: DateTime<Utc>) -> (AccountToken, Self) {
        let token = AccountToken::generate();
        let issued = Self {
            token_hash: token.hash(),
            user_id: user.id,
            purpose,
            expires_at: now + purpose.lifetime(),
            credentials: user.credentials_stamp,
        };
        (token, issued)
    }

    /// Whether the token still acts on `account` as it is now: a reset
    /// token only while the password is the one it was issued under.
    pub fn still_valid_for(&self, account: &User) -> bool {
        self.user_id == account.id
            && (!self.purpose.supersedes_older() || self.credentials == account.credentials_stamp)
    }
}

/// Which account mail to send, and to whom.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AccountMail {
    /// A reset link for the account registered with `email`, if there is
    /// one: the request is queued the same way whether or not it exists, so
    /// its answer cannot tell.
    PasswordReset {
        /// The address asked about.
        email: Email,
    },
    /// A verification link for account `user`.
    Verification {
        /// The account.
        user: UserId,
    },
    /// A link to set the first password of account `user`, made by staff.
    Invitation {
        /// The account.
        user: UserId,
    },
    /// A notice to `admin` that the service turned `webhook` off (no
    /// token: nothing to click but the admin screen).
    WebhookDisabled {
        /// The admin told.
        admin: UserId,
        /// The webhook.
        webhook: WebhookId,
    },
    /// A notice to `user` that a sign-in factor was added to their account
    /// (`added`) or removed from it: if they did not do it, they know.
    FactorChanged {
        /// The account.
        user: UserId,
        /// Which factor.
        factor: Factor,
        /// Added, or removed.
        added: bool,
    },
    /// A notice to `user` that their password was replaced (changed in the
    /// profile or reset from a link): if they did not do it, they know.
    PasswordChanged {
        /// The account.
        user: UserId,
    },
}

/// A way to sign in besides the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Factor {
    /// An authenticator app's codes (with the recovery codes).
    Totp,
    /// A passkey.
    Passkey,
}

impl Factor {
    /// As audit entries name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Passkey => "passkey",
        }
    }
}

/// The stored kind of [`AccountMail::FactorChanged`] (TOTP's notices
/// kept their names from before passkeys).
fn factor_kind(factor: Factor, added: bool) -> &'static str {
    match (factor, added) {
        (Factor::Totp, true) => "factor_added",
        (Factor::Totp, false) => "factor_removed",
        (Factor::Passkey, true) => "passkey_added",
        (Factor::Passkey, false) => "passkey_removed",
    }
}

impl AccountMail {
    const WEBHOOK_DISABLED: &'static str = "webhook_disabled";
    const PASSWORD_CHANGED: &'static str = "password_changed";

    /// Its kind as stores keep it: a token's [`TokenPurpose::as_str`], or
    /// the notice's (`webhook_disabled`, `factor_added`, `factor_removed`,
    /// `passkey_added`, `passkey_removed`, `password_changed`).
    pub fn kind(&self) -> &'static str {
        match (self, self.purpose()) {
            (_, Some(purpose)) => purpose.as_str(),
            (Self::FactorChanged { factor, added, .. }, None) => factor_kind(*factor, *added),
            (Self::PasswordChanged { .. }, None) => Self::PASSWORD_CHANGED,
            (_, None) => Self::WEBHOOK_DISABLED,
        }
    }

    /// Whom (and what) it is about, as stores keep it beside
    /// [`kind`](Self::kind): the address asked about, the account id, or
    /// `<admin>:<webhook>`.
    pub fn target(&self) -> String {
        match self {
            Self::PasswordReset { email } => email.as_str().to_owned(),
            Self::Verification { user }
            | Self::Invitation { user }
            | Self::FactorChanged { user, .. }
            | Self::PasswordChanged { user } => user.to_string(),
            Self::WebhookDisabled { admin, webhook } => format!("{admin}:{webhook}"),
        }
    }

    /// The mail a store kept as [`kind`](Self::kind) and
    /// [`target`](Self::target).
    pub fn from_stored(kind: &str, target: &str) -> Option<Self> {
        let factors = [Factor::Totp, Factor::Passkey].into_iter();
        let changes = factors.flat_map(|factor| [(factor, true), (factor, false)]);
        if let Some((factor, added)) = changes
            .into_iter()
            .find(|(factor, added)| factor_kind(*factor, *added) == kind)
        {
            return Some(Self::FactorChanged {
                user: UserId::parse(target)?,
                factor,
                added,
            });
        }
        if kind == Self::PASSWORD_CHANGED {
            let user = UserId::parse(target)?;
            return Some(Self::PasswordChanged { user });
        }
        if kind == Self::WEBHOOK_DISABLED {
            let (admin, webhook) = target.split_once(':')?;
            return Some(Self::WebhookDisabled {
                admin: UserId::parse(admin)?,
                webhook: WebhookId::parse(webhook)?,
            });
        }
        Some(match TokenPurpose::parse(kind)? {
            TokenPurpose::PasswordReset => Self::PasswordReset {
                email: Email::parse(target).ok()?,
            },
            TokenPurpose::EmailVerification => Self::Verification {
                user: UserId::parse(target)?,
            },
            TokenPurpose::Invitation => Self::Invitation {
                user: UserId::parse(target)?,
            },
        })
    }

    /// What the mailed token will allow (`None`: a notice, no token).
    pub fn purpose(&self) -> Option<TokenPurpose> {
        match self {
            Self::PasswordReset { .. } => Some(TokenPurpose::PasswordReset),
            Self::Verification { .. } => Some(TokenPurpose::EmailVerification),
            Self::Invitation { .. } => Some(TokenPurpose::Invitation),
            Self::WebhookDisabled { .. }
            | Self::FactorChanged { .. }
            | Self::PasswordChanged { .. } => None,
        }
    }
}

/// An account mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountMessage {
    /// `account.<32 hex>`: random, so that every request is its own message;
    /// the same on every retry (its mail's `Message-ID`).
    pub id: String,
    /// What to send.
    pub mail: AccountMail,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Where it stands.
    pub state: DeliveryState,
}

impl AccountMessage {
    /// A new message for `mail`, asked for at `now`.
    pub fn new(mail: AccountMail, now: DateTime<Utc>) -> Self {
        let mut id = [0u8; 16];
        OsRng.fill_bytes(&mut id);
        Self {
            id: format!("account.{}", hex::encode(id)),
            mail,
            created_at: now,
            attempts: 0,
            state: DeliveryState::Pending,
        }
    }

    /// Whether the message is too old to keep trying at `now`.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now - self.created_at >= GIVE_UP_AFTER
    }

    /// Whether to send it, given the account it names as stored now
    /// (`None`: none, or not yet). A reset for an address nobody registered
    /// is dropped (it was queued only so the request could not tell); a
    /// verification waits for its account's registration to land, and is
    /// dropped once the address is verified or the account never appeared.
    pub fn wanted(&self, account: Option<&User>, orphaned: bool) -> Wanted {
        match (&self.mail, account) {
            (AccountMail::PasswordReset { .. }, Some(_)) => Wanted::Send,
            (AccountMail::PasswordReset { .. }, None) => Wanted::Drop,
            // An invited account's address is verified once its owner set
            // a password from the link: no more invitations then.
            (AccountMail::Verification { .. } | AccountMail::Invitation { .. }, Some(user))
                if !user.email_verified =>
            {
                Wanted::Send
            }
            (AccountMail::Verification { .. } | AccountMail::Invitation { .. }, Some(_)) => {
                Wanted::Drop
            }
            // Only to someone still an admin; never waits (the account
            // existed when the notice was queued).
            (AccountMail::WebhookDisabled { .. }, Some(user))
                if user.role.is_admin() && user.active =>
            {
                Wanted::Send
            }
            (AccountMail::WebhookDisabled { .. }, _) => Wanted::Drop,
            // Mail goes to verified addresses only, as every mail.
            (
                AccountMail::FactorChanged { .. } | AccountMail::PasswordChanged { .. },
                Some(user),
            ) if user.email_verified => Wanted::Send,
            (AccountMail::FactorChanged { .. } | AccountMail::PasswordChanged { .. }, Some(_)) => {
                Wanted::Drop
            }
            (_, None) if orphaned => Wanted::Drop,
            (_, None) => Wanted::Wait,
        }
    }
}

#[cfg(test)]
#[path = "account_mail_tests.rs"]
mod tests;
