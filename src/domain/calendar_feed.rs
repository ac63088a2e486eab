//! A consultant's calendar feed: the secret URL their calendar program
//! polls. The secret is its credential; only its hash is kept.

use chrono::{DateTime, Utc};

use super::{AccountToken, TokenHash};

/// The feed secret as a store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSecret {
    /// SHA-256 of the secret in the feed's URL.
    pub token_hash: TokenHash,
    /// When this secret was made (shown to its owner: "a feed is on since…").
    pub created_at: DateTime<Utc>,
}

impl FeedSecret {
    /// A new secret made at `now`: the token for the URL, and what the
    /// store keeps of it.
    pub fn issue(now: DateTime<Utc>) -> (AccountToken, Self) {
        let token = AccountToken::generate();
        let secret = Self {
            token_hash: token.hash(),
            created_at: now,
        };
        (token, secret)
    }
}
