//! Accounts and failed logins in SQL.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::rows::{self, USER_COLUMNS, millis};
use super::sessions::{EXPIRED, VALID, insert_session_row};
use super::{SqliteStore, unique_violation};
use crate::domain::{Email, PasswordHash, Session, User, UserId};
use crate::store::{Credentials, StoreError, StoreResult, UserStore};

pub(super) fn insert_user_row(
    tx: &Transaction<'_>,
    user: &User,
    hash: &PasswordHash,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO users (id, email, name, consultant_id, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user.id.to_string(),
            user.email.as_str(),
            user.name.as_str(),
            user.role.consultant_id().map(|id| id.to_string()),
            hash.as_str(),
            millis(user.created_at),
        ],
    )
    .map_err(unique_violation(StoreError::EmailTaken))?;
    Ok(())
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        first_session: Option<&Session>,
    ) -> StoreResult<()> {
        let (user, hash, session) = (user.clone(), password_hash.clone(), first_session.cloned());
        self.write(move |tx| {
            insert_user_row(tx, &user, &hash)?;
            session.map_or(Ok(()), |session| insert_session_row(tx, &session))
        })
        .await
    }

    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<Credentials>> {
        let email = email.as_str().to_owned();
        self.read(move |conn| {
            let sql =
                format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = ?1");
            Ok(conn
                .query_row(&sql, [email], |row| {
                    Ok(Credentials {
                        user: rows::user(row, 0)?,
                        password_hash: PasswordHash::from_phc(row.get(5)?),
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<PasswordHash>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT password_hash FROM users WHERE id = ?1",
                    [user_id.to_string()],
                    |row| Ok(PasswordHash::from_phc(row.get(0)?)),
                )
                .optional()?)
        })
        .await
    }

    async fn change_password(
        &self,
        user_id: UserId,
        password_hash: &PasswordHash,
        new_session: &Session,
    ) -> StoreResult<u64> {
        let (hash, session) = (password_hash.clone(), new_session.clone());
        let cache = Arc::clone(&self.sessions);
        self.write_then(
            move |tx| {
                let id = user_id.to_string();
                tx.execute(
                    "UPDATE users SET password_hash = ?1 WHERE id = ?2",
                    params![hash.as_str(), id],
                )?;
                let expired = tx.execute(
                    "UPDATE sessions SET status = ?1 WHERE user_id = ?2 AND status = ?3",
                    params![EXPIRED, id, VALID],
                )?;
                insert_session_row(tx, &session)?;
                Ok(expired as u64)
            },
            move |_| cache.expired_sessions_of(user_id, None),
        )
        .await
    }

    async fn record_login_failure(
        &self,
        email: &Email,
        at: DateTime<Utc>,
        forget_after: DateTime<Utc>,
    ) -> StoreResult<()> {
        let email = email.as_str().to_owned();
        self.write(move |tx| {
            // Keep the table small: drop what no window can count any more.
            tx.execute(
                "DELETE FROM login_failures WHERE email = ?1 AND forget_at < ?2",
                params![email, millis(at)],
            )?;
            tx.execute(
                "INSERT INTO login_failures (email, at, forget_at) VALUES (?1, ?2, ?3)",
                params![email, millis(at), millis(forget_after)],
            )?;
            Ok(())
        })
        .await
    }

    async fn login_failures_since(
        &self,
        email: &Email,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        let email = email.as_str().to_owned();
        self.read(move |conn| {
            let mut statement =
                conn.prepare_cached("SELECT at FROM login_failures WHERE email = ?1 AND at > ?2")?;
            let times = statement
                .query_map(params![email, millis(since)], |row| row.get::<_, i64>(0))?
                .map(|at| {
                    let at = at?;
                    DateTime::from_timestamp_millis(at).ok_or_else(|| {
                        StoreError::Internal(format!("corrupt login failure time {at}").into())
                    })
                })
                .collect::<StoreResult<_>>()?;
            Ok(times)
        })
        .await
    }

    async fn clear_login_failures(&self, email: &Email) -> StoreResult<()> {
        let email = email.as_str().to_owned();
        self.write(move |tx| {
            tx.execute("DELETE FROM login_failures WHERE email = ?1", [email])?;
            Ok(())
        })
        .await
    }
}
