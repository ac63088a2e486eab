//! Recovery codes: ten single-use codes shown once when a second factor is
//! enrolled, each standing in for one TOTP code. 16 characters from an
//! alphabet of 31 without look-alikes (79 bits: a stored SHA-256 cannot be
//! searched back), written in groups of four.

use std::fmt;

use rand::Rng;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::domain::TokenHash;

/// No 0/o, 1/l/i: what people copy from paper.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const LENGTH: usize = 16;

/// One recovery code. Debug output is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode([redacted])")
    }
}

impl RecoveryCode {
    /// How many an enrolment issues.
    pub const COUNT: usize = 10;

    /// A fresh set of [`COUNT`](Self::COUNT) codes.
    pub fn generate_set() -> Vec<Self> {
        (0..Self::COUNT)
            .map(|_| {
                let code = (0..LENGTH)
                    .map(|_| char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())]))
                    .collect();
                Self(code)
            })
            .collect()
    }

    /// The code in `input`, as typed: any case, with or without its dashes
    /// and spaces.
    pub fn parse(input: &str) -> Option<Self> {
        let code: String = input
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let valid = code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b));
        valid.then_some(Self(code))
    }

    /// `abcd-efgh-jkmn-pqrs`, to show once.
    pub fn expose(&self) -> String {
        let groups: Vec<&str> = (0..LENGTH / 4).map(|i| &self.0[i * 4..i * 4 + 4]).collect();
        groups.join("-")
    }

    /// What the store keeps.
    pub fn hash(&self) -> TokenHash {
        TokenHash::from_hex(hex::encode(Sha256::digest(self.0.as_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_set_is_ten_distinct_codes_that_read_back_as_typed() {
        let set = RecoveryCode::generate_set();
        assert_eq!(set.len(), 10);
        let hashes: HashSet<_> = set
            .iter()
            .map(|code| code.hash().as_str().to_owned())
            .collect();
        assert_eq!(hashes.len(), 10);
        for code in &set {
            let shown = code.expose();
            assert_eq!(shown.len(), 19, "{shown}");
            for typed in [shown.clone(), shown.to_uppercase(), shown.replace('-', " ")] {
                assert_eq!(RecoveryCode::parse(&typed).as_ref(), Some(code), "{typed}");
            }
        }
        assert_eq!(format!("{:?}", set[0]), "RecoveryCode([redacted])");
        for bad in [
            "",
            "abcd-efgh",
            "abcd-efgh-jkmn-pqr0",
            "abcd-efgh-jkmn-pqrst",
        ] {
            assert!(RecoveryCode::parse(bad).is_none(), "{bad}");
        }
    }
}
