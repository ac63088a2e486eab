//! Server-side login sessions.

use chrono::{DateTime, TimeDelta, Utc};

use super::{CredentialsStamp, SessionId, TokenHash, User, UserAgent, UserId};

/// `lastSeenAt` is written at most this often per session: often enough for
/// a 7-day idle timeout, rare enough that reads stay reads.
pub const TOUCH_INTERVAL: TimeDelta = TimeDelta::minutes(1);

/// Whether a session may still be used. `Expired` is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Usable, subject to the timeouts.
    Valid,
    /// Logged out or revoked; never comes back.
    Expired,
}

impl SessionStatus {
    /// The stored name: `valid` or `expired`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SessionStatus::Valid => "valid",
            SessionStatus::Expired => "expired",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "valid" => Some(SessionStatus::Valid),
            "expired" => Some(SessionStatus::Expired),
            _ => None,
        }
    }
}

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Absolute lifetime from creation (`SESSION_TTL`).
    pub ttl: TimeDelta,
    /// Longest gap between two uses (`SESSION_IDLE_TIMEOUT`).
    pub idle_timeout: TimeDelta,
    /// Longest gap between two uses of a staff session
    /// (`ADMIN_SESSION_IDLE_TIMEOUT`): it opens every customer's data.
    pub admin_idle_timeout: TimeDelta,
}

impl SessionPolicy {
    /// The idle timeout for `user`'s sessions.
    pub fn idle_timeout_for(&self, user: &User) -> TimeDelta {
        if user.role.is_admin() {
            self.idle_timeout.min(self.admin_idle_timeout)
        } else {
            self.idle_timeout
        }
    }
}

/// Why a presented session was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionRejection {
    /// Logged out or revoked.
    #[error("session was logged out or revoked")]
    Revoked,
    /// Older than the absolute lifetime.
    #[error("session reached its absolute lifetime")]
    Expired,
    /// Unused for longer than the idle timeout.
    #[error("session was idle for too long")]
    Idle,
    /// Opened under credentials that have since changed.
    #[error("session predates a password change")]
    CredentialsChanged,
    /// The account is deactivated.
    #[error("the account is deactivated")]
    AccountInactive,
}

/// One login: created by registration, login or a password change, ended by
/// logout, revocation or a timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Public id, shown in the session list.
    pub id: SessionId,
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: TokenHash,
    /// Whose session it is.
    pub user_id: UserId,
    /// When the session was created.
    pub created_at: DateTime<Utc>,
    /// Last use, to within [`TOUCH_INTERVAL`].
    pub last_seen_at: DateTime<Utc>,
    /// `created_at` plus the absolute lifetime.
    pub expires_at: DateTime<Utc>,
    /// `valid` or `expired`.
    pub status: SessionStatus,
    /// The client that logged in, for the user's session list.
    pub user_agent: Option<UserAgent>,
    /// The account's credentials stamp when the session was opened.
    pub credentials_stamp: CredentialsStamp,
    /// Whether its login passed a second factor: a TOTP or recovery code,
    /// or a passkey (which verifies the user itself).
    pub second_factor: bool,
}

impl Session {
    /// A new valid session for `user`, identified by `token_hash`, under
    /// the credentials `stamp` that were just checked (or set).
    pub fn start(
        user_id: UserId,
        stamp: CredentialsStamp,
        token_hash: TokenHash,
        user_agent: Option<UserAgent>,
        now: DateTime<Utc>,
        policy: &SessionPolicy,
    ) -> Self {
        Self {
            id: SessionId::generate(),
            token_hash,
            user_id,
            created_at: now,
            last_seen_at: now,
            expires_at: now + policy.ttl,
            status: SessionStatus::Valid,
            user_agent,
            credentials_stamp: stamp,
            second_factor: false,
        }
    }

    /// Checks that the session of `user` may be used at `now` under the
    /// *current* policy: lowering `SESSION_TTL` or `SESSION_IDLE_TIMEOUT`
    /// shortens sessions that already exist.
    pub fn check(
        &self,
        user: &User,
        now: DateTime<Utc>,
        policy: &SessionPolicy,
    ) -> Result<(), SessionRejection> {
        if self.status == SessionStatus::Expired {
            return Err(SessionRejection::Revoked);
        }
        if self.credentials_stamp != user.credentials_stamp {
            return Err(SessionRejection::CredentialsChanged);
        }
        if !user.active {
            return Err(SessionRejection::AccountInactive);
        }
        if now >= self.absolute_end(policy) {
            return Err(SessionRejection::Expired);
        }
        if now - self.last_seen_at >= policy.idle_timeout_for(user) {
            return Err(SessionRejection::Idle);
        }
        Ok(())
    }

    /// The end of the absolute lifetime: the stored expiry, or sooner if the
    /// lifetime has been lowered since the session began.
    fn absolute_end(&self, policy: &SessionPolicy) -> DateTime<Utc> {
        self.expires_at.min(self.created_at + policy.ttl)
    }

    /// Whether `lastSeenAt` is stale enough to be written again at `now`.
    pub fn needs_touch(&self, now: DateTime<Utc>) -> bool {
        now - self.last_seen_at >= TOUCH_INTERVAL
    }

    /// When a valid, unused session of `user` stops being usable: the
    /// earlier of the absolute lifetime and the idle timeout.
    pub fn usable_until(&self, user: &User, policy: &SessionPolicy) -> DateTime<Utc> {
        self.absolute_end(policy)
            .min(self.last_seen_at + policy.idle_timeout_for(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, PersonName, SessionToken};

    fn policy() -> SessionPolicy {
        SessionPolicy {
            ttl: TimeDelta::days(14),
            idle_timeout: TimeDelta::days(7),
            admin_idle_timeout: TimeDelta::minutes(30),
        }
    }

    fn user() -> User {
        User::new_customer(
            Email::parse("ada@example.com").unwrap(),
            PersonName::parse("Ada").unwrap(),
            Utc::now(),
        )
    }

    fn session_of(user: &User, now: DateTime<Utc>) -> Session {
        Session::start(
            user.id,
            user.credentials_stamp,
            SessionToken::generate().hash(),
            None,
            now,
            &policy(),
        )
    }

    #[test]
    fn a_fresh_session_is_usable() {
        let (now, user) = (Utc::now(), user());
        assert_eq!(session_of(&user, now).check(&user, now, &policy()), Ok(()));
    }

    #[test]
    fn expired_status_is_final() {
        let (now, user) = (Utc::now(), user());
        let mut session = session_of(&user, now);
        session.status = SessionStatus::Expired;
        assert_eq!(
            session.check(&user, now, &policy()),
            Err(SessionRejection::Revoked)
        );
    }

    #[test]
    fn idle_timeout_counts_from_last_use() {
        let (start, user) = (Utc::now(), user());
        let mut session = session_of(&user, start);
        let later = start + TimeDelta::days(7);
        assert_eq!(
            session.check(&user, later, &policy()),
            Err(SessionRejection::Idle)
        );
        session.last_seen_at = start + TimeDelta::days(6);
        assert_eq!(session.check(&user, later, &policy()), Ok(()));
    }

    #[test]
    fn absolute_lifetime_wins_over_activity() {
        let (start, user) = (Utc::now(), user());
        let mut session = session_of(&user, start);
        let end = start + TimeDelta::days(14);
        session.last_seen_at = end - TimeDelta::minutes(1);
        assert_eq!(
            session.check(&user, end, &policy()),
            Err(SessionRejection::Expired)
        );
        assert_eq!(session.usable_until(&user, &policy()), end);
    }

    #[test]
    fn touch_is_due_once_a_minute() {
        let start = Utc::now();
        let session = session_of(&user(), start);
        assert!(!session.needs_touch(start + TimeDelta::seconds(59)));
        assert!(session.needs_touch(start + TimeDelta::seconds(60)));
    }

    #[test]
    fn a_lowered_lifetime_shortens_existing_sessions() {
        let (start, user) = (Utc::now(), user());
        let session = session_of(&user, start);
        let stricter = SessionPolicy {
            ttl: TimeDelta::hours(12),
            idle_timeout: TimeDelta::minutes(30),
            admin_idle_timeout: TimeDelta::minutes(30),
        };
        let later = start + TimeDelta::minutes(20);
        assert_eq!(session.check(&user, later, &stricter), Ok(()));
        let mut active = session.clone();
        active.last_seen_at = start + TimeDelta::hours(12) - TimeDelta::minutes(1);
        assert_eq!(
            active.check(&user, start + TimeDelta::hours(12), &stricter),
            Err(SessionRejection::Expired)
        );
        assert_eq!(
            session.check(&user, start + TimeDelta::minutes(30), &stricter),
            Err(SessionRejection::Idle)
        );
        assert_eq!(
            session.usable_until(&user, &stricter),
            start + TimeDelta::minutes(30)
        );
    }

    #[test]
    fn staff_sessions_idle_out_sooner_and_deactivated_accounts_have_none() {
        let start = Utc::now();
        let mut admin = user();
        admin.role = crate::domain::Role::Admin;
        let session = session_of(&admin, start);
        let later = start + TimeDelta::minutes(31);
        assert_eq!(
            session.check(&admin, later, &policy()),
            Err(SessionRejection::Idle)
        );
        assert_eq!(
            session.usable_until(&admin, &policy()),
            start + TimeDelta::minutes(30)
        );
        let customer = user();
        let theirs = session_of(&customer, start);
        assert_eq!(theirs.check(&customer, later, &policy()), Ok(()));
        let deactivated = User {
            active: false,
            ..customer
        };
        assert_eq!(
            theirs.check(&deactivated, start, &policy()),
            Err(SessionRejection::AccountInactive)
        );
    }

    #[test]
    fn a_session_from_older_credentials_is_refused() {
        let (now, mut user) = (Utc::now(), user());
        let session = session_of(&user, now);
        user.credentials_stamp = CredentialsStamp::generate();
        assert_eq!(
            session.check(&user, now, &policy()),
            Err(SessionRejection::CredentialsChanged)
        );
    }
}
