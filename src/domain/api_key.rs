//! API keys: how a back-office system acts on the staff routes, within the
//! scopes an admin granted it. The key itself is shown once; the store keeps
//! its SHA-256.

use std::fmt;

use chrono::{DateTime, Utc};

use super::text::{TextRule, text_field};
use super::token::RandomToken;
use super::{ApiKeyId, InvalidInput, TokenHash, UserId};

/// What a key may do: read or change one kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// List bookings.
    BookingsRead,
    /// Book for customers and reassign bookings.
    BookingsWrite,
    /// List consultants.
    ConsultantsRead,
    /// Create, edit, deactivate and reactivate consultants.
    ConsultantsWrite,
    /// Read the audit log.
    AuditRead,
    /// Manage webhooks and their deliveries.
    WebhooksWrite,
}

impl Scope {
    /// Every scope, in the order responses list them.
    pub const ALL: [Scope; 6] = [
        Self::BookingsRead,
        Self::BookingsWrite,
        Self::ConsultantsRead,
        Self::ConsultantsWrite,
        Self::AuditRead,
        Self::WebhooksWrite,
    ];

    /// The wire name (`bookings:read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BookingsRead => "bookings:read",
            Self::BookingsWrite => "bookings:write",
            Self::ConsultantsRead => "consultants:read",
            Self::ConsultantsWrite => "consultants:write",
            Self::AuditRead => "audit:read",
            Self::WebhooksWrite => "webhooks:write",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The scopes of one key: at least one, each once.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    /// Parses a request's list: every name known, at least one (a repeated
    /// name counts once).
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, InvalidInput> {
        let refuse = |detail: String| InvalidInput::new("scopes", "invalid_scopes", detail);
        let mut bits = 0;
        for name in names {
            let scope = Scope::parse(name.as_ref())
                .ok_or_else(|| refuse(format!("unknown scope {:?}", name.as_ref())))?;
            bits |= scope.bit();
        }
        if bits == 0 {
            return Err(refuse("at least one scope is needed".to_owned()));
        }
        Ok(Self(bits))
    }

    /// Scopes as a store kept them (names it wrote); unknown names are
    /// dropped rather than granted.
    pub fn from_stored<S: AsRef<str>>(names: &[S]) -> Self {
        Self(
            names
                .iter()
                .filter_map(|name| Scope::parse(name.as_ref()))
                .fold(0, |bits, scope| bits | scope.bit()),
        )
    }

    /// Whether `scope` is granted.
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// The granted scopes' wire names, in [`Scope::ALL`] order.
    pub fn names(self) -> Vec<&'static str> {
        Scope::ALL
            .into_iter()
            .filter(|scope| self.contains(*scope))
            .map(Scope::as_str)
            .collect()
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// What a staff route asks of an API key (sessions of admins pass them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAccess {
    /// Reading needs `<records>:read`, changing `<records>:write` (where
    /// the records have only one scope, that one).
    Records(Records),
    /// No key, whatever its scopes: staff accounts and the keys themselves
    /// are managed by people.
    PeopleOnly,
}

/// The records a staff route reads or changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Records {
    /// Bookings.
    Bookings,
    /// Consultants.
    Consultants,
    /// The audit log.
    Audit,
    /// Webhooks.
    Webhooks,
}

impl KeyAccess {
    /// The scope a request needs (`reads`: a `GET`), `None` when no key may
    /// make it.
    pub fn needs(self, reads: bool) -> Option<Scope> {
        let Self::Records(records) = self else {
            return None;
        };
        Some(match (records, reads) {
            (Records::Bookings, true) => Scope::BookingsRead,
            (Records::Bookings, false) => Scope::BookingsWrite,
            (Records::Consultants, true) => Scope::ConsultantsRead,
            (Records::Consultants, false) => Scope::ConsultantsWrite,
            (Records::Audit, _) => Scope::AuditRead,
            (Records::Webhooks, _) => Scope::WebhooksWrite,
        })
    }
}

text_field!(
    /// A key's name, as the admin who made it wrote it: 1 to 100 characters.
    #[derive(Debug, Clone, PartialEq, Eq)]
    ApiKeyName,
    TextRule {
        field: "name",
        code: "invalid_name",
        label: "Name",
        min_chars: 1,
        max_chars: 100,
        multiline: false,
    }
);

/// The key a system sends (`Authorization: Bearer tdk_<64 hex>`): 32 bytes
/// from the OS CSPRNG. Shown once, when made; Debug output is redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeySecret(RandomToken<32>);

impl ApiKeySecret {
    const PREFIX: &'static str = "tdk_";

    /// A fresh key.
    pub fn generate() -> Self {
        Self(RandomToken::generate())
    }

    /// Accepts only the shape this service issues.
    pub fn parse(raw: &str) -> Option<Self> {
        raw.strip_prefix(Self::PREFIX)
            .and_then(RandomToken::parse)
            .map(Self)
    }

    /// Whether a presented bearer credential claims to be a key (and so is
    /// never taken for a session token).
    pub fn looks_like_key(raw: &str) -> bool {
        raw.starts_with(Self::PREFIX)
    }

    /// The key, for the one response that shows it.
    pub fn reveal(&self) -> String {
        format!("{}{}", Self::PREFIX, self.0.expose())
    }

    /// What the store keeps and looks keys up by.
    pub fn hash(&self) -> TokenHash {
        self.0.hash()
    }
}

/// An API key as stored (never the key itself).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// Its id.
    pub id: ApiKeyId,
    /// What the admin called it.
    pub name: ApiKeyName,
    /// What it may do.
    pub scopes: Scopes,
    /// The admin who made it.
    pub created_by: UserId,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was last accepted (to the minute: see [`ApiKey::worth_touching`]).
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// How stale `last_used_at` may get before a request records its use:
    /// a busy key costs one write a minute, not one a request.
    pub const TOUCH_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

    /// Whether a request at `now` should record the key's use.
    pub fn worth_touching(&self, now: DateTime<Utc>) -> bool {
        self.last_used_at
            .is_none_or(|last| now - last >= Self::TOUCH_INTERVAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_known_names_at_least_one() {
        let scopes = Scopes::parse(&["audit:read", "bookings:read", "audit:read"]).unwrap();
        assert_eq!(scopes.names(), ["bookings:read", "audit:read"]);
        assert!(scopes.contains(Scope::AuditRead));
        assert!(!scopes.contains(Scope::BookingsWrite));
        assert_eq!(
            Scopes::parse::<&str>(&[]).unwrap_err().code,
            "invalid_scopes"
        );
        assert_eq!(
            Scopes::parse(&["bookings:delete"]).unwrap_err().code,
            "invalid_scopes"
        );
        assert_eq!(
            Scopes::from_stored(&["x", "webhooks:write"]).names(),
            ["webhooks:write"]
        );
    }

    #[test]
    fn every_scope_round_trips_its_name() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
    }

    #[test]
    fn reading_and_changing_need_their_own_scope() {
        let bookings = KeyAccess::Records(Records::Bookings);
        assert_eq!(bookings.needs(true), Some(Scope::BookingsRead));
        assert_eq!(bookings.needs(false), Some(Scope::BookingsWrite));
        let webhooks = KeyAccess::Records(Records::Webhooks);
        assert_eq!(webhooks.needs(true), Some(Scope::WebhooksWrite));
        assert_eq!(KeyAccess::PeopleOnly.needs(true), None);
    }

    #[test]
    fn keys_have_one_shape_and_are_never_printed() {
        let key = ApiKeySecret::generate();
        let shown = key.reveal();
        assert!(shown.starts_with("tdk_") && shown.len() == 68);
        assert_eq!(ApiKeySecret::parse(&shown), Some(key.clone()));
        assert!(ApiKeySecret::parse(&shown.to_uppercase()).is_none());
        assert!(ApiKeySecret::parse(&shown[4..]).is_none());
        assert!(!format!("{key:?}").contains(&shown[4..]));
    }

    #[test]
    fn use_is_recorded_at_most_once_a_minute() {
        let now = Utc::now();
        let mut key = ApiKey {
            id: ApiKeyId::generate(),
            name: ApiKeyName::parse("CRM").unwrap(),
            scopes: Scopes::parse(&["audit:read"]).unwrap(),
            created_by: UserId::generate(),
            created_at: now,
            last_used_at: None,
        };
        assert!(key.worth_touching(now));
        key.last_used_at = Some(now);
        assert!(!key.worth_touching(now + chrono::TimeDelta::seconds(59)));
        assert!(key.worth_touching(now + chrono::TimeDelta::seconds(60)));
    }
}
