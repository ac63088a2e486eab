//! Second factors in SQL: the TOTP columns of `users`, `recovery_codes`,
//! and `mfa_challenges`.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::DateTime;
use rusqlite::{OptionalExtension, Transaction, params};

use super::SqliteStore;
use super::audit::write_effects;
use super::rows::millis;
use super::sessions::{EXPIRED, VALID};
use crate::domain::{
    Effects, MfaChallenge, SessionId, ThrottleKey, TokenHash, TotpEnrollment, UserId,
};
use crate::store::{MfaStore, StoreError, StoreResult};

impl SqliteStore {
    /// A change to the factors of `user_id`: `change` (given the account's
    /// id) says whether it applied; when it did, every valid session of the
    /// account but `keep` expires and `effects` are written, in the same
    /// transaction. The account's cached sessions go after the commit (the
    /// kept one's cached account shows the factors before the change).
    pub(super) async fn change_factors<F>(
        &self,
        user_id: UserId,
        keep: SessionId,
        effects: &Effects,
        change: F,
    ) -> StoreResult<bool>
    where
        F: FnOnce(&Transaction<'_>, &str) -> StoreResult<bool> + Send + 'static,
    {
        let (effects, cache) = (effects.clone(), Arc::clone(&self.sessions));
        self.write_then(
            move |tx| {
                let user = user_id.to_string();
                if !change(tx, &user)? {
                    return Ok(false);
                }
                tx.execute(
                    "UPDATE sessions SET status = ?1
                     WHERE user_id = ?2 AND status = ?3 AND id <> ?4",
                    params![EXPIRED, user, VALID, keep.to_string()],
                )?;
                write_effects(tx, &effects)?;
                Ok(true)
            },
            move |_| cache.expired_sessions_of(user_id, None),
        )
        .await
    }
}

#[async_trait]
impl MfaStore for SqliteStore {
    async fn find_totp(&self, user_id: UserId) -> StoreResult<Option<TotpEnrollment>> {
        self.read(move |conn| {
            let found = conn
                .prepare_cached(
                    "SELECT totp_secret, totp_confirmed, totp_last_step FROM users
                     WHERE id = ?1 AND totp_secret IS NOT NULL",
                )?
                .query_row([user_id.to_string()], |row| {
                    Ok(TotpEnrollment {
                        user_id,
                        sealed_secret: row.get(0)?,
                        confirmed: row.get(1)?,
                        last_step: row.get(2)?,
                    })
                })
                .optional()?;
            Ok(found)
        })
        .await
    }

    async fn put_pending_totp(&self, user_id: UserId, sealed: &[u8]) -> StoreResult<bool> {
        let sealed = sealed.to_vec();
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE users SET totp_secret = ?1, totp_last_step = NULL
                 WHERE id = ?2 AND totp_confirmed = 0",
                params![sealed, user_id.to_string()],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn confirm_totp(
        &self,
        user_id: UserId,
        step: i64,
        codes: &[TokenHash],
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let codes: Vec<String> = codes.iter().map(|code| code.as_str().to_owned()).collect();
        self.change_factors(user_id, keep, effects, move |tx, id| {
            let confirmed = tx.execute(
                "UPDATE users SET totp_confirmed = 1, totp_last_step = ?1
                 WHERE id = ?2 AND totp_secret IS NOT NULL AND totp_confirmed = 0",
                params![step, id],
            )?;
            if confirmed == 0 {
                return Ok(false);
            }
            tx.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [id])?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)",
            )?;
            for code in &codes {
                insert.execute(params![id, code])?;
            }
            Ok(true)
        })
        .await
    }

    async fn remove_totp(
        &self,
        user_id: UserId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        self.change_factors(user_id, keep, effects, |tx, id| {
            let removed = tx.execute(
                "UPDATE users SET totp_secret = NULL, totp_confirmed = 0, totp_last_step = NULL
                 WHERE id = ?1 AND totp_secret IS NOT NULL",
                [id],
            )?;
            if removed == 0 {
                return Ok(false);
            }
            tx.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [id])?;
            Ok(true)
        })
        .await
    }

    async fn use_totp_step(&self, user_id: UserId, step: i64) -> StoreResult<bool> {
        self.write(move |tx| {
            let recorded = tx.execute(
                "UPDATE users SET totp_last_step = ?1
                 WHERE id = ?2 AND totp_confirmed = 1
                   AND (totp_last_step IS NULL OR totp_last_step < ?1)",
                params![step, user_id.to_string()],
            )?;
            Ok(recorded > 0)
        })
        .await
    }

    async fn use_recovery_code(&self, user_id: UserId, code: &TokenHash) -> StoreResult<bool> {
        let code = code.as_str().to_owned();
        self.write(move |tx| {
            let used = tx.execute(
                "DELETE FROM recovery_codes WHERE user_id = ?1 AND code_hash = ?2",
                params![user_id.to_string(), code],
            )?;
            Ok(used > 0)
        })
        .await
    }

    async fn recovery_codes_left(&self, user_id: UserId) -> StoreResult<u32> {
        self.read(move |conn| {
            let count = conn
                .prepare_cached("SELECT count(*) FROM recovery_codes WHERE user_id = ?1")?
                .query_row([user_id.to_string()], |row| row.get(0))?;
            Ok(count)
        })
        .await
    }

    async fn insert_challenge(&self, challenge: &MfaChallenge) -> StoreResult<()> {
        let challenge = challenge.clone();
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO mfa_challenges
                     (token_hash, user_id, throttle_key, trust_device, expires_at, failures)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                challenge.token_hash.as_str(),
                challenge.user_id.to_string(),
                challenge.throttle.as_str(),
                challenge.trust_device,
                millis(challenge.expires_at),
                challenge.failures,
            ])?;
            Ok(())
        })
        .await
    }

    async fn find_challenge(&self, token_hash: &TokenHash) -> StoreResult<Option<MfaChallenge>> {
        let hash = token_hash.clone();
        self.read(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT user_id, throttle_key, trust_device, expires_at, failures
                     FROM mfa_challenges WHERE token_hash = ?1",
                )?
                .query_row([hash.as_str()], |row| {
                    let fields: (String, String, bool, i64, u32) = (
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    );
                    Ok(fields)
                })
                .optional()?;
            let Some((user, throttle, trust_device, expires_at, failures)) = row else {
                return Ok(None);
            };
            let corrupt = || StoreError::Internal("corrupt login challenge".into());
            Ok(Some(MfaChallenge {
                token_hash: hash,
                user_id: UserId::parse(&user).ok_or_else(corrupt)?,
                throttle: ThrottleKey::from_stored(throttle),
                trust_device,
                expires_at: DateTime::from_timestamp_millis(expires_at).ok_or_else(corrupt)?,
                failures,
            }))
        })
        .await
    }

    async fn fail_challenge(&self, token_hash: &TokenHash) -> StoreResult<()> {
        let hash = token_hash.as_str().to_owned();
        self.write(move |tx| {
            tx.execute(
                "UPDATE mfa_challenges SET failures = failures + 1 WHERE token_hash = ?1",
                [&hash],
            )?;
            tx.execute(
                "DELETE FROM mfa_challenges WHERE token_hash = ?1 AND failures >= ?2",
                params![hash, MfaChallenge::MAX_FAILURES],
            )?;
            Ok(())
        })
        .await
    }

    async fn consume_challenge(&self, token_hash: &TokenHash) -> StoreResult<bool> {
        let hash = token_hash.as_str().to_owned();
        self.write(move |tx| {
            let consumed =
                tx.execute("DELETE FROM mfa_challenges WHERE token_hash = ?1", [&hash])?;
            Ok(consumed > 0)
        })
        .await
    }
}
