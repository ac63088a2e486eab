//! The business: who users are, what a session is, when a consultant works,
//! what makes a booking valid. Pure code, no I/O; every rule lives here once.
//!
//! Input is parsed into newtypes at the edge ("parse, don't validate"): a
//! value of type [`Email`] is a valid email, so nothing downstream re-checks it.

mod account_mail;
mod api_key;
mod assignment;
mod audit;
mod availability;
mod booking;
mod booking_rules;
mod calendar_feed;
mod consultant;
mod consultant_filter;
mod effects;
mod email;
mod erasure;
mod idempotency;
mod ids;
mod locale;
mod meeting;
mod mfa;
mod notification;
mod outbox_message;
mod paging;
mod password;
mod person_name;
mod privacy;
mod recipients;
mod schedule;
mod session;
mod text;
mod throttle;
mod time;
mod time_off;
mod token;
mod user;
mod webhook;

pub use account_mail::{AccountMail, AccountMessage, Factor, IssuedToken, TokenPurpose};
pub use api_key::{ApiKey, ApiKeyName, ApiKeySecret, KeyAccess, Records, Scope, Scopes};
pub use assignment::{AssignmentReason, ConsultantLoad, assignment_order, load_window};
pub use audit::{
    Actor, ActorKind, AuditAction, AuditContext, AuditCursor, AuditEntry, AuditQuery,
    RawAuditQuery, TargetKind, booking_entries,
};
pub use availability::{AvailabilityRange, bookable_starts, pooled};
pub use booking::{
    Booking, BookingChanges, BookingCursor, BookingDetails, BookingError, BookingQuery,
    BookingScope, BookingStatus, Destination, LiveBookingLimit, Mode, Notes, Party,
    RawBookingQuery, Travelers,
};
pub use booking_rules::{BookingRules, Buffer, Schedule};
pub use calendar_feed::FeedSecret;
pub use consultant::{
    Consultant, DailyHours, ProfileChanges, WorkingHours, parse_bio, parse_labels, parse_modes,
};
pub use consultant_filter::ConsultantFilter;
pub use effects::Effects;
pub use email::Email;
pub use erasure::{
    ERASED_DESTINATION, ERASED_NAME, Erasure, anonymised, erased_email, scrubbed_entry,
    scrubbed_event_body,
};
pub use idempotency::{
    ABANDONED_AFTER, Fingerprint, IDEMPOTENCY_WINDOW, IdempotencyDecision, IdempotencyKey,
    IdempotencyRecord, StoredResponse,
};
pub use ids::{
    ApiKeyId, AuditId, BookingId, ConsultantId, DeliveryId, EventId, PasskeyId, SessionId,
    TimeOffId, UserId, WebhookId,
};
pub use locale::{Locale, Reader, parse_time_zone};
pub use meeting::{MeetingBase, MeetingUrl};
pub use mfa::{
    CeremonyKey, ChallengeToken, ISSUER, MfaChallenge, PasskeyCeremony, PasskeyName, RecoveryCode,
    StoredPasskey, TotpCode, TotpEnrollment, TotpSecret, user_handle, user_of_handle,
};
pub use notification::{
    BookingChange, BookingEvent, ChangedBy, GIVE_UP_AFTER, KEEP_FINISHED, LEASE, ORPHANED_AFTER,
    REMINDER_LEAD, Wanted, plan as plan_notifications, retry_delay, still_wanted,
};
pub use outbox_message::{DeliveryState, OutboxMessage, Outgoing};
pub use paging::{Window, parse_limit, parse_window, split_page};
pub use password::{Password, PasswordHash};
pub use person_name::PersonName;
pub use privacy::{Consent, MailRecord, MailStatus, TermsVersion, mails_to};
pub use recipients::{Recipient, Recipients};
pub use schedule::{
    Appointment, BookingDuration, HeldSlot, SLOT_MINUTES, ScheduleError, Slot, free_slots,
    working_slots,
};
pub use session::{Session, SessionPolicy, SessionRejection, SessionStatus, TOUCH_INTERVAL};
pub use text::{CancellationReason, UserAgent};
pub use throttle::{
    AttemptPlace, DEVICE_TRUST, DeviceToken, LoginThrottle, Reservation, ThrottleKey, TrustedDevice,
};
pub use time::{
    Clock, GridTime, ManualClock, SystemClock, Timestamp, format_timestamp, latest_instant,
    parse_timestamp,
};
pub use time_off::{MAX_TIME_OFF, MAX_TIME_OFF_ENTRIES, TimeOff, TooManyTimeOff};
pub use token::{AccountToken, RandomToken, SessionToken, TokenHash};
pub use user::{CredentialsStamp, Role, User};
pub use webhook::{
    DeliveryStatus, EventType, EventTypes, FAILING, GONE, RESPONSE_TIMEOUT, RETRY_FOR,
    TargetPolicy, Webhook, WebhookDelivery, WebhookDescription, WebhookEvent, WebhookSecret,
    WebhookUrl, booking_event, failing_for_a_day, is_public, next_attempt, sign as sign_webhook,
};

use std::borrow::Cow;

/// One rejected input value: which field, a stable machine-readable code and a
/// sentence a person can read. Maps to a 400 response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {detail}")]
pub struct InvalidInput {
    /// The offending input, as the client named it (`email`, `startsAt`…).
    pub field: &'static str,
    /// Stable code such as `invalid_email`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub detail: Cow<'static, str>,
}

impl InvalidInput {
    /// Builds a rejection for `field` with `code` and `detail`.
    pub fn new(
        field: &'static str,
        code: &'static str,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            field,
            code,
            detail: detail.into(),
        }
    }

    /// The same complaint about the input the client named `field` (an
    /// address sent as `customerEmail`).
    pub fn for_field(self, field: &'static str) -> Self {
        Self { field, ..self }
    }
}
