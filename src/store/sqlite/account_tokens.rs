//! Account tokens in SQL: hashes only.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::rows::millis;
use crate::domain::{IssuedToken, TokenHash, TokenPurpose, UserId};
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
                "INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    token.token_hash.as_str(),
                    user,
                    token.purpose.as_str(),
                    millis(token.expires_at)
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
    ) -> StoreResult<Option<UserId>> {
        let token_hash = token_hash.clone();
        self.write(move |tx| {
            let user: Option<String> = tx
                .query_row(
                    "DELETE FROM account_tokens
                     WHERE token_hash = ?1 AND purpose = ?2 AND expires_at > ?3
                     RETURNING user_id",
                    params![token_hash.as_str(), purpose.as_str(), millis(now)],
                    |row| row.get(0),
                )
                .optional()?;
            user.map(|id| {
                UserId::parse(&id).ok_or_else(|| {
                    StoreError::Internal("corrupt value in account_tokens.user_id".into())
                })
            })
            .transpose()
        })
        .await
    }
}
