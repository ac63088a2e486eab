//! Bookings in MongoDB (their slot claims are in `claims.rs`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;

use super::documents::{booking_from, claim_from, date, object_id};
use super::{MongoStore, classify, find_all};
use crate::domain::{
    Booking, BookingId, BookingQuery, BookingScope, BookingStatus, ConsultantId, Effects, HeldSlot,
    LiveBookingLimit,
};
use crate::store::{BookingStore, StoreError, StoreResult};

impl MongoStore {
    /// How many live bookings of `booking`'s customer start after
    /// `limit.now`: counted up to one more than the limit allows.
    async fn live_future_bookings(
        &self,
        booking: &Booking,
        limit: &LiveBookingLimit,
    ) -> StoreResult<u64> {
        let filter = doc! {
            "customerId": booking.customer_id.to_string(),
            "startsAt": {"$gt": date(limit.now)},
            "status": {"$ne": BookingStatus::Cancelled.as_str()},
        };
        let options = FindOptions::builder()
            .projection(doc! {"_id": 1})
            .limit(i64::from(limit.max) + 2)
            .build();
        let found = find_all(&self.bookings, filter, options, |_| Ok(())).await?;
        Ok(found.len() as u64)
    }
}

#[async_trait]
impl BookingStore for MongoStore {
    async fn insert_booking(
        &self,
        booking: &Booking,
        limit: &LiveBookingLimit,
        effects: &Effects,
    ) -> StoreResult<()> {
        // Checked before (to refuse without writing) and after: a booking
        // that finds more than the limit once it is written withdraws
        // itself. Whichever of two racing bookings counts last sees both,
        // so together they never exceed the limit.
        if !limit.allows(self.live_future_bookings(booking, limit).await? + 1) {
            return Err(StoreError::LimitReached);
        }
        self.write_new_booking(booking, effects).await?;
        if !limit.allows(self.live_future_bookings(booking, limit).await?) {
            self.withdraw_new_booking(booking, &effects.audit, "booking_limit_reached")
                .await?;
            return Err(StoreError::LimitReached);
        }
        Ok(())
    }

    async fn find_booking(&self, id: BookingId) -> StoreResult<Option<Booking>> {
        let found = self
            .bookings
            .find_one(doc! {"_id": object_id(id.bytes())})
            .await
            .map_err(classify)?;
        found.as_ref().map(booking_from).transpose()
    }

    async fn update_booking(
        &self,
        previous: &Booking,
        updated: &Booking,
        effects: &Effects,
    ) -> StoreResult<()> {
        self.write_changed_booking(previous, updated, effects).await
    }

    async fn list_bookings(&self, query: &BookingQuery) -> StoreResult<Vec<Booking>> {
        let mut clauses = match query.scope {
            BookingScope::Own {
                customer,
                consultant,
            } => {
                let mut parties = vec![doc! {"customerId": customer.to_string()}];
                if let Some(consultant) = consultant {
                    parties.push(doc! {"consultantId": consultant.to_string()});
                }
                vec![doc! {"$or": parties}]
            }
            BookingScope::All {
                consultant,
                customer,
            } => {
                let mut only = vec![doc! {}];
                if let Some(consultant) = consultant {
                    only.push(doc! {"consultantId": consultant.to_string()});
                }
                if let Some(customer) = customer {
                    only.push(doc! {"customerId": customer.to_string()});
                }
                only
            }
        };
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
    ) -> StoreResult<Vec<HeldSlot>> {
        let filter = doc! {
            "consultantId": consultant.to_string(),
            "slotStart": {"$gte": date(from), "$lt": date(to)},
        };
        let options = FindOptions::builder().sort(doc! {"slotStart": 1}).build();
        find_all(&self.claims, filter, options, |document| {
            Ok(claim_from(document)?.held)
        })
        .await
    }
}
