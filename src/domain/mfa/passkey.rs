//! Passkeys (WebAuthn): the credentials an account signs in with, each
//! named by its owner, and the ceremonies that create and use them. The
//! cryptography is the WebAuthn library's (`crate::passkeys`); here are the
//! rules around it: what is stored, for how long a ceremony may take, and
//! how an account is named to an authenticator.

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::text::{TextRule, text_field};
use crate::domain::{PasskeyId, TokenHash, UserId};

text_field!(
    /// What the owner calls a passkey ("Phone", "YubiKey"): 1 to 64
    /// characters.
    #[derive(Debug, Clone, PartialEq, Eq)]
    PasskeyName,
    TextRule {
        field: "name",
        code: "invalid_name",
        label: "Passkey name",
        min_chars: 1,
        max_chars: 64,
        multiline: false,
    }
);

/// A passkey as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    /// Its id in this service's API.
    pub id: PasskeyId,
    /// Whose it is.
    pub user_id: UserId,
    /// The owner's name for it.
    pub name: PasskeyName,
    /// The authenticator's credential id, in hex: unique across accounts.
    pub credential_id: String,
    /// The credential (public key, signature counter, flags) as the
    /// WebAuthn library serialises it; replaced when a login moves its
    /// counter.
    pub credential: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last signed a login in.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Which ceremony a stored state belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CeremonyKey {
    /// Adding a passkey to an account: one at a time per account (a new
    /// start replaces the one before), found by the session's account.
    Registration(UserId),
    /// A passkey login, found by the hash of the challenge id handed to the
    /// client (no account is known until the authenticator answers).
    Login(TokenHash),
}

impl CeremonyKey {
    /// The key as stored: `registration:<user id>` or `login:<hash>`.
    pub fn to_stored(&self) -> String {
        match self {
            Self::Registration(user) => format!("registration:{user}"),
            Self::Login(hash) => format!("login:{}", hash.as_str()),
        }
    }
}

/// A ceremony under way: what the WebAuthn library needs to finish it
/// (the challenge it sent, serialised), until it is used once or expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyCeremony {
    /// Which ceremony.
    pub key: CeremonyKey,
    /// The library's state, as JSON.
    pub state: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl PasskeyCeremony {
    /// How long an authenticator may take to answer.
    pub const LIFETIME: TimeDelta = TimeDelta::minutes(5);

    /// A ceremony begun at `now`.
    pub fn begin(key: CeremonyKey, state: String, now: DateTime<Utc>) -> Self {
        Self {
            key,
            state,
            expires_at: now + Self::LIFETIME,
        }
    }

    /// Whether it can still be finished at `now`.
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

/// The WebAuthn user handle of an account: its 12-byte id, then four zero
/// bytes (authenticators keep 16 and hand them back at a passkey login).
/// An opaque id, never the address or name.
pub fn user_handle(user: UserId) -> [u8; 16] {
    let mut handle = [0u8; 16];
    handle[..12].copy_from_slice(&user.bytes());
    handle
}

/// The account a user handle names, if it is one [`user_handle`] made.
pub fn user_of_handle(handle: &[u8]) -> Option<UserId> {
    let (id, padding) = (handle.get(..12)?, handle.get(12..)?);
    if padding != [0u8; 4] {
        return None;
    }
    Some(UserId::from_bytes(id.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_handle_names_its_account_and_nothing_else_does() {
        let user = UserId::generate();
        assert_eq!(user_of_handle(&user_handle(user)), Some(user));
        let mut foreign = user_handle(user);
        foreign[15] = 1;
        assert_eq!(user_of_handle(&foreign), None);
        assert_eq!(user_of_handle(&foreign[..12]), None);
    }

    #[test]
    fn a_ceremony_lasts_five_minutes() {
        let now = Utc::now();
        let ceremony = PasskeyCeremony::begin(
            CeremonyKey::Login(TokenHash::from_hex("ab".into())),
            "{}".into(),
            now,
        );
        assert!(ceremony.usable_at(now + TimeDelta::seconds(299)));
        assert!(!ceremony.usable_at(now + TimeDelta::minutes(5)));
    }

    #[test]
    fn a_passkey_name_is_one_line_of_visible_text() {
        assert_eq!(PasskeyName::parse("  Phone ").unwrap().as_str(), "Phone");
        assert!(PasskeyName::parse("").is_err());
        assert!(PasskeyName::parse("a\nb").is_err());
        assert!(PasskeyName::parse(&"x".repeat(65)).is_err());
    }
}
