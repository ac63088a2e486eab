//! A notification as the outbox keeps it: the booking as the change left
//! it, who is told, who has been, and where its delivery stands; and the
//! outbox's two kinds of message (about a booking, about an account).

use chrono::{DateTime, Utc};

use super::{
    AccountMessage, Booking, BookingEvent, BookingId, ConsultantId, GIVE_UP_AFTER, Recipient,
    Recipients,
};

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
    pub(super) fn new(
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
