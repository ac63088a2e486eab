//! Session tokens: the bearer secret a client holds, and the hash the store keeps.

use std::fmt;

use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// An opaque session token: 16 bytes from the operating system's CSPRNG,
/// written as 32 lowercase hex characters. Only its holder and the response
/// that created it ever see it; Debug output is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// Random bytes per token: 128 bits of entropy (ASVS 3.2.2 asks for 64).
    pub const BYTES: usize = 16;

    /// Draws a fresh token from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; Self::BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// Accepts only the exact shape we issue (32 lowercase hex characters);
    /// anything else cannot be a session and is never looked up.
    pub fn parse(raw: &str) -> Option<Self> {
        let well_formed = raw.len() == Self::BYTES * 2
            && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        well_formed.then(|| Self(raw.to_owned()))
    }

    /// The token text, for the cookie and the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the token: what the store indexes and keeps, so a leaked
    /// database holds no usable tokens.
    pub fn hash(&self) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(self.0.as_bytes())))
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// SHA-256 of a [`SessionToken`], 64 lowercase hex characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Wraps a hash read back from a store.
    pub fn from_hex(hex: String) -> Self {
        Self(hex)
    }

    /// The hex digest.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not a secret in itself, but it identifies a live session in the
        // store: keep it out of logs all the same.
        f.write_str("TokenHash([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_32_lowercase_hex_characters() {
        let token = SessionToken::generate();
        assert_eq!(token.expose().len(), 32);
        assert!(
            token
                .expose()
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(SessionToken::parse(token.expose()), Some(token));
    }

    #[test]
    fn tokens_do_not_repeat() {
        let tokens: std::collections::HashSet<_> = (0..10_000)
            .map(|_| SessionToken::generate().expose().to_owned())
            .collect();
        assert_eq!(tokens.len(), 10_000);
    }

    #[test]
    fn only_the_issued_shape_parses() {
        let upper = "0123456789ABCDEF0123456789ABCDEF";
        for raw in [
            "",
            "abc",
            upper,
            "0123456789abcdef0123456789abcdeg",
            &"a".repeat(33),
        ] {
            assert!(SessionToken::parse(raw).is_none(), "{raw:?}");
        }
    }

    #[test]
    fn hash_is_the_sha256_hex_of_the_token_text() {
        let token = SessionToken::parse("00112233445566778899aabbccddeeff").unwrap();
        // printf %s 00112233445566778899aabbccddeeff | sha256sum
        assert_eq!(
            token.hash().as_str(),
            "5947d7c33d783f94b3b4c1a96ebc8991ed28f1b069b71e03376cba8caa98a720"
        );
    }

    #[test]
    fn debug_output_is_redacted() {
        let token = SessionToken::generate();
        assert!(!format!("{token:?}").contains(token.expose()));
        assert!(!format!("{:?}", token.hash()).contains(token.hash().as_str()));
    }
}
