//! The facts "any consultant" assignment ranks by, in SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::rows::millis;
use crate::domain::{BookingStatus, ConsultantId, ConsultantLoad, UserId};
use crate::store::{AssignmentStore, StoreError, StoreResult};

#[async_trait]
impl AssignmentStore for SqliteStore {
    async fn latest_consultant_of(&self, customer: UserId) -> StoreResult<Option<ConsultantId>> {
        self.read(move |conn| {
            let latest: Option<String> = conn
                .prepare_cached(
                    "SELECT consultant_id FROM bookings WHERE customer_id = ?1
                     ORDER BY created_at DESC, id DESC LIMIT 1",
                )?
                .query_row([customer.to_string()], |row| row.get(0))
                .optional()?;
            latest.map(|text| stored_id(&text)).transpose()
        })
        .await
    }

    async fn consultant_loads(
        &self,
        consultants: &[ConsultantId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ConsultantLoad>> {
        let consultants = consultants.to_vec();
        self.read(move |conn| {
            let mut nearby = conn.prepare_cached(
                "SELECT COUNT(*) FROM bookings
                 WHERE consultant_id = ?1 AND starts_at >= ?2 AND starts_at < ?3 AND status != ?4",
            )?;
            let mut latest = conn
                .prepare_cached("SELECT MAX(created_at) FROM bookings WHERE consultant_id = ?1")?;
            let cancelled = BookingStatus::Cancelled.as_str();
            consultants
                .into_iter()
                .map(|consultant| {
                    let id = consultant.to_string();
                    let live_nearby: i64 = nearby
                        .query_row(params![id, millis(from), millis(to), cancelled], |row| {
                            row.get(0)
                        })?;
                    let last_booked: Option<i64> = latest.query_row([&id], |row| row.get(0))?;
                    Ok(ConsultantLoad {
                        consultant_id: consultant,
                        live_nearby: live_nearby.unsigned_abs(),
                        last_booked_at: last_booked.and_then(DateTime::from_timestamp_millis),
                    })
                })
                .collect()
        })
        .await
    }
}

fn stored_id(text: &str) -> StoreResult<ConsultantId> {
    ConsultantId::parse(text)
        .ok_or_else(|| StoreError::Internal("corrupt bookings.consultant_id".into()))
}
