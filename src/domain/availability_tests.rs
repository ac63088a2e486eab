//! The starts of a search, on random schedules, against the booking path
//! itself: a consultant counts at a start exactly when booking them there
//! would be accepted.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;

use super::*;
use crate::domain::{
    Booking, BookingDetails, BookingRules, Destination, Email, Mode, Notes, PersonName, TimeOff,
    TimeOffId, Travelers, User, free_slots, working_slots,
};

const ZONES: [chrono_tz::Tz; 5] = [
    chrono_tz::UTC,
    chrono_tz::Europe::Madrid,
    chrono_tz::Asia::Tokyo,
    chrono_tz::America::New_York,
    chrono_tz::Asia::Kolkata,
];

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-03-01T07:30:00Z")
        .unwrap()
        .to_utc()
}

/// A consultant with its held slots (sorted, as stores return them).
#[derive(Debug, Clone)]
struct Case {
    consultant: Consultant,
    held: Vec<HeldSlot>,
}

/// "HH:MM" of half hour `n` of a day.
fn half_hour(n: u32) -> String {
    format!("{:02}:{:02}", n / 2, n % 2 * 30)
}

fn case() -> impl Strategy<Value = Case> {
    let days = prop::collection::vec(prop::option::of((0u32..44, 1u32..=12)), 7);
    let rules = (0i64..=2, 0i64..=8, 1i64..=4);
    let away = prop::collection::vec((0i64..150, 1i64..=12), 0..=2);
    let booked = prop::collection::vec((0i64..150, 1usize..=3), 0..=6);
    (0..ZONES.len(), days, rules, away, booked).prop_map(|(zone, days, rules, away, booked)| {
        let hours: Vec<String> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .zip(days)
            .filter_map(|(day, window)| {
                let (start, length) = window?;
                let end = (start + length).min(47);
                (end > start).then(|| format!("{day}={}-{}", half_hour(start), half_hour(end)))
            })
            .collect();
        let hours = if hours.is_empty() {
            "mon=09:00-10:00".to_owned()
        } else {
            hours.join(",")
        };
        let mut consultant = Consultant::new(
            PersonName::parse("Random").unwrap(),
            &[],
            &["en".into()],
            ZONES[zone],
            hours.parse().unwrap(),
        )
        .unwrap();
        let (buffer, notice, horizon) = rules;
        consultant.rules = BookingRules::new(buffer * 30, notice * 30, horizon).unwrap();
        // The grid around the search, in half hours from a day before it.
        let origin = now() - TimeDelta::hours(31) - TimeDelta::minutes(30);
        let at = |n: i64| origin + TimeDelta::minutes(30 * n);
        consultant.time_off = away
            .into_iter()
            .map(|(from, length)| TimeOff {
                id: TimeOffId::generate(),
                consultant_id: consultant.id,
                starts_at: at(from),
                ends_at: at(from + length),
                reason: String::new(),
                created_at: now(),
            })
            .collect();
        let mut held: Vec<HeldSlot> = booked
            .into_iter()
            .flat_map(|(from, length)| {
                let own = (0..length).map(move |k| (from + k as i64, false));
                let after = (0..consultant.rules.buffer().slot_count())
                    .map(move |k| (from + (length + k) as i64, true));
                own.chain(after)
            })
            .map(|(n, buffer)| HeldSlot {
                slot: Slot::starting_at(at(n)).unwrap(),
                buffer,
            })
            .collect();
        held.sort();
        held.dedup_by_key(|held| held.slot);
        Case { consultant, held }
    })
}

/// Whether booking `case`'s consultant at `start` for `duration` is
/// accepted, as the booking routes decide it.
fn accepts(case: &Case, start: Slot, duration: BookingDuration) -> bool {
    let customer = User::new_customer(
        Email::parse("ada@example.com").unwrap(),
        PersonName::parse("Ada").unwrap(),
        now(),
    );
    let details = BookingDetails {
        mode: Mode::Video,
        destination: Destination::parse("Lima").unwrap(),
        travelers: Travelers::parse(1).unwrap(),
        notes: Notes::default(),
    };
    let booking = Booking::create(
        &customer,
        &case.consultant,
        start.start(),
        duration,
        details,
        now(),
    );
    booking.is_ok_and(|booking| !case.held.iter().any(|held| booking.clashes_with(*held)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pooled_starts_are_exactly_where_booking_accepts(
        cases in prop::collection::vec(case(), 1..=4),
        minutes in prop::sample::select(vec![30i64, 60, 90]),
    ) {
        let duration = BookingDuration::from_minutes(minutes).unwrap();
        let range = AvailabilityRange::parse(Some("2027-03-01"), Some("2"), now().date_naive())
            .unwrap();
        let (start, end) = range.utc_bounds();
        let per_consultant = cases.iter().map(|case| {
            let working = working_slots(&case.consultant, &range.widened());
            let free = free_slots(working, &case.held, &case.consultant, now());
            bookable_starts(&free, &case.held, &case.consultant, duration, now())
        });
        let search: Vec<(Slot, u32)> = pooled(per_consultant)
            .into_iter()
            .filter(|(slot, _)| start <= slot.start() && slot.start() < end)
            .collect();
        let expected: Vec<(Slot, u32)> =
            std::iter::successors(Slot::starting_at(start), |slot| {
                Slot::starting_at(slot.start() + TimeDelta::minutes(30))
            })
            .take_while(|slot| slot.start() < end)
            .filter_map(|slot| {
                let count = cases.iter().filter(|case| accepts(case, slot, duration)).count();
                (count > 0).then_some((slot, count as u32))
            })
            .collect();
        prop_assert_eq!(search, expected);
    }
}
