//! Bookings: creation, changes, and who may do what with them.

mod error;
mod query;
mod values;

pub use error::BookingError;
pub use query::{BookingCursor, BookingQuery, BookingScope, RawBookingQuery};
pub use values::{BookingStatus, Destination, Mode, Notes, Travelers};

use chrono::{DateTime, Utc};

use super::{
    Appointment, AssignmentReason, BookingDuration, BookingId, BookingRules, Buffer,
    CancellationReason, Consultant, ConsultantId, HeldSlot, MeetingBase, MeetingUrl, Slot, User,
    UserId,
};

/// The customer's description of the consultation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingDetails {
    /// Video, phone or in person.
    pub mode: Mode,
    /// Where they want to go.
    pub destination: Destination,
    /// How many people travel.
    pub travelers: Travelers,
    /// Anything else the consultant should know.
    pub notes: Notes,
}

/// A consultation appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// Booking id.
    pub id: BookingId,
    /// The account that booked.
    pub customer_id: UserId,
    /// The consultant booked.
    pub consultant_id: ConsultantId,
    /// When, on the slot grid.
    pub appointment: Appointment,
    /// The consultant's buffer when it was booked or last moved: the slots
    /// after it that it keeps free.
    pub buffer: Buffer,
    /// What about.
    pub details: BookingDetails,
    /// Lifecycle state.
    pub status: BookingStatus,
    /// Why it was cancelled, when it was and a reason was given.
    pub cancellation_reason: Option<CancellationReason>,
    /// The video room of a confirmed `video` booking (kept when it moves;
    /// none for other modes).
    pub meeting_url: Option<MeetingUrl>,
    /// Why the service chose its consultant, when the customer asked for
    /// any matching one (none for a named consultant, or once staff
    /// reassign it).
    pub assignment: Option<AssignmentReason>,
    /// Incremented by every change; stores write a change only over the
    /// version it was computed from (optimistic concurrency).
    pub version: u32,
    /// When it was booked.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// How a user relates to a booking they can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// They booked it.
    Customer,
    /// It was booked with them.
    Consultant,
    /// Agency staff: every booking is theirs to run.
    Agency,
}

impl Party {
    /// Whether they may read the booking's history (its audit entries):
    /// its consultant and staff, who run it; not the customer, whose view
    /// is the booking itself.
    pub fn reads_history(&self) -> bool {
        matches!(self, Self::Consultant | Self::Agency)
    }
}

/// The fields a customer may change; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingChanges {
    /// New start.
    pub starts_at: Option<DateTime<Utc>>,
    /// New length.
    pub duration: Option<BookingDuration>,
    /// New mode.
    pub mode: Option<Mode>,
    /// New destination.
    pub destination: Option<Destination>,
    /// New number of travellers.
    pub travelers: Option<Travelers>,
    /// New notes.
    pub notes: Option<Notes>,
}

impl BookingChanges {
    /// Whether no field is being changed.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Booking {
    /// A new `pending` booking of `consultant` by `customer`.
    pub fn create(
        customer: &User,
        consultant: &Consultant,
        starts_at: DateTime<Utc>,
        duration: BookingDuration,
        details: BookingDetails,
        now: DateTime<Utc>,
    ) -> Result<Self, BookingError> {
        let appointment = Appointment::schedule(starts_at, duration, consultant, now)?;
        if !consultant.offers(details.mode) {
            return Err(BookingError::ModeNotOffered);
        }
        Ok(Self {
            id: BookingId::generate(),
            customer_id: customer.id,
            consultant_id: consultant.id,
            appointment,
            buffer: consultant.rules.buffer(),
            details,
            status: BookingStatus::Pending,
            cancellation_reason: None,
            meeting_url: None,
            assignment: None,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// The new booking, recording why the service chose its consultant
    /// for a customer who asked for any matching one.
    pub fn assigned(self, reason: AssignmentReason) -> Self {
        Self {
            assignment: Some(reason),
            ..self
        }
    }

    /// The slots it holds while live: its own and its buffer's. A
    /// booking closer than the buffer after this one shares a slot with
    /// it, which the stores' uniqueness refuses; one closer before it is
    /// refused by the check of [`Booking::buffer_before`].
    pub fn held_slots(&self) -> impl Iterator<Item = HeldSlot> {
        let own = self.appointment.duration().slot_count();
        self.appointment
            .slots_then(self.buffer.slot_count())
            .enumerate()
            .map(move |(index, slot)| HeldSlot {
                slot,
                buffer: index >= own,
            })
    }

    /// The slots before it in which no other appointment may be: its
    /// buffer (the consultant's when it was made or moved), in order.
    pub fn buffer_before(&self) -> impl Iterator<Item = Slot> {
        let start = self.appointment.start_slot();
        (1..=self.buffer.slot_count() as i64)
            .rev()
            .filter_map(move |k| start.minus_slots(k))
    }

    /// Whether `held`, a slot another live booking holds, keeps this one
    /// from being where it is: it overlaps this booking's slots, or is an
    /// appointment inside this booking's buffer before it.
    pub fn clashes_with(&self, held: HeldSlot) -> bool {
        self.held_slots().any(|mine| mine.slot == held.slot)
            || (!held.buffer && self.buffer_before().any(|slot| slot == held.slot))
    }

    /// How `user` relates to this booking; `None` means they may not even
    /// know it exists. Agency staff relate to every booking.
    pub fn party(&self, user: &User) -> Option<Party> {
        if self.customer_id == user.id {
            Some(Party::Customer)
        } else if user.role.consultant_id() == Some(self.consultant_id) {
            Some(Party::Consultant)
        } else if user.role.is_admin() {
            Some(Party::Agency)
        } else {
            None
        }
    }

    /// Whether the booking can still change: live and not yet started.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.status.is_live() && self.appointment.start() > now
    }

    fn ensure_open(&self, now: DateTime<Utc>) -> Result<(), BookingError> {
        if self.is_open(now) {
            Ok(())
        } else {
            Err(BookingError::Closed)
        }
    }

    /// Whether `party` may still cancel or move the booking at `now` under
    /// `rules`: a customer only until the cancellation notice before it.
    fn ensure_in_time(
        &self,
        party: Party,
        rules: &BookingRules,
        now: DateTime<Utc>,
    ) -> Result<(), BookingError> {
        let deadline = self.appointment.start() - rules.cancellation_notice();
        if party == Party::Customer && now > deadline {
            return Err(BookingError::TooLateToChange);
        }
        Ok(())
    }

    /// A copy one version on, stamped `now`.
    fn revised(&self, now: DateTime<Utc>) -> Self {
        Self {
            version: self.version + 1,
            updated_at: now,
            ..self.clone()
        }
    }

    /// Applies the changes of its customer (or of agency staff). A new time
    /// must be free of the rules' objections; moving a confirmed booking
    /// sends it back to `pending`, because the consultant agreed to the old
    /// time, not the new one.
    pub fn change(
        &self,
        party: Party,
        changes: BookingChanges,
        consultant: &Consultant,
        now: DateTime<Utc>,
    ) -> Result<Self, BookingError> {
        if party == Party::Consultant {
            return Err(BookingError::NotTheCustomer);
        }
        self.ensure_open(now)?;
        let mut changed = self.revised(now);
        if changes.starts_at.is_some() || changes.duration.is_some() {
            self.ensure_in_time(party, &consultant.rules, now)?;
            let starts_at = changes.starts_at.unwrap_or(self.appointment.start());
            let duration = changes.duration.unwrap_or(self.appointment.duration());
            changed.appointment = Appointment::schedule(starts_at, duration, consultant, now)?;
            changed.buffer = consultant.rules.buffer();
            if changed.appointment != self.appointment && self.status == BookingStatus::Confirmed {
                changed.status = BookingStatus::Pending;
            }
        }
        if changes.mode.is_some_and(|mode| !consultant.offers(mode)) {
            return Err(BookingError::ModeNotOffered);
        }
        let details = &mut changed.details;
        details.mode = changes.mode.unwrap_or(details.mode);
        // A room is for video; moving keeps it for the next confirmation.
        if details.mode != Mode::Video {
            changed.meeting_url = None;
        }
        details.travelers = changes.travelers.unwrap_or(details.travelers);
        if let Some(destination) = changes.destination {
            details.destination = destination;
        }
        if let Some(notes) = changes.notes {
            details.notes = notes;
        }
        Ok(changed)
    }

    /// Cancels the booking (either party, its customer within the
    /// consultant's `rules`); its slots become free.
    pub fn cancel(
        &self,
        party: Party,
        rules: &BookingRules,
        reason: Option<CancellationReason>,
        now: DateTime<Utc>,
    ) -> Result<Self, BookingError> {
        self.ensure_open(now)?;
        self.ensure_in_time(party, rules, now)?;
        Ok(Self {
            status: BookingStatus::Cancelled,
            cancellation_reason: reason.filter(|reason| !reason.as_str().is_empty()),
            ..self.revised(now)
        })
    }

    /// Gives the booking, at the same time, to consultant `to` (agency
    /// staff): `to` must work then and not be away (notice and horizon are
    /// the customer's limits, not staff's). It keeps its status and takes
    /// `to`'s buffer. `to` must offer its mode.
    pub fn reassign(&self, to: &Consultant, now: DateTime<Utc>) -> Result<Self, BookingError> {
        self.ensure_open(now)?;
        let appointment = self.appointment;
        appointment.fits(to)?;
        if !to.offers(self.details.mode) {
            return Err(BookingError::ModeNotOffered);
        }
        Ok(Self {
            consultant_id: to.id,
            buffer: to.rules.buffer(),
            assignment: None,
            ..self.revised(now)
        })
    }

    /// Confirms the booking (its consultant, or agency staff); a `video`
    /// booking gets its room on `rooms` (the one it had, if it had one).
    /// Confirming a confirmed booking changes nothing and succeeds, so a
    /// retried request is harmless.
    pub fn confirm(
        &self,
        party: Party,
        rooms: &MeetingBase,
        now: DateTime<Utc>,
    ) -> Result<Self, BookingError> {
        if party == Party::Customer {
            return Err(BookingError::NotTheConsultant);
        }
        self.ensure_open(now)?;
        if self.status == BookingStatus::Confirmed {
            return Ok(self.clone());
        }
        let meeting_url = match self.details.mode {
            Mode::Video => self.meeting_url.clone().or_else(|| Some(rooms.new_room())),
            _ => None,
        };
        Ok(Self {
            status: BookingStatus::Confirmed,
            meeting_url,
            ..self.revised(now)
        })
    }
}

#[cfg(test)]
mod query_tests;
#[cfg(test)]
#[path = "tests.rs"]
mod tests;

/// The cap on a customer's live bookings that have not started yet
/// (`MAX_LIVE_BOOKINGS_PER_CUSTOMER`): one customer cannot take a
/// consultant's whole week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveBookingLimit {
    /// Most live future bookings one customer may hold.
    pub max: u32,
    /// The instant before which bookings no longer count (they have started).
    pub now: DateTime<Utc>,
}

impl LiveBookingLimit {
    /// Whether a customer already holding `held` live future bookings,
    /// counting the new one, stays within the cap.
    pub fn allows(&self, held: u64) -> bool {
        held <= u64::from(self.max)
    }
}
