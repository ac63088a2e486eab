//! What a consultant sets about being booked: the buffer after each
//! appointment, the notice and horizon, the cancellation notice, and the
//! whole schedule they edit (time zone, weekly hours, rules).

use chrono::TimeDelta;
use chrono_tz::Tz;

use super::consultant::{parse_day, parse_time};
use super::{DailyHours, InvalidInput, SLOT_MINUTES, WorkingHours, parse_time_zone};

/// Free time a consultant keeps after each appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Buffer {
    /// Appointments may follow each other directly.
    #[default]
    None,
    /// Half an hour after each appointment.
    Minutes30,
    /// An hour after each appointment.
    Minutes60,
}

impl Buffer {
    /// Parses `bufferMinutes` (0, 30 or 60).
    pub fn from_minutes(minutes: i64) -> Result<Self, InvalidInput> {
        match minutes {
            0 => Ok(Self::None),
            30 => Ok(Self::Minutes30),
            60 => Ok(Self::Minutes60),
            _ => Err(InvalidInput::new(
                "bufferMinutes",
                "invalid_buffer",
                "bufferMinutes must be 0, 30 or 60",
            )),
        }
    }

    /// Length in minutes.
    pub fn minutes(&self) -> i64 {
        match self {
            Self::None => 0,
            Self::Minutes30 => 30,
            Self::Minutes60 => 60,
        }
    }

    /// How many grid slots it spans.
    pub fn slot_count(&self) -> usize {
        (self.minutes() / SLOT_MINUTES) as usize
    }
}

/// When customers may book a consultant, besides the working hours: how
/// much notice the consultant needs, how far ahead bookings may be, the
/// buffer kept after each appointment, and until when before it a customer
/// may still cancel or move one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRules {
    buffer: Buffer,
    minimum_notice_minutes: u32,
    booking_horizon_days: u32,
    cancellation_notice_minutes: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl BookingRules {
    /// No buffer, two hours' notice, 90 days ahead.
    pub const DEFAULT: Self = Self {
        buffer: Buffer::None,
        minimum_notice_minutes: 120,
        booking_horizon_days: 90,
        cancellation_notice_minutes: 0,
    };
    /// The longest notice a consultant may ask for: a week.
    pub const MAX_NOTICE_MINUTES: i64 = 10_080;
    /// The farthest ahead bookings may be allowed: a year.
    pub const MAX_HORIZON_DAYS: i64 = 365;

    /// Checks `bufferMinutes` (0, 30, 60), `minimumNoticeMinutes` (0–10080)
    /// and `bookingHorizonDays` (1–365).
    pub fn new(
        buffer_minutes: i64,
        notice_minutes: i64,
        horizon_days: i64,
    ) -> Result<Self, InvalidInput> {
        let buffer = Buffer::from_minutes(buffer_minutes)?;
        let minimum_notice_minutes = u32::try_from(notice_minutes)
            .ok()
            .filter(|minutes| i64::from(*minutes) <= Self::MAX_NOTICE_MINUTES)
            .ok_or_else(|| {
                InvalidInput::new(
                    "minimumNoticeMinutes",
                    "invalid_notice",
                    "minimumNoticeMinutes must be a whole number from 0 to 10080 (a week)",
                )
            })?;
        let booking_horizon_days = u32::try_from(horizon_days)
            .ok()
            .filter(|days| (1..=Self::MAX_HORIZON_DAYS).contains(&i64::from(*days)))
            .ok_or_else(|| {
                InvalidInput::new(
                    "bookingHorizonDays",
                    "invalid_horizon",
                    "bookingHorizonDays must be a whole number from 1 to 365",
                )
            })?;
        Ok(Self {
            buffer,
            minimum_notice_minutes,
            booking_horizon_days,
            cancellation_notice_minutes: 0,
        })
    }

    /// These rules with a cancellation notice of `minutes` (0–10080): a
    /// customer may not cancel or move a booking later than that before its
    /// start (its consultant and agency staff still may).
    pub fn with_cancellation_notice(self, minutes: i64) -> Result<Self, InvalidInput> {
        let cancellation_notice_minutes = u32::try_from(minutes)
            .ok()
            .filter(|minutes| i64::from(*minutes) <= Self::MAX_NOTICE_MINUTES)
            .ok_or_else(|| {
                InvalidInput::new(
                    "cancellationNoticeMinutes",
                    "invalid_cancellation_notice",
                    "cancellationNoticeMinutes must be a whole number from 0 to 10080 (a week)",
                )
            })?;
        Ok(Self {
            cancellation_notice_minutes,
            ..self
        })
    }

    /// Rules past the API's bounds, for tests whose clock is decades
    /// before their appointments.
    #[cfg(test)]
    pub(crate) fn unbounded() -> Self {
        Self {
            buffer: Buffer::None,
            minimum_notice_minutes: 0,
            booking_horizon_days: 36_500,
            cancellation_notice_minutes: 0,
        }
    }

    /// The buffer after each appointment.
    pub fn buffer(&self) -> Buffer {
        self.buffer
    }

    /// The least time between booking and the appointment's start.
    pub fn minimum_notice(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.minimum_notice_minutes))
    }

    /// How far ahead an appointment may start.
    pub fn horizon(&self) -> TimeDelta {
        TimeDelta::days(i64::from(self.booking_horizon_days))
    }

    /// `minimumNoticeMinutes`.
    pub fn minimum_notice_minutes(&self) -> u32 {
        self.minimum_notice_minutes
    }

    /// `bookingHorizonDays`.
    pub fn booking_horizon_days(&self) -> u32 {
        self.booking_horizon_days
    }

    /// How long before an appointment its customer may still cancel or
    /// move it.
    pub fn cancellation_notice(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.cancellation_notice_minutes))
    }

    /// `cancellationNoticeMinutes`.
    pub fn cancellation_notice_minutes(&self) -> u32 {
        self.cancellation_notice_minutes
    }
}

/// What a consultant sets about their own calendar: the time zone, the
/// weekly hours in it, and the booking rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// IANA time zone the working hours are in.
    pub timezone: Tz,
    /// Weekly hours.
    pub working_hours: WorkingHours,
    /// Buffer, notice and horizon.
    pub rules: BookingRules,
}

impl Schedule {
    /// Parses a schedule as clients send it: an IANA zone name, windows by
    /// day name (`"mon": ["09:00", "17:00"]`, on the 30-minute grid; days
    /// not named are off; a day named twice is refused) and the rules'
    /// numbers.
    pub fn parse(
        timezone: &str,
        working_hours: &[(String, [String; 2])],
        rules: BookingRules,
    ) -> Result<Self, InvalidInput> {
        let timezone = parse_time_zone(timezone)?;
        let invalid =
            |detail: String| InvalidInput::new("workingHours", "invalid_working_hours", detail);
        let mut hours = WorkingHours::default();
        for (day, [start, end]) in working_hours {
            let weekday = parse_day(day)
                .filter(|_| day.len() == 3)
                .ok_or_else(|| invalid(format!("`{day}` is not a day name (mon … sun)")))?;
            let (Some(start), Some(end)) = (parse_time(start), parse_time(end)) else {
                return Err(invalid(format!("{day}: times must look like 09:00")));
            };
            let window = DailyHours::new(start, end)
                .ok_or_else(|| invalid(format!("{day}: the day must end after it starts")))?;
            if hours.on(weekday).is_some() {
                return Err(invalid(format!("`{day}` is given twice")));
            }
            hours.set(weekday, Some(window));
        }
        if !hours.on_grid() {
            return Err(invalid(
                "working hours must start and end on the hour or half hour".into(),
            ));
        }
        Ok(Self {
            timezone,
            working_hours: hours,
            rules,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(entries: &[(&str, &str, &str)]) -> Vec<(String, [String; 2])> {
        entries
            .iter()
            .map(|(day, start, end)| (day.to_string(), [start.to_string(), end.to_string()]))
            .collect()
    }

    #[test]
    fn schedules_parse_zone_hours_and_rules() {
        let rules = BookingRules::new(30, 60, 30).unwrap();
        let schedule = Schedule::parse(
            "Europe/Lisbon",
            &hours(&[("mon", "09:00", "17:30"), ("sat", "10:00", "12:00")]),
            rules,
        )
        .unwrap();
        assert_eq!(schedule.timezone, chrono_tz::Europe::Lisbon);
        assert_eq!(
            schedule.working_hours.to_string(),
            "mon=09:00-17:30,sat=10:00-12:00"
        );
        assert_eq!(schedule.rules.buffer(), Buffer::Minutes30);
        assert_eq!(schedule.rules.minimum_notice(), TimeDelta::hours(1));
        assert_eq!(schedule.rules.horizon(), TimeDelta::days(30));
    }

    #[test]
    fn the_cancellation_notice_is_at_most_a_week() {
        let rules = BookingRules::DEFAULT;
        assert_eq!(rules.cancellation_notice(), TimeDelta::zero());
        let day = rules.with_cancellation_notice(1440).unwrap();
        assert_eq!(day.cancellation_notice(), TimeDelta::days(1));
        assert_eq!(
            day.minimum_notice(),
            rules.minimum_notice(),
            "the rest kept"
        );
        for refused in [-1, 10_081] {
            assert_eq!(
                rules.with_cancellation_notice(refused).unwrap_err().code,
                "invalid_cancellation_notice"
            );
        }
    }

    #[test]
    fn bad_schedules_are_refused_with_their_code() {
        let rules = BookingRules::DEFAULT;
        let code = |zone: &str, entries: &[(&str, &str, &str)]| {
            Schedule::parse(zone, &hours(entries), rules)
                .unwrap_err()
                .code
        };
        assert_eq!(code("Mars/Olympus", &[]), "invalid_timezone");
        assert_eq!(
            code("UTC", &[("xyz", "09:00", "17:00")]),
            "invalid_working_hours"
        );
        assert_eq!(
            code("UTC", &[("monday", "09:00", "17:00")]),
            "invalid_working_hours"
        );
        assert_eq!(
            code("UTC", &[("mon", "17:00", "09:00")]),
            "invalid_working_hours"
        );
        assert_eq!(
            code("UTC", &[("mon", "09:15", "17:00")]),
            "invalid_working_hours"
        );
        assert_eq!(
            code("UTC", &[("mon", "9:00", "17:00")]),
            "invalid_working_hours"
        );
        assert_eq!(
            code(
                "UTC",
                &[("mon", "09:00", "12:00"), ("mon", "13:00", "17:00")]
            ),
            "invalid_working_hours",
            "a day named twice"
        );
        let rule =
            |buffer, notice, horizon| BookingRules::new(buffer, notice, horizon).unwrap_err().code;
        assert_eq!(rule(15, 0, 1), "invalid_buffer");
        assert_eq!(rule(0, -1, 1), "invalid_notice");
        assert_eq!(rule(0, 10_081, 1), "invalid_notice");
        assert_eq!(rule(0, 0, 0), "invalid_horizon");
        assert_eq!(rule(0, 0, 366), "invalid_horizon");
        assert!(BookingRules::new(60, 10_080, 365).is_ok());
    }
}
