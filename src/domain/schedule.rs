//! Slot maths: the 30-minute grid, appointments on it, and availability.
//!
//! The grid is global and in UTC (every instant whose seconds since the epoch
//! are a multiple of 1800), so "consultant X, slot S" means the same thing for
//! every consultant and every store, and a uniqueness constraint over
//! (consultant, slot) pairs forbids overlapping bookings. Working hours are
//! local to the consultant's time zone and are mapped onto the grid per day,
//! which is where daylight-saving changes are handled.

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::{AvailabilityRange, Consultant, InvalidInput};

/// Length of one slot of the grid, in minutes.
pub const SLOT_MINUTES: i64 = 30;
const SLOT_SECONDS: i64 = SLOT_MINUTES * 60;

/// A 30-minute slot of the global UTC grid, identified by its start.
/// Kept as seconds since the epoch: availability walks and compares
/// thousands of slots, and whole seconds are cheaper than calendar dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(i64);

impl Slot {
    /// The slot starting exactly at `start`; `None` if `start` is off the grid.
    pub fn starting_at(start: DateTime<Utc>) -> Option<Self> {
        let on_grid =
            start.timestamp().rem_euclid(SLOT_SECONDS) == 0 && start.timestamp_subsec_nanos() == 0;
        on_grid.then_some(Self(start.timestamp()))
    }

    /// The slot starting at `seconds` since the epoch (as stores keep it).
    pub fn from_timestamp(seconds: i64) -> Option<Self> {
        DateTime::from_timestamp(seconds, 0).and_then(Self::starting_at)
    }

    /// The slot starting `millis` milliseconds after the epoch (as the
    /// embedded store keeps it); `None` off the grid or out of range.
    pub fn from_millis(millis: i64) -> Option<Self> {
        let in_range = DateTime::<Utc>::MIN_UTC.timestamp_millis() <= millis
            && millis <= DateTime::<Utc>::MAX_UTC.timestamp_millis();
        (in_range && millis.rem_euclid(SLOT_SECONDS * 1000) == 0).then_some(Self(millis / 1000))
    }

    /// The first slot starting at or after `instant`.
    fn first_at_or_after(instant: DateTime<Utc>) -> Option<Self> {
        let mut seconds = instant.timestamp();
        if instant.timestamp_subsec_nanos() > 0 {
            seconds += 1;
        }
        let remainder = seconds.rem_euclid(SLOT_SECONDS);
        if remainder > 0 {
            seconds += SLOT_SECONDS - remainder;
        }
        Self::from_timestamp(seconds)
    }

    /// Start instant.
    pub fn start(&self) -> DateTime<Utc> {
        // Every slot was made from a valid instant, and the grid keeps
        // times well inside chrono's range.
        DateTime::from_timestamp(self.0, 0).unwrap_or_default()
    }

    /// End instant (exclusive).
    pub fn end(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.0 + SLOT_SECONDS, 0).unwrap_or_default()
    }

    /// Seconds since the epoch of the start (as stores keep it).
    pub fn timestamp(&self) -> i64 {
        self.0
    }

    /// The slot right after this one.
    fn next(&self) -> Self {
        Self(self.0 + SLOT_SECONDS)
    }

    /// How many slots after `earlier` this one starts.
    pub(super) fn slots_after(&self, earlier: Slot) -> i64 {
        (self.0 - earlier.0) / SLOT_SECONDS
    }

    /// The slot `count` slots after this one.
    pub(super) fn later_by(&self, count: i64) -> Self {
        Self(self.0 + count * SLOT_SECONDS)
    }

    /// The slot `count` slots before this one, if it is on the calendar.
    pub fn minus_slots(&self, count: i64) -> Option<Self> {
        Self::from_timestamp(self.0 - count * SLOT_SECONDS)
    }
}

/// A slot a live booking holds: one of its appointment's, or one of the
/// buffer its consultant keeps after it. No two bookings of a consultant
/// hold one slot (the stores' unique claims), and no appointment starts
/// within the current buffer after another appointment (checked in the
/// booking's write): so a new booking keeps the buffer to both neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HeldSlot {
    /// The slot.
    pub slot: Slot,
    /// Whether it is held for a buffer rather than an appointment.
    pub buffer: bool,
}

/// How long an appointment lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingDuration {
    /// 30 minutes: one slot.
    Minutes30,
    /// 60 minutes: two slots.
    Minutes60,
    /// 90 minutes: three slots.
    Minutes90,
}

impl BookingDuration {
    /// Parses a client-supplied number of minutes (30, 60 or 90).
    pub fn from_minutes(minutes: i64) -> Result<Self, InvalidInput> {
        match minutes {
            30 => Ok(Self::Minutes30),
            60 => Ok(Self::Minutes60),
            90 => Ok(Self::Minutes90),
            _ => Err(InvalidInput::new(
                "durationMinutes",
                "invalid_duration",
                "durationMinutes must be 30, 60 or 90",
            )),
        }
    }

    /// Length in minutes.
    pub fn minutes(&self) -> i64 {
        match self {
            Self::Minutes30 => 30,
            Self::Minutes60 => 60,
            Self::Minutes90 => 90,
        }
    }

    /// How many grid slots it spans.
    pub fn slot_count(&self) -> usize {
        (self.minutes() / SLOT_MINUTES) as usize
    }
}

/// Why a requested time cannot be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The start is not on the 30-minute grid.
    #[error("startsAt must be on a 30-minute boundary (…:00 or …:30)")]
    NotOnSlotBoundary,
    /// The start is not in the future.
    #[error("startsAt must be in the future")]
    InPast,
    /// Part of the appointment falls outside the consultant's working hours.
    #[error("the whole appointment must fall within the consultant's working hours")]
    OutsideWorkingHours,
    /// It starts sooner than the consultant's minimum notice.
    #[error("the consultant needs more notice: pick a later start")]
    TooShortNotice,
    /// It starts further ahead than the consultant takes bookings.
    #[error("the consultant does not take bookings that far ahead")]
    BeyondHorizon,
    /// Part of it falls in the consultant's time off.
    #[error("the consultant is away at that time")]
    ConsultantUnavailable,
}

/// A time on the grid: a start slot and a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appointment {
    start: Slot,
    duration: BookingDuration,
}

impl Appointment {
    /// Checks a requested start and duration against the grid, the clock,
    /// and the consultant's notice, horizon, working hours and time off.
    pub fn schedule(
        starts_at: DateTime<Utc>,
        duration: BookingDuration,
        consultant: &Consultant,
        now: DateTime<Utc>,
    ) -> Result<Self, ScheduleError> {
        let start = Slot::starting_at(starts_at).ok_or(ScheduleError::NotOnSlotBoundary)?;
        if start.start() <= now {
            return Err(ScheduleError::InPast);
        }
        if start.start() < now + consultant.rules.minimum_notice() {
            return Err(ScheduleError::TooShortNotice);
        }
        if start.start() > now + consultant.rules.horizon() {
            return Err(ScheduleError::BeyondHorizon);
        }
        let appointment = Self { start, duration };
        appointment.fits(consultant)?;
        Ok(appointment)
    }

    /// Checks that the whole appointment falls in `consultant`'s working
    /// hours and outside their time off.
    pub fn fits(&self, consultant: &Consultant) -> Result<(), ScheduleError> {
        let local_day = self
            .start()
            .with_timezone(&consultant.timezone)
            .date_naive();
        match working_window(consultant, local_day) {
            Some((open, close)) if open <= self.start() && self.end() <= close => {}
            _ => return Err(ScheduleError::OutsideWorkingHours),
        }
        let (from, to) = (self.start(), self.end());
        if consultant.time_off.iter().any(|off| off.overlaps(from, to)) {
            return Err(ScheduleError::ConsultantUnavailable);
        }
        Ok(())
    }

    /// Rebuilds an appointment read back from a store, without re-checking
    /// rules that held when it was booked.
    pub fn restore(start: Slot, duration: BookingDuration) -> Self {
        Self { start, duration }
    }

    /// First slot.
    pub fn start_slot(&self) -> Slot {
        self.start
    }

    /// Start instant.
    pub fn start(&self) -> DateTime<Utc> {
        self.start.start()
    }

    /// End instant (exclusive).
    pub fn end(&self) -> DateTime<Utc> {
        self.start() + TimeDelta::minutes(self.duration.minutes())
    }

    /// Length.
    pub fn duration(&self) -> BookingDuration {
        self.duration
    }

    /// Every slot the appointment occupies, in order.
    pub fn slots(&self) -> impl Iterator<Item = Slot> {
        self.slots_then(0)
    }

    /// Every slot the appointment occupies and the `extra` slots after it
    /// (a buffer), in order.
    pub fn slots_then(&self, extra: usize) -> impl Iterator<Item = Slot> {
        std::iter::successors(Some(self.start), |slot| Some(slot.next()))
            .take(self.duration.slot_count() + extra)
    }
}

/// Maps a local wall-clock time to an instant. A time that occurs twice (the
/// hour repeated when clocks go back) resolves to its earlier occurrence for
/// the start of a window and its later one for the end, so the window keeps
/// the hours the consultant actually works. A time that never occurs (skipped
/// when clocks go forward) moves forward by the length of the gap.
fn resolve_local(timezone: Tz, local: NaiveDateTime, is_window_end: bool) -> DateTime<Utc> {
    match timezone.from_local_datetime(&local) {
        LocalResult::Single(instant) => instant.to_utc(),
        LocalResult::Ambiguous(earlier, later) => {
            if is_window_end { later } else { earlier }.to_utc()
        }
        LocalResult::None => {
            // Use the offset in force before the gap: the day before has it.
            let before = timezone.offset_from_utc_datetime(&(local - TimeDelta::days(1)));
            let offset = chrono::Offset::fix(&before);
            (local - TimeDelta::seconds(i64::from(offset.local_minus_utc()))).and_utc()
        }
    }
}

/// The consultant's working window on a local calendar day, as UTC instants.
fn working_window(
    consultant: &Consultant,
    day: NaiveDate,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let hours = consultant.working_hours.on(day.weekday())?;
    let open = resolve_local(consultant.timezone, day.and_time(hours.start()), false);
    let close = resolve_local(consultant.timezone, day.and_time(hours.end()), true);
    Some((open, close))
}

/// Every grid slot inside the consultant's working hours over `range`, in order.
pub fn working_slots(consultant: &Consultant, range: &AvailabilityRange) -> Vec<Slot> {
    let mut slots = Vec::new();
    for day in range.dates() {
        let Some((open, close)) = working_window(consultant, day) else {
            continue;
        };
        let Some(mut slot) = Slot::first_at_or_after(open) else {
            continue;
        };
        let close = close.timestamp();
        while slot.0 + SLOT_SECONDS <= close {
            slots.push(slot);
            slot = slot.next();
        }
    }
    slots
}

/// Bookable 30-minute appointments: the `working` slots of `consultant`
/// that start after `now`, within its notice and horizon, outside its time
/// off, whose slot and buffer after it are not `held`, and with no
/// appointment within the buffer before them (`held` sorted by slot).
/// Exactly what booking one of them would accept. (In milliseconds since
/// the epoch throughout: this runs for every slot of a month.)
pub fn free_slots(
    working: Vec<Slot>,
    held: &[HeldSlot],
    consultant: &Consultant,
    now: DateTime<Utc>,
) -> Vec<Slot> {
    let rules = &consultant.rules;
    let millis = |slot: Slot| slot.0 * 1000;
    let now_ms = now.timestamp_millis();
    let earliest = now_ms + rules.minimum_notice().num_milliseconds();
    let latest = now_ms + rules.horizon().num_milliseconds();
    let away = disjoint_ranges(consultant.time_off.iter().map(|off| {
        (
            off.starts_at.timestamp_millis(),
            off.ends_at.timestamp_millis(),
        )
    }));
    // The slots come in order: one cursor walks the time off beside them.
    let mut next_away = 0;
    let mut is_away = |start: i64, end: i64| {
        while away.get(next_away).is_some_and(|&(_, to)| to <= start) {
            next_away += 1;
        }
        away.get(next_away).is_some_and(|&(from, _)| from < end)
    };
    let buffer = rules.buffer().slot_count() as i64;
    let is_held = |slot: i64| held.binary_search_by_key(&slot, |held| held.slot.0).is_ok();
    let is_appointment = |slot: i64| {
        held.binary_search_by_key(&slot, |held| held.slot.0)
            .is_ok_and(|at| !held[at].buffer)
    };
    let free = |slot: &Slot| {
        (0..=buffer).all(|k| !is_held(slot.0 + k * SLOT_SECONDS))
            && (1..=buffer).all(|k| !is_appointment(slot.0 - k * SLOT_SECONDS))
    };
    working
        .into_iter()
        .filter(|slot| {
            let start = millis(*slot);
            start > now_ms && start >= earliest && start <= latest
        })
        .filter(|slot| !is_away(millis(*slot), millis(slot.next())))
        .filter(free)
        .collect()
}

/// `ranges` (from, to) sorted and with overlapping or touching ones joined.
fn disjoint_ranges(ranges: impl Iterator<Item = (i64, i64)>) -> Vec<(i64, i64)> {
    let mut sorted: Vec<_> = ranges.collect();
    sorted.sort_unstable();
    let mut joined: Vec<(i64, i64)> = Vec::with_capacity(sorted.len());
    for (from, to) in sorted {
        match joined.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => joined.push((from, to)),
        }
    }
    joined
}

#[cfg(test)]
#[path = "schedule_tests/mod.rs"]
mod tests;
