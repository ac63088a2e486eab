//! Timing of the consultant, calendar and booking operations.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Instrumented;
use crate::domain::{
    Booking, BookingId, BookingQuery, Consultant, ConsultantId, ConsultantLoad, Effects,
    FeedSecret, HeldSlot, LiveBookingLimit, PasswordHash, Schedule, TimeOff, TimeOffId, TokenHash,
    User, UserId,
};
use crate::store::{
    AssignmentStore, BookingStore, CalendarStore, ConsultantStore, EffectsOf, StoreResult,
};

#[async_trait]
impl ConsultantStore for Instrumented {
    async fn insert_consultant(
        &self,
        consultant: &Consultant,
        account: Option<(&User, &PasswordHash)>,
        effects: &Effects,
    ) -> StoreResult<()> {
        timed!(
            self,
            "insert_consultant",
            self.inner.insert_consultant(consultant, account, effects)
        )
    }

    async fn list_consultants(&self) -> StoreResult<Vec<Consultant>> {
        timed!(self, "list_consultants", self.inner.list_consultants())
    }

    async fn find_consultant(&self, id: ConsultantId) -> StoreResult<Option<Consultant>> {
        timed!(self, "find_consultant", self.inner.find_consultant(id))
    }

    async fn update_profile(
        &self,
        consultant: &Consultant,
        effects: &Effects,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "update_profile",
            self.inner.update_profile(consultant, effects)
        )
    }

    async fn set_consultant_active(
        &self,
        consultant: ConsultantId,
        active: bool,
        effects: &Effects,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "set_consultant_active",
            self.inner
                .set_consultant_active(consultant, active, effects)
        )
    }
}

#[async_trait]
impl CalendarStore for Instrumented {
    async fn update_schedule(
        &self,
        consultant: ConsultantId,
        schedule: &Schedule,
        effects: &Effects,
    ) -> StoreResult<Option<Consultant>> {
        timed!(
            self,
            "update_schedule",
            self.inner.update_schedule(consultant, schedule, effects)
        )
    }

    async fn set_calendar_feed(
        &self,
        consultant: ConsultantId,
        secret: Option<&FeedSecret>,
        effects: &Effects,
    ) -> StoreResult<()> {
        timed!(
            self,
            "set_calendar_feed",
            self.inner.set_calendar_feed(consultant, secret, effects)
        )
    }

    async fn calendar_feed_since(
        &self,
        consultant: ConsultantId,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        timed!(
            self,
            "calendar_feed_since",
            self.inner.calendar_feed_since(consultant)
        )
    }

    async fn find_consultant_by_feed(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<Consultant>> {
        timed!(
            self,
            "find_consultant_by_feed",
            self.inner.find_consultant_by_feed(token_hash)
        )
    }

    async fn insert_time_off(
        &self,
        time_off: &TimeOff,
        now: DateTime<Utc>,
        effects: &Effects,
    ) -> StoreResult<TimeOff> {
        timed!(
            self,
            "insert_time_off",
            self.inner.insert_time_off(time_off, now, effects)
        )
    }

    async fn delete_time_off(
        &self,
        consultant: ConsultantId,
        id: TimeOffId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "delete_time_off",
            self.inner.delete_time_off(consultant, id, effects)
        )
    }
}

#[async_trait]
impl BookingStore for Instrumented {
    async fn insert_booking(
        &self,
        booking: &Booking,
        limit: &LiveBookingLimit,
        effects: &Effects,
    ) -> StoreResult<()> {
        timed!(
            self,
            "insert_booking",
            self.inner.insert_booking(booking, limit, effects)
        )
    }

    async fn find_booking(&self, id: BookingId) -> StoreResult<Option<Booking>> {
        timed!(self, "find_booking", self.inner.find_booking(id))
    }

    async fn update_booking(
        &self,
        previous: &Booking,
        updated: &Booking,
        effects: &Effects,
    ) -> StoreResult<()> {
        timed!(
            self,
            "update_booking",
            self.inner.update_booking(previous, updated, effects)
        )
    }

    async fn list_bookings(&self, query: &BookingQuery) -> StoreResult<Vec<Booking>> {
        timed!(self, "list_bookings", self.inner.list_bookings(query))
    }

    async fn occupied_slots(
        &self,
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<HeldSlot>> {
        timed!(
            self,
            "occupied_slots",
            self.inner.occupied_slots(consultant, from, to)
        )
    }
}

#[async_trait]
impl AssignmentStore for Instrumented {
    async fn latest_consultant_of(&self, customer: UserId) -> StoreResult<Option<ConsultantId>> {
        timed!(
            self,
            "latest_consultant_of",
            self.inner.latest_consultant_of(customer)
        )
    }

    async fn consultant_loads(
        &self,
        consultants: &[ConsultantId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ConsultantLoad>> {
        timed!(
            self,
            "consultant_loads",
            self.inner.consultant_loads(consultants, from, to)
        )
    }

    async fn insert_first_free(
        &self,
        candidates: Vec<Booking>,
        effects_of: EffectsOf,
        limit: &LiveBookingLimit,
    ) -> StoreResult<Booking> {
        timed!(
            self,
            "insert_first_free",
            self.inner.insert_first_free(candidates, effects_of, limit)
        )
    }
}
