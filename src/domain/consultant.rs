//! Consultants and their weekly working hours.

use std::fmt;
use std::str::FromStr;

use std::collections::BTreeMap;

use chrono::{NaiveTime, TimeDelta, Timelike, Weekday};
use chrono_tz::Tz;

use super::text::TextRule;
use super::{ConsultantId, InvalidInput, PersonName, SLOT_MINUTES, TimeOff};

/// Day names in the order `Weekday::num_days_from_monday` counts them.
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One day's working window, in the consultant's local time. The window never
/// crosses midnight: `start < end` on the same calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyHours {
    start: NaiveTime,
    end: NaiveTime,
}

impl DailyHours {
    /// A window from `start` to `end` (exclusive); `None` unless `start < end`.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Option<Self> {
        (start < end).then_some(Self { start, end })
    }

    /// Local start time.
    pub fn start(&self) -> NaiveTime {
        self.start
    }

    /// Local end time.
    pub fn end(&self) -> NaiveTime {
        self.end
    }
}

/// A weekly schedule: at most one window per weekday; days without a window
/// are days off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WorkingHours([Option<DailyHours>; 7]);

impl WorkingHours {
    /// The window for `day`, if the consultant works that day.
    pub fn on(&self, day: Weekday) -> Option<DailyHours> {
        self.0[day.num_days_from_monday() as usize]
    }

    /// Sets (or clears) the window for `day`.
    pub fn set(&mut self, day: Weekday, hours: Option<DailyHours>) {
        self.0[day.num_days_from_monday() as usize] = hours;
    }

    /// Whether every window starts and ends on the 30-minute grid (`…:00`
    /// or `…:30`), so that whole slots fill it.
    pub fn on_grid(&self) -> bool {
        let on_grid = |time: NaiveTime| time.minute().is_multiple_of(SLOT_MINUTES as u32);
        self.days()
            .all(|(_, hours)| on_grid(hours.start) && on_grid(hours.end))
    }

    /// Working days in week order with their short names (`mon`…`sun`).
    pub fn days(&self) -> impl Iterator<Item = (&'static str, DailyHours)> + '_ {
        DAY_NAMES
            .iter()
            .zip(self.0.iter())
            .filter_map(|(name, hours)| hours.map(|hours| (*name, hours)))
    }
}

fn parse_day(name: &str) -> Option<Weekday> {
    DAY_NAMES
        .iter()
        .position(|day| day.eq_ignore_ascii_case(name))
        .and_then(|index| Weekday::try_from(index as u8).ok())
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    // Exactly HH:MM: no seconds, no single-digit hours.
    (text.len() == 5)
        .then(|| NaiveTime::parse_from_str(text, "%H:%M").ok())
        .flatten()
}

/// Parses `mon-fri=09:00-17:00,sat=10:00-14:00`: comma-separated entries of a
/// day or day range, `=`, and a local time window.
impl FromStr for WorkingHours {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut hours = WorkingHours::default();
        for entry in text
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
        {
            let bad = || format!("`{entry}` is not like `mon-fri=09:00-17:00`");
            let (days, window) = entry.split_once('=').ok_or_else(bad)?;
            let (first, last) = days.split_once('-').unwrap_or((days, days));
            let (first, last) = (
                parse_day(first.trim()).ok_or_else(bad)?,
                parse_day(last.trim()).ok_or_else(bad)?,
            );
            let (start, end) = window.split_once('-').ok_or_else(bad)?;
            let (start, end) = (
                parse_time(start.trim()).ok_or_else(bad)?,
                parse_time(end.trim()).ok_or_else(bad)?,
            );
            let window = DailyHours::new(start, end)
                .ok_or_else(|| format!("`{entry}`: the day must end after it starts"))?;
            let mut day = first;
            loop {
                hours.set(day, Some(window));
                if day == last {
                    break;
                }
                day = day.succ();
            }
        }
        Ok(hours)
    }
}

/// The canonical form, one entry per working day: `mon=09:00-17:00,tue=…`.
impl fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (day, hours)) in self.days().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            write!(
                f,
                "{day}={}-{}",
                hours.start.format("%H:%M"),
                hours.end.format("%H:%M")
            )?;
        }
        Ok(())
    }
}

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
/// much notice the consultant needs, how far ahead bookings may be, and the
/// buffer kept after each appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRules {
    buffer: Buffer,
    minimum_notice_minutes: u32,
    booking_horizon_days: u32,
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
    /// not named are off) and the rules' numbers.
    pub fn parse(
        timezone: &str,
        working_hours: &BTreeMap<String, [String; 2]>,
        rules: BookingRules,
    ) -> Result<Self, InvalidInput> {
        let timezone = timezone.parse::<Tz>().map_err(|_| {
            InvalidInput::new(
                "timezone",
                "invalid_timezone",
                "timezone must be an IANA time zone name such as Europe/Lisbon",
            )
        })?;
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

/// A travel consultant customers can book.
#[derive(Debug, Clone, PartialEq)]
pub struct Consultant {
    /// Consultant id.
    pub id: ConsultantId,
    /// Display name.
    pub name: PersonName,
    /// What they know best ("Japan rail passes", "safaris").
    pub specialties: Vec<String>,
    /// Languages they consult in (BCP 47 tags such as `en`, `pt-BR`).
    pub languages: Vec<String>,
    /// IANA time zone their working hours are in.
    pub timezone: Tz,
    /// Weekly schedule in `timezone`.
    pub working_hours: WorkingHours,
    /// Buffer, notice and horizon.
    pub rules: BookingRules,
    /// Ranges in which they take no appointments, by start (kept with the
    /// profile: a booking checks them without another read).
    pub time_off: Vec<TimeOff>,
}

const LABEL_RULE: TextRule = TextRule {
    field: "specialties",
    code: "invalid_consultant",
    label: "Each specialty or language",
    min_chars: 1,
    max_chars: 60,
    multiline: false,
};

impl Consultant {
    /// Builds a new consultant profile, checking its free-text lists.
    pub fn new(
        name: PersonName,
        specialties: &[String],
        languages: &[String],
        timezone: Tz,
        working_hours: WorkingHours,
    ) -> Result<Self, InvalidInput> {
        let parse_all = |items: &[String]| -> Result<Vec<String>, InvalidInput> {
            items.iter().map(|item| LABEL_RULE.parse(item)).collect()
        };
        Ok(Self {
            id: ConsultantId::generate(),
            name,
            specialties: parse_all(specialties)?,
            languages: parse_all(languages)?,
            timezone,
            working_hours,
            rules: BookingRules::DEFAULT,
            time_off: Vec::new(),
        })
    }

    /// Time zone, hours and rules as one value.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            timezone: self.timezone,
            working_hours: self.working_hours,
            rules: self.rules,
        }
    }

    /// The profile with `schedule` in force.
    pub fn with_schedule(&self, schedule: Schedule) -> Self {
        Self {
            timezone: schedule.timezone,
            working_hours: schedule.working_hours,
            rules: schedule.rules,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_hours_parse_day_ranges_and_print_canonically() {
        let hours: WorkingHours = "mon-wed=09:00-17:00, sat=10:00-14:30".parse().unwrap();
        assert_eq!(
            hours.to_string(),
            "mon=09:00-17:00,tue=09:00-17:00,wed=09:00-17:00,sat=10:00-14:30"
        );
        assert_eq!(hours.on(Weekday::Thu), None);
        assert_eq!(hours.to_string().parse::<WorkingHours>().unwrap(), hours);
    }

    #[test]
    fn day_ranges_may_wrap_around_the_week() {
        let hours: WorkingHours = "fri-mon=08:00-12:00".parse().unwrap();
        let days: Vec<_> = hours.days().map(|(day, _)| day).collect();
        assert_eq!(days, ["mon", "fri", "sat", "sun"]);
    }

    fn hours(entries: &[(&str, &str, &str)]) -> BTreeMap<String, [String; 2]> {
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
        let rule =
            |buffer, notice, horizon| BookingRules::new(buffer, notice, horizon).unwrap_err().code;
        assert_eq!(rule(15, 0, 1), "invalid_buffer");
        assert_eq!(rule(0, -1, 1), "invalid_notice");
        assert_eq!(rule(0, 10_081, 1), "invalid_notice");
        assert_eq!(rule(0, 0, 0), "invalid_horizon");
        assert_eq!(rule(0, 0, 366), "invalid_horizon");
        assert!(BookingRules::new(60, 10_080, 365).is_ok());
    }

    #[test]
    fn malformed_working_hours_are_rejected() {
        for text in [
            "mon",
            "mon=9-17",
            "mon=09:00",
            "xyz=09:00-17:00",
            "mon=17:00-09:00",
            "mon=09:00:00-17:00",
        ] {
            assert!(text.parse::<WorkingHours>().is_err(), "{text:?}");
        }
        assert_eq!("".parse::<WorkingHours>().unwrap(), WorkingHours::default());
    }
}
