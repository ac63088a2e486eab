//! Second factors: each account's TOTP secret (sealed by the caller) and
//! recovery codes, and the challenges of logins waiting for a code.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Effects, MfaChallenge, SessionId, TokenHash, TotpEnrollment, UserId};

/// Second factors and login challenges.
#[async_trait]
pub trait MfaStore: Send + Sync {
    /// The account's TOTP secret, pending or confirmed.
    async fn find_totp(&self, user_id: UserId) -> StoreResult<Option<TotpEnrollment>>;

    /// Stores `sealed` as the account's pending TOTP secret, replacing a
    /// pending one; `false` (nothing written) when a confirmed one exists.
    async fn put_pending_totp(&self, user_id: UserId, sealed: &[u8]) -> StoreResult<bool>;

    /// Confirms the pending secret, with `step` as its last used step,
    /// replaces the account's recovery codes with `codes`, expires every
    /// session of the account but `keep`, with the change's `effects`, in
    /// one atomic step; `false` (nothing written) when no secret is
    /// pending.
    async fn confirm_totp(
        &self,
        user_id: UserId,
        step: i64,
        codes: &[TokenHash],
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool>;

    /// Removes the account's TOTP secret and recovery codes and expires
    /// every session but `keep`, with `effects`, in one atomic step;
    /// `false` when there was none.
    async fn remove_totp(
        &self,
        user_id: UserId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool>;

    /// Records that a code of time step `step` was accepted, only if it is
    /// later than the last step recorded (one conditional write: of two
    /// requests with one code, one wins); whether this call recorded it.
    async fn use_totp_step(&self, user_id: UserId, step: i64) -> StoreResult<bool>;

    /// Deletes the account's unused recovery code hashing to `code` (one
    /// conditional delete); whether this call used it.
    async fn use_recovery_code(&self, user_id: UserId, code: &TokenHash) -> StoreResult<bool>;

    /// How many unused recovery codes the account has.
    async fn recovery_codes_left(&self, user_id: UserId) -> StoreResult<u32>;

    /// Stores a new login challenge.
    async fn insert_challenge(&self, challenge: &MfaChallenge) -> StoreResult<()>;

    /// The challenge whose token hashes to `token_hash`, if stored.
    async fn find_challenge(&self, token_hash: &TokenHash) -> StoreResult<Option<MfaChallenge>>;

    /// Counts one wrong code against the challenge (one atomic write); at
    /// [`MfaChallenge::MAX_FAILURES`] it is deleted.
    async fn fail_challenge(&self, token_hash: &TokenHash) -> StoreResult<()>;

    /// Uses the challenge up (one conditional delete); whether this call
    /// did (of two racing right answers, one gets the session).
    async fn consume_challenge(&self, token_hash: &TokenHash) -> StoreResult<bool>;
}
