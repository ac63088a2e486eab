//! Sessions in SQL.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::SqliteStore;
use super::audit::write_effects;
use super::rows::{self, SESSION_COLUMNS, SESSION_WIDTH, USER_COLUMNS, millis};
use super::users::turn_off_feed_of;
use crate::domain::{Effects, Session, SessionId, TokenHash, User, UserId};
use crate::store::{SessionStore, StoreResult};

pub(super) const EXPIRED: &str = "expired";
pub(super) const VALID: &str = "valid";

pub(super) fn insert_session_row(tx: &Transaction<'_>, session: &Session) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at,
                               status, user_agent, credentials_stamp, second_factor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        session.id.to_string(),
        session.token_hash.as_str(),
        session.user_id.to_string(),
        millis(session.created_at),
        millis(session.last_seen_at),
        millis(session.expires_at),
        session.status.as_str(),
        session.user_agent.as_ref().map(|agent| agent.as_str()),
        session.credentials_stamp.to_stored(),
        session.second_factor,
    ])?;
    Ok(())
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn insert_session(&self, session: &Session, effects: &Effects) -> StoreResult<()> {
        let (session, effects) = (session.clone(), effects.clone());
        self.write(move |tx| {
            insert_session_row(tx, &session)?;
            write_effects(tx, &effects)
        })
        .await
    }

    async fn find_session(&self, token_hash: &TokenHash) -> StoreResult<Option<(Session, User)>> {
        let ticket = match self.sessions.get(token_hash) {
            Ok(cached) => return Ok(Some(cached)),
            Err(ticket) => ticket,
        };
        let key = token_hash.as_str().to_owned();
        let found = self
            .read(move |conn| {
                let sql = format!(
                    "SELECT {SESSION_COLUMNS}, {USER_COLUMNS}
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = ?1"
                );
                let mut statement = conn.prepare_cached(&sql)?;
                Ok(statement
                    .query_row([key], |row| {
                        Ok((rows::session(row, 0)?, rows::user(row, SESSION_WIDTH)?))
                    })
                    .optional()?)
            })
            .await?;
        if let Some((session, user)) = &found {
            self.sessions.offer(ticket, session, user);
        }
        Ok(found)
    }

    async fn touch_session(
        &self,
        session: &Session,
        seen_at: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (id, token_hash) = (session.id, session.token_hash.clone());
        let cache = Arc::clone(&self.sessions);
        // A lost touch only shortens the idle window: no need to wait for fsync.
        self.write_relaxed(
            move |tx| {
                let changed = tx.execute(
                    "UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2 AND status = ?3 AND last_seen_at < ?4",
                    params![millis(seen_at), id.to_string(), VALID, millis(stale_before)],
                )?;
                Ok(changed > 0)
            },
            // The cache follows the row: an update the condition skipped
            // (another request touched it first) changes nothing.
            move |changed| {
                if *changed {
                    cache.touched(&token_hash, seen_at);
                }
            },
        )
        .await
        .map(drop)
    }

    async fn expire_session_by_token(&self, token_hash: &TokenHash) -> StoreResult<bool> {
        let (key, forget) = (token_hash.as_str().to_owned(), token_hash.clone());
        let cache = Arc::clone(&self.sessions);
        self.write_then(
            move |tx| {
                let changed = tx.execute(
                    "UPDATE sessions SET status = ?1 WHERE token_hash = ?2 AND status = ?3",
                    params![EXPIRED, key, VALID],
                )?;
                Ok(changed > 0)
            },
            move |_| cache.expired_token(&forget),
        )
        .await
    }

    async fn expire_session(&self, user_id: UserId, id: SessionId) -> StoreResult<bool> {
        let cache = Arc::clone(&self.sessions);
        self.write_then(
            move |tx| {
                let changed = tx.execute(
                    "UPDATE sessions SET status = ?1 WHERE id = ?2 AND user_id = ?3 AND status = ?4",
                    params![EXPIRED, id.to_string(), user_id.to_string(), VALID],
                )?;
                Ok(changed > 0)
            },
            move |_| cache.expired_session(user_id, id),
        )
        .await
    }

    async fn expire_other_sessions(
        &self,
        user_id: UserId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<u64> {
        let cache = Arc::clone(&self.sessions);
        let effects = effects.clone();
        self.write_then(
            move |tx| {
                let changed = tx.execute(
                    "UPDATE sessions SET status = ?1 WHERE user_id = ?2 AND id <> ?3 AND status = ?4",
                    params![EXPIRED, user_id.to_string(), keep.to_string(), VALID],
                )?;
                turn_off_feed_of(tx, user_id, &effects)?;
                write_effects(tx, &effects)?;
                Ok(changed as u64)
            },
            move |_| cache.expired_sessions_of(user_id, Some(keep)),
        )
        .await
    }

    async fn list_sessions(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>> {
        self.read(move |conn| {
            let sql = format!(
                "SELECT {SESSION_COLUMNS} FROM sessions s
                 WHERE s.user_id = ?1 AND s.status = ?2 AND s.expires_at > ?3
                 ORDER BY s.created_at DESC, s.id DESC"
            );
            let mut statement = conn.prepare_cached(&sql)?;
            let sessions = statement
                .query_map(params![user_id.to_string(), VALID, millis(now)], |row| {
                    rows::session(row, 0)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(sessions)
        })
        .await
    }
}
