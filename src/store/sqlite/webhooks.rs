//! Webhooks and their deliveries in SQL. A change's events become
//! deliveries in the change's own transaction ([`webhook_writes::insert_events`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Row, params, params_from_iter};

use super::audit::write_effects;
use super::rows::millis;
use super::{SqliteStore, webhook_writes};
use crate::domain::{
    DeliveryId, DeliveryStatus, Effects, EventId, EventType, EventTypes, Webhook, WebhookDelivery,
    WebhookDescription, WebhookEvent, WebhookId, WebhookSecret, WebhookUrl,
};
use crate::store::{
    Attempt, DeliveryQuery, DueDelivery, StoreError, StoreResult, WebhookBacklog, WebhookStore,
};

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt webhook data: {what}").into())
}

fn instant(value: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    value
        .map(|millis| DateTime::from_timestamp_millis(millis).ok_or_else(|| corrupt("instant")))
        .transpose()
}

const WEBHOOK_COLUMNS: &str = "id, url, events, description, active, disabled_reason, created_at";

fn webhook(row: &Row<'_>) -> StoreResult<Webhook> {
    let events: String = row.get(2)?;
    Ok(Webhook {
        id: WebhookId::parse(&row.get::<_, String>(0)?).ok_or_else(|| corrupt("id"))?,
        url: WebhookUrl::from_stored(&row.get::<_, String>(1)?).ok_or_else(|| corrupt("url"))?,
        events: EventTypes::from_stored(&events.split(',').collect::<Vec<_>>()),
        description: WebhookDescription::from_stored(&row.get::<_, String>(3)?)
            .ok_or_else(|| corrupt("description"))?,
        active: row.get(4)?,
        disabled_reason: row.get(5)?,
        created_at: instant(Some(row.get(6)?))?.ok_or_else(|| corrupt("created_at"))?,
    })
}

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.event_id, d.event_type, d.status, \
     d.attempts, d.first_attempt_at, d.last_attempt_at, d.response_status, d.duration_ms, \
     d.next_attempt_at, d.created_at";

fn delivery(row: &Row<'_>) -> StoreResult<WebhookDelivery> {
    let text = |index: usize| row.get::<_, String>(index);
    Ok(WebhookDelivery {
        id: DeliveryId::parse(&text(0)?).ok_or_else(|| corrupt("delivery id"))?,
        webhook_id: WebhookId::parse(&text(1)?).ok_or_else(|| corrupt("webhook id"))?,
        event_id: EventId::parse(&text(2)?).ok_or_else(|| corrupt("event id"))?,
        event_type: EventType::parse(&text(3)?).ok_or_else(|| corrupt("event type"))?,
        status: DeliveryStatus::parse(&text(4)?).ok_or_else(|| corrupt("status"))?,
        attempts: row.get(5)?,
        first_attempt_at: instant(row.get(6)?)?,
        last_attempt_at: instant(row.get(7)?)?,
        response_status: row.get(8)?,
        duration_ms: row.get(9)?,
        next_attempt_at: instant(row.get(10)?)?,
        created_at: instant(Some(row.get(11)?))?.ok_or_else(|| corrupt("created_at"))?,
    })
}

fn events_to_stored(events: &EventTypes) -> String {
    events.names().join(",")
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        secret: &WebhookSecret,
        effects: &Effects,
    ) -> StoreResult<()> {
        let (webhook, secret, effects) = (webhook.clone(), secret.clone(), effects.clone());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO webhooks (id, url, events, description, secret, active,
                     disabled_reason, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    webhook.id.to_string(),
                    webhook.url.as_str(),
                    events_to_stored(&webhook.events),
                    webhook.description.as_str(),
                    secret.reveal(),
                    webhook.active,
                    webhook.disabled_reason,
                    millis(webhook.created_at),
                ],
            )?;
            write_effects(tx, &effects)
        })
        .await
    }

    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>> {
        self.read(|conn| {
            let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id");
            let mut statement = conn.prepare_cached(&sql)?;
            let mut rows = statement.query([])?;
            let mut found = Vec::new();
            while let Some(row) = rows.next()? {
                found.push(webhook(row)?);
            }
            Ok(found)
        })
        .await
    }

    async fn find_webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>> {
        self.read(move |conn| {
            let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?1");
            let mut statement = conn.prepare_cached(&sql)?;
            let mut rows = statement.query([id.to_string()])?;
            rows.next()?.map(webhook).transpose()
        })
        .await
    }

    async fn update_webhook(&self, webhook: &Webhook, effects: &Effects) -> StoreResult<bool> {
        let (webhook, effects) = (webhook.clone(), effects.clone());
        self.write(move |tx| {
            // Turned on again by an admin: a fresh start for the failure clock.
            let changed = tx.execute(
                "UPDATE webhooks SET url = ?2, events = ?3, description = ?4, active = ?5,
                     disabled_reason = ?6,
                     failing_since = CASE WHEN ?5 THEN NULL ELSE failing_since END
                 WHERE id = ?1",
                params![
                    webhook.id.to_string(),
                    webhook.url.as_str(),
                    events_to_stored(&webhook.events),
                    webhook.description.as_str(),
                    webhook.active,
                    webhook.disabled_reason,
                ],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            write_effects(tx, &effects)?;
            Ok(true)
        })
        .await
    }

    async fn rotate_webhook_secret(
        &self,
        id: WebhookId,
        secret: &WebhookSecret,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let (secret, effects) = (secret.clone(), effects.clone());
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE webhooks SET secret = ?2 WHERE id = ?1",
                params![id.to_string(), secret.reveal()],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            write_effects(tx, &effects)?;
            Ok(true)
        })
        .await
    }

    async fn delete_webhook(&self, id: WebhookId, effects: &Effects) -> StoreResult<bool> {
        let effects = effects.clone();
        self.write(move |tx| {
            // Its deliveries go with it (ON DELETE CASCADE).
            let deleted = tx.execute("DELETE FROM webhooks WHERE id = ?1", [id.to_string()])?;
            if deleted == 0 {
                return Ok(false);
            }
            write_effects(tx, &effects)?;
            Ok(true)
        })
        .await
    }

    async fn queue_event(&self, webhook: WebhookId, event: &WebhookEvent) -> StoreResult<bool> {
        let event = event.clone();
        self.write(move |tx| {
            let queued = tx.execute(
                "INSERT OR IGNORE INTO webhook_deliveries (id, webhook_id, event_id, event_type,
                     body, status, attempts, next_attempt_at, created_at)
                 SELECT ?1, id, ?3, ?4, ?5, 'pending', 0, ?6, ?6 FROM webhooks WHERE id = ?2",
                params![
                    DeliveryId::generate().to_string(),
                    webhook.to_string(),
                    event.id.to_string(),
                    event.kind.as_str(),
                    event.body,
                    millis(event.created_at),
                ],
            )?;
            Ok(queued > 0)
        })
        .await
    }

    async fn webhook_backlog(&self) -> StoreResult<WebhookBacklog> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'),
                        (SELECT count(*) FROM webhooks
                         WHERE active = 0 AND disabled_reason IS NOT NULL)",
                [],
                |row| {
                    Ok(WebhookBacklog {
                        pending: row.get(0)?,
                        disabled: row.get(1)?,
                    })
                },
            )?)
        })
        .await
    }

    async fn list_deliveries(
        &self,
        webhook: WebhookId,
        query: &DeliveryQuery,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        let mut sql =
            format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.webhook_id = ?1");
        let mut values = vec![Value::Text(webhook.to_string())];
        if let Some(status) = query.status {
            values.push(Value::Text(status.as_str().to_owned()));
            sql.push_str(&format!(" AND d.status = ?{}", values.len()));
        }
        if let Some(before) = query.before {
            values.push(Value::Text(before.to_string()));
            sql.push_str(&format!(" AND d.id < ?{}", values.len()));
        }
        values.push(Value::Integer(query.fetch_limit as i64));
        sql.push_str(&format!(" ORDER BY d.id DESC LIMIT ?{}", values.len()));
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            let mut rows = statement.query(params_from_iter(values))?;
            let mut found = Vec::new();
            while let Some(row) = rows.next()? {
                found.push(delivery(row)?);
            }
            Ok(found)
        })
        .await
    }

    async fn redeliver(
        &self,
        webhook: WebhookId,
        delivery: DeliveryId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?3,
                     first_attempt_at = NULL, lease = NULL, lease_until = NULL
                 WHERE id = ?1 AND webhook_id = ?2",
                params![delivery.to_string(), webhook.to_string(), millis(now)],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DueDelivery>> {
        let lease = lease.to_owned();
        self.write(move |tx| {
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS}, d.body, w.url, w.secret, w.failing_since
                 FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                 WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND w.active = 1
                   AND (d.lease_until IS NULL OR d.lease_until <= ?1)
                 ORDER BY d.next_attempt_at LIMIT ?2"
            );
            let mut statement = tx.prepare_cached(&sql)?;
            let mut rows = statement.query(params![millis(now), limit])?;
            let mut due = Vec::new();
            while let Some(row) = rows.next()? {
                due.push(DueDelivery {
                    delivery: delivery(row)?,
                    body: row.get(12)?,
                    url: WebhookUrl::from_stored(&row.get::<_, String>(13)?)
                        .ok_or_else(|| corrupt("url"))?,
                    secret: WebhookSecret::from_stored(&row.get::<_, String>(14)?)
                        .ok_or_else(|| corrupt("secret"))?,
                    failing_since: instant(row.get(15)?)?,
                });
            }
            let mut take = tx.prepare_cached(
                "UPDATE webhook_deliveries SET lease = ?2, lease_until = ?3 WHERE id = ?1",
            )?;
            for item in &due {
                take.execute(params![
                    item.delivery.id.to_string(),
                    lease,
                    millis(lease_until)
                ])?;
            }
            Ok(due)
        })
        .await
    }

    async fn record_attempts(&self, lease: &str, attempts: &[Attempt]) -> StoreResult<()> {
        let (lease, attempts) = (lease.to_owned(), attempts.to_vec());
        self.write(move |tx| {
            attempts
                .iter()
                .try_for_each(|attempt| webhook_writes::record_attempt(tx, &lease, attempt))
        })
        .await
    }
}
