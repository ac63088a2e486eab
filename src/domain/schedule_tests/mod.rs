use chrono::NaiveTime;

use super::*;
use crate::domain::{BookingRules, DailyHours, PersonName, TimeOff, WorkingHours};

// The booking rules (notice, horizon, time off, buffer) on top of the grid.
mod rules;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A consultant with no notice, no buffer and no horizon to speak of: the
/// rules tests set their own.
fn consultant(timezone: Tz, hours: &str) -> Consultant {
    let mut consultant = Consultant::new(
        PersonName::parse("Test Consultant").unwrap(),
        &[],
        &[],
        timezone,
        hours.parse().unwrap(),
    )
    .unwrap();
    consultant.rules = BookingRules::unbounded();
    consultant
}

fn one_day(day: &str) -> AvailabilityRange {
    AvailabilityRange::parse(Some(day), Some("1"), date("2020-01-01")).unwrap()
}

/// (first slot start, last slot end, number of slots) on one local day.
fn day_summary(consultant: &Consultant, day: &str) -> (DateTime<Utc>, DateTime<Utc>, usize) {
    let slots = working_slots(consultant, &one_day(day));
    (slots[0].start(), slots.last().unwrap().end(), slots.len())
}

const LONG_AGO: &str = "2000-01-01T00:00:00Z";

#[test]
fn slots_are_on_the_half_hour_grid() {
    assert!(Slot::starting_at(utc("2027-03-04T09:30:00Z")).is_some());
    assert!(Slot::starting_at(utc("2027-03-04T09:00:00Z")).is_some());
    assert!(Slot::starting_at(utc("2027-03-04T09:15:00Z")).is_none());
    assert!(Slot::starting_at(utc("2027-03-04T09:30:01Z")).is_none());
    assert!(Slot::starting_at(utc("2027-03-04T09:30:00.001Z")).is_none());
    assert_eq!(
        Slot::first_at_or_after(utc("2027-03-04T09:00:00.5Z"))
            .unwrap()
            .start(),
        utc("2027-03-04T09:30:00Z")
    );
}

#[test]
fn appointments_occupy_consecutive_slots() {
    let start = Slot::starting_at(utc("2027-03-04T09:30:00Z")).unwrap();
    let appointment = Appointment::restore(start, BookingDuration::Minutes90);
    let starts: Vec<_> = appointment.slots().map(|slot| slot.start()).collect();
    assert_eq!(
        starts,
        [
            utc("2027-03-04T09:30:00Z"),
            utc("2027-03-04T10:00:00Z"),
            utc("2027-03-04T10:30:00Z")
        ]
    );
    assert_eq!(appointment.end(), utc("2027-03-04T11:00:00Z"));
}

#[test]
fn durations_other_than_30_60_90_are_rejected() {
    for minutes in [0, 15, 45, 120, -30] {
        assert_eq!(
            BookingDuration::from_minutes(minutes).unwrap_err().code,
            "invalid_duration"
        );
    }
    assert_eq!(BookingDuration::from_minutes(60).unwrap().minutes(), 60);
}

#[test]
fn london_working_day_shifts_by_an_hour_across_spring_forward() {
    let london = consultant(chrono_tz::Europe::London, "mon-sun=09:00-17:00");
    // Saturday 27 March 2027: GMT (UTC+0).
    assert_eq!(
        day_summary(&london, "2027-03-27"),
        (utc("2027-03-27T09:00:00Z"), utc("2027-03-27T17:00:00Z"), 16)
    );
    // Sunday 28 March 2027, clocks went forward at 01:00: BST (UTC+1).
    assert_eq!(
        day_summary(&london, "2027-03-28"),
        (utc("2027-03-28T08:00:00Z"), utc("2027-03-28T16:00:00Z"), 16)
    );
}

#[test]
fn a_window_spanning_a_transition_keeps_the_hours_really_worked() {
    let night = consultant(chrono_tz::Europe::London, "sun=00:00-04:00");
    // Spring forward: 00:00 GMT to 04:00 BST is three real hours.
    assert_eq!(
        day_summary(&night, "2027-03-28"),
        (utc("2027-03-28T00:00:00Z"), utc("2027-03-28T03:00:00Z"), 6)
    );
    // Fall back: 00:00 BST to 04:00 GMT is five real hours.
    assert_eq!(
        day_summary(&night, "2027-10-31"),
        (utc("2027-10-30T23:00:00Z"), utc("2027-10-31T04:00:00Z"), 10)
    );
}

#[test]
fn a_start_inside_the_skipped_hour_moves_forward() {
    // 01:30 does not exist in London on 28 March 2027; it becomes 02:30 BST.
    let early = consultant(chrono_tz::Europe::London, "sun=01:30-03:00");
    assert_eq!(
        day_summary(&early, "2027-03-28"),
        (utc("2027-03-28T01:30:00Z"), utc("2027-03-28T02:00:00Z"), 1)
    );
}

#[test]
fn a_repeated_hour_is_worked_twice() {
    // 01:00–02:00 on 31 October 2027 runs from 01:00 BST to 02:00 GMT.
    let repeated = consultant(chrono_tz::Europe::London, "sun=01:00-02:00");
    assert_eq!(
        day_summary(&repeated, "2027-10-31"),
        (utc("2027-10-31T00:00:00Z"), utc("2027-10-31T02:00:00Z"), 4)
    );
}

#[test]
fn new_york_and_half_hour_dst_in_lord_howe() {
    let new_york = consultant(chrono_tz::America::New_York, "mon-sun=09:00-17:00");
    // 14 March 2027: EST (UTC-5) becomes EDT (UTC-4) at 02:00.
    assert_eq!(
        day_summary(&new_york, "2027-03-13").0,
        utc("2027-03-13T14:00:00Z")
    );
    assert_eq!(
        day_summary(&new_york, "2027-03-14").0,
        utc("2027-03-14T13:00:00Z")
    );

    // Lord Howe Island moves its clocks by only 30 minutes (UTC+10:30 → +11).
    let lord_howe = consultant(chrono_tz::Australia::Lord_Howe, "mon-sun=09:00-17:00");
    assert_eq!(
        day_summary(&lord_howe, "2027-10-02").0,
        utc("2027-10-01T22:30:00Z")
    );
    assert_eq!(
        day_summary(&lord_howe, "2027-10-03").0,
        utc("2027-10-02T22:00:00Z")
    );
}

#[test]
fn offsets_off_the_half_hour_grid_lose_the_partial_slots() {
    // Kathmandu is UTC+05:45: 09:00–17:00 local is 03:15–11:15 UTC, so the
    // bookable grid slots run from 03:30 to 11:00.
    let kathmandu = consultant(chrono_tz::Asia::Kathmandu, "mon-fri=09:00-17:00");
    assert_eq!(
        day_summary(&kathmandu, "2027-03-04"),
        (utc("2027-03-04T03:30:00Z"), utc("2027-03-04T11:00:00Z"), 15)
    );
    // Kolkata is UTC+05:30: the grid lines up.
    let kolkata = consultant(chrono_tz::Asia::Kolkata, "mon-fri=09:30-17:30");
    assert_eq!(
        day_summary(&kolkata, "2027-03-04"),
        (utc("2027-03-04T04:00:00Z"), utc("2027-03-04T12:00:00Z"), 16)
    );
}

#[test]
fn days_off_have_no_slots_and_ranges_cover_several_days() {
    let weekdays = consultant(chrono_tz::UTC, "mon-fri=09:00-10:00");
    // 2027-03-05 is a Friday: Fri, Sat, Sun, Mon.
    let range =
        AvailabilityRange::parse(Some("2027-03-05"), Some("4"), date("2020-01-01")).unwrap();
    let starts: Vec<_> = working_slots(&weekdays, &range)
        .iter()
        .map(Slot::start)
        .collect();
    assert_eq!(
        starts,
        [
            utc("2027-03-05T09:00:00Z"),
            utc("2027-03-05T09:30:00Z"),
            utc("2027-03-08T09:00:00Z"),
            utc("2027-03-08T09:30:00Z"),
        ]
    );
}

#[test]
fn free_slots_skip_the_past_and_the_occupied() {
    let utc_consultant = consultant(chrono_tz::UTC, "mon-sun=09:00-11:00");
    let working = working_slots(&utc_consultant, &one_day("2027-03-04"));
    let occupied = [HeldSlot {
        slot: Slot::starting_at(utc("2027-03-04T10:00:00Z")).unwrap(),
        buffer: false,
    }];
    let now = utc("2027-03-04T09:00:00Z"); // the 09:00 slot starts now: not bookable
    let free: Vec<_> = free_slots(working, &occupied, &utc_consultant, now)
        .iter()
        .map(Slot::start)
        .collect();
    assert_eq!(
        free,
        [utc("2027-03-04T09:30:00Z"), utc("2027-03-04T10:30:00Z")]
    );
}

#[test]
fn scheduling_checks_grid_clock_and_working_hours() {
    let madrid = consultant(chrono_tz::Europe::Madrid, "mon-fri=09:00-15:00");
    let now = utc(LONG_AGO);
    let schedule =
        |start: &str, duration| Appointment::schedule(utc(start), duration, &madrid, now);
    use BookingDuration::*;
    // Thursday 4 March 2027, Madrid is UTC+1: open 08:00Z, close 14:00Z.
    assert!(schedule("2027-03-04T08:00:00Z", Minutes90).is_ok());
    assert!(schedule("2027-03-04T12:30:00Z", Minutes90).is_ok()); // ends exactly at close
    assert_eq!(
        schedule("2027-03-04T13:00:00Z", Minutes90),
        Err(ScheduleError::OutsideWorkingHours)
    );
    assert_eq!(
        schedule("2027-03-04T07:30:00Z", Minutes30),
        Err(ScheduleError::OutsideWorkingHours)
    );
    assert_eq!(
        schedule("2027-03-06T10:00:00Z", Minutes30),
        Err(ScheduleError::OutsideWorkingHours)
    ); // Saturday
    assert_eq!(
        schedule("2027-03-04T08:15:00Z", Minutes30),
        Err(ScheduleError::NotOnSlotBoundary)
    );
    let later = utc("2027-03-04T08:00:00Z");
    assert_eq!(
        Appointment::schedule(later, Minutes30, &madrid, later),
        Err(ScheduleError::InPast)
    );
}

#[test]
fn scheduling_uses_the_consultants_local_date() {
    // Tokyo (UTC+9) works Monday 08:00–10:00, which is Sunday 23:00 to
    // Monday 01:00 in UTC.
    let tokyo = consultant(chrono_tz::Asia::Tokyo, "mon=08:00-10:00");
    let now = utc(LONG_AGO);
    let start = utc("2027-03-07T23:30:00Z"); // a Sunday in UTC
    assert!(Appointment::schedule(start, BookingDuration::Minutes60, &tokyo, now).is_ok());
    let hours = tokyo.working_hours.on(chrono::Weekday::Mon).unwrap();
    assert_eq!(
        hours,
        DailyHours::new(
            NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(10, 0, 0).unwrap()
        )
        .unwrap()
    );
    assert_eq!(WorkingHours::default().days().count(), 0);
}

#[test]
fn availability_range_parsing() {
    let today = date("2027-03-04");
    let default = AvailabilityRange::parse(None, None, today).unwrap();
    assert_eq!(default.dates().count(), 7);
    assert_eq!(default.dates().next(), Some(today));
    for (from, days, field) in [
        (Some("2027-3-4"), None, "from"),
        (Some("04/03/2027"), None, "from"),
        (Some("2027-02-30"), None, "from"),
        (None, Some("0"), "days"),
        (None, Some("32"), "days"),
        (None, Some("seven"), "days"),
        (None, Some("-1"), "days"),
        (Some("+262142-12-31"), None, "from"),
    ] {
        let err = AvailabilityRange::parse(from, days, today).unwrap_err();
        assert_eq!(err.field, field, "{from:?} {days:?}");
    }
    assert_eq!(
        AvailabilityRange::parse(Some("2027-03-04"), Some("31"), today)
            .unwrap()
            .dates()
            .count(),
        31
    );
}

#[test]
fn slots_read_back_from_milliseconds_only_on_the_grid() {
    let slot = Slot::starting_at(utc("2027-03-04T09:30:00Z")).unwrap();
    assert_eq!(Slot::from_millis(slot.timestamp() * 1000), Some(slot));
    assert_eq!(Slot::from_millis(slot.timestamp() * 1000 + 1), None);
    assert_eq!(Slot::from_millis(i64::MAX - i64::MAX % 1_800_000), None);
    assert_eq!(slot.end(), utc("2027-03-04T10:00:00Z"));
}
