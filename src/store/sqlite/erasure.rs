//! Erasing a person in SQL: the account made no one's in one transaction,
//! then what is left removed in another (the rules of what stays are the
//! domain's: `anonymised`, `scrubbed_entry`, `scrubbed_event_body`). With
//! `secure_delete` on (see `open`), what a change frees is zeroed, so the
//! old text survives in no free page once the WAL is checkpointed.

use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};

use super::audit::{AUDIT_COLUMNS, entry, write_effects};
use super::rows::{BOOKING_COLUMNS, booking, millis};
use crate::domain::{
    AuditEntry, Booking, Effects, Email, Erasure, PasswordHash, User, UserId, anonymised,
    scrubbed_entry, scrubbed_event_body,
};
use crate::store::snapshot;
use crate::store::{StoreError, StoreResult};

/// `users.erasure`: the erasure under way.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Marker {
    former_email: String,
    at: i64,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt {what}").into())
}

/// The durable first step (see `PrivacyStore::begin_erasure`).
pub(super) fn begin(
    tx: &Transaction<'_>,
    account: &User,
    password_hash: &PasswordHash,
    erasure: &Erasure,
    effects: &Effects,
) -> StoreResult<bool> {
    let marker = serde_json::to_string(&Marker {
        former_email: erasure.former_email.as_str().to_owned(),
        at: millis(erasure.at),
    })
    .map_err(|error| StoreError::Internal(error.into()))?;
    let changed = tx.execute(
        "UPDATE users SET email = ?1, name = ?2, password_hash = ?3, credentials_stamp = ?4,
             email_verified = 0, active = 0, erasure = ?5, locale = ?8, timezone = NULL,
             totp_secret = NULL, totp_confirmed = 0, totp_last_step = NULL, passkeys = 0
         WHERE id = ?6 AND email = ?7 AND erasure IS NULL",
        params![
            account.email.as_str(),
            account.name.as_str(),
            password_hash.as_str(),
            account.credentials_stamp.to_stored(),
            marker,
            account.id.to_string(),
            erasure.former_email.as_str(),
            account.locale.as_str(),
        ],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    tx.execute(
        "DELETE FROM sessions WHERE user_id = ?1",
        [account.id.to_string()],
    )?;
    write_effects(tx, effects)?;
    Ok(true)
}

/// Every erasure begun and not finished.
pub(super) fn unfinished(conn: &rusqlite::Connection) -> StoreResult<Vec<Erasure>> {
    let mut query =
        conn.prepare_cached("SELECT id, erasure FROM users WHERE erasure IS NOT NULL")?;
    let mut rows = query.query([])?;
    let mut erasures = Vec::new();
    while let Some(row) = rows.next()? {
        let (id, marker): (String, String) = (row.get(0)?, row.get(1)?);
        let marker: Marker = serde_json::from_str(&marker).map_err(|_| corrupt("users.erasure"))?;
        erasures.push(Erasure {
            user_id: UserId::parse(&id).ok_or_else(|| corrupt("users.id"))?,
            former_email: Email::parse(&marker.former_email)
                .map_err(|_| corrupt("users.erasure"))?,
            at: chrono::DateTime::from_timestamp_millis(marker.at)
                .ok_or_else(|| corrupt("users.erasure"))?,
        });
    }
    Ok(erasures)
}

/// The second step (see `PrivacyStore::finish_erasure`).
pub(super) fn finish(tx: &Transaction<'_>, erasure: &Erasure) -> StoreResult<()> {
    let user = erasure.user_id.to_string();
    let bookings = bookings_of(tx, &user)?;
    for booking in &bookings {
        let clean = anonymised(booking);
        tx.prepare_cached(
            "UPDATE bookings SET destination = ?1, notes = ?2, cancellation_reason = NULL
             WHERE id = ?3",
        )?
        .execute(params![
            clean.details.destination.as_str(),
            clean.details.notes.as_str(),
            booking.id.to_string(),
        ])?;
    }
    scrub_snapshots(tx, &user)?;
    let mut targets: Vec<String> = bookings.iter().map(|b| b.id.to_string()).collect();
    targets.push(user.clone());
    scrub_audit(tx, erasure, &targets)?;
    targets.push(erasure.former_email.as_str().to_owned());
    scrub_deliveries(tx, erasure.user_id, &targets)?;
    tx.execute(
        "DELETE FROM outbox WHERE kind <> 'booking' AND account IN (?1, ?2)",
        params![user, erasure.former_email.as_str()],
    )?;
    for table in [
        "sessions",
        "trusted_devices",
        "account_tokens",
        "idempotency_keys",
        "consents",
        "recovery_codes",
        "mfa_challenges",
        "passkeys",
    ] {
        tx.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [&user])?;
    }
    tx.execute("UPDATE users SET erasure = NULL WHERE id = ?1", [&user])?;
    Ok(())
}

fn bookings_of(tx: &Transaction<'_>, customer: &str) -> StoreResult<Vec<Booking>> {
    let mut query = tx.prepare_cached(&format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings b WHERE b.customer_id = ?1"
    ))?;
    let found = query
        .query_map([customer], |row| booking(row, 0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(found)
}

/// The snapshots of `customer`'s bookings their mails wait with (or were
/// sent from), anonymised.
fn scrub_snapshots(tx: &Transaction<'_>, customer: &str) -> StoreResult<()> {
    let mut query = tx.prepare_cached(
        "SELECT id, snapshot FROM outbox WHERE snapshot IS NOT NULL
             AND booking_id IN (SELECT id FROM bookings WHERE customer_id = ?1)",
    )?;
    let snapshots = query
        .query_map([customer], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, stored) in snapshots {
        let clean = snapshot::to_json(&anonymised(&snapshot::from_json(&stored)?));
        tx.prepare_cached("UPDATE outbox SET snapshot = ?1 WHERE id = ?2")?
            .execute(params![clean, id])?;
    }
    Ok(())
}

/// The entries by the person or about their account, their bookings or
/// their former address, scrubbed.
fn scrub_audit(tx: &Transaction<'_>, erasure: &Erasure, targets: &[String]) -> StoreResult<()> {
    let mut entries: Vec<AuditEntry> = Vec::new();
    let user = erasure.user_id.to_string();
    let mut by_actor = tx.prepare_cached(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE actor_id = ?1
             AND (actor_role IS NOT 'customer' OR target_type <> 'booking')"
    ))?;
    let mut rows = by_actor.query([&user])?;
    while let Some(row) = rows.next()? {
        entries.push(entry(row)?);
    }
    let mut by_target = tx.prepare_cached(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE target_id = ?1"
    ))?;
    let former = erasure.former_email.as_str().to_owned();
    for target in targets.iter().chain([&former]) {
        let mut rows = by_target.query([target])?;
        while let Some(row) = rows.next()? {
            entries.push(entry(row)?);
        }
    }
    let mut update = tx.prepare_cached(
        "UPDATE audit_log SET details = ?1, target_id = ?2 WHERE at = ?3 AND id = ?4",
    )?;
    for found in entries {
        let clean = scrubbed_entry(&found, erasure);
        let details = serde_json::to_string(&clean.details)
            .map_err(|error| StoreError::Internal(error.into()))?;
        update.execute(params![
            details,
            clean.target_id,
            millis(found.at),
            found.id.to_string()
        ])?;
    }
    Ok(())
}

/// Webhook payloads naming any of `ids` (the person's account, bookings or
/// address), scrubbed: one pass over every delivery (erasures are rare;
/// a payload names its records only inside its JSON).
fn scrub_deliveries(tx: &Transaction<'_>, user: UserId, ids: &[String]) -> StoreResult<()> {
    let mut query = tx.prepare_cached("SELECT id, body FROM webhook_deliveries")?;
    let naming: Vec<(String, String)> = query
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .filter_map(|row| match row {
            Ok((id, body)) => {
                let body: String = body;
                ids.iter()
                    .any(|named| body.contains(named.as_str()))
                    .then_some(Ok((id, body)))
            }
            Err(error) => Some(Err(error)),
        })
        .collect::<rusqlite::Result<_>>()?;
    let mut update = tx.prepare_cached("UPDATE webhook_deliveries SET body = ?1 WHERE id = ?2")?;
    for (id, body) in naming {
        if let Some(clean) = scrubbed_event_body(&body, user) {
            update.execute(params![clean, id])?;
        }
    }
    Ok(())
}
