//! Timing of passkey reads and writes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Instrumented;
use crate::domain::{
    CeremonyKey, Effects, PasskeyCeremony, PasskeyId, SessionId, StoredPasskey, UserId,
};
use crate::store::{PasskeyStore, StoreResult};

#[async_trait]
impl PasskeyStore for Instrumented {
    async fn put_passkey_ceremony(&self, ceremony: &PasskeyCeremony) -> StoreResult<()> {
        timed!(
            self,
            "put_passkey_ceremony",
            self.inner.put_passkey_ceremony(ceremony)
        )
    }

    async fn take_passkey_ceremony(
        &self,
        key: &CeremonyKey,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PasskeyCeremony>> {
        timed!(
            self,
            "take_passkey_ceremony",
            self.inner.take_passkey_ceremony(key, now)
        )
    }

    async fn insert_passkey(
        &self,
        passkey: &StoredPasskey,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "insert_passkey",
            self.inner.insert_passkey(passkey, keep, effects)
        )
    }

    async fn passkeys_of(&self, user_id: UserId) -> StoreResult<Vec<StoredPasskey>> {
        timed!(self, "passkeys_of", self.inner.passkeys_of(user_id))
    }

    async fn find_passkey(&self, credential_id: &str) -> StoreResult<Option<StoredPasskey>> {
        timed!(self, "find_passkey", self.inner.find_passkey(credential_id))
    }

    async fn remove_passkey(
        &self,
        user_id: UserId,
        id: PasskeyId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "remove_passkey",
            self.inner.remove_passkey(user_id, id, keep, effects)
        )
    }

    async fn record_passkey_use(
        &self,
        passkey: &StoredPasskey,
        updated: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "record_passkey_use",
            self.inner.record_passkey_use(passkey, updated, at)
        )
    }
}
