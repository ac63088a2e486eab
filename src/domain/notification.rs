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

use super::{Booking, ConsultantId, OutboxMessage, Party, Recipient, Recipients};

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
