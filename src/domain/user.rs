//! User accounts.

use chrono::{DateTime, Utc};

use super::{ConsultantId, Email, PersonName, UserId};

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
        }
    }
}
