//! User accounts.

use std::fmt;

use chrono::{DateTime, Utc};
use rand::RngCore;
use rand::rngs::OsRng;

use super::{ConsultantId, Email, PersonName, UserId};

/// Identifies the current version of an account's credentials. It changes
/// with every password change; each session records the stamp it was opened
/// under, and a session whose stamp is not the account's current one is
/// refused. So a login that checked the old password while the password was
/// being changed can never yield a working session, whatever the order in
/// which the two writes land (no transaction needed).
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialsStamp(String);

impl CredentialsStamp {
    /// The stamp of accounts and sessions stored before stamps existed.
    pub fn initial() -> Self {
        Self(String::new())
    }

    /// A new random stamp (8 bytes from the OS CSPRNG, hex).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 8];
        OsRng.fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// A stamp read back from a store.
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CredentialsStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialsStamp({})", self.0)
    }
}

/// What an account may do. A consultant account is tied to exactly one
/// consultant profile, so the link lives inside the role: no consultant
/// without a profile, no customer with one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Books appointments for themselves.
    Customer,
    /// Sees and confirms the bookings made with this consultant.
    Consultant(ConsultantId),
}

impl Role {
    /// The wire name: `customer` or `consultant`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Consultant(_) => "consultant",
        }
    }

    /// The consultant profile this account speaks for, if any.
    pub fn consultant_id(&self) -> Option<ConsultantId> {
        match self {
            Role::Customer => None,
            Role::Consultant(id) => Some(*id),
        }
    }
}

/// A registered person. Holds no credentials: the password hash travels
/// separately and only where it is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Account id.
    pub id: UserId,
    /// Login email, unique across accounts (case-insensitively).
    pub email: Email,
    /// Display name.
    pub name: PersonName,
    /// Customer or consultant.
    pub role: Role,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// The current version of its credentials.
    pub credentials_stamp: CredentialsStamp,
}

impl User {
    /// A new customer account created at `now`.
    pub fn new_customer(email: Email, name: PersonName, now: DateTime<Utc>) -> Self {
        Self {
            id: UserId::generate(),
            email,
            name,
            role: Role::Customer,
            created_at: now,
            credentials_stamp: CredentialsStamp::generate(),
        }
    }
}
