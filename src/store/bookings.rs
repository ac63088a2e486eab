//! Consultants, their calendars and bookings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{
    Booking, BookingId, BookingQuery, Consultant, ConsultantId, Effects, FeedSecret, HeldSlot,
    LiveBookingLimit, PasswordHash, Schedule, TimeOff, TimeOffId, TokenHash, User,
};

/// Consultant profiles.
#[async_trait]
pub trait ConsultantStore: Send + Sync {
    /// Adds a consultant profile, with its login account when given, and
    /// `effects`, atomically. [`StoreError::EmailTaken`](super::StoreError::EmailTaken) if the account's
    /// email is in use.
    async fn insert_consultant(
        &self,
        consultant: &Consultant,
        account: Option<(&User, &PasswordHash)>,
        effects: &Effects,
    ) -> StoreResult<()>;

    /// Every consultant, active or not, by name.
    async fn list_consultants(&self) -> StoreResult<Vec<Consultant>>;

    /// Replaces the profile of `consultant` (name, specialties, languages,
    /// modes, bio: not its schedule, time off or state), with `effects`;
    /// whether there was such a consultant.
    async fn update_profile(&self, consultant: &Consultant, effects: &Effects)
    -> StoreResult<bool>;

    /// Activates or deactivates `consultant` and its login account, with
    /// `effects`; a deactivation also expires the account's sessions and
    /// turns its calendar feed off. Whether there was such a consultant.
    async fn set_consultant_active(
        &self,
        consultant: ConsultantId,
        active: bool,
        effects: &Effects,
    ) -> StoreResult<bool>;

    /// One consultant.
    async fn find_consultant(&self, id: ConsultantId) -> StoreResult<Option<Consultant>>;
}

/// What consultants manage about their own calendar: schedule, calendar
/// feed secret, time off.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Replaces the time zone, hours and rules of `consultant`, with
    /// `effects`; the profile as it now is (`None`: no such consultant).
    /// Bookings are untouched.
    async fn update_schedule(
        &self,
        consultant: ConsultantId,
        schedule: &Schedule,
        effects: &Effects,
    ) -> StoreResult<Option<Consultant>>;

    /// Sets `consultant`'s calendar feed secret (`None` turns the feed
    /// off), with `effects`: the previous secret stops working.
    async fn set_calendar_feed(
        &self,
        consultant: ConsultantId,
        secret: Option<&FeedSecret>,
        effects: &Effects,
    ) -> StoreResult<()>;

    /// When `consultant`'s current feed secret was made; `None` when the
    /// feed is off.
    async fn calendar_feed_since(
        &self,
        consultant: ConsultantId,
    ) -> StoreResult<Option<DateTime<Utc>>>;

    /// The consultant whose feed secret hashes to `token_hash`.
    async fn find_consultant_by_feed(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<Consultant>>;

    /// Adds a time off to its consultant's (read back with the profile),
    /// merged with the entries it overlaps ([`TimeOff::add_to`]), at
    /// `now`; the entry as stored. [`StoreError::BookingsInTimeOff`](super::StoreError::BookingsInTimeOff)
    /// when live bookings fall in it (decided with the bookings written at
    /// the same moment: see [`BookingStore::insert_booking`]),
    /// [`StoreError::TooManyTimeOff`](super::StoreError::TooManyTimeOff) past the cap; either way nothing
    /// changes.
    async fn insert_time_off(
        &self,
        time_off: &TimeOff,
        now: DateTime<Utc>,
        effects: &Effects,
    ) -> StoreResult<TimeOff>;

    /// Deletes time off `id` of `consultant`, with `effects` if there was
    /// one; whether there was.
    async fn delete_time_off(
        &self,
        consultant: ConsultantId,
        id: TimeOffId,
        effects: &Effects,
    ) -> StoreResult<bool>;
}

/// Bookings and the slots they hold.
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Stores a new booking and claims its slots in one atomic step.
    /// [`StoreError::SlotTaken`](super::StoreError::SlotTaken) if any slot is held by a live booking of the
    /// same consultant or another appointment lies within its buffer before
    /// it ([`Booking::clashes_with`](crate::domain::Booking::clashes_with)),
    /// [`StoreError::ConsultantAway`](super::StoreError::ConsultantAway) if its appointment falls in
    /// the consultant's time off as stored then (time off and bookings see
    /// each other inside the write: of the two written at the same moment,
    /// at most one lands), [`StoreError::LimitReached`](super::StoreError::LimitReached) if its customer would
    /// hold more live future bookings than `limit` allows; either way nothing
    /// is left written. Concurrent inserts never exceed the limit (they may,
    /// on MongoDB, both be refused when only one would have fitted). Its
    /// `effects` (mail, audit) are stored durably with it (see [`OutboxStore`](super::OutboxStore)).
    async fn insert_booking(
        &self,
        booking: &Booking,
        limit: &LiveBookingLimit,
        effects: &Effects,
    ) -> StoreResult<()>;

    /// One booking.
    async fn find_booking(&self, id: BookingId) -> StoreResult<Option<Booking>>;

    /// Replaces `previous` with `updated` (same id, next version) if the stored
    /// booking is still at `previous.version`, moving its slot claims to match:
    /// released when it is no longer live, claimed when its time changed. The
    /// invariant holds throughout: every slot of a live booking is claimed.
    /// [`StoreError::Conflict`](super::StoreError::Conflict) if the version moved on; when the
    /// appointment moved, [`StoreError::SlotTaken`](super::StoreError::SlotTaken) and
    /// [`StoreError::ConsultantAway`](super::StoreError::ConsultantAway) as for a new booking; either way
    /// the stored booking is unchanged. A change of consultant (a
    /// reassignment) claims the new consultant's slots as atomically as a
    /// new booking and frees the old one's. The change's `effects` are
    /// stored durably with it.
    async fn update_booking(
        &self,
        previous: &Booking,
        updated: &Booking,
        effects: &Effects,
    ) -> StoreResult<()>;

    /// Up to `query.fetch_limit()` bookings matching `query`, by (`startsAt`, id).
    async fn list_bookings(&self, query: &BookingQuery) -> StoreResult<Vec<Booking>>;

    /// Slots held by live bookings of `consultant` starting in `[from, to)`,
    /// sorted by slot.
    async fn occupied_slots(
        &self,
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<HeldSlot>>;
}
