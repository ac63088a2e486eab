//! Minimum notice, the booking horizon, time off and the buffer.

use super::*;

fn starts(slots: &[Slot]) -> Vec<String> {
    slots
        .iter()
        .map(|slot| slot.start().format("%d %H:%M").to_string())
        .collect()
}

fn time_off(consultant: &Consultant, from: &str, to: &str) -> TimeOff {
    TimeOff::new(consultant.id, utc(from), utc(to), None, utc(LONG_AGO)).unwrap()
}

#[test]
fn notice_and_horizon_bound_bookings_and_free_slots() {
    let mut lisbon = consultant(chrono_tz::Europe::Lisbon, "mon-sun=09:00-12:00");
    lisbon.rules = BookingRules::new(0, 90, 2).unwrap();
    let now = utc("2027-03-04T08:00:00Z");
    let book =
        |start: &str| Appointment::schedule(utc(start), BookingDuration::Minutes30, &lisbon, now);
    assert_eq!(
        book("2027-03-04T09:00:00Z"),
        Err(ScheduleError::TooShortNotice)
    );
    assert!(
        book("2027-03-04T09:30:00Z").is_ok(),
        "exactly 90 minutes ahead"
    );
    assert!(book("2027-03-06T08:00:00Z").is_err());
    assert!(book("2027-03-06T11:30:00Z").is_err());
    assert_eq!(
        book("2027-03-06T09:00:00Z"),
        Err(ScheduleError::BeyondHorizon)
    );
    let range =
        AvailabilityRange::parse(Some("2027-03-04"), Some("3"), date("2027-03-04")).unwrap();
    let free = free_slots(working_slots(&lisbon, &range), &[], &lisbon, now);
    assert_eq!(
        starts(&free),
        [
            "04 09:30", "04 10:00", "04 10:30", "04 11:00", "04 11:30", "05 09:00", "05 09:30",
            "05 10:00", "05 10:30", "05 11:00", "05 11:30"
        ]
    );
}

#[test]
fn time_off_crossing_midnight_and_a_month_removes_those_slots() {
    let mut night_owl = consultant(chrono_tz::UTC, "mon-sun=20:00-23:30");
    let off = time_off(&night_owl, "2027-03-31T22:00:00Z", "2027-04-01T21:00:00Z");
    night_owl.time_off = vec![off];
    let now = utc("2027-03-01T00:00:00Z");
    let range =
        AvailabilityRange::parse(Some("2027-03-31"), Some("2"), date("2027-03-01")).unwrap();
    let free = free_slots(working_slots(&night_owl, &range), &[], &night_owl, now);
    assert_eq!(
        starts(&free),
        [
            "31 20:00", "31 20:30", "31 21:00", "31 21:30", "01 21:00", "01 21:30", "01 22:00",
            "01 22:30", "01 23:00"
        ]
    );
    let book = |start: &str| {
        Appointment::schedule(utc(start), BookingDuration::Minutes60, &night_owl, now)
    };
    assert_eq!(
        book("2027-03-31T21:30:00Z"),
        Err(ScheduleError::ConsultantUnavailable)
    );
    assert!(
        book("2027-03-31T21:00:00Z").is_ok(),
        "ends as the time off starts"
    );
    assert!(book("2027-04-01T21:00:00Z").is_ok(), "starts as it ends");
}

#[test]
fn the_buffer_keeps_the_slots_after_a_booking_free() {
    let mut careful = consultant(chrono_tz::UTC, "mon-sun=09:00-12:00");
    careful.rules = BookingRules::new(60, 0, 365).unwrap();
    let now = utc("2027-03-04T00:00:00Z");
    // A booking 10:00–10:30 made with this buffer claims 10:00, 10:30, 11:00.
    let occupied: Vec<HeldSlot> = ["10:00", "10:30", "11:00"]
        .iter()
        .map(|time| HeldSlot {
            slot: Slot::starting_at(utc(&format!("2027-03-04T{time}:00Z"))).unwrap(),
            buffer: *time != "10:00",
        })
        .collect();
    let free = free_slots(
        working_slots(&careful, &one_day("2027-03-04")),
        &occupied,
        &careful,
        now,
    );
    // 09:00 would end at 09:30 and claim its buffer to 10:30: too close.
    // 11:30 starts an hour after the booking ends.
    assert_eq!(starts(&free), ["04 11:30"]);
    careful.rules = BookingRules::new(30, 0, 365).unwrap();
    let occupied = &occupied[..2];
    let free = free_slots(
        working_slots(&careful, &one_day("2027-03-04")),
        occupied,
        &careful,
        now,
    );
    assert_eq!(starts(&free), ["04 09:00", "04 11:00", "04 11:30"]);
}

/// A buffer raised after a booking was made keeps the new buffer on both
/// sides of it: before, as the booking's own claims would refuse; after,
/// as the check for appointments within a new booking's buffer does.
#[test]
fn a_raised_buffer_keeps_new_bookings_apart_on_both_sides() {
    let mut careful = consultant(chrono_tz::UTC, "mon-sun=08:00-13:00");
    careful.rules = BookingRules::new(60, 0, 365).unwrap();
    let now = utc("2027-03-04T00:00:00Z");
    // Made with no buffer: it holds its own slot only.
    let occupied = [HeldSlot {
        slot: Slot::starting_at(utc("2027-03-04T10:00:00Z")).unwrap(),
        buffer: false,
    }];
    let free = free_slots(
        working_slots(&careful, &one_day("2027-03-04")),
        &occupied,
        &careful,
        now,
    );
    assert_eq!(
        starts(&free),
        ["04 08:00", "04 08:30", "04 11:30", "04 12:00", "04 12:30"]
    );
}

#[test]
fn a_dst_day_in_the_consultants_zone_keeps_notice_and_time_off_in_utc() {
    // Clocks in Lisbon go forward on 2027-03-28 at 01:00 (UTC+0 → UTC+1).
    let mut lisbon = consultant(chrono_tz::Europe::Lisbon, "mon-sun=09:00-11:00");
    lisbon.time_off = vec![time_off(
        &lisbon,
        "2027-03-28T08:30:00Z",
        "2027-03-28T09:00:00Z",
    )];
    let now = utc("2027-03-27T12:00:00Z");
    let free = free_slots(
        working_slots(&lisbon, &one_day("2027-03-28")),
        &[],
        &lisbon,
        now,
    );
    // 09:00 local is 08:00 UTC that day; 08:30 UTC (09:30 local) is off.
    assert_eq!(starts(&free), ["28 08:00", "28 09:00", "28 09:30"]);
}
