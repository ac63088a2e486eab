//! Bearer secrets and the hashes the store keeps: session tokens, and the
//! single-use account tokens mailed for a password reset or an address
//! verification.

use std::fmt;

use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// An opaque bearer token of `BYTES` random bytes from the operating
/// system's CSPRNG, written as lowercase hex. Only its holder (and the
/// response or mail that carried it) ever sees it; the store keeps its
/// [`TokenHash`], and Debug output is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct RandomToken<const BYTES: usize>(String);

/// A session token: 16 bytes, 32 hex characters (128 bits of entropy;
/// ASVS 3.2.2 asks for 64). Travels in the cookie or `Authorization` only.
pub type SessionToken = RandomToken<16>;

/// A single-use account token (password reset, address verification): 32
/// bytes, 64 hex characters. It exists only in the mail that carries it.
pub type AccountToken = RandomToken<32>;

impl<const BYTES: usize> RandomToken<BYTES> {
    /// Random bytes per token.
    pub const BYTES: usize = BYTES;

    /// Draws a fresh token from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// Accepts only the exact shape we issue (`2 × BYTES` lowercase hex
    /// characters); anything else cannot be a token and is never looked up.
    pub fn parse(raw: &str) -> Option<Self> {
        let well_formed =
            raw.len() == BYTES * 2 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        well_formed.then(|| Self(raw.to_owned()))
    }

    /// The token text, for the cookie, the `Authorization` header or the
    /// mailed link only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the token: what the store indexes and keeps, so a leaked
    /// database holds no usable tokens.
    pub fn hash(&self) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(self.0.as_bytes())))
    }
}

impl<const BYTES: usize> fmt::Debug for RandomToken<BYTES> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RandomToken<{BYTES}>([redacted])")
    }
}

/// SHA-256 of a token ([`SessionToken`], [`AccountToken`]), 64 lowercase
/// hex characters.
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
    fn account_tokens_are_64_lowercase_hex_characters_and_parse_back() {
        let token = AccountToken::generate();
        assert_eq!(token.expose().len(), 64);
        assert_eq!(AccountToken::parse(token.expose()), Some(token.clone()));
        assert_ne!(AccountToken::generate(), token);
        let session_shaped = SessionToken::generate();
        assert!(AccountToken::parse(session_shaped.expose()).is_none());
        assert!(AccountToken::parse(&token.expose().to_uppercase()).is_none());
        assert!(!format!("{token:?}").contains(token.expose()));
        assert_eq!(token.hash().as_str().len(), 64);
    }

    #[test]
    fn debug_output_is_redacted() {
        let token = SessionToken::generate();
        assert!(!format!("{token:?}").contains(token.expose()));
        assert!(!format!("{:?}", token.hash()).contains(token.hash().as_str()));
    }
}
