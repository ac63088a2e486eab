//! Login attempt places and trusted devices in SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::rows::millis;
use crate::domain::{
    AttemptPlace, LoginThrottle, Reservation, ThrottleKey, TokenHash, TrustedDevice, UserId,
};
use crate::store::{StoreError, StoreResult, ThrottleStore};

fn instant(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Internal(format!("corrupt instant {ms}").into()))
}

#[async_trait]
impl ThrottleStore for SqliteStore {
    async fn reserve_attempt(
        &self,
        key: &ThrottleKey,
        throttle: &LoginThrottle,
        now: DateTime<Utc>,
    ) -> StoreResult<Reservation> {
        let (key, throttle) = (key.as_str().to_owned(), *throttle);
        // Read and take in one immediate transaction: SQLite's single writer
        // serialises concurrent attempts.
        self.write_relaxed(
            move |tx| {
            let held = {
                let mut statement =
                    tx.prepare_cached("SELECT place, at FROM login_attempts WHERE key = ?1")?;
                statement
                    .query_map([&key], |row| Ok((row.get::<_, u32>(0)?, row.get::<_, i64>(1)?)))?
                    .map(|place| {
                        let (index, at) = place?;
                        Ok(AttemptPlace {
                            index,
                            at: instant(at)?,
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?
            };
            match throttle.free_place(&held, now) {
                Ok(place) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO login_attempts (key, place, at) VALUES (?1, ?2, ?3)",
                        params![key, place, millis(now)],
                    )?;
                    Ok(Reservation::Granted)
                }
                Err(retry_at) => Ok(Reservation::Refused { retry_at }),
            }
            },
            |_| (),
        )
        .await
    }

    async fn clear_attempts(&self, key: &ThrottleKey) -> StoreResult<()> {
        let key = key.as_str().to_owned();
        self.write_relaxed(
            move |tx| {
                tx.execute("DELETE FROM login_attempts WHERE key = ?1", [key])?;
                Ok(())
            },
            |_| (),
        )
        .await
    }

    async fn insert_trusted_device(&self, device: &TrustedDevice) -> StoreResult<()> {
        let device = device.clone();
        self.write_relaxed(
            move |tx| {
                tx.execute(
                    "INSERT INTO trusted_devices (token_hash, user_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                    params![
                        device.token_hash.as_str(),
                        device.user_id.to_string(),
                        millis(device.created_at),
                        millis(device.expires_at),
                    ],
                )?;
                Ok(())
            },
            |_| (),
        )
        .await
    }

    async fn find_trusted_device(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<TrustedDevice>> {
        let hash = token_hash.clone();
        self.read(move |conn| {
            let found = conn
                .query_row(
                    "SELECT user_id, created_at, expires_at FROM trusted_devices WHERE token_hash = ?1",
                    [hash.as_str()],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, i64>(1)?,
                            row.get::<_, i64>(2)?,
                        ))
                    },
                )
                .optional()?;
            found
                .map(|(user_id, created_at, expires_at)| {
                    Ok(TrustedDevice {
                        token_hash: hash,
                        user_id: UserId::parse(&user_id).ok_or_else(|| {
                            StoreError::Internal("corrupt trusted_devices.user_id".into())
                        })?,
                        created_at: instant(created_at)?,
                        expires_at: instant(expires_at)?,
                    })
                })
                .transpose()
        })
        .await
    }
}
