//! Time off: ranges in which a consultant takes no appointments (holidays,
//! training), in UTC.

use chrono::{DateTime, TimeDelta, Utc};

use super::text::TextRule;
use super::{ConsultantId, InvalidInput, TimeOffId};

/// The longest single time off: a year (longer absences are several).
pub const MAX_TIME_OFF: TimeDelta = TimeDelta::days(366);
/// The most time off entries a consultant keeps that are not over yet:
/// every availability and booking reads them, so they are bounded.
pub const MAX_TIME_OFF_ENTRIES: usize = 500;

/// A consultant already keeps [`MAX_TIME_OFF_ENTRIES`] current or future
/// time off entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at most 500 current and future time off entries; remove some first")]
pub struct TooManyTimeOff;

const REASON_RULE: TextRule = TextRule {
    field: "reason",
    code: "invalid_reason",
    label: "Reason",
    min_chars: 0,
    max_chars: 200,
    multiline: false,
};

/// A range in which the consultant cannot be booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOff {
    /// Its id.
    pub id: TimeOffId,
    /// Whose.
    pub consultant_id: ConsultantId,
    /// First instant off.
    pub starts_at: DateTime<Utc>,
    /// First instant back (exclusive).
    pub ends_at: DateTime<Utc>,
    /// What for, as the consultant wrote it (may be empty).
    pub reason: String,
    /// When it was entered.
    pub created_at: DateTime<Utc>,
}

impl TimeOff {
    /// A new time off of `consultant` from `starts_at` until `ends_at`,
    /// entered at `now`: it must end after it starts, end in the future and
    /// last at most [`MAX_TIME_OFF`].
    pub fn new(
        consultant: ConsultantId,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Self, InvalidInput> {
        let invalid =
            |detail: &'static str| InvalidInput::new("endsAt", "invalid_time_off", detail);
        if ends_at <= starts_at {
            return Err(invalid("endsAt must be after startsAt"));
        }
        if ends_at <= now {
            return Err(invalid("the time off must end in the future"));
        }
        if ends_at - starts_at > MAX_TIME_OFF {
            return Err(invalid("one time off lasts at most 366 days"));
        }
        Ok(Self {
            id: TimeOffId::generate(),
            consultant_id: consultant,
            starts_at,
            ends_at,
            reason: REASON_RULE.parse(reason.unwrap_or_default())?,
            created_at: now,
        })
    }

    /// Whether any of `[from, to)` falls in it.
    pub fn overlaps(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.starts_at < to && from < self.ends_at
    }

    /// Adds this time off to a consultant's `entries` (sorted by start) at
    /// `now`, merged with the entries it overlaps into one: they become a
    /// single range with this one's id and reason (or, without a reason,
    /// the first merged one's). Refused when that would leave more than
    /// [`MAX_TIME_OFF_ENTRIES`] entries not over at `now` (then `entries`
    /// is left as it was). The entry as stored.
    pub fn add_to(
        self,
        entries: &mut Vec<TimeOff>,
        now: DateTime<Utc>,
    ) -> Result<TimeOff, TooManyTimeOff> {
        let overlapped = |off: &TimeOff| off.overlaps(self.starts_at, self.ends_at);
        let kept_current = entries
            .iter()
            .filter(|off| !overlapped(off) && off.ends_at > now)
            .count();
        if kept_current >= MAX_TIME_OFF_ENTRIES {
            return Err(TooManyTimeOff);
        }
        let mut merged = self.clone();
        for off in entries.iter().filter(|off| overlapped(off)) {
            merged.starts_at = merged.starts_at.min(off.starts_at);
            merged.ends_at = merged.ends_at.max(off.ends_at);
            if merged.reason.is_empty() {
                merged.reason = off.reason.clone();
            }
        }
        entries.retain(|off| !overlapped(off));
        entries.push(merged.clone());
        entries.sort_by_key(|off| (off.starts_at, off.id));
        Ok(merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + TimeDelta::hours(hours)
    }

    #[test]
    fn a_time_off_ends_after_it_starts_in_the_future_within_a_year() {
        let consultant = ConsultantId::generate();
        let ok = TimeOff::new(consultant, at(10), at(20), Some("  Holiday "), at(0)).unwrap();
        assert_eq!(ok.reason, "Holiday");
        let code = |from, to, now| {
            TimeOff::new(consultant, from, to, None, now)
                .unwrap_err()
                .code
        };
        assert_eq!(code(at(10), at(10), at(0)), "invalid_time_off");
        assert_eq!(code(at(-10), at(-5), at(0)), "invalid_time_off");
        assert_eq!(
            code(at(0), at(0) + MAX_TIME_OFF + TimeDelta::hours(1), at(0)),
            "invalid_time_off"
        );
        let long = "x".repeat(201);
        let reason = TimeOff::new(consultant, at(1), at(2), Some(&long), at(0));
        assert_eq!(reason.unwrap_err().code, "invalid_reason");
        let started = TimeOff::new(consultant, at(-5), at(5), None, at(0));
        assert!(started.is_ok(), "one already under way may be entered");
    }

    #[test]
    fn overlapping_time_off_is_merged_into_one_entry() {
        let consultant = ConsultantId::generate();
        let off = |from, to, reason: &str| {
            TimeOff::new(consultant, at(from), at(to), Some(reason), at(0)).unwrap()
        };
        let mut entries = vec![
            off(10, 20, "Holiday"),
            off(30, 40, ""),
            off(50, 60, "Course"),
        ];
        let merged = off(15, 35, "").add_to(&mut entries, at(0)).unwrap();
        assert_eq!((merged.starts_at, merged.ends_at), (at(10), at(40)));
        assert_eq!(merged.reason, "Holiday", "a merged entry keeps a reason");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0], merged);
        // Touching is not overlapping: back-to-back entries stay apart.
        let next = off(60, 70, "Travel").add_to(&mut entries, at(0)).unwrap();
        assert_eq!(next.reason, "Travel");
        assert_eq!(entries.len(), 3);
    }

    #[test]
    fn at_most_500_entries_not_over_yet() {
        let consultant = ConsultantId::generate();
        let mut entries: Vec<TimeOff> = (0..MAX_TIME_OFF_ENTRIES as i64)
            .map(|n| TimeOff::new(consultant, at(2 * n + 1), at(2 * n + 2), None, at(0)).unwrap())
            .collect();
        let one_more = TimeOff::new(consultant, at(5000), at(5001), None, at(0)).unwrap();
        assert_eq!(
            one_more.clone().add_to(&mut entries, at(0)),
            Err(TooManyTimeOff)
        );
        assert_eq!(entries.len(), MAX_TIME_OFF_ENTRIES, "nothing added");
        // One that merges into an existing entry adds none.
        let inside = TimeOff::new(consultant, at(1), at(2), None, at(0)).unwrap();
        assert!(inside.add_to(&mut entries, at(0)).is_ok());
        // Entries already over do not count.
        assert!(one_more.add_to(&mut entries, at(3)).is_ok());
    }

    #[test]
    fn overlap_is_half_open() {
        let off = TimeOff::new(ConsultantId::generate(), at(10), at(20), None, at(0)).unwrap();
        assert!(off.overlaps(at(19), at(21)));
        assert!(off.overlaps(at(5), at(11)));
        assert!(!off.overlaps(at(20), at(21)), "back at its end");
        assert!(
            !off.overlaps(at(9), at(10)),
            "an appointment may end as it starts"
        );
    }
}
