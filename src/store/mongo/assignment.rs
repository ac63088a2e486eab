//! The facts "any consultant" assignment ranks by, in MongoDB.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::future::{try_join, try_join_all};
use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;

use super::documents::{Fields, date};
use super::{MongoStore, classify, find_all};
use crate::domain::{
    Booking, BookingStatus, ConsultantId, ConsultantLoad, LiveBookingLimit, UserId,
};
use crate::store::{AssignmentStore, BookingStore, EffectsOf, StoreError, StoreResult};

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
    /// `consultant`'s live bookings starting in `[from, to)` (counted by
    /// the server: a busy week is hundreds), and when they were last booked.
    async fn load_of(
        &self,
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<ConsultantLoad> {
        let filter = doc! {
            "consultantId": consultant.to_string(),
            "startsAt": {"$gte": date(from), "$lt": date(to)},
            "status": {"$ne": BookingStatus::Cancelled.as_str()},
        };
        let count = async {
            self.bookings
                .count_documents(filter)
                .await
                .map_err(classify)
        };
        let (live_nearby, last_booked_at) = try_join(count, self.last_booked(consultant)).await?;
        Ok(ConsultantLoad {
            consultant_id: consultant,
            live_nearby,
            last_booked_at,
        })
    }

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
        try_join_all(
            consultants
                .iter()
                .map(|&consultant| self.load_of(consultant, from, to)),
        )
        .await
    }

    async fn insert_first_free(
        &self,
        candidates: Vec<Booking>,
        effects_of: EffectsOf,
        limit: &LiveBookingLimit,
    ) -> StoreResult<Booking> {
        // Each try is its own transaction: a taken candidate's claims fail
        // and leave nothing behind.
        for booking in candidates {
            let effects = effects_of(&booking);
            match self.insert_booking(&booking, limit, &effects).await {
                Ok(()) => return Ok(booking),
                Err(refused) if refused.is_about_the_consultant() => {}
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::SlotTaken)
    }
}
