//! Consultants and their weekly working hours.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, Timelike, Weekday};
use chrono_tz::Tz;

use super::text::TextRule;
use super::{
    BookingRules, ConsultantId, InvalidInput, Mode, PersonName, SLOT_MINUTES, Schedule, TimeOff,
};

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

pub(super) fn parse_day(name: &str) -> Option<Weekday> {
    DAY_NAMES
        .iter()
        .position(|day| day.eq_ignore_ascii_case(name))
        .and_then(|index| Weekday::try_from(index as u8).ok())
}

pub(super) fn parse_time(text: &str) -> Option<NaiveTime> {
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
    /// How they consult (video, phone, in person), in that order.
    pub modes: Vec<Mode>,
    /// A few words about them for customers (may be empty).
    pub bio: String,
    /// Whether customers see and book them; a deactivated consultant keeps
    /// their bookings' history.
    pub active: bool,
}

/// Changes to a consultant's profile; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileChanges {
    /// New display name.
    pub name: Option<PersonName>,
    /// New specialties.
    pub specialties: Option<Vec<String>>,
    /// New languages.
    pub languages: Option<Vec<String>>,
    /// New modes.
    pub modes: Option<Vec<Mode>>,
    /// New bio.
    pub bio: Option<String>,
}

const LABEL_RULE: TextRule = TextRule {
    field: "specialties", // replaced by the list's own name
    code: "invalid_consultant",
    label: "Each specialty or language",
    min_chars: 1,
    max_chars: 60,
    multiline: false,
};

const BIO_RULE: TextRule = TextRule {
    field: "bio",
    code: "invalid_bio",
    label: "Bio",
    min_chars: 0,
    max_chars: 1000,
    multiline: true,
};

/// Parses specialties or languages (`field` says which): each 1 to 60
/// characters, at most 20.
pub fn parse_labels(items: &[String], field: &'static str) -> Result<Vec<String>, InvalidInput> {
    if items.len() > 20 {
        return Err(InvalidInput::new(
            field,
            LABEL_RULE.code,
            "at most 20 specialties or languages",
        ));
    }
    items
        .iter()
        .map(|item| {
            LABEL_RULE
                .parse(item)
                .map_err(|error| error.for_field(field))
        })
        .collect()
}

/// Parses a bio: at most 1000 characters, line breaks allowed.
pub fn parse_bio(raw: &str) -> Result<String, InvalidInput> {
    BIO_RULE.parse(raw)
}

/// Parses the modes a consultant offers: one or more of `video`, `phone`,
/// `in_person`, each once; kept in that order.
pub fn parse_modes(items: &[String]) -> Result<Vec<Mode>, InvalidInput> {
    let invalid = |detail: &'static str| InvalidInput::new("modes", "invalid_modes", detail);
    let parsed = items
        .iter()
        .map(|item| Mode::parse(item).map_err(|_| invalid("modes are video, phone or in_person")))
        .collect::<Result<Vec<_>, _>>()?;
    let modes: Vec<Mode> = Mode::ALL
        .into_iter()
        .filter(|mode| parsed.contains(mode))
        .collect();
    if modes.is_empty() || modes.len() != parsed.len() {
        return Err(invalid("give one or more modes, each once"));
    }
    Ok(modes)
}

impl Consultant {
    /// Builds a new consultant profile, checking its free-text lists.
    pub fn new(
        name: PersonName,
        specialties: &[String],
        languages: &[String],
        timezone: Tz,
        working_hours: WorkingHours,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            id: ConsultantId::generate(),
            name,
            specialties: parse_labels(specialties, "specialties")?,
            languages: parse_labels(languages, "languages")?,
            timezone,
            working_hours,
            rules: BookingRules::DEFAULT,
            time_off: Vec::new(),
            modes: Mode::ALL.to_vec(),
            bio: String::new(),
            active: true,
        })
    }

    /// The profile with `changes` made.
    pub fn with_profile(&self, changes: ProfileChanges) -> Self {
        let current = self.clone();
        Self {
            name: changes.name.unwrap_or(current.name),
            specialties: changes.specialties.unwrap_or(current.specialties),
            languages: changes.languages.unwrap_or(current.languages),
            modes: changes.modes.unwrap_or(current.modes),
            bio: changes.bio.unwrap_or(current.bio),
            ..current
        }
    }

    /// Whether they offer consultations in `mode`.
    pub fn offers(&self, mode: Mode) -> bool {
        self.modes.contains(&mode)
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

    #[test]
    fn modes_are_one_or_more_each_once_in_order() {
        let modes = |items: &[&str]| {
            parse_modes(
                &items
                    .iter()
                    .map(|item| item.to_string())
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            modes(&["phone", "video"]),
            Ok(vec![Mode::Video, Mode::Phone])
        );
        for bad in [&[][..], &["video", "video"], &["fax"]] {
            assert_eq!(modes(bad).unwrap_err().code, "invalid_modes", "{bad:?}");
        }
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
