//! A [`Store`] that times every operation of the store it wraps, for the
//! `tripdesk_store_operation_duration_seconds` metric (labelled by store and
//! operation name, never by a value).

use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{
    AccountTokenStore, BookingStore, CalendarStore, ConsultantStore, Credentials, Delivery,
    IdempotencyStore, OutboxStore, SessionStore, SharedStore, Store, StoreResult, ThrottleStore,
    UserStore,
};
use crate::domain::{
    AccountMessage, Booking, BookingId, BookingQuery, Consultant, ConsultantId, CredentialsStamp,
    Email, IdempotencyRecord, IssuedToken, LiveBookingLimit, LoginThrottle, OutboxMessage,
    Outgoing, PasswordHash, Reservation, Schedule, Session, SessionId, Slot, ThrottleKey, TimeOff,
    TimeOffId, TokenHash, TokenPurpose, TrustedDevice, User, UserId,
};
use crate::monitoring::record_store_operation;

/// Wraps `inner`, recording each operation's latency under `name`
/// (`sqlite`, `mongodb`).
pub struct Instrumented {
    inner: SharedStore,
    name: &'static str,
}

impl Instrumented {
    /// Times every operation of `inner` under the store label `name`.
    pub fn new(inner: SharedStore, name: &'static str) -> Self {
        Self { inner, name }
    }
}

/// Runs `$call` on the inner store and records how long it took as `$operation`.
macro_rules! timed {
    ($self:ident, $operation:literal, $call:expr) => {{
        let started = Instant::now();
        let result = $call.await;
        record_store_operation($self.name, $operation, started.elapsed());
        result
    }};
}

#[async_trait]
impl UserStore for Instrumented {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        first_session: Option<&Session>,
        verification: Option<&AccountMessage>,
    ) -> StoreResult<()> {
        timed!(
            self,
            "insert_user",
            self.inner
                .insert_user(user, password_hash, first_session, verification)
        )
    }

    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<Credentials>> {
        timed!(self, "find_credentials", self.inner.find_credentials(email))
    }

    async fn find_user(&self, user_id: UserId) -> StoreResult<Option<User>> {
        timed!(self, "find_user", self.inner.find_user(user_id))
    }

    async fn find_consultant_account(&self, consultant: ConsultantId) -> StoreResult<Option<User>> {
        timed!(
            self,
            "find_consultant_account",
            self.inner.find_consultant_account(consultant)
        )
    }

    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<PasswordHash>> {
        timed!(self, "password_hash", self.inner.password_hash(user_id))
    }

    async fn change_password(
        &self,
        user_id: UserId,
        password_hash: &PasswordHash,
        stamp: CredentialsStamp,
        new_session: Option<&Session>,
    ) -> StoreResult<u64> {
        timed!(
            self,
            "change_password",
            self.inner
                .change_password(user_id, password_hash, stamp, new_session)
        )
    }

    async fn mark_email_verified(&self, user_id: UserId) -> StoreResult<Option<User>> {
        timed!(
            self,
            "mark_email_verified",
            self.inner.mark_email_verified(user_id)
        )
    }
}

#[async_trait]
impl CalendarStore for Instrumented {
    async fn update_schedule(
        &self,
        consultant: ConsultantId,
        schedule: &Schedule,
    ) -> StoreResult<Option<Consultant>> {
        timed!(
            self,
            "update_schedule",
            self.inner.update_schedule(consultant, schedule)
        )
    }

    async fn set_calendar_feed(
        &self,
        consultant: ConsultantId,
        token_hash: Option<&TokenHash>,
    ) -> StoreResult<()> {
        timed!(
            self,
            "set_calendar_feed",
            self.inner.set_calendar_feed(consultant, token_hash)
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

    async fn insert_time_off(&self, time_off: &TimeOff) -> StoreResult<()> {
        timed!(
            self,
            "insert_time_off",
            self.inner.insert_time_off(time_off)
        )
    }

    async fn delete_time_off(&self, consultant: ConsultantId, id: TimeOffId) -> StoreResult<bool> {
        timed!(
            self,
            "delete_time_off",
            self.inner.delete_time_off(consultant, id)
        )
    }
}

#[async_trait]
impl AccountTokenStore for Instrumented {
    async fn insert_account_token(&self, token: &IssuedToken) -> StoreResult<()> {
        timed!(
            self,
            "insert_account_token",
            self.inner.insert_account_token(token)
        )
    }

    async fn consume_account_token(
        &self,
        token_hash: &TokenHash,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserId>> {
        timed!(
            self,
            "consume_account_token",
            self.inner.consume_account_token(token_hash, purpose, now)
        )
    }
}

#[async_trait]
impl ThrottleStore for Instrumented {
    async fn reserve_attempt(
        &self,
        key: &ThrottleKey,
        throttle: &LoginThrottle,
        now: DateTime<Utc>,
    ) -> StoreResult<Reservation> {
        timed!(
            self,
            "reserve_attempt",
            self.inner.reserve_attempt(key, throttle, now)
        )
    }

    async fn clear_attempts(&self, key: &ThrottleKey) -> StoreResult<()> {
        timed!(self, "clear_attempts", self.inner.clear_attempts(key))
    }

    async fn insert_trusted_device(&self, device: &TrustedDevice) -> StoreResult<()> {
        timed!(
            self,
            "insert_trusted_device",
            self.inner.insert_trusted_device(device)
        )
    }

    async fn find_trusted_device(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<TrustedDevice>> {
        timed!(
            self,
            "find_trusted_device",
            self.inner.find_trusted_device(token_hash)
        )
    }
}

#[async_trait]
impl SessionStore for Instrumented {
    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        timed!(self, "insert_session", self.inner.insert_session(session))
    }

    async fn find_session(&self, token_hash: &TokenHash) -> StoreResult<Option<(Session, User)>> {
        timed!(self, "find_session", self.inner.find_session(token_hash))
    }

    async fn touch_session(
        &self,
        session: &Session,
        seen_at: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<()> {
        timed!(
            self,
            "touch_session",
            self.inner.touch_session(session, seen_at, stale_before)
        )
    }

    async fn expire_session_by_token(&self, token_hash: &TokenHash) -> StoreResult<bool> {
        timed!(
            self,
            "expire_session_by_token",
            self.inner.expire_session_by_token(token_hash)
        )
    }

    async fn expire_session(&self, user_id: UserId, id: SessionId) -> StoreResult<bool> {
        timed!(
            self,
            "expire_session",
            self.inner.expire_session(user_id, id)
        )
    }

    async fn expire_other_sessions(&self, user_id: UserId, keep: SessionId) -> StoreResult<u64> {
        timed!(
            self,
            "expire_other_sessions",
            self.inner.expire_other_sessions(user_id, keep)
        )
    }

    async fn list_sessions(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>> {
        timed!(
            self,
            "list_sessions",
            self.inner.list_sessions(user_id, now)
        )
    }
}

#[async_trait]
impl ConsultantStore for Instrumented {
    async fn insert_consultant(
        &self,
        consultant: &Consultant,
        account: Option<(&User, &PasswordHash)>,
    ) -> StoreResult<()> {
        timed!(
            self,
            "insert_consultant",
            self.inner.insert_consultant(consultant, account)
        )
    }

    async fn list_consultants(&self) -> StoreResult<Vec<Consultant>> {
        timed!(self, "list_consultants", self.inner.list_consultants())
    }

    async fn find_consultant(&self, id: ConsultantId) -> StoreResult<Option<Consultant>> {
        timed!(self, "find_consultant", self.inner.find_consultant(id))
    }
}

#[async_trait]
impl BookingStore for Instrumented {
    async fn insert_booking(
        &self,
        booking: &Booking,
        limit: &LiveBookingLimit,
        messages: &[OutboxMessage],
    ) -> StoreResult<()> {
        timed!(
            self,
            "insert_booking",
            self.inner.insert_booking(booking, limit, messages)
        )
    }

    async fn find_booking(&self, id: BookingId) -> StoreResult<Option<Booking>> {
        timed!(self, "find_booking", self.inner.find_booking(id))
    }

    async fn update_booking(
        &self,
        previous: &Booking,
        updated: &Booking,
        messages: &[OutboxMessage],
    ) -> StoreResult<()> {
        timed!(
            self,
            "update_booking",
            self.inner.update_booking(previous, updated, messages)
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
    ) -> StoreResult<Vec<Slot>> {
        timed!(
            self,
            "occupied_slots",
            self.inner.occupied_slots(consultant, from, to)
        )
    }
}

#[async_trait]
impl IdempotencyStore for Instrumented {
    async fn insert_idempotency_record(
        &self,
        record: &IdempotencyRecord,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        timed!(
            self,
            "insert_idempotency_record",
            self.inner.insert_idempotency_record(record)
        )
    }

    async fn replace_idempotency_record(
        &self,
        existing: &IdempotencyRecord,
        record: &IdempotencyRecord,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "replace_idempotency_record",
            self.inner.replace_idempotency_record(existing, record)
        )
    }

    async fn delete_idempotency_record(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        timed!(
            self,
            "delete_idempotency_record",
            self.inner.delete_idempotency_record(record)
        )
    }
}

#[async_trait]
impl OutboxStore for Instrumented {
    async fn claim_due_messages(
        &self,
        now: DateTime<Utc>,
        lease: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Outgoing>> {
        timed!(
            self,
            "claim_due_messages",
            self.inner
                .claim_due_messages(now, lease, lease_until, limit)
        )
    }

    async fn insert_account_message(&self, message: &AccountMessage) -> StoreResult<()> {
        timed!(
            self,
            "insert_account_message",
            self.inner.insert_account_message(message)
        )
    }

    async fn finish_messages(
        &self,
        lease: &str,
        outcomes: &[(Outgoing, Delivery)],
    ) -> StoreResult<()> {
        timed!(
            self,
            "finish_messages",
            self.inner.finish_messages(lease, outcomes)
        )
    }

    async fn pending_messages(&self) -> StoreResult<u64> {
        timed!(self, "pending_messages", self.inner.pending_messages())
    }
}

#[async_trait]
impl Store for Instrumented {
    async fn ping(&self) -> StoreResult<()> {
        timed!(self, "ping", self.inner.ping())
    }

    async fn purge_ended(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        timed!(self, "purge_ended", self.inner.purge_ended(now))
    }
}
