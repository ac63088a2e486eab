//! Removing what no rule reads any more, as MongoDB's TTL indexes do for
//! the MongoDB store: ended sessions after their retention, attempt places
//! out of every window, expired idempotency keys, account tokens, device
//! trust, login challenges and passkey ceremonies (an anonymous client can
//! start those at will), and outbox messages sent or dropped long ago.

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Transaction, params};

use super::rows::millis;
use crate::domain::{KEEP_FINISHED, LoginThrottle};
use crate::store::StoreResult;

/// Deletes every record that ended before `now` (sessions: `retention`
/// after their absolute expiry, like `purgeAt` on MongoDB); returns how many.
pub(super) fn purge_ended(
    tx: &Transaction<'_>,
    now: DateTime<Utc>,
    retention: TimeDelta,
) -> StoreResult<u64> {
    let mut purged = 0;
    purged += tx.execute(
        "DELETE FROM sessions WHERE expires_at < ?1",
        [millis(now - retention)],
    )?;
    purged += tx.execute(
        "DELETE FROM login_attempts WHERE at <= ?1",
        [millis(now - LoginThrottle::LONGEST_WINDOW)],
    )?;
    purged += tx.execute(
        "DELETE FROM idempotency_keys WHERE expires_at < ?1",
        params![millis(now)],
    )?;
    purged += tx.execute(
        "DELETE FROM account_tokens WHERE expires_at <= ?1",
        params![millis(now)],
    )?;
    purged += tx.execute(
        "DELETE FROM trusted_devices WHERE expires_at < ?1",
        params![millis(now)],
    )?;
    purged += tx.execute(
        "DELETE FROM mfa_challenges WHERE expires_at <= ?1",
        params![millis(now)],
    )?;
    purged += tx.execute(
        "DELETE FROM passkey_ceremonies WHERE expires_at <= ?1",
        params![millis(now)],
    )?;
    purged += tx.execute(
        "DELETE FROM outbox WHERE state <> 'pending' AND created_at < ?1",
        params![millis(now - KEEP_FINISHED)],
    )?;
    Ok(purged as u64)
}
