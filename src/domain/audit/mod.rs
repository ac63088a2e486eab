//! The audit trail: who did what to which record, when, in which request.
//!
//! An entry is written in the same transaction as the change it records
//! (see [`Effects`](super::Effects)), so a change never lacks its entry
//! and an entry never lacks its change. Entries are never updated or
//! deleted, except that erasure removes the personal data from their
//! details.

mod action;
mod booking;
mod entries;
mod query;

pub use action::{AuditAction, TargetKind};
pub use booking::booking_entries;
pub use query::{AuditCursor, AuditQuery, RawAuditQuery};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{AuditId, Role, User};

/// What acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A customer's account.
    Customer,
    /// A consultant's account.
    Consultant,
    /// A staff account.
    Admin,
    /// A back-office system's API key.
    ApiKey,
}

impl ActorKind {
    /// The wire name (the `role` of an entry's `actor`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Consultant => "consultant",
            Self::Admin => "admin",
            Self::ApiKey => "api_key",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Customer, Self::Consultant, Self::Admin, Self::ApiKey]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// Who acted: an account or an API key, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account's or key's id.
    pub id: String,
    /// What it is.
    pub kind: ActorKind,
}

impl Actor {
    /// `user`, acting as their role.
    pub fn user(user: &User) -> Self {
        let kind = match user.role {
            Role::Customer => ActorKind::Customer,
            Role::Consultant(_) => ActorKind::Consultant,
            Role::Admin => ActorKind::Admin,
        };
        Self {
            id: user.id.to_string(),
            kind,
        }
    }
}

/// What every entry of one request shares: who, when, which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    /// Who acted (`None`: nobody logged in, or the service itself).
    pub actor: Option<Actor>,
    /// The request's id (`None`: not a request, e.g. the mail dispatcher).
    pub request_id: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl AuditContext {
    /// The service itself acting at `at` (mail delivery, purges).
    pub fn service(at: DateTime<Utc>) -> Self {
        Self {
            actor: None,
            request_id: None,
            at,
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Its id.
    pub id: AuditId,
    /// When the change happened.
    pub at: DateTime<Utc>,
    /// Who made it.
    pub actor: Option<Actor>,
    /// What was done.
    pub action: AuditAction,
    /// To what kind of record.
    pub target_kind: TargetKind,
    /// To which record.
    pub target_id: String,
    /// What matters about it (old and new start, a reason, a subject).
    pub details: Map<String, Value>,
    /// The request that made it.
    pub request_id: Option<String>,
}

impl AuditEntry {
    /// A new entry of `context` recording `action` on `target_id`.
    pub fn new(context: &AuditContext, action: AuditAction, target_id: impl ToString) -> Self {
        Self {
            id: AuditId::next(),
            at: context.at,
            actor: context.actor.clone(),
            action,
            target_kind: action.target_kind(),
            target_id: target_id.to_string(),
            details: Map::new(),
            request_id: context.request_id.clone(),
        }
    }

    /// The entry about a record of another kind than its action's usual
    /// one (`mail.sent` about a booking).
    pub fn targeting(mut self, kind: TargetKind) -> Self {
        self.target_kind = kind;
        self
    }

    /// The entry that records undoing what this one recorded, as `action`
    /// (a store that could not write a change and its check at once, and
    /// took the change back): same actor, request and record, its own id.
    pub fn undone_as(&self, action: AuditAction, reason: &str) -> Self {
        Self {
            id: AuditId::next(),
            action,
            details: Map::from_iter([("undone".to_owned(), Value::from(reason))]),
            ..self.clone()
        }
    }

    /// The entry with `key` set to `value` in its details.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, PersonName};

    #[test]
    fn an_entry_carries_its_context_and_details() {
        let admin = User::new_admin(
            Email::parse("staff@agency.example").unwrap(),
            PersonName::parse("Sam").unwrap(),
            true,
            Utc::now(),
        );
        let context = AuditContext {
            actor: Some(Actor::user(&admin)),
            request_id: Some("req-1".into()),
            at: Utc::now(),
        };
        let entry = AuditEntry::new(&context, AuditAction::ConsultantDeactivated, "abc")
            .with("reason", "ill");
        assert_eq!(entry.actor.as_ref().unwrap().kind, ActorKind::Admin);
        assert_eq!(entry.target_kind, TargetKind::Consultant);
        assert_eq!(entry.details["reason"], "ill");
        assert_eq!(entry.request_id.as_deref(), Some("req-1"));
        for kind in [
            ActorKind::Customer,
            ActorKind::Consultant,
            ActorKind::Admin,
            ActorKind::ApiKey,
        ] {
            assert_eq!(ActorKind::parse(kind.as_str()), Some(kind));
        }
    }
}
