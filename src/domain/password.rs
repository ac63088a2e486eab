//! Passwords and their hashes. Neither ever appears in Debug output or logs.

use std::fmt;

use rand::Rng;
use rand::distributions::Alphanumeric;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};

use super::InvalidInput;

/// A password as typed by its owner. The text lives in a [`SecretString`]
/// (zeroised on drop, redacted in Debug).
pub struct Password(SecretString);

impl Password {
    /// Fewest characters a new password may have (NIST 800-63B, ASVS 2.1.1).
    pub const MIN_CHARS: usize = 8;
    /// Most characters any password may have: long passphrases are welcome,
    /// unbounded input to the hash function is not.
    pub const MAX_CHARS: usize = 128;

    /// A new random password, 20 letters and digits (≈119 bits) from the OS
    /// CSPRNG: for accounts the command line and the demo data make, and
    /// for invited accounts until their owners choose one.
    pub fn generate() -> Self {
        let text: String = OsRng
            .sample_iter(&Alphanumeric)
            .take(20)
            .map(char::from)
            .collect();
        Self(text.into())
    }

    /// Parses a password being chosen (registration, password change):
    /// 8 to 128 characters, anything allowed, no composition rules.
    pub fn parse_new(raw: String, field: &'static str) -> Result<Self, InvalidInput> {
        let chars = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(InvalidInput::new(
                field,
                "invalid_password",
                format!(
                    "Password must be {} to {} characters",
                    Self::MIN_CHARS,
                    Self::MAX_CHARS
                ),
            ));
        }
        Ok(Self(raw.into()))
    }

    /// Parses a password being presented (login, current password): only the
    /// upper bound applies, so tightening the rule for new passwords never
    /// locks out existing accounts.
    pub fn parse_presented(raw: String, field: &'static str) -> Result<Self, InvalidInput> {
        let chars = raw.chars().count();
        if chars == 0 || chars > Self::MAX_CHARS {
            return Err(InvalidInput::new(
                field,
                "invalid_password",
                format!("Password must be 1 to {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw.into()))
    }

    /// The password text, for the hash function only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// An Argon2id hash in PHC string format (`$argon2id$v=19$m=…`).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by the hasher or read from a store.
    pub fn from_phc(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_need_8_to_128_characters() {
        assert!(Password::parse_new("1234567".into(), "password").is_err());
        assert!(Password::parse_new("12345678".into(), "password").is_ok());
        // Characters, not bytes: 128 multi-byte characters are fine.
        assert!(Password::parse_new("é".repeat(128), "password").is_ok());
        let err = Password::parse_new("x".repeat(129), "newPassword").unwrap_err();
        assert_eq!((err.field, err.code), ("newPassword", "invalid_password"));
    }

    #[test]
    fn generated_passwords_are_long_random_and_valid() {
        let first = Password::generate();
        assert_eq!(first.expose().len(), 20);
        assert!(first.expose().chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(first.expose(), Password::generate().expose());
        assert!(Password::parse_new(first.expose().to_owned(), "password").is_ok());
    }

    #[test]
    fn any_characters_are_allowed() {
        assert!(Password::parse_new("        ".into(), "password").is_ok());
        assert!(Password::parse_new("пароль🙂🙂".into(), "password").is_ok());
    }

    #[test]
    fn presented_passwords_only_have_an_upper_bound() {
        assert!(Password::parse_presented("short".into(), "password").is_ok());
        assert!(Password::parse_presented(String::new(), "password").is_err());
        assert!(Password::parse_presented("x".repeat(129), "password").is_err());
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let password = Password::parse_new("correct horse battery".into(), "password").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
        let hash = PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$salt$hash".into());
        assert!(!format!("{hash:?}").contains("argon2id"));
    }
}
