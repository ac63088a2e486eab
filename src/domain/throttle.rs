//! Login throttling (ASVS 2.2.1), shaped by OWASP's advice on lockout: an
//! attacker guessing one account's password must not lock its owner out.
//!
//! Failed attempts are counted per [`ThrottleKey`]. A client that presents a
//! device cookie issued by an earlier successful login *to that account* is
//! counted on its own key; every other client counts against the account's
//! shared key. Guessing from anywhere thus locks out only unknown devices,
//! while the owner's own browser or app keeps logging in.
//!
//! An attempt *reserves* one of the key's [`LoginThrottle::max_failures`]
//! places before the password is checked, in one atomic store write, and a
//! success clears them: parallel guesses cannot all read "four failures so
//! far" and all proceed.

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use super::{Email, SessionToken, TokenHash, UserId};

/// The device cookie's value: an opaque 128-bit token of the same shape as a
/// session token, from the same CSPRNG; the store keeps only its SHA-256.
pub type DeviceToken = SessionToken;

/// How long a device stays trusted after the login that issued its cookie.
pub const DEVICE_TRUST: TimeDelta = TimeDelta::days(180);

/// Whose attempts an attempt counts against. Stored as its kind and the
/// SHA-256 of what it counts (an address, a device): a throttle entry
/// names nobody, so one outliving an erasure (it must, or erasing an
/// account would reset its mailbox's budget) reveals nothing.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ThrottleKey(String);

impl ThrottleKey {
    fn digest(kind: &str, counted: &str) -> Self {
        Self(format!("{kind}:{}", hex::encode(Sha256::digest(counted))))
    }

    /// Anonymous attempts on the account registered (or not) with `email`.
    pub fn account(email: &Email) -> Self {
        Self::digest("account", email.as_str())
    }

    /// Account mails (verification and reset links) to the mailbox of
    /// `email` ([`Email::mailbox`]), whichever account asked: tags and
    /// look-alike domains share one budget.
    pub fn mailbox(email: &Email) -> Self {
        Self::digest("mail", &email.mailbox())
    }

    /// Account mails asked for from the device holding the cookie whose
    /// hash is `device`, trusted for the account: its owner's own budget,
    /// which nobody else can spend.
    pub fn device_mail(device: &TokenHash) -> Self {
        Self::digest("mail-device", device.as_str())
    }

    /// Exports of the account `user`'s personal data.
    pub fn export(user: UserId) -> Self {
        Self::digest("export", &user.to_string())
    }

    /// Attempts from the device holding the cookie whose hash is `device`.
    pub fn device(device: &TokenHash) -> Self {
        Self::digest("device", device.as_str())
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key read back from a store (a login challenge keeps one).
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }
}

impl std::fmt::Debug for ThrottleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An email is personal data: name only the kind of key.
        let kind = self.0.split(':').next().unwrap_or_default();
        write!(f, "ThrottleKey({kind}:…)")
    }
}

/// A device that logged in to an account: its cookie's holder gets its own
/// throttling bucket for that account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedDevice {
    /// SHA-256 of the device cookie.
    pub token_hash: TokenHash,
    /// The account it logged in to.
    pub user_id: UserId,
    /// When the cookie was issued.
    pub created_at: DateTime<Utc>,
    /// When the trust ends.
    pub expires_at: DateTime<Utc>,
}

impl TrustedDevice {
    /// Trust for `token`'s holder on account `user_id`, from `now`.
    pub fn issue(token: &DeviceToken, user_id: UserId, now: DateTime<Utc>) -> Self {
        Self {
            token_hash: token.hash(),
            user_id,
            created_at: now,
            expires_at: now + DEVICE_TRUST,
        }
    }

    /// Whether the device counts as trusted for `user_id` at `now`.
    pub fn trusted_for(&self, user_id: UserId, now: DateTime<Utc>) -> bool {
        self.user_id == user_id && now < self.expires_at
    }
}

/// One attempt place held by a key (see [`LoginThrottle`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptPlace {
    /// Which of the key's places, `0..max_failures`.
    pub index: u32,
    /// When the attempt holding it started.
    pub at: DateTime<Utc>,
}

/// The outcome of asking for an attempt place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt may go ahead; it holds this place until cleared by a
    /// success or until it leaves the window.
    Granted,
    /// Every place is held by an attempt inside the window; try again then.
    Refused {
        /// When the oldest held place frees up.
        retry_at: DateTime<Utc>,
    },
}

/// How many failed logins one key may collect within a sliding window before
/// further attempts are refused, whatever the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Attempt places per key: failures allowed within the window.
    pub max_failures: u32,
    /// Length of the sliding window.
    pub window: TimeDelta,
}

impl LoginThrottle {
    /// Five failures per fifteen minutes.
    pub const DEFAULT: LoginThrottle = LoginThrottle {
        max_failures: 5,
        window: TimeDelta::minutes(15),
    };

    /// Account mails (password reset, verification): three per key per hour.
    /// The same places serve: a mail asked for takes one, none is freed.
    pub const ACCOUNT_MAILS: LoginThrottle = LoginThrottle {
        max_failures: 3,
        window: TimeDelta::hours(1),
    };

    /// Personal data exports: three per account per hour (each reads
    /// everything the service holds about the person).
    pub const EXPORTS: LoginThrottle = LoginThrottle {
        max_failures: 3,
        window: TimeDelta::hours(1),
    };

    /// The longest window of any throttle: a place older than this holds
    /// nothing and can be purged.
    pub const LONGEST_WINDOW: TimeDelta = TimeDelta::hours(1);

    /// The oldest attempt that still holds its place at `now`.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.window
    }

    /// Which place an attempt at `now` may take, given the places the key
    /// holds: the first never used or whose attempt has left the window.
    /// `Err(retry_at)` when all are held: when the oldest frees up.
    pub fn free_place(
        &self,
        held: &[AttemptPlace],
        now: DateTime<Utc>,
    ) -> Result<u32, DateTime<Utc>> {
        let live = |place: &&AttemptPlace| place.at > self.window_start(now);
        (0..self.max_failures)
            .find(|index| !held.iter().filter(live).any(|place| place.index == *index))
            .ok_or_else(|| {
                let oldest = held.iter().filter(live).map(|place| place.at).min();
                oldest
                    .map_or(now, |at| at + self.window)
                    .max(now + TimeDelta::seconds(1))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + TimeDelta::minutes(minutes)
    }

    fn places(minutes: &[i64]) -> Vec<AttemptPlace> {
        minutes
            .iter()
            .enumerate()
            .map(|(index, minute)| AttemptPlace {
                index: index as u32,
                at: at(*minute),
            })
            .collect()
    }

    #[test]
    fn five_places_then_refused_until_the_oldest_leaves_the_window() {
        let throttle = LoginThrottle::DEFAULT;
        assert_eq!(throttle.free_place(&places(&[]), at(0)), Ok(0));
        assert_eq!(throttle.free_place(&places(&[0, 1, 2, 3]), at(4)), Ok(4));
        let full = places(&[0, 1, 2, 3, 4]);
        assert_eq!(throttle.free_place(&full, at(5)), Err(at(15)));
        assert_eq!(throttle.free_place(&full, at(14)), Err(at(15)));
        assert_eq!(
            throttle.free_place(&full, at(15)),
            Ok(0),
            "the first attempt has left the window: its place is reused"
        );
    }

    #[test]
    fn account_mails_allow_three_an_hour() {
        let throttle = LoginThrottle::ACCOUNT_MAILS;
        assert_eq!(throttle.free_place(&places(&[0, 10]), at(20)), Ok(2));
        assert_eq!(
            throttle.free_place(&places(&[0, 10, 20]), at(30)),
            Err(at(60))
        );
        assert!(throttle.window <= LoginThrottle::LONGEST_WINDOW);
        assert!(LoginThrottle::DEFAULT.window <= LoginThrottle::LONGEST_WINDOW);
    }

    #[test]
    fn a_gap_in_the_places_is_filled_first() {
        let throttle = LoginThrottle::DEFAULT;
        let mut held = places(&[0, 1, 2, 3, 4]);
        held.remove(2);
        assert_eq!(throttle.free_place(&held, at(5)), Ok(2));
    }

    #[test]
    fn retry_after_is_at_least_a_second() {
        let throttle = LoginThrottle::DEFAULT;
        let now = at(15) - TimeDelta::milliseconds(1);
        assert_eq!(
            throttle.free_place(&places(&[0, 0, 0, 0, 0]), now),
            Err(now + TimeDelta::seconds(1))
        );
    }

    #[test]
    fn keys_never_show_the_email() {
        let email = Email::parse("ada@example.com").unwrap();
        let key = ThrottleKey::account(&email);
        assert!(key.as_str().starts_with("account:"));
        assert!(!key.as_str().contains("ada"), "stored as a digest");
        assert_eq!(key, ThrottleKey::account(&email));
        let tagged = Email::parse("ada+trips@example.com").unwrap();
        assert_eq!(ThrottleKey::mailbox(&tagged), ThrottleKey::mailbox(&email));
        assert_ne!(ThrottleKey::account(&tagged), key);
        assert_eq!(format!("{key:?}"), "ThrottleKey(account:…)");
        assert_eq!(
            format!("{:?}", ThrottleKey::mailbox(&email)),
            "ThrottleKey(mail:…)"
        );
        let device = DeviceToken::generate();
        assert!(
            ThrottleKey::device(&device.hash())
                .as_str()
                .starts_with("device:")
        );
    }

    #[test]
    fn a_device_is_trusted_only_for_its_account_and_its_time() {
        let token = DeviceToken::generate();
        let owner = UserId::generate();
        let device = TrustedDevice::issue(&token, owner, at(0));
        assert!(device.trusted_for(owner, at(1)));
        assert!(!device.trusted_for(UserId::generate(), at(1)));
        assert!(!device.trusted_for(owner, at(0) + DEVICE_TRUST));
    }
}
