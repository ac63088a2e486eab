//! User accounts.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rand::RngCore;
use rand::rngs::OsRng;

use super::{ConsultantId, Email, Locale, PersonName, UserId};

/// Identifies the current version of an account's credentials. It changes
/// with every password change; each session records the stamp it was opened
/// under, and a session whose stamp is not the account's current one is
/// refused. So a login that checked the old password while the password was
/// being changed can never yield a working session, whatever the order in
/// which the two writes land (no transaction needed).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CredentialsStamp(u64);

impl CredentialsStamp {
    /// The stamp of accounts and sessions stored before stamps existed.
    pub fn initial() -> Self {
        Self(0)
    }

    /// A new random stamp (from the OS CSPRNG; never the initial one).
    pub fn generate() -> Self {
        Self(OsRng.next_u64().max(1))
    }

    /// A stamp as stored (16 hex digits; empty for the initial stamp), or
    /// `None` if it is not one.
    pub fn from_stored(text: &str) -> Option<Self> {
        if text.is_empty() {
            return Some(Self::initial());
        }
        u64::from_str_radix(text, 16).ok().map(Self)
    }

    /// The stored form: 16 lowercase hex digits.
    pub fn to_stored(self) -> String {
        format!("{:016x}", self.0)
    }
}

impl fmt::Debug for CredentialsStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialsStamp({:016x})", self.0)
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
    /// Agency staff: runs consultants and every booking.
    Admin,
}

impl Role {
    /// The wire name: `customer`, `consultant` or `admin`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Consultant(_) => "consultant",
            Role::Admin => "admin",
        }
    }

    /// The consultant profile this account speaks for, if any.
    pub fn consultant_id(&self) -> Option<ConsultantId> {
        match self {
            Role::Consultant(id) => Some(*id),
            Role::Customer | Role::Admin => None,
        }
    }

    /// Whether this is agency staff.
    pub fn is_admin(&self) -> bool {
        matches!(self, Role::Admin)
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
    /// Whether the owner of `email` has shown they receive mail there; mail
    /// goes to verified addresses only.
    pub email_verified: bool,
    /// Whether the account may be used (a deactivated consultant's is not:
    /// no login, no session).
    pub active: bool,
    /// The language they are written to in.
    pub locale: Locale,
    /// Their own time zone, when they gave one (a customer's mail shows
    /// times there; without it, in the consultant's).
    pub timezone: Option<Tz>,
    /// Whether logins ask for a TOTP code after the password. While it is
    /// on, every valid session of the account passed it: logins through
    /// the code, and the session that enrolled it (enrolling and removing
    /// end every other session).
    pub totp: bool,
    /// How many passkeys it has.
    pub passkeys: u32,
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
            email_verified: false,
            active: true,
            locale: Locale::En,
            timezone: None,
            totp: false,
            passkeys: 0,
        }
    }

    /// A new consultant account for profile `consultant`. Its address is
    /// verified when the command line made it (the agency vouches for it);
    /// an invited one is verified when its owner sets a password from the
    /// mailed link.
    pub fn new_consultant(
        consultant: ConsultantId,
        identity: (Email, PersonName),
        verified: bool,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            role: Role::Consultant(consultant),
            email_verified: verified,
            ..Self::new_customer(identity.0, identity.1, now)
        }
    }

    /// The same account, written to in `locale`.
    pub fn in_locale(self, locale: Locale) -> Self {
        Self { locale, ..self }
    }

    /// A new staff account. Its address is verified when the command line
    /// made it; an invited one is verified when its owner sets a password
    /// from the mailed link.
    pub fn new_admin(email: Email, name: PersonName, verified: bool, now: DateTime<Utc>) -> Self {
        Self {
            role: Role::Admin,
            email_verified: verified,
            ..Self::new_customer(email, name, now)
        }
    }
}
