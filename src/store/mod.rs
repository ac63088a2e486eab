//! Persistence. Handlers talk to a [`Store`]; the embedded SQLite store and
//! the MongoDB store implement it and pass the same contract tests.
//!
//! Domain types go in and come out: no SQL, BSON or driver error crosses
//! this boundary. The store enforces what only it can enforce atomically:
//! unique emails, unique session tokens, and no two live bookings of one
//! consultant sharing a slot.

pub mod instrumented;
pub mod mongo;
pub mod snapshot;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{
    AccountMessage, Booking, BookingId, BookingQuery, Consultant, ConsultantId, CredentialsStamp,
    DeliveryState, Email, IdempotencyRecord, IssuedToken, LiveBookingLimit, LoginThrottle,
    OutboxMessage, Outgoing, PasswordHash, Recipients, Reservation, Schedule, Session, SessionId,
    Slot, ThrottleKey, TimeOff, TimeOffId, TokenHash, TokenPurpose, TrustedDevice, User, UserId,
};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another account already uses this email.
    #[error("email address already registered")]
    EmailTaken,
    /// One of the slots is held by another live booking of the consultant.
    #[error("slot already booked")]
    SlotTaken,
    /// The customer already holds as many live future bookings as allowed.
    #[error("live booking limit reached")]
    LimitReached,
    /// The record changed since it was read (optimistic concurrency).
    #[error("record was changed concurrently")]
    Conflict,
    /// The store cannot be reached right now; retrying later may succeed.
    #[error("store unavailable")]
    Unavailable(#[source] BoxError),
    /// Anything else: a bug, corrupt data, a full disk.
    #[error("store failure")]
    Internal(#[source] BoxError),
}

/// A boxed error from a driver.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// A user account and its password hash, as read for a login.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// Its Argon2id hash.
    pub password_hash: PasswordHash,
}

/// Accounts and their passwords.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates an account, and with it its first session and its
    /// verification mail (see [`OutboxStore`]) when given, in one atomic
    /// step. [`StoreError::EmailTaken`] if the email is in use; then nothing
    /// is left written (on MongoDB, at worst a mail for no account, which
    /// the dispatcher drops).
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        first_session: Option<&Session>,
        verification: Option<&AccountMessage>,
    ) -> StoreResult<()>;

    /// The account registered with `email`, with its password hash.
    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<Credentials>>;

    /// The account `user_id`.
    async fn find_user(&self, user_id: UserId) -> StoreResult<Option<User>>;

    /// The login account of consultant profile `consultant`, if it has one.
    async fn find_consultant_account(&self, consultant: ConsultantId) -> StoreResult<Option<User>>;

    /// The password hash of account `user_id`.
    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<PasswordHash>>;

    /// Replaces the password hash of `user_id` and its credentials stamp
    /// (`stamp`, which `new_session` carries), expires every session of the
    /// account and inserts `new_session` if given: after a password change
    /// only the new session works (none after a reset). Returns how many
    /// sessions were expired.
    async fn change_password(
        &self,
        user_id: UserId,
        password_hash: &PasswordHash,
        stamp: CredentialsStamp,
        new_session: Option<&Session>,
    ) -> StoreResult<u64>;

    /// Marks the address of `user_id` verified; the account as it now is.
    async fn mark_email_verified(&self, user_id: UserId) -> StoreResult<Option<User>>;
}

/// Single-use account tokens (password reset, address verification), kept
/// as hashes.
#[async_trait]
pub trait AccountTokenStore: Send + Sync {
    /// Stores `token`; if its purpose supersedes older tokens, the
    /// account's other tokens of that purpose are deleted first (a failure
    /// between the two leaves no usable token, never two).
    async fn insert_account_token(&self, token: &IssuedToken) -> StoreResult<()>;

    /// Uses up the token hashing to `token_hash` if it is stored for
    /// `purpose` and unexpired at `now`, with one conditional delete: of
    /// two concurrent calls, one gets the account and the other `None`.
    async fn consume_account_token(
        &self,
        token_hash: &TokenHash,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserId>>;
}

/// Login throttling: attempt places and trusted devices (see
/// [`crate::domain::LoginThrottle`]).
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Takes a free attempt place of `key` at `now` (one never used, or whose
    /// attempt has left `throttle`'s window) with one atomic write per place,
    /// so concurrent attempts never hold more places than there are.
    async fn reserve_attempt(
        &self,
        key: &ThrottleKey,
        throttle: &LoginThrottle,
        now: DateTime<Utc>,
    ) -> StoreResult<Reservation>;

    /// Frees every place of `key` (after a successful login).
    async fn clear_attempts(&self, key: &ThrottleKey) -> StoreResult<()>;

    /// Remembers a device that logged in.
    async fn insert_trusted_device(&self, device: &TrustedDevice) -> StoreResult<()>;

    /// The trusted device whose cookie hashes to `token_hash`, if any.
    async fn find_trusted_device(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<TrustedDevice>>;
}

/// Login sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session.
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;

    /// The session whose token hashes to `token_hash`, whatever its status,
    /// with its user.
    async fn find_session(&self, token_hash: &TokenHash) -> StoreResult<Option<(Session, User)>>;

    /// Records that `session` was used at `seen_at`, only if it is still valid
    /// and its stored `lastSeenAt` is older than `stale_before`: one conditional
    /// write, so concurrent requests cannot move it backwards and a session
    /// expired meanwhile is never revived.
    async fn touch_session(
        &self,
        session: &Session,
        seen_at: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Expires the session with this token hash, whoever owns it (login
    /// discarding a presented cookie). Returns whether a valid one was expired.
    async fn expire_session_by_token(&self, token_hash: &TokenHash) -> StoreResult<bool>;

    /// Expires session `id` if it belongs to `user_id` and is still valid.
    async fn expire_session(&self, user_id: UserId, id: SessionId) -> StoreResult<bool>;

    /// Expires every valid session of `user_id` except `keep`; returns how many.
    async fn expire_other_sessions(&self, user_id: UserId, keep: SessionId) -> StoreResult<u64>;

    /// Sessions of `user_id` with status `valid` that have not reached their
    /// absolute expiry at `now`, newest first. (The idle timeout is a policy
    /// the caller applies.)
    async fn list_sessions(&self, user_id: UserId, now: DateTime<Utc>)
    -> StoreResult<Vec<Session>>;
}

/// Consultant profiles.
#[async_trait]
pub trait ConsultantStore: Send + Sync {
    /// Adds a consultant profile, with its login account when given, atomically.
    /// [`StoreError::EmailTaken`] if the account's email is in use.
    async fn insert_consultant(
        &self,
        consultant: &Consultant,
        account: Option<(&User, &PasswordHash)>,
    ) -> StoreResult<()>;

    /// Every consultant, by name.
    async fn list_consultants(&self) -> StoreResult<Vec<Consultant>>;

    /// One consultant.
    async fn find_consultant(&self, id: ConsultantId) -> StoreResult<Option<Consultant>>;
}

/// What consultants manage about their own calendar: schedule, calendar
/// feed secret, time off.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Replaces the time zone, hours and rules of `consultant`; the profile
    /// as it now is (`None`: no such consultant). Bookings are untouched.
    async fn update_schedule(
        &self,
        consultant: ConsultantId,
        schedule: &Schedule,
    ) -> StoreResult<Option<Consultant>>;

    /// Sets the hash of `consultant`'s calendar feed secret (`None` removes
    /// it): the previous secret stops working.
    async fn set_calendar_feed(
        &self,
        consultant: ConsultantId,
        token_hash: Option<&TokenHash>,
    ) -> StoreResult<()>;

    /// The consultant whose feed secret hashes to `token_hash`.
    async fn find_consultant_by_feed(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<Consultant>>;

    /// Adds a time off to its consultant's (read back with the profile).
    async fn insert_time_off(&self, time_off: &TimeOff) -> StoreResult<()>;

    /// Deletes time off `id` of `consultant`; whether there was one.
    async fn delete_time_off(&self, consultant: ConsultantId, id: TimeOffId) -> StoreResult<bool>;
}

/// Bookings and the slots they hold.
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Stores a new booking and claims its slots in one atomic step.
    /// [`StoreError::SlotTaken`] if any slot is held by a live booking of the
    /// same consultant, [`StoreError::LimitReached`] if its customer would
    /// hold more live future bookings than `limit` allows; either way nothing
    /// is left written. Concurrent inserts never exceed the limit (they may,
    /// on MongoDB, both be refused when only one would have fitted). The
    /// `messages` it planned are stored durably with it (see [`OutboxStore`]).
    async fn insert_booking(
        &self,
        booking: &Booking,
        limit: &LiveBookingLimit,
        messages: &[OutboxMessage],
    ) -> StoreResult<()>;

    /// One booking.
    async fn find_booking(&self, id: BookingId) -> StoreResult<Option<Booking>>;

    /// Replaces `previous` with `updated` (same id, next version) if the stored
    /// booking is still at `previous.version`, moving its slot claims to match:
    /// released when it is no longer live, claimed when its time changed. The
    /// invariant holds throughout: every slot of a live booking is claimed.
    /// [`StoreError::Conflict`] if the version moved on, [`StoreError::SlotTaken`]
    /// if a new slot is held; either way the stored booking is unchanged.
    /// The `messages` the change planned are stored durably with it.
    async fn update_booking(
        &self,
        previous: &Booking,
        updated: &Booking,
        messages: &[OutboxMessage],
    ) -> StoreResult<()>;

    /// Up to `query.fetch_limit()` bookings matching `query`, by (`startsAt`, id).
    async fn list_bookings(&self, query: &BookingQuery) -> StoreResult<Vec<Booking>>;

    /// Slots held by live bookings of `consultant` starting in `[from, to)`, sorted.
    async fn occupied_slots(
        &self,
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Slot>>;
}

/// How delivering an outbox message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Handed to the mail server, after `attempts` tries in all.
    Sent {
        /// Tries so far, this one included.
        attempts: u32,
    },
    /// Not now: try again at `at`, for the recipients not in `delivered`.
    Retry {
        /// Failed tries so far.
        attempts: u32,
        /// When to try again.
        at: DateTime<Utc>,
        /// The recipients done with (mailed, or not to be mailed).
        delivered: Recipients,
    },
    /// Never to be sent (given up, or no longer wanted).
    Dropped {
        /// Tries so far.
        attempts: u32,
    },
}

impl Delivery {
    /// The state and attempt count this outcome records, and when the
    /// message is due again (`None`: never, it is done with).
    pub(crate) fn record(&self) -> (DeliveryState, u32, Option<DateTime<Utc>>) {
        match *self {
            Delivery::Sent { attempts } => (DeliveryState::Sent, attempts, None),
            Delivery::Retry { attempts, at, .. } => (DeliveryState::Pending, attempts, Some(at)),
            Delivery::Dropped { attempts } => (DeliveryState::Dropped, attempts, None),
        }
    }

    /// `message` as this outcome leaves it, and when it is due again
    /// (`None`: never, it is done with).
    pub(crate) fn apply(&self, message: &Outgoing) -> (Outgoing, Option<DateTime<Utc>>) {
        let (state, attempts, next) = self.record();
        let finished = match message {
            Outgoing::Booking(message) => Outgoing::Booking(OutboxMessage {
                state,
                attempts,
                delivered: match *self {
                    Delivery::Retry { delivered, .. } => delivered,
                    _ => message.recipients,
                },
                ..message.clone()
            }),
            Outgoing::Account(message) => Outgoing::Account(AccountMessage {
                state,
                attempts,
                ..message.clone()
            }),
        };
        (finished, next)
    }
}

/// The reminders that the booking messages done with (not to be retried)
/// queue: [`OutboxStore::finish_messages`] writes them with the outcomes.
pub(crate) fn follow_ups(outcomes: &[(Outgoing, Delivery)]) -> Vec<OutboxMessage> {
    outcomes
        .iter()
        .filter(|(_, outcome)| !matches!(outcome, Delivery::Retry { .. }))
        .filter_map(|(message, _)| match message {
            Outgoing::Booking(message) => message.follow_up(),
            Outgoing::Account(_) => None,
        })
        .collect()
}

/// The outbox: booking notifications written with the booking changes that
/// caused them, and account mails; taken by mail dispatchers under a lease.
///
/// SQLite writes a change's messages in the change's transaction. MongoDB
/// embeds booking messages in the booking document the change writes (one
/// atomic write), and moves them into the outbox collection, keyed by
/// message id, before the next change of that booking or when a dispatcher
/// looks for work; a retried move stores nothing twice. Account mails go
/// straight into the outbox collection, keyed by their random id.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues an account mail.
    async fn insert_account_message(&self, message: &AccountMessage) -> StoreResult<()>;

    /// Leases up to `limit` messages due at `now` and not leased by anyone
    /// else, to `lease` until `lease_until`, with one conditional write each:
    /// two dispatchers never hold the same message.
    async fn claim_due_messages(
        &self,
        now: DateTime<Utc>,
        lease: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Outgoing>>;

    /// Records how delivering each message ended, for those `lease` still
    /// holds (one write for the whole batch where the store allows), and
    /// queues the reminders of those done with (see [`follow_ups`]): a
    /// message is never marked done before its reminder is stored.
    async fn finish_messages(
        &self,
        lease: &str,
        outcomes: &[(Outgoing, Delivery)],
    ) -> StoreResult<()>;

    /// How many messages wait to be delivered.
    async fn pending_messages(&self) -> StoreResult<u64>;
}

/// Remembered `Idempotency-Key` uses.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Stores `record` unless its user already used its key; then returns the
    /// existing record instead (and stores nothing).
    async fn insert_idempotency_record(
        &self,
        record: &IdempotencyRecord,
    ) -> StoreResult<Option<IdempotencyRecord>>;

    /// Replaces `existing` with `record` (same user and key) if the stored
    /// record is still `existing` (same `created_at` and response state);
    /// returns whether it was replaced.
    async fn replace_idempotency_record(
        &self,
        existing: &IdempotencyRecord,
        record: &IdempotencyRecord,
    ) -> StoreResult<bool>;

    /// Forgets `record` (if still stored as is), so its key can be used again.
    async fn delete_idempotency_record(&self, record: &IdempotencyRecord) -> StoreResult<()>;
}

/// Everything the service persists: one object implementing every part.
#[async_trait]
pub trait Store:
    UserStore
    + AccountTokenStore
    + CalendarStore
    + ThrottleStore
    + OutboxStore
    + SessionStore
    + ConsultantStore
    + BookingStore
    + IdempotencyStore
    + Send
    + Sync
    + 'static
{
    /// Checks that the store answers (for `/ready`).
    async fn ping(&self) -> StoreResult<()>;

    /// Deletes what ended before `now` and nothing reads any more (ended
    /// sessions past their retention, old attempt places, expired
    /// idempotency keys, account tokens and device trust); returns how many records. The
    /// service calls it periodically; MongoDB's TTL indexes do this work
    /// themselves, so there it deletes nothing.
    async fn purge_ended(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

/// A store shared by every worker.
pub type SharedStore = Arc<dyn Store>;
