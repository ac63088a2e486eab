//! API keys in SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::audit::write_effects;
use super::rows::{self, API_KEY_COLUMNS, millis};
use crate::domain::{ApiKey, ApiKeyId, Effects, TokenHash};
use crate::store::{ApiKeyStore, StoreResult};

#[async_trait]
impl ApiKeyStore for SqliteStore {
    async fn insert_api_key(
        &self,
        key: &ApiKey,
        hash: &TokenHash,
        effects: &Effects,
    ) -> StoreResult<()> {
        let (key, hash, effects) = (key.clone(), hash.clone(), effects.clone());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO api_keys (id, key_hash, name, scopes, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    key.id.to_string(),
                    hash.as_str(),
                    key.name.as_str(),
                    key.scopes.names().join(","),
                    key.created_by.to_string(),
                    millis(key.created_at),
                ],
            )?;
            write_effects(tx, &effects)
        })
        .await
    }

    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        self.read(|conn| {
            let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id");
            let mut statement = conn.prepare_cached(&sql)?;
            let keys = statement
                .query_map([], rows::api_key)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(keys)
        })
        .await
    }

    async fn find_api_key(&self, hash: &TokenHash) -> StoreResult<Option<ApiKey>> {
        let hash = hash.clone();
        self.read(move |conn| {
            let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_hash = ?1");
            let mut statement = conn.prepare_cached(&sql)?;
            Ok(statement
                .query_row([hash.as_str()], rows::api_key)
                .optional()?)
        })
        .await
    }

    async fn delete_api_key(&self, id: ApiKeyId, effects: &Effects) -> StoreResult<bool> {
        let effects = effects.clone();
        self.write(move |tx| {
            let deleted = tx.execute("DELETE FROM api_keys WHERE id = ?1", [id.to_string()])?;
            if deleted == 0 {
                return Ok(false);
            }
            write_effects(tx, &effects)?;
            Ok(true)
        })
        .await
    }

    async fn touch_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<()> {
        self.write_relaxed(
            move |tx| {
                tx.execute(
                    "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1",
                    params![id.to_string(), millis(at)],
                )?;
                Ok(())
            },
            |_| (),
        )
        .await
    }
}
