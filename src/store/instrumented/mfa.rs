//! Timing of second-factor reads and writes.

use async_trait::async_trait;

use super::Instrumented;
use crate::domain::{Effects, MfaChallenge, SessionId, TokenHash, TotpEnrollment, UserId};
use crate::store::{MfaStore, StoreResult};

#[async_trait]
impl MfaStore for Instrumented {
    async fn find_totp(&self, user_id: UserId) -> StoreResult<Option<TotpEnrollment>> {
        timed!(self, "find_totp", self.inner.find_totp(user_id))
    }

    async fn put_pending_totp(&self, user_id: UserId, sealed: &[u8]) -> StoreResult<bool> {
        timed!(
            self,
            "put_pending_totp",
            self.inner.put_pending_totp(user_id, sealed)
        )
    }

    async fn confirm_totp(
        &self,
        user_id: UserId,
        step: i64,
        codes: &[TokenHash],
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "confirm_totp",
            self.inner.confirm_totp(user_id, step, codes, keep, effects)
        )
    }

    async fn remove_totp(
        &self,
        user_id: UserId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "remove_totp",
            self.inner.remove_totp(user_id, keep, effects)
        )
    }

    async fn use_totp_step(&self, user_id: UserId, step: i64) -> StoreResult<bool> {
        timed!(
            self,
            "use_totp_step",
            self.inner.use_totp_step(user_id, step)
        )
    }

    async fn use_recovery_code(&self, user_id: UserId, code: &TokenHash) -> StoreResult<bool> {
        timed!(
            self,
            "use_recovery_code",
            self.inner.use_recovery_code(user_id, code)
        )
    }

    async fn recovery_codes_left(&self, user_id: UserId) -> StoreResult<u32> {
        timed!(
            self,
            "recovery_codes_left",
            self.inner.recovery_codes_left(user_id)
        )
    }

    async fn insert_challenge(&self, challenge: &MfaChallenge) -> StoreResult<()> {
        timed!(
            self,
            "insert_challenge",
            self.inner.insert_challenge(challenge)
        )
    }

    async fn find_challenge(&self, token_hash: &TokenHash) -> StoreResult<Option<MfaChallenge>> {
        timed!(
            self,
            "find_challenge",
            self.inner.find_challenge(token_hash)
        )
    }

    async fn fail_challenge(&self, token_hash: &TokenHash) -> StoreResult<()> {
        timed!(
            self,
            "fail_challenge",
            self.inner.fail_challenge(token_hash)
        )
    }

    async fn consume_challenge(&self, token_hash: &TokenHash) -> StoreResult<bool> {
        timed!(
            self,
            "consume_challenge",
            self.inner.consume_challenge(token_hash)
        )
    }
}
