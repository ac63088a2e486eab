//! Timing of the account, token, throttle and session operations.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Instrumented;
use crate::domain::{
    ConsultantId, CredentialsStamp, Effects, Email, IssuedToken, LoginThrottle, PasswordHash,
    Reservation, Session, SessionId, ThrottleKey, TokenHash, TokenPurpose, TrustedDevice, User,
    UserId,
};
use crate::store::{
    AccountTokenStore, Credentials, SessionStore, StoreResult, ThrottleStore, UserStore,
};

#[async_trait]
impl UserStore for Instrumented {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        first_session: Option<&Session>,
        effects: &Effects,
    ) -> StoreResult<()> {
        timed!(
            self,
            "insert_user",
            self.inner
                .insert_user(user, password_hash, first_session, effects)
        )
    }

    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<Credentials>> {
        timed!(self, "find_credentials", self.inner.find_credentials(email))
    }

    async fn find_user(&self, user_id: UserId) -> StoreResult<Option<User>> {
        timed!(self, "find_user", self.inner.find_user(user_id))
    }

    async fn list_admins(&self) -> StoreResult<Vec<User>> {
        timed!(self, "list_admins", self.inner.list_admins())
    }

    async fn find_consultant_account(&self, consultant: ConsultantId) -> StoreResult<Option<User>> {
        timed!(
            self,
            "find_consultant_account",
            self.inner.find_consultant_account(consultant)
        )
    }

    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<PasswordHash>> {
        timed!(self, "password_hash", self.inner.password_hash(user_id))
    }

    async fn change_password(
        &self,
        user_id: UserId,
        password_hash: &PasswordHash,
        stamp: CredentialsStamp,
        new_session: Option<&Session>,
        effects: &Effects,
    ) -> StoreResult<u64> {
        timed!(
            self,
            "change_password",
            self.inner
                .change_password(user_id, password_hash, stamp, new_session, effects)
        )
    }

    async fn mark_email_verified(&self, user_id: UserId) -> StoreResult<Option<User>> {
        timed!(
            self,
            "mark_email_verified",
            self.inner.mark_email_verified(user_id)
        )
    }

    async fn update_user(&self, user: &User) -> StoreResult<bool> {
        timed!(self, "update_user", self.inner.update_user(user))
    }
}

#[async_trait]
impl AccountTokenStore for Instrumented {
    async fn insert_account_token(&self, token: &IssuedToken) -> StoreResult<()> {
        timed!(
            self,
            "insert_account_token",
            self.inner.insert_account_token(token)
        )
    }

    async fn consume_account_token(
        &self,
        token_hash: &TokenHash,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<IssuedToken>> {
        timed!(
            self,
            "consume_account_token",
            self.inner.consume_account_token(token_hash, purpose, now)
        )
    }
}

#[async_trait]
impl ThrottleStore for Instrumented {
    async fn reserve_attempt(
        &self,
        key: &ThrottleKey,
        throttle: &LoginThrottle,
        now: DateTime<Utc>,
    ) -> StoreResult<Reservation> {
        timed!(
            self,
            "reserve_attempt",
            self.inner.reserve_attempt(key, throttle, now)
        )
    }

    async fn clear_attempts(&self, key: &ThrottleKey) -> StoreResult<()> {
        timed!(self, "clear_attempts", self.inner.clear_attempts(key))
    }

    async fn insert_trusted_device(&self, device: &TrustedDevice) -> StoreResult<()> {
        timed!(
            self,
            "insert_trusted_device",
            self.inner.insert_trusted_device(device)
        )
    }

    async fn find_trusted_device(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<TrustedDevice>> {
        timed!(
            self,
            "find_trusted_device",
            self.inner.find_trusted_device(token_hash)
        )
    }
}

#[async_trait]
impl SessionStore for Instrumented {
    async fn insert_session(&self, session: &Session, effects: &Effects) -> StoreResult<()> {
        timed!(
            self,
            "insert_session",
            self.inner.insert_session(session, effects)
        )
    }

    async fn find_session(&self, token_hash: &TokenHash) -> StoreResult<Option<(Session, User)>> {
        timed!(self, "find_session", self.inner.find_session(token_hash))
    }

    async fn touch_session(
        &self,
        session: &Session,
        seen_at: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<()> {
        timed!(
            self,
            "touch_session",
            self.inner.touch_session(session, seen_at, stale_before)
        )
    }

    async fn expire_session_by_token(&self, token_hash: &TokenHash) -> StoreResult<bool> {
        timed!(
            self,
            "expire_session_by_token",
            self.inner.expire_session_by_token(token_hash)
        )
    }

    async fn expire_session(&self, user_id: UserId, id: SessionId) -> StoreResult<bool> {
        timed!(
            self,
            "expire_session",
            self.inner.expire_session(user_id, id)
        )
    }

    async fn expire_other_sessions(
        &self,
        user_id: UserId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<u64> {
        timed!(
            self,
            "expire_other_sessions",
            self.inner.expire_other_sessions(user_id, keep, effects)
        )
    }

    async fn list_sessions(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>> {
        timed!(
            self,
            "list_sessions",
            self.inner.list_sessions(user_id, now)
        )
    }
}
