//! Passkeys: each account's WebAuthn credentials, and the ceremonies
//! waiting for an authenticator's answer.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{
    CeremonyKey, Effects, PasskeyCeremony, PasskeyId, SessionId, StoredPasskey, UserId,
};

/// Passkeys and their ceremonies.
#[async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Stores a ceremony, replacing one under the same key.
    async fn put_passkey_ceremony(&self, ceremony: &PasskeyCeremony) -> StoreResult<()>;

    /// Removes the ceremony under `key` and returns it if it was still
    /// usable at `now` (one conditional delete: of two requests finishing
    /// one ceremony, one gets it).
    async fn take_passkey_ceremony(
        &self,
        key: &CeremonyKey,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PasskeyCeremony>>;

    /// Adds `passkey` to its account and expires every session of the
    /// account but `keep`, with `effects`, in one atomic step; `false`
    /// (nothing written) when its credential id is registered already.
    async fn insert_passkey(
        &self,
        passkey: &StoredPasskey,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool>;

    /// The account's passkeys, oldest first.
    async fn passkeys_of(&self, user_id: UserId) -> StoreResult<Vec<StoredPasskey>>;

    /// The passkey with the credential id `credential_id` (hex).
    async fn find_passkey(&self, credential_id: &str) -> StoreResult<Option<StoredPasskey>>;

    /// Removes the account's passkey `id` and expires every session of the
    /// account but `keep`, with `effects`, in one atomic step; `false` when
    /// the account has no such passkey.
    async fn remove_passkey(
        &self,
        user_id: UserId,
        id: PasskeyId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool>;

    /// Records a login by `passkey` at `at`, with the credential `updated`
    /// when the login moved its counter: only if the stored credential is
    /// still `passkey.credential` (of two logins with one counter value,
    /// one wins). Whether this call recorded it.
    async fn record_passkey_use(
        &self,
        passkey: &StoredPasskey,
        updated: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}
