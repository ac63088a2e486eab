//! Passkeys in SQL: `passkeys` (with the count on `users`) and
//! `passkey_ceremonies`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::SqliteStore;
use super::rows::millis;
use crate::domain::{
    CeremonyKey, Effects, PasskeyCeremony, PasskeyId, PasskeyName, SessionId, StoredPasskey, UserId,
};
use crate::store::{PasskeyStore, StoreError, StoreResult};

const PASSKEY_COLUMNS: &str =
    "id, user_id, name, credential_id, credential, created_at, last_used_at";

fn passkey(row: &Row<'_>) -> rusqlite::Result<Result<StoredPasskey, StoreError>> {
    let (id, user, name): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
    let (created_at, last_used_at): (i64, Option<i64>) = (row.get(5)?, row.get(6)?);
    let (credential_id, credential) = (row.get(3)?, row.get(4)?);
    let corrupt = || StoreError::Internal("corrupt passkey row".into());
    Ok((|| {
        Ok(StoredPasskey {
            id: PasskeyId::parse(&id).ok_or_else(corrupt)?,
            user_id: UserId::parse(&user).ok_or_else(corrupt)?,
            name: PasskeyName::from_stored(&name).ok_or_else(corrupt)?,
            credential_id,
            credential,
            created_at: DateTime::from_timestamp_millis(created_at).ok_or_else(corrupt)?,
            last_used_at: last_used_at
                .map(|at| DateTime::from_timestamp_millis(at).ok_or_else(corrupt))
                .transpose()?,
        })
    })())
}

#[async_trait]
impl PasskeyStore for SqliteStore {
    async fn put_passkey_ceremony(&self, ceremony: &PasskeyCeremony) -> StoreResult<()> {
        let (key, state) = (ceremony.key.to_stored(), ceremony.state.clone());
        let expires_at = millis(ceremony.expires_at);
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO passkey_ceremonies (key, state, expires_at)
                 VALUES (?1, ?2, ?3)",
            )?
            .execute(params![key, state, expires_at])?;
            Ok(())
        })
        .await
    }

    async fn take_passkey_ceremony(
        &self,
        key: &CeremonyKey,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PasskeyCeremony>> {
        let (key, stored) = (key.clone(), key.to_stored());
        self.write(move |tx| {
            let taken: Option<(String, i64)> = tx
                .prepare_cached(
                    "DELETE FROM passkey_ceremonies WHERE key = ?1
                     RETURNING state, expires_at",
                )?
                .query_row([&stored], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            let Some((state, expires_at)) = taken else {
                return Ok(None);
            };
            let expires_at = DateTime::from_timestamp_millis(expires_at)
                .ok_or_else(|| StoreError::Internal("corrupt passkey ceremony".into()))?;
            let ceremony = PasskeyCeremony {
                key,
                state,
                expires_at,
            };
            Ok(ceremony.usable_at(now).then_some(ceremony))
        })
        .await
    }

    async fn insert_passkey(
        &self,
        passkey: &StoredPasskey,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let passkey = passkey.clone();
        self.change_factors(passkey.user_id, keep, effects, move |tx, user| {
            let taken = tx
                .prepare_cached("SELECT 1 FROM passkeys WHERE credential_id = ?1")?
                .exists([&passkey.credential_id])?;
            if taken {
                return Ok(false);
            }
            tx.prepare_cached(&format!(
                "INSERT INTO passkeys ({PASSKEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ))?
            .execute(params![
                passkey.id.to_string(),
                user,
                passkey.name.as_str(),
                passkey.credential_id,
                passkey.credential,
                millis(passkey.created_at),
                passkey.last_used_at.map(millis),
            ])?;
            tx.execute(
                "UPDATE users SET passkeys = passkeys + 1 WHERE id = ?1",
                [user],
            )?;
            Ok(true)
        })
        .await
    }

    async fn passkeys_of(&self, user_id: UserId) -> StoreResult<Vec<StoredPasskey>> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = ?1
                 ORDER BY created_at, id"
            ))?;
            let rows = statement.query_map([user_id.to_string()], passkey)?;
            let mut passkeys = Vec::new();
            for row in rows {
                passkeys.push(row??);
            }
            Ok(passkeys)
        })
        .await
    }

    async fn find_passkey(&self, credential_id: &str) -> StoreResult<Option<StoredPasskey>> {
        let credential_id = credential_id.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE credential_id = ?1"
            ))?
            .query_row([credential_id], passkey)
            .optional()?
            .transpose()
        })
        .await
    }

    async fn remove_passkey(
        &self,
        user_id: UserId,
        id: PasskeyId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        self.change_factors(user_id, keep, effects, move |tx, user| {
            let removed = tx.execute(
                "DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2",
                params![id.to_string(), user],
            )?;
            if removed == 0 {
                return Ok(false);
            }
            tx.execute(
                "UPDATE users SET passkeys = passkeys - 1 WHERE id = ?1",
                [user],
            )?;
            Ok(true)
        })
        .await
    }

    async fn record_passkey_use(
        &self,
        passkey: &StoredPasskey,
        updated: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let (id, previous) = (passkey.id.to_string(), passkey.credential.clone());
        let credential = updated.unwrap_or(&passkey.credential).to_owned();
        self.write(move |tx| {
            let recorded = tx
                .prepare_cached(
                    "UPDATE passkeys SET credential = ?1, last_used_at = ?2
                     WHERE id = ?3 AND credential = ?4",
                )?
                .execute(params![credential, millis(at), id, previous])?;
            Ok(recorded > 0)
        })
        .await
    }
}
