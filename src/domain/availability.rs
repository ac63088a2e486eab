//! Availability: the days a request covers, and the starts at which
//! consultants could take a booking, one consultant or many together.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};

use super::{Appointment, BookingDuration, Consultant, HeldSlot, InvalidInput, Slot};

/// A run of calendar days in the consultant's time zone to list slots for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvailabilityRange {
    from: NaiveDate,
    days: u32,
}

impl AvailabilityRange {
    /// Most days one request may cover.
    pub const MAX_DAYS: u32 = 31;
    /// Days covered when the client does not say.
    pub const DEFAULT_DAYS: u32 = 7;

    /// Parses the `from` (`YYYY-MM-DD`, default `today`) and `days` (1–31,
    /// default 7) query parameters.
    pub fn parse(
        from: Option<&str>,
        days: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, InvalidInput> {
        let from = match from {
            None => today,
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .filter(|_| text.len() == 10)
                .ok_or_else(|| {
                    InvalidInput::new(
                        "from",
                        "invalid_from",
                        "from must be a date like 2027-03-04",
                    )
                })?,
        };
        let days = match days {
            None => Self::DEFAULT_DAYS,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|days| (1..=Self::MAX_DAYS).contains(days))
                .ok_or_else(|| {
                    InvalidInput::new(
                        "days",
                        "invalid_days",
                        "days must be a whole number from 1 to 31",
                    )
                })?,
        };
        let last = from.checked_add_days(chrono::Days::new(u64::from(days)));
        if last.is_none_or(|last| last > super::latest_instant().date_naive()) {
            return Err(InvalidInput::new(
                "from",
                "invalid_from",
                "from is too far in the future",
            ));
        }
        Ok(Self { from, days })
    }

    /// The same days with one more either side: the local days of
    /// consultants anywhere (zones lie within 14 hours of UTC) that cover
    /// these days taken in UTC.
    pub fn widened(&self) -> Self {
        Self {
            from: self.from.pred_opt().unwrap_or(self.from),
            days: self.days + 2,
        }
    }

    /// These days in UTC: their first instant and the instant after them.
    pub fn utc_bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.from.and_time(NaiveTime::MIN).and_utc();
        let end = start.checked_add_days(Days::new(u64::from(self.days)));
        (start, end.unwrap_or(DateTime::<Utc>::MAX_UTC))
    }

    pub(super) fn dates(&self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take(self.days as usize)
    }
}

/// The starts at which `consultant` could take a booking of `duration`:
/// of its free 30-minute slots (`free`, from [`free_slots`](super::free_slots)
/// over `held`, sorted), those where the whole appointment fits its hours and
/// time off and neither it nor the buffer after it meets a held slot.
/// Exactly what booking would accept (the buffer before is `free`'s check).
pub fn bookable_starts(
    free: &[Slot],
    held: &[HeldSlot],
    consultant: &Consultant,
    duration: BookingDuration,
    now: DateTime<Utc>,
) -> Vec<Slot> {
    if duration.slot_count() == 1 {
        return free.to_vec();
    }
    let buffer = consultant.rules.buffer().slot_count();
    let is_held = |slot: Slot| held.binary_search_by_key(&slot, |held| held.slot).is_ok();
    free.iter()
        .copied()
        .filter(|start| {
            Appointment::schedule(start.start(), duration, consultant, now)
                .is_ok_and(|appointment| !appointment.slots_then(buffer).any(is_held))
        })
        .collect()
}

/// The starts of many consultants together (each list in order), in
/// order, each with how many of them could take it. Counted on the grid
/// between the earliest and the latest start: one pass, no map.
pub fn pooled(starts: impl IntoIterator<Item = Vec<Slot>>) -> Vec<(Slot, u32)> {
    let starts: Vec<Vec<Slot>> = starts.into_iter().collect();
    let (Some(&first), Some(&last)) = (
        starts.iter().filter_map(|list| list.first()).min(),
        starts.iter().filter_map(|list| list.last()).max(),
    ) else {
        return Vec::new();
    };
    let index = |slot: Slot| usize::try_from(slot.slots_after(first)).unwrap_or_default();
    let mut counts = vec![0u32; index(last) + 1];
    for slot in starts.iter().flatten() {
        counts[index(*slot)] += 1;
    }
    counts
        .into_iter()
        .zip(0..)
        .filter(|(count, _)| *count > 0)
        .map(|(count, at)| (first.later_by(at), count))
        .collect()
}

#[cfg(test)]
#[path = "availability_tests.rs"]
mod tests;
