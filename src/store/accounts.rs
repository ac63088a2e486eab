//! Accounts, their credentials, sessions, mailed tokens and login throttling.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{
    ConsultantId, CredentialsStamp, Effects, Email, IssuedToken, LoginThrottle, PasswordHash,
    Reservation, Session, SessionId, ThrottleKey, TokenHash, TokenPurpose, TrustedDevice, User,
    UserId,
};

/// A user account and its password hash, as read for a login.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// Its Argon2id hash.
    pub password_hash: PasswordHash,
}

/// Accounts and their passwords.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates an account, and with it its first session when given, and
    /// its `effects` (its verification or invitation mail, its audit
    /// entries), in one atomic step. [`StoreError::EmailTaken`](super::StoreError::EmailTaken) if the email
    /// is in use; then nothing is left written (on MongoDB, at worst a mail
    /// for no account, which the dispatcher drops).
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        first_session: Option<&Session>,
        effects: &Effects,
    ) -> StoreResult<()>;

    /// The account registered with `email`, with its password hash.
    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<Credentials>>;

    /// The account `user_id`.
    async fn find_user(&self, user_id: UserId) -> StoreResult<Option<User>>;

    /// Every active admin account (whom the service tells of trouble).
    async fn list_admins(&self) -> StoreResult<Vec<User>>;

    /// The login account of consultant profile `consultant`, if it has one.
    async fn find_consultant_account(&self, consultant: ConsultantId) -> StoreResult<Option<User>>;

    /// The password hash of account `user_id`.
    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<PasswordHash>>;

    /// Replaces the password hash of `user_id` and its credentials stamp
    /// (`stamp`, which `new_session` carries), expires every session of the
    /// account and inserts `new_session` if given: after a password change
    /// only the new session works (none after a reset). Whatever the old
    /// password opened goes with it: the account's outstanding reset
    /// tokens and reset mails not sent yet, and the calendar feed of the
    /// consultant it speaks for (SQLite: in the same transaction; MongoDB:
    /// those first, then the password), with the change's `effects`.
    /// Returns how many sessions were expired.
    async fn change_password(
        &self,
        user_id: UserId,
        password_hash: &PasswordHash,
        stamp: CredentialsStamp,
        new_session: Option<&Session>,
        effects: &Effects,
    ) -> StoreResult<u64>;

    /// Marks the address of `user_id` verified; the account as it now is.
    async fn mark_email_verified(&self, user_id: UserId) -> StoreResult<Option<User>>;

    /// Replaces what its owner may change of `user`'s account: the name,
    /// the locale and the time zone. Whether there was such an account.
    async fn update_user(&self, user: &User) -> StoreResult<bool>;
}

/// Single-use account tokens (password reset, address verification), kept
/// as hashes.
#[async_trait]
pub trait AccountTokenStore: Send + Sync {
    /// Stores `token`; if its purpose supersedes older tokens, the
    /// account's other tokens of that purpose are deleted first (a failure
    /// between the two leaves no usable token, never two).
    async fn insert_account_token(&self, token: &IssuedToken) -> StoreResult<()>;

    /// Uses up the token hashing to `token_hash` if it is stored for
    /// `purpose` and unexpired at `now`, with one conditional delete: of
    /// two concurrent calls, one gets the token and the other `None`.
    async fn consume_account_token(
        &self,
        token_hash: &TokenHash,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<IssuedToken>>;
}

/// Login throttling: attempt places and trusted devices (see
/// [`crate::domain::LoginThrottle`]).
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Takes a free attempt place of `key` at `now` (one never used, or whose
    /// attempt has left `throttle`'s window) with one atomic write per place,
    /// so concurrent attempts never hold more places than there are.
    async fn reserve_attempt(
        &self,
        key: &ThrottleKey,
        throttle: &LoginThrottle,
        now: DateTime<Utc>,
    ) -> StoreResult<Reservation>;

    /// Frees every place of `key` (after a successful login).
    async fn clear_attempts(&self, key: &ThrottleKey) -> StoreResult<()>;

    /// Remembers a device that logged in.
    async fn insert_trusted_device(&self, device: &TrustedDevice) -> StoreResult<()>;

    /// The trusted device whose cookie hashes to `token_hash`, if any.
    async fn find_trusted_device(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<TrustedDevice>>;
}

/// Login sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session, with its `effects` (the login's audit entry).
    async fn insert_session(&self, session: &Session, effects: &Effects) -> StoreResult<()>;

    /// The session whose token hashes to `token_hash`, whatever its status,
    /// with its user.
    async fn find_session(&self, token_hash: &TokenHash) -> StoreResult<Option<(Session, User)>>;

    /// Records that `session` was used at `seen_at`, only if it is still valid
    /// and its stored `lastSeenAt` is older than `stale_before`: one conditional
    /// write, so concurrent requests cannot move it backwards and a session
    /// expired meanwhile is never revived.
    async fn touch_session(
        &self,
        session: &Session,
        seen_at: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Expires the session with this token hash, whoever owns it (login
    /// discarding a presented cookie). Returns whether a valid one was expired.
    async fn expire_session_by_token(&self, token_hash: &TokenHash) -> StoreResult<bool>;

    /// Expires session `id` if it belongs to `user_id` and is still valid.
    async fn expire_session(&self, user_id: UserId, id: SessionId) -> StoreResult<bool>;

    /// Expires every valid session of `user_id` except `keep` ("log out
    /// everywhere else"), and turns off the calendar feed of the consultant
    /// the account speaks for (a feed URL made in a stolen session must
    /// not outlive it), with `effects`; returns how many sessions were
    /// expired.
    async fn expire_other_sessions(
        &self,
        user_id: UserId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<u64>;

    /// Sessions of `user_id` with status `valid` that have not reached their
    /// absolute expiry at `now`, newest first. (The idle timeout is a policy
    /// the caller applies.)
    async fn list_sessions(&self, user_id: UserId, now: DateTime<Utc>)
    -> StoreResult<Vec<Session>>;
}
