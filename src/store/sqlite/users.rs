//! Accounts in SQL.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, params};

use super::audit::{insert_audit, write_effects};
use super::rows::{self, USER_COLUMNS, USER_WIDTH, millis};
use super::sessions::{EXPIRED, VALID, insert_session_row};
use super::{SqliteStore, unique_violation};
use crate::domain::{
    ConsultantId, CredentialsStamp, Effects, Email, PasswordHash, Session, TokenPurpose, User,
    UserId,
};
use crate::store::{Credentials, StoreError, StoreResult, UserStore};

pub(super) fn insert_user_row(
    tx: &Transaction<'_>,
    user: &User,
    hash: &PasswordHash,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO users (id, email, name, consultant_id, password_hash, created_at,
                            credentials_stamp, email_verified, admin, active, locale, timezone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            user.id.to_string(),
            user.email.as_str(),
            user.name.as_str(),
            user.role.consultant_id().map(|id| id.to_string()),
            hash.as_str(),
            millis(user.created_at),
            user.credentials_stamp.to_stored(),
            user.email_verified,
            user.role.is_admin(),
            user.active,
            user.locale.as_str(),
            user.timezone.map(|zone| zone.name()),
        ],
    )
    .map_err(unique_violation(StoreError::EmailTaken))?;
    Ok(())
}

/// Turns off the calendar feed of the consultant `user_id` speaks for, if
/// one is on, and then writes `effects.when_feed_revoked`.
pub(super) fn turn_off_feed_of(
    tx: &Transaction<'_>,
    user_id: UserId,
    effects: &Effects,
) -> StoreResult<()> {
    let revoked = tx.execute(
        "UPDATE consultants SET calendar_feed_hash = NULL, calendar_feed_created_at = NULL
         WHERE id = (SELECT consultant_id FROM users WHERE id = ?1)
           AND calendar_feed_hash IS NOT NULL",
        [user_id.to_string()],
    )?;
    if revoked > 0 {
        insert_audit(tx, &effects.when_feed_revoked)?;
    }
    Ok(())
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        first_session: Option<&Session>,
        effects: &Effects,
    ) -> StoreResult<()> {
        let (user, hash) = (user.clone(), password_hash.clone());
        let (session, effects) = (first_session.cloned(), effects.clone());
        self.write(move |tx| {
            insert_user_row(tx, &user, &hash)?;
            if let Some(session) = session {
                insert_session_row(tx, &session)?;
            }
            write_effects(tx, &effects)
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
                        password_hash: PasswordHash::from_phc(row.get(USER_WIDTH)?),
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn find_user(&self, user_id: UserId) -> StoreResult<Option<User>> {
        self.read(move |conn| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1");
            Ok(conn
                .prepare_cached(&sql)?
                .query_row([user_id.to_string()], |row| rows::user(row, 0))
                .optional()?)
        })
        .await
    }

    async fn list_admins(&self) -> StoreResult<Vec<User>> {
        self.read(|conn| {
            let sql = format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE u.admin = 1 AND u.active = 1
                 ORDER BY u.id"
            );
            let mut statement = conn.prepare_cached(&sql)?;
            let admins = statement
                .query_map([], |row| rows::user(row, 0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(admins)
        })
        .await
    }

    async fn find_consultant_account(&self, consultant: ConsultantId) -> StoreResult<Option<User>> {
        self.read(move |conn| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.consultant_id = ?1");
            Ok(conn
                .prepare_cached(&sql)?
                .query_row([consultant.to_string()], |row| rows::user(row, 0))
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
        stamp: CredentialsStamp,
        new_session: Option<&Session>,
        effects: &Effects,
    ) -> StoreResult<u64> {
        let (hash, session) = (password_hash.clone(), new_session.cloned());
        let effects = effects.clone();
        let cache = Arc::clone(&self.sessions);
        self.write_then(
            move |tx| {
                let id = user_id.to_string();
                tx.execute(
                    "UPDATE users SET password_hash = ?1, credentials_stamp = ?2 WHERE id = ?3",
                    params![hash.as_str(), stamp.to_stored(), id],
                )?;
                let expired = tx.execute(
                    "UPDATE sessions SET status = ?1 WHERE user_id = ?2 AND status = ?3",
                    params![EXPIRED, id, VALID],
                )?;
                let reset = TokenPurpose::PasswordReset.as_str();
                tx.execute(
                    "DELETE FROM account_tokens WHERE user_id = ?1 AND purpose = ?2",
                    params![id, reset],
                )?;
                tx.execute(
                    "DELETE FROM outbox WHERE kind = ?1 AND state = 'pending'
                         AND account = (SELECT email FROM users WHERE id = ?2)",
                    params![reset, id],
                )?;
                turn_off_feed_of(tx, user_id, &effects)?;
                if let Some(session) = session {
                    insert_session_row(tx, &session)?;
                }
                write_effects(tx, &effects)?;
                Ok(expired as u64)
            },
            move |_| cache.expired_sessions_of(user_id, None),
        )
        .await
    }

    async fn mark_email_verified(&self, user_id: UserId) -> StoreResult<Option<User>> {
        let cache = Arc::clone(&self.sessions);
        self.write_then(
            move |tx| {
                let id = user_id.to_string();
                tx.execute("UPDATE users SET email_verified = 1 WHERE id = ?1", [&id])?;
                let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1");
                Ok(tx
                    .query_row(&sql, [id], |row| rows::user(row, 0))
                    .optional()?)
            },
            // Cached sessions hold the account as it was.
            move |_| cache.expired_sessions_of(user_id, None),
        )
        .await
    }

    async fn update_user(&self, user: &User) -> StoreResult<bool> {
        let (cache, user) = (Arc::clone(&self.sessions), user.clone());
        let id = user.id;
        self.write_then(
            move |tx| {
                let changed = tx.execute(
                    "UPDATE users SET name = ?1, locale = ?2, timezone = ?3 WHERE id = ?4",
                    params![
                        user.name.as_str(),
                        user.locale.as_str(),
                        user.timezone.map(|zone| zone.name()),
                        user.id.to_string(),
                    ],
                )?;
                Ok(changed > 0)
            },
            move |_| cache.expired_sessions_of(id, None),
        )
        .await
    }
}
