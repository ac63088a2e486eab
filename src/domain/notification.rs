//! Booking notifications: who is told what, when, and how a message waiting
//! in the outbox is retried.
//!
//! A change to a booking plans its notifications here; the store writes them
//! to the outbox together with the change (see `store::OutboxStore`), and
//! the mail dispatcher delivers them later. One message per event, for all
//! its recipients (half the rows of one per recipient, on the booking's
//! write path), with delivery recorded per recipient. A message is keyed by
//! booking, version and event, so writing it twice stores it once; each
//! recipient's mail has a `Message-ID` that is the same on every retry.

use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;

use super::{AccountMessage, Booking, BookingId, ConsultantId, Party, Recipient, Recipients};

/// How long before a live booking starts both parties are reminded.
pub const REMINDER_LEAD: TimeDelta = TimeDelta::hours(24);
/// A message still undelivered this long after it was written is given up.
pub const GIVE_UP_AFTER: TimeDelta = TimeDelta::hours(24);
/// How long a dispatcher holds a claimed message before another may take it.
pub const LEASE: TimeDelta = TimeDelta::minutes(2);
/// How long a sent or dropped message is kept (to answer "was it sent?")
/// before it is purged.
pub const KEEP_FINISHED: TimeDelta = TimeDelta::days(30);
/// An event mail whose booking change is still not stored this long after
/// the mail was written belongs to a change that failed: it is dropped.
pub const ORPHANED_AFTER: TimeDelta = TimeDelta::minutes(10);

/// Who changed a booking, as its mails tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangedBy {
    /// The customer who booked.
    Customer,
    /// The booking's consultant.
    Consultant,
    /// Agency staff.
    Agency,
}

impl ChangedBy {
    /// Who changed it, as `party` of the booking.
    pub fn of(party: Party) -> Self {
        match party {
            Party::Customer => Self::Customer,
            Party::Consultant => Self::Consultant,
            Party::Agency => Self::Agency,
        }
    }

    /// The wire name: `customer`, `consultant` or `agency`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Consultant => "consultant",
            Self::Agency => "agency",
        }
    }

    /// Whether `recipient` made the change (their mail says "you").
    pub fn is(&self, recipient: Recipient) -> bool {
        matches!(
            (self, recipient),
            (Self::Customer, Recipient::Customer) | (Self::Consultant, Recipient::Consultant)
        )
    }
}

/// What happened to the booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingEvent {
    /// A customer booked (customer: request received; consultant: new request).
    Created,
    /// The consultant confirmed it.
    Confirmed,
    /// Its time changed.
    Rescheduled,
    /// It was cancelled, by `by` (`None`: a message stored before that was
    /// kept, which went to the other party only).
    Cancelled {
        /// Who cancelled.
        by: Option<ChangedBy>,
    },
    /// It starts in 24 hours.
    Reminder,
    /// The agency gave it to another consultant.
    Reassigned,
}

impl BookingEvent {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Confirmed => "confirmed",
            Self::Rescheduled => "rescheduled",
            Self::Cancelled { by: None } => "cancelled",
            Self::Cancelled {
                by: Some(ChangedBy::Customer),
            } => "cancelled_by_customer",
            Self::Cancelled {
                by: Some(ChangedBy::Consultant),
            } => "cancelled_by_consultant",
            Self::Cancelled {
                by: Some(ChangedBy::Agency),
            } => "cancelled_by_agency",
            Self::Reminder => "reminder",
            Self::Reassigned => "reassigned",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        let cancelled = |by| Self::Cancelled { by: Some(by) };
        Some(match text {
            "created" => Self::Created,
            "confirmed" => Self::Confirmed,
            "rescheduled" => Self::Rescheduled,
            "cancelled" => Self::Cancelled { by: None },
            "cancelled_by_customer" => cancelled(ChangedBy::Customer),
            "cancelled_by_consultant" => cancelled(ChangedBy::Consultant),
            "cancelled_by_agency" => cancelled(ChangedBy::Agency),
            "reminder" => Self::Reminder,
            "reassigned" => Self::Reassigned,
            _ => return None,
        })
    }
}

/// A change to a booking, as far as notifications care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingChange {
    /// Just booked.
    Created,
    /// Confirmed by the consultant.
    Confirmed,
    /// Details changed by the customer; `moved` when its time changed.
    Edited {
        /// Whether the appointment moved.
        moved: bool,
    },
    /// Cancelled by `by`.
    Cancelled {
        /// Who cancelled.
        by: ChangedBy,
    },
    /// Moved by the agency to another consultant, from `from`.
    Reassigned {
        /// The consultant it had.
        from: ConsultantId,
    },
}

/// Whether a message can still be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting to be sent (or re-sent).
    Pending,
    /// Handed to the mail server.
    Sent,
    /// Given up after [`GIVE_UP_AFTER`], or no longer wanted (a reminder of
    /// a booking that moved or was cancelled, an unverified recipient).
    Dropped,
}

impl DeliveryState {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dropped => "dropped",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => Self::Pending,
            "sent" => Self::Sent,
            "dropped" => Self::Dropped,
            _ => return None,
        })
    }
}

/// One notification in the outbox: a snapshot of the booking at the change
/// that caused it, who is told, and its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// `<booking>.<version>.<event>`: the same for every write and every
    /// retry of one notification.
    pub id: String,
    /// The booking as the change left it.
    pub booking: Booking,
    /// What happened.
    pub event: BookingEvent,
    /// Who is told.
    pub recipients: Recipients,
    /// Those of them whose mail has been handed over (or was not wanted:
    /// an unverified address), so a retry mails only the rest.
    pub delivered: Recipients,
    /// The consultant a reassignment took the booking from (who is told
    /// it is off their calendar).
    pub former_consultant: Option<ConsultantId>,
    /// Not sent before this instant (reminders).
    pub not_before: DateTime<Utc>,
    /// The reminder the change planned, queued when this message is done
    /// with (see [`OutboxMessage::follow_up`]).
    pub reminder_at: Option<DateTime<Utc>>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Where it stands.
    pub state: DeliveryState,
}

impl OutboxMessage {
    fn new(
        booking: &Booking,
        event: BookingEvent,
        recipients: Recipients,
        not_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: Self::id_of(booking, event),
            booking: booking.clone(),
            event,
            recipients,
            delivered: Recipients::NONE,
            former_consultant: None,
            not_before,
            reminder_at: None,
            created_at: now,
            attempts: 0,
            state: DeliveryState::Pending,
        }
    }

    /// The id of `booking`'s message about `event` at its current version.
    pub fn id_of(booking: &Booking, event: BookingEvent) -> String {
        format!("{}.{}.{}", booking.id, booking.version, event.as_str())
    }

    /// The booking this message is about.
    pub fn booking_id(&self) -> BookingId {
        self.booking.id
    }

    /// The reminder to queue once this message is done with (sent, given
    /// up or no longer wanted). A change writes one message with its
    /// booking, and its reminder follows from the dispatcher's write, off
    /// the booking's path; whether the reminder is still wanted is decided
    /// when it is due, as for any reminder.
    pub fn follow_up(&self) -> Option<OutboxMessage> {
        let remind_at = self.reminder_at?;
        Some(OutboxMessage::new(
            &self.booking,
            BookingEvent::Reminder,
            Recipients::BOTH,
            remind_at,
            self.created_at,
        ))
    }

    /// The recipients not mailed yet.
    pub fn undelivered(&self) -> impl Iterator<Item = Recipient> + '_ {
        self.recipients
            .members()
            .filter(|recipient| !self.delivered.contains(*recipient))
    }

    /// The id of `recipient`'s mail (its `Message-ID` before the `@`):
    /// `<booking>.<version>.<event>.<role>`.
    pub fn mail_id(&self, recipient: Recipient) -> String {
        format!("{}.{}", self.id, recipient.as_str())
    }

    /// Whether the message is too old to keep trying at `now`.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now - self.not_before.max(self.created_at) >= GIVE_UP_AFTER
    }
}

/// A message in the outbox: about a booking, or about an account (see
/// `account_mail`). One outbox, one dispatcher, one delivery guarantee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A booking notification.
    Booking(OutboxMessage),
    /// A password reset or verification mail.
    Account(AccountMessage),
}

impl Outgoing {
    /// The message id (the outbox key).
    pub fn id(&self) -> &str {
        match self {
            Self::Booking(message) => &message.id,
            Self::Account(message) => &message.id,
        }
    }

    /// Delivery attempts so far.
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Booking(message) => message.attempts,
            Self::Account(message) => message.attempts,
        }
    }

    /// Where it stands.
    pub fn state(&self) -> DeliveryState {
        match self {
            Self::Booking(message) => message.state,
            Self::Account(message) => message.state,
        }
    }

    /// When it was written.
    pub fn created_at(&self) -> DateTime<Utc> {
        match self {
            Self::Booking(message) => message.created_at,
            Self::Account(message) => message.created_at,
        }
    }
}

/// The messages a change of `booking` (as it now is) causes at `now`: the
/// event's mails (to both parties: the one who made the change gets the
/// updated invite too, so every calendar holding the event stays true;
/// an edit that did not move it tells nobody), and a fresh reminder for a live booking that starts more
/// than [`REMINDER_LEAD`] from now (a reminder from an earlier version is
/// never sent: see [`still_wanted`]). At most one message: the reminder
/// rides on the event's message when there is one (see
/// [`OutboxMessage::follow_up`]).
pub fn plan(change: BookingChange, booking: &Booking, now: DateTime<Utc>) -> Vec<OutboxMessage> {
    let told = |event, recipients| Some(OutboxMessage::new(booking, event, recipients, now, now));
    let event = match change {
        BookingChange::Created => told(BookingEvent::Created, Recipients::BOTH),
        BookingChange::Confirmed => told(BookingEvent::Confirmed, Recipients::BOTH),
        BookingChange::Edited { moved: true } => told(BookingEvent::Rescheduled, Recipients::BOTH),
        BookingChange::Edited { moved: false } => None,
        BookingChange::Cancelled { by } => {
            told(BookingEvent::Cancelled { by: Some(by) }, Recipients::BOTH)
        }
        BookingChange::Reassigned { from } => told(
            BookingEvent::Reassigned,
            Recipients::BOTH.with(Recipient::FormerConsultant),
        )
        .map(|message| OutboxMessage {
            former_consultant: Some(from),
            ..message
        }),
    };
    let remind_at = booking.appointment.start() - REMINDER_LEAD;
    let remind_at = (booking.status.is_live() && remind_at > now).then_some(remind_at);
    match (event, remind_at) {
        (Some(event), reminder_at) => vec![OutboxMessage {
            reminder_at,
            ..event
        }],
        (None, Some(remind_at)) => vec![OutboxMessage::new(
            booking,
            BookingEvent::Reminder,
            Recipients::BOTH,
            remind_at,
            now,
        )],
        (None, None) => Vec::new(),
    }
}

/// Whether `message` should still be sent, given the booking as stored
/// now (`None`: not stored, or not yet). An event mail waits until its
/// version is stored, and is dropped if it never is (`orphaned`); a
/// reminder is sent only for the exact version that planned it, while the
/// booking is live (a later change planned its own).
pub fn still_wanted(message: &OutboxMessage, current: Option<&Booking>, orphaned: bool) -> Wanted {
    let version = message.booking.version;
    match current {
        Some(current) if message.event == BookingEvent::Reminder => {
            if current.version == version && current.status.is_live() {
                Wanted::Send
            } else if current.version < version && !orphaned {
                Wanted::Wait
            } else {
                Wanted::Drop
            }
        }
        Some(current) if current.version >= version => Wanted::Send,
        _ if orphaned => Wanted::Drop,
        _ => Wanted::Wait,
    }
}

/// What to do with a due message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// Deliver it.
    Send,
    /// Its change is not stored yet: try again shortly.
    Wait,
    /// Nobody needs it any more.
    Drop,
}

/// When to try again after `attempts` failed deliveries: exponential from
/// 10 seconds, capped at 30 minutes, with up to 50 % random jitter so that
/// instances recovering together do not retry in step.
pub fn retry_delay(attempts: u32) -> TimeDelta {
    let base = 10i64.saturating_mul(1i64 << attempts.min(8)).min(1800);
    let jitter = rand::thread_rng().gen_range(0..=base / 2);
    TimeDelta::seconds(base + jitter)
}

#[cfg(test)]
#[path = "notification_tests.rs"]
mod tests;
