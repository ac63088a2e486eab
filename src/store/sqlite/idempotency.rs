//! Idempotency-Key records in SQL.

use async_trait::async_trait;
use rusqlite::params;

use super::SqliteStore;
use super::rows::{self, IDEMPOTENCY_COLUMNS, millis};
use crate::domain::IdempotencyRecord;
use crate::store::{IdempotencyStore, StoreResult};

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn insert_idempotency_record(
        &self,
        record: &IdempotencyRecord,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let record = record.clone();
        self.write(move |tx| {
            let (user, key) = (record.user_id.to_string(), record.key.as_str().to_owned());
            tx.execute(
                "DELETE FROM idempotency_keys WHERE expires_at < ?1",
                [millis(record.created_at)],
            )?;
            let inserted = tx.execute(
                "INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, key) DO NOTHING",
                params![user, key, record.fingerprint.as_str(), millis(record.created_at), millis(record.expires_at())],
            )?;
            if inserted > 0 {
                return Ok(None);
            }
            let sql = format!("SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency_keys k WHERE k.user_id = ?1 AND k.key = ?2");
            Ok(Some(tx.query_row(&sql, params![user, key], |row| rows::idempotency_record(row, 0))?))
        })
        .await
    }

    async fn replace_idempotency_record(
        &self,
        existing: &IdempotencyRecord,
        record: &IdempotencyRecord,
    ) -> StoreResult<bool> {
        let (existing, record) = (existing.clone(), record.clone());
        self.write(move |tx| {
            let response = record.response.as_ref();
            let replaced = tx.execute(
                "UPDATE idempotency_keys
                 SET fingerprint = ?1, created_at = ?2, expires_at = ?3,
                     response_status = ?4, response_body = ?5, response_location = ?6
                 WHERE user_id = ?7 AND key = ?8 AND created_at = ?9 AND (response_status IS NULL) = ?10",
                params![
                    record.fingerprint.as_str(),
                    millis(record.created_at),
                    millis(record.expires_at()),
                    response.map(|response| response.status),
                    response.map(|response| response.body.as_str()),
                    response.and_then(|response| response.location.as_deref()),
                    existing.user_id.to_string(),
                    existing.key.as_str(),
                    millis(existing.created_at),
                    existing.response.is_none(),
                ],
            )?;
            Ok(replaced > 0)
        })
        .await
    }

    async fn delete_idempotency_record(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        let record = record.clone();
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND created_at = ?3",
                params![
                    record.user_id.to_string(),
                    record.key.as_str(),
                    millis(record.created_at)
                ],
            )?;
            Ok(())
        })
        .await
    }
}
