//! Account tokens in SQL: hashes only.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::rows::millis;
use crate::domain::{CredentialsStamp, IssuedToken, TokenHash, TokenPurpose, UserId};
use crate::store::{AccountTokenStore, StoreError, StoreResult};

#[async_trait]
impl AccountTokenStore for SqliteStore {
    async fn insert_account_token(&self, token: &IssuedToken) -> StoreResult<()> {
        let token = token.clone();
        self.write(move |tx| {
            let user = token.user_id.to_string();
            if token.purpose.supersedes_older() {
                tx.execute(
                    "DELETE FROM account_tokens WHERE user_id = ?1 AND purpose = ?2",
                    params![user, token.purpose.as_str()],
                )?;
            }
            tx.execute(
                "INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at,
                     credentials_stamp)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    token.token_hash.as_str(),
                    user,
                    token.purpose.as_str(),
                    millis(token.expires_at),
                    token.credentials.to_stored(),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn consume_account_token(
        &self,
        token_hash: &TokenHash,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<IssuedToken>> {
        let token_hash = token_hash.clone();
        self.write(move |tx| {
            let used: Option<(String, i64, String)> = tx
                .query_row(
                    "DELETE FROM account_tokens
                     WHERE token_hash = ?1 AND purpose = ?2 AND expires_at > ?3
                     RETURNING user_id, expires_at, credentials_stamp",
                    params![token_hash.as_str(), purpose.as_str(), millis(now)],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let corrupt = || StoreError::Internal("corrupt row in account_tokens".into());
            used.map(|(user, expires_at, stamp)| {
                Ok(IssuedToken {
                    token_hash,
                    user_id: UserId::parse(&user).ok_or_else(corrupt)?,
                    purpose,
                    expires_at: DateTime::from_timestamp_millis(expires_at).ok_or_else(corrupt)?,
                    credentials: CredentialsStamp::from_stored(&stamp).ok_or_else(corrupt)?,
                })
            })
            .transpose()
        })
        .await
    }
}
