//! Webhook writes that ride in other writes: a change's events fanned out
//! to deliveries in the change's own transaction, and a try of a delivery
//! recorded with its webhook's failure clock.

use rusqlite::{Transaction, params};

use super::audit::write_effects;
use super::rows::millis;
use crate::domain::{DeliveryId, DeliveryStatus, EventTypes, WebhookEvent};
use crate::store::{Attempt, StoreResult};

/// One delivery per active webhook that wants each event.
pub(super) fn insert_events(tx: &Transaction<'_>, events: &[WebhookEvent]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut active = tx.prepare_cached("SELECT id, events FROM webhooks WHERE active = 1")?;
    let webhooks = active
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO webhook_deliveries (id, webhook_id, event_id, event_type, body,
             status, attempts, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6)",
    )?;
    for (webhook, wanted) in &webhooks {
        let wanted = EventTypes::from_stored(&wanted.split(',').collect::<Vec<_>>());
        for event in events.iter().filter(|event| wanted.wants(event.kind)) {
            insert.execute(params![
                DeliveryId::generate().to_string(),
                webhook,
                event.id.to_string(),
                event.kind.as_str(),
                event.body,
                millis(event.created_at),
            ])?;
        }
    }
    Ok(())
}

/// Records a try of a delivery `lease` still holds (see
/// [`WebhookStore::record_attempts`]).
pub(super) fn record_attempt(
    tx: &Transaction<'_>,
    lease: &str,
    attempt: &Attempt,
) -> StoreResult<()> {
    let recorded = tx
        .prepare_cached(
            "UPDATE webhook_deliveries SET status = ?3, attempts = attempts + 1,
                 first_attempt_at = COALESCE(first_attempt_at, ?4), last_attempt_at = ?4,
                 response_status = ?5, duration_ms = ?6, next_attempt_at = ?7,
                 lease = NULL, lease_until = NULL
             WHERE id = ?1 AND lease = ?2",
        )?
        .execute(params![
            attempt.delivery.to_string(),
            lease,
            attempt.status.as_str(),
            millis(attempt.at),
            attempt.response_status,
            attempt.duration_ms,
            attempt.next_attempt_at.map(millis),
        ])?;
    if recorded == 0 {
        return Ok(());
    }
    // The failure clock: stopped by a success, started by the first
    // failure after one.
    let webhook = attempt.webhook.to_string();
    tx.prepare_cached(
        "UPDATE webhooks
         SET failing_since = CASE WHEN ?2 THEN NULL ELSE COALESCE(failing_since, ?3) END
         WHERE id = ?1",
    )?
    .execute(params![
        webhook,
        attempt.status == DeliveryStatus::Succeeded,
        millis(attempt.at)
    ])?;
    if let Some(reason) = attempt.disable {
        let turned_off = tx.execute(
            "UPDATE webhooks SET active = 0, disabled_reason = ?2
             WHERE id = ?1 AND active = 1",
            params![webhook, reason],
        )?;
        if turned_off > 0 {
            write_effects(tx, &attempt.when_disabled)?;
        }
    }
    Ok(())
}
