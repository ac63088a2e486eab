//! Time-based one-time passwords as RFC 6238 has them (HMAC-SHA-1, six
//! digits, 30-second steps), computed by `totp-rs`; a code is accepted for
//! the current step or one either side (clock drift), and only for a step
//! later than the last one accepted (no replay within its window).

use std::fmt;

use chrono::{DateTime, Utc};
use rand::RngCore;
use rand::rngs::OsRng;
use totp_rs::{Algorithm, TOTP};

use crate::domain::{Email, UserId};

/// The name authenticator apps show, and the otpauth URL's issuer.
pub const ISSUER: &str = "tripdesk";
const STEP_SECONDS: i64 = 30;
const DIGITS: usize = 6;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// A TOTP shared secret. Debug output is redacted; it leaves the service
/// once, in the enrolment's answer, and is stored only encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

impl TotpSecret {
    /// A fresh secret from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A secret read back (decrypted) from the store, if it has the size
    /// tripdesk issues.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() == SECRET_BYTES).then_some(Self(bytes))
    }

    /// The raw bytes, for encryption only.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    fn totp(&self, account: &Email) -> TOTP {
        // Skew 0: the steps either side are tried one by one below, so the
        // step that matched is known (for replay).
        TOTP::new(
            Algorithm::SHA1,
            DIGITS,
            0,
            STEP_SECONDS as u64,
            self.0.clone(),
            Some(ISSUER.to_owned()),
            account.as_str().to_owned(),
        )
        .expect("20 bytes and six digits are valid TOTP parameters")
    }

    /// The secret in base32 (RFC 4648, no padding), for typing into an app.
    pub fn base32(&self, account: &Email) -> String {
        self.totp(account).get_secret_base32()
    }

    /// `otpauth://totp/tripdesk:<account>?secret=…&issuer=tripdesk`, for a
    /// QR code.
    pub fn otpauth_url(&self, account: &Email) -> String {
        self.totp(account).get_url()
    }

    /// The time step `code` is right for at `now` (the current one or one
    /// either side), if any; compared in constant time.
    pub fn matching_step(
        &self,
        account: &Email,
        code: &TotpCode,
        now: DateTime<Utc>,
    ) -> Option<i64> {
        let totp = self.totp(account);
        let current = now.timestamp().div_euclid(STEP_SECONDS);
        [current - 1, current, current + 1]
            .into_iter()
            .filter(|step| *step >= 0)
            .find(|step| totp.check(&code.0, (step * STEP_SECONDS) as u64))
    }

    /// The code for `at` (what an authenticator app shows then).
    pub fn code_at(&self, account: &Email, at: DateTime<Utc>) -> TotpCode {
        TotpCode(self.totp(account).generate(at.timestamp().max(0) as u64))
    }
}

/// Six digits as a person types them (spaces dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpCode(String);

impl TotpCode {
    /// The code in `input`, if it is six digits (with spaces anywhere).
    pub fn parse(input: &str) -> Option<Self> {
        let digits: String = input.chars().filter(|c| *c != ' ').collect();
        (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))
            .then_some(Self(digits))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An account's TOTP secret as stored: encrypted, pending until its first
/// code confirms it, and the last step a code was accepted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpEnrollment {
    /// The account.
    pub user_id: UserId,
    /// The secret, sealed with the service's key (nonce and ciphertext).
    pub sealed_secret: Vec<u8>,
    /// Whether a code confirmed it (only then does login ask for codes).
    pub confirmed: bool,
    /// The last time step a code was accepted for.
    pub last_step: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn account() -> Email {
        Email::parse("ada@example.com").unwrap()
    }

    /// RFC 6238 appendix B, SHA-1: the secret "12345678901234567890" at
    /// 59 s gives 94287082 (eight digits); its last six are ours.
    #[test]
    fn codes_follow_rfc_6238() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        let at = |seconds| Utc.timestamp_opt(seconds, 0).unwrap();
        for (seconds, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(secret.code_at(&account(), at(seconds)).as_str(), code);
            let parsed = TotpCode::parse(code).unwrap();
            let step = secret.matching_step(&account(), &parsed, at(seconds));
            assert_eq!(step, Some(seconds / 30), "{seconds}");
        }
    }

    #[test]
    fn a_code_holds_one_step_either_side_and_no_more() {
        let secret = TotpSecret::generate();
        let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        let code = secret.code_at(&account(), now);
        let step = now.timestamp() / 30;
        for (offset, expected) in [
            (-60, None),
            (-30, Some(step)),
            (0, Some(step)),
            (30, Some(step)),
            (60, None),
        ] {
            let then = now + chrono::TimeDelta::seconds(offset);
            assert_eq!(
                secret.matching_step(&account(), &code, then),
                expected,
                "{offset}"
            );
        }
    }

    #[test]
    fn the_url_names_the_issuer_and_account_and_the_secret_stays_out_of_debug() {
        let secret = TotpSecret::generate();
        let url = secret.otpauth_url(&account());
        let base32 = secret.base32(&account());
        assert_eq!(
            url,
            format!("otpauth://totp/tripdesk:ada%40example.com?secret={base32}&issuer=tripdesk")
        );
        assert_eq!(base32.len(), 32);
        assert_eq!(format!("{secret:?}"), "TotpSecret([redacted])");
        assert_eq!(TotpCode::parse("123 456").unwrap().as_str(), "123456");
        for bad in ["12345", "1234567", "12345a", ""] {
            assert!(TotpCode::parse(bad).is_none(), "{bad}");
        }
    }
}
