//! Time off: ranges in which a consultant takes no appointments (holidays,
//! training), in UTC.

use chrono::{DateTime, TimeDelta, Utc};

use super::text::TextRule;
use super::{ConsultantId, InvalidInput, TimeOffId};

/// The longest single time off: a year (longer absences are several).
pub const MAX_TIME_OFF: TimeDelta = TimeDelta::days(366);

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
