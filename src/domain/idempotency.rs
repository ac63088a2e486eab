//! Idempotent booking requests: a client retrying with the same
//! `Idempotency-Key` gets the first response again and creates nothing.

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use super::{InvalidInput, UserId};

/// How long a key is remembered.
pub const IDEMPOTENCY_WINDOW: TimeDelta = TimeDelta::hours(24);
/// A request still unfinished after this long is presumed dead (its process
/// stopped mid-request); the key may then be used again.
pub const ABANDONED_AFTER: TimeDelta = TimeDelta::minutes(1);

/// The `Idempotency-Key` header: 1 to 64 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Parses the header value.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let valid = (1..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic());
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidInput::new(
                "Idempotency-Key",
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 64 visible ASCII characters",
            ))
        }
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a request asked for, reduced to a SHA-256: two requests with the same
/// fingerprint ask for the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The fingerprint of a canonical encoding of the request.
    pub fn of(canonical_request: &[u8]) -> Self {
        Self(hex::encode(Sha256::digest(canonical_request)))
    }

    /// Wraps a fingerprint read back from a store.
    pub fn from_hex(hex: String) -> Self {
        Self(hex)
    }

    /// The hex digest.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The response a request produced, kept to be replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
    /// `Location` header, if any.
    pub location: Option<String>,
}

/// One use of a key by one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Keys are per user: two users may pick the same key.
    pub user_id: UserId,
    /// The key.
    pub key: IdempotencyKey,
    /// What the first request asked for.
    pub fingerprint: Fingerprint,
    /// When the first request arrived.
    pub created_at: DateTime<Utc>,
    /// Its response, once there is one.
    pub response: Option<StoredResponse>,
}

/// What to do with a request whose key was used before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyDecision {
    /// Same request, finished: answer with its response.
    Replay(StoredResponse),
    /// Same key, different request: refuse.
    KeyReused,
    /// Same request, still running elsewhere: wait for it.
    InProgress,
    /// The earlier use expired or was abandoned: start afresh.
    TakeOver,
}

impl IdempotencyRecord {
    /// A record for a request that has just started.
    pub fn started(
        user_id: UserId,
        key: IdempotencyKey,
        fingerprint: Fingerprint,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            user_id,
            key,
            fingerprint,
            created_at: now,
            response: None,
        }
    }

    /// When the key may be forgotten.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.created_at + IDEMPOTENCY_WINDOW
    }

    /// The same record, finished with `response`.
    pub fn finished(&self, response: StoredResponse) -> Self {
        Self {
            response: Some(response),
            ..self.clone()
        }
    }

    /// How to treat a new request with this record's key and `fingerprint` at `now`.
    pub fn decide(&self, fingerprint: &Fingerprint, now: DateTime<Utc>) -> IdempotencyDecision {
        if now >= self.expires_at() {
            return IdempotencyDecision::TakeOver;
        }
        if &self.fingerprint != fingerprint {
            return IdempotencyDecision::KeyReused;
        }
        match &self.response {
            Some(response) => IdempotencyDecision::Replay(response.clone()),
            None if now - self.created_at >= ABANDONED_AFTER => IdempotencyDecision::TakeOver,
            None => IdempotencyDecision::InProgress,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(now: DateTime<Utc>) -> IdempotencyRecord {
        let key = IdempotencyKey::parse("retry-7f3c").unwrap();
        IdempotencyRecord::started(UserId::generate(), key, Fingerprint::of(b"{\"a\":1}"), now)
    }

    #[test]
    fn keys_are_1_to_64_visible_ascii_characters() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(64)).is_ok());
        assert!(IdempotencyKey::parse("550e8400-e29b-41d4-a716-446655440000").is_ok());
        for bad in ["", "has space", "tab\tkey", "ünïcode", &"k".repeat(65)] {
            assert_eq!(
                IdempotencyKey::parse(bad).unwrap_err().code,
                "invalid_idempotency_key",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn decisions_follow_fingerprint_progress_and_age() {
        let now = Utc::now();
        let started = record(now);
        let same = started.fingerprint.clone();
        let other = Fingerprint::of(b"{\"a\":2}");
        assert_eq!(started.decide(&same, now), IdempotencyDecision::InProgress);
        assert_eq!(started.decide(&other, now), IdempotencyDecision::KeyReused);
        assert_eq!(
            started.decide(&same, now + ABANDONED_AFTER),
            IdempotencyDecision::TakeOver
        );

        let response = StoredResponse {
            status: 201,
            body: "{}".into(),
            location: None,
        };
        let finished = started.finished(response.clone());
        assert_eq!(
            finished.decide(&same, now + TimeDelta::hours(23)),
            IdempotencyDecision::Replay(response)
        );
        assert_eq!(
            finished.decide(&other, now + TimeDelta::hours(23)),
            IdempotencyDecision::KeyReused
        );
        assert_eq!(
            finished.decide(&other, now + IDEMPOTENCY_WINDOW),
            IdempotencyDecision::TakeOver
        );
    }

    #[test]
    fn fingerprints_are_sha256() {
        assert_eq!(
            Fingerprint::of(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
