//! The login challenge: after the right password of an account with a
//! second factor, the login answers with a challenge instead of a session.
//! It is single use, lives five minutes, is stored only as its hash, and
//! remembers whose attempts its codes count against, so wrong codes lock
//! the account exactly as wrong passwords do.

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::{RandomToken, ThrottleKey, TokenHash, UserId};

/// The challenge's bearer token: 32 random bytes, 64 hex characters.
pub type ChallengeToken = RandomToken<32>;

/// A pending second step of a login, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaChallenge {
    /// SHA-256 of the token.
    pub token_hash: TokenHash,
    /// The account whose password was right.
    pub user_id: UserId,
    /// Whose failed attempts its wrong codes count as: the key the
    /// password's attempt was counted on.
    pub throttle: ThrottleKey,
    /// Whether the login came from a device not trusted yet (trusted once
    /// the second factor is right).
    pub trust_device: bool,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Wrong codes so far.
    pub failures: u32,
}

impl MfaChallenge {
    /// How long the second step may take.
    pub const LIFETIME: TimeDelta = TimeDelta::minutes(5);
    /// Wrong codes that end a challenge (each also counts as a failed
    /// login of the account).
    pub const MAX_FAILURES: u32 = 5;

    /// A fresh challenge for `user_id` at `now`: the token to hand back,
    /// and what the store keeps.
    pub fn issue(
        user_id: UserId,
        throttle: ThrottleKey,
        trust_device: bool,
        now: DateTime<Utc>,
    ) -> (ChallengeToken, Self) {
        let token = ChallengeToken::generate();
        let challenge = Self {
            token_hash: token.hash(),
            user_id,
            throttle,
            trust_device,
            expires_at: now + Self::LIFETIME,
            failures: 0,
        };
        (token, challenge)
    }

    /// Whether it can still be answered at `now`.
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at && self.failures < Self::MAX_FAILURES
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;

    #[test]
    fn a_challenge_ends_after_five_minutes_or_five_wrong_codes() {
        let now = Utc::now();
        let key = ThrottleKey::account(&Email::parse("ada@example.com").unwrap());
        let (token, mut challenge) = MfaChallenge::issue(UserId::generate(), key, true, now);
        assert_eq!(token.expose().len(), 64);
        assert_eq!(challenge.token_hash, token.hash());
        assert!(challenge.usable_at(now + TimeDelta::minutes(4)));
        assert!(!challenge.usable_at(now + TimeDelta::minutes(5)));
        challenge.failures = 4;
        assert!(challenge.usable_at(now));
        challenge.failures = 5;
        assert!(!challenge.usable_at(now));
    }
}
