//! The facts "any consultant" assignment ranks by, in MongoDB.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;

use super::documents::{Fields, date};
use super::{MongoStore, find_all};
use crate::domain::{BookingStatus, ConsultantId, ConsultantLoad, UserId};
use crate::store::{AssignmentStore, StoreResult};

/// Reads one field of a booking document through `read`.
fn booking_field<T>(
    document: &Document,
    read: impl FnOnce(&Fields<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    read(&Fields {
        document,
        collection: "bookings",
    })
}

impl MongoStore {
    /// When a booking with `consultant` was last made.
    async fn last_booked(&self, consultant: ConsultantId) -> StoreResult<Option<DateTime<Utc>>> {
        let options = FindOptions::builder()
            .sort(doc! {"consultantId": 1, "createdAt": -1})
            .projection(doc! {"createdAt": 1})
            .limit(1)
            .build();
        let filter = doc! {"consultantId": consultant.to_string()};
        let latest = find_all(&self.bookings, filter, options, |document| {
            booking_field(document, |fields| fields.instant("createdAt"))
        })
        .await?;
        Ok(latest.into_iter().next())
    }
}

#[async_trait]
impl AssignmentStore for MongoStore {
    async fn latest_consultant_of(&self, customer: UserId) -> StoreResult<Option<ConsultantId>> {
        let options = FindOptions::builder()
            .sort(doc! {"customerId": 1, "createdAt": -1, "_id": -1})
            .projection(doc! {"consultantId": 1})
            .limit(1)
            .build();
        let filter = doc! {"customerId": customer.to_string()};
        let latest = find_all(&self.bookings, filter, options, |document| {
            booking_field(document, |fields| {
                fields.domain("consultantId", ConsultantId::parse)
            })
        })
        .await?;
        Ok(latest.into_iter().next())
    }

    async fn consultant_loads(
        &self,
        consultants: &[ConsultantId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ConsultantLoad>> {
        let ids: Vec<String> = consultants.iter().map(ToString::to_string).collect();
        let filter = doc! {
            "consultantId": {"$in": ids},
            "startsAt": {"$gte": date(from), "$lt": date(to)},
            "status": {"$ne": BookingStatus::Cancelled.as_str()},
        };
        let options = FindOptions::builder()
            .projection(doc! {"consultantId": 1})
            .build();
        let nearby = find_all(&self.bookings, filter, options, |document| {
            booking_field(document, |fields| {
                fields.domain("consultantId", ConsultantId::parse)
            })
        })
        .await?;
        let mut loads = Vec::with_capacity(consultants.len());
        for &consultant in consultants {
            loads.push(ConsultantLoad {
                consultant_id: consultant,
                live_nearby: nearby.iter().filter(|&&id| id == consultant).count() as u64,
                last_booked_at: self.last_booked(consultant).await?,
            });
        }
        Ok(loads)
    }
}
