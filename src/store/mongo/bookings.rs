//! Bookings in MongoDB (their slot claims are in `claims.rs`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;

use super::documents::{booking_from, claim_from, date, object_id};
use super::{MongoStore, classify, find_all};
use crate::domain::{Booking, BookingId, BookingQuery, ConsultantId, Slot};
use crate::store::{BookingStore, StoreResult};

#[async_trait]
impl BookingStore for MongoStore {
    async fn insert_booking(&self, booking: &Booking) -> StoreResult<()> {
        self.write_new_booking(booking).await
    }

    async fn find_booking(&self, id: BookingId) -> StoreResult<Option<Booking>> {
        let found = self
            .bookings
            .find_one(doc! {"_id": object_id(id.bytes())})
            .await
            .map_err(classify)?;
        found.as_ref().map(booking_from).transpose()
    }

    async fn update_booking(&self, previous: &Booking, updated: &Booking) -> StoreResult<()> {
        self.write_changed_booking(previous, updated).await
    }

    async fn list_bookings(&self, query: &BookingQuery) -> StoreResult<Vec<Booking>> {
        let mut parties = vec![doc! {"customerId": query.customer_id.to_string()}];
        if let Some(consultant) = query.consultant_id {
            parties.push(doc! {"consultantId": consultant.to_string()});
        }
        let mut clauses = vec![doc! {"$or": parties}];
        if let Some(status) = query.status {
            clauses.push(doc! {"status": status.as_str()});
        }
        let mut starts = Document::new();
        if let Some(from) = query.from {
            starts.insert("$gte", date(from));
        }
        if let Some(to) = query.to {
            starts.insert("$lt", date(to));
        }
        if !starts.is_empty() {
            clauses.push(doc! {"startsAt": starts});
        }
        if let Some(after) = query.after {
            clauses.push(doc! {"$or": [
                {"startsAt": {"$gt": date(after.starts_at)}},
                {"startsAt": date(after.starts_at), "_id": {"$gt": object_id(after.id.bytes())}},
            ]});
        }
        let options = FindOptions::builder()
            .sort(doc! {"startsAt": 1, "_id": 1})
            .limit(i64::try_from(query.fetch_limit()).unwrap_or(i64::MAX))
            .build();
        find_all(
            &self.bookings,
            doc! {"$and": clauses},
            options,
            booking_from,
        )
        .await
    }

    async fn occupied_slots(
        &self,
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Slot>> {
        let filter = doc! {
            "consultantId": consultant.to_string(),
            "slotStart": {"$gte": date(from), "$lt": date(to)},
        };
        let options = FindOptions::builder().sort(doc! {"slotStart": 1}).build();
        find_all(&self.claims, filter, options, |document| {
            Ok(claim_from(document)?.slot)
        })
        .await
    }
}
