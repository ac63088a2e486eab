use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::domain::{Email, PersonName, Role, ScheduleError};

pub(super) fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

pub(super) fn rooms() -> crate::domain::MeetingBase {
    crate::domain::MeetingBase::parse(crate::domain::MeetingBase::DEFAULT).unwrap()
}

pub(super) fn now() -> DateTime<Utc> {
    utc("2027-03-01T12:00:00Z")
}

pub(super) fn consultant() -> Consultant {
    Consultant::new(
        PersonName::parse("Lucía Fernández").unwrap(),
        &["Cruises".into()],
        &["es".into()],
        chrono_tz::UTC,
        "mon-sun=09:00-17:00".parse().unwrap(),
    )
    .unwrap()
}

pub(super) fn user(role: Role) -> User {
    User {
        role,
        ..User::new_customer(
            Email::parse("a@example.com").unwrap(),
            PersonName::parse("A").unwrap(),
            now(),
        )
    }
}

pub(super) fn details() -> BookingDetails {
    BookingDetails {
        mode: Mode::Video,
        destination: Destination::parse("Lisbon").unwrap(),
        travelers: Travelers::parse(2).unwrap(),
        notes: Notes::default(),
    }
}

pub(super) fn booking(customer: &User, consultant: &Consultant) -> Booking {
    Booking::create(
        customer,
        consultant,
        utc("2027-03-04T10:00:00Z"),
        BookingDuration::Minutes60,
        details(),
        now(),
    )
    .unwrap()
}

#[test]
fn new_bookings_are_pending_version_one() {
    let customer = user(Role::Customer);
    let booking = booking(&customer, &consultant());
    assert_eq!(booking.status, BookingStatus::Pending);
    assert_eq!(booking.version, 1);
    assert_eq!(booking.appointment.end(), utc("2027-03-04T11:00:00Z"));
}

#[test]
fn creation_applies_the_schedule_rules() {
    let customer = user(Role::Customer);
    let result = Booking::create(
        &customer,
        &consultant(),
        utc("2027-03-04T08:30:00Z"),
        BookingDuration::Minutes30,
        details(),
        now(),
    );
    assert_eq!(
        result,
        Err(BookingError::Schedule(ScheduleError::OutsideWorkingHours))
    );
}

#[test]
fn parties_are_the_customer_and_the_consultant_only() {
    let consultant = consultant();
    let customer = user(Role::Customer);
    let booking = booking(&customer, &consultant);
    assert_eq!(booking.party(&customer), Some(Party::Customer));
    assert_eq!(
        booking.party(&user(Role::Consultant(consultant.id))),
        Some(Party::Consultant)
    );
    assert_eq!(booking.party(&user(Role::Customer)), None);
    assert_eq!(
        booking.party(&user(Role::Consultant(ConsultantId::generate()))),
        None
    );
}

#[test]
fn confirm_is_for_the_consultant_and_idempotent() {
    let booking = booking(&user(Role::Customer), &consultant());
    assert_eq!(
        booking.confirm(Party::Customer, &rooms(), now()),
        Err(BookingError::NotTheConsultant)
    );
    let confirmed = booking.confirm(Party::Consultant, &rooms(), now()).unwrap();
    assert_eq!(
        (confirmed.status, confirmed.version),
        (BookingStatus::Confirmed, 2)
    );
    assert_eq!(
        confirmed
            .confirm(Party::Consultant, &rooms(), now())
            .unwrap(),
        confirmed
    );
}

#[test]
fn past_the_cancellation_notice_only_the_consultant_and_staff_cancel_or_move() {
    let mut lucia = consultant();
    lucia.rules = lucia.rules.with_cancellation_notice(1440).unwrap();
    let booking = booking(&user(Role::Customer), &lucia);
    let start = booking.appointment.start();
    let (in_time, too_late) = (start - TimeDelta::days(1), start - TimeDelta::hours(23));
    let rules = &lucia.rules;
    assert!(
        booking
            .cancel(Party::Customer, rules, None, in_time)
            .is_ok()
    );
    assert_eq!(
        booking.cancel(Party::Customer, rules, None, too_late),
        Err(BookingError::TooLateToChange)
    );
    for staff in [Party::Consultant, Party::Agency] {
        assert!(booking.cancel(staff, rules, None, too_late).is_ok());
    }
    let moved = |starts_at| BookingChanges {
        starts_at: Some(starts_at),
        ..BookingChanges::default()
    };
    let later = start + TimeDelta::hours(2);
    assert_eq!(
        booking.change(Party::Customer, moved(later), &lucia, too_late),
        Err(BookingError::TooLateToChange)
    );
    assert!(
        booking
            .change(Party::Agency, moved(later), &lucia, too_late)
            .is_ok()
    );
    // Its details are still the customer's to edit.
    let notes = BookingChanges {
        notes: Some(Notes::parse("Window seat").unwrap()),
        ..BookingChanges::default()
    };
    assert!(
        booking
            .change(Party::Customer, notes, &lucia, too_late)
            .is_ok()
    );
}

#[test]
fn a_video_booking_gets_its_room_when_confirmed_and_keeps_it_when_moved() {
    let lucia = consultant();
    let booking = booking(&user(Role::Customer), &lucia);
    assert_eq!(booking.meeting_url, None);
    let confirmed = booking.confirm(Party::Consultant, &rooms(), now()).unwrap();
    let room = confirmed.meeting_url.clone().expect("a room");
    assert!(room.as_str().starts_with("https://meet.jit.si/"));
    let moved = BookingChanges {
        starts_at: Some(utc("2027-03-05T10:00:00Z")),
        ..BookingChanges::default()
    };
    let moved = confirmed
        .change(Party::Customer, moved, &lucia, now())
        .unwrap();
    assert_eq!(moved.status, BookingStatus::Pending);
    let again = moved.confirm(Party::Consultant, &rooms(), now()).unwrap();
    assert_eq!(again.meeting_url, Some(room));
    let by_phone = BookingChanges {
        mode: Some(Mode::Phone),
        ..BookingChanges::default()
    };
    let by_phone = again
        .change(Party::Customer, by_phone, &lucia, now())
        .unwrap();
    assert_eq!(by_phone.meeting_url, None);
    let phone_confirmed = by_phone.confirm(Party::Consultant, &rooms(), now());
    assert_eq!(
        phone_confirmed.unwrap().meeting_url,
        None,
        "already confirmed"
    );
}

#[test]
fn cancelled_or_started_bookings_are_closed() {
    let booking = booking(&user(Role::Customer), &consultant());
    let reason = CancellationReason::parse("Plans changed").unwrap();
    let cancelled = booking
        .cancel(
            Party::Customer,
            &BookingRules::DEFAULT,
            Some(reason.clone()),
            now(),
        )
        .unwrap();
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(cancelled.cancellation_reason, Some(reason));
    assert_eq!(
        cancelled.cancel(Party::Customer, &BookingRules::DEFAULT, None, now()),
        Err(BookingError::Closed)
    );
    assert_eq!(
        cancelled.confirm(Party::Consultant, &rooms(), now()),
        Err(BookingError::Closed)
    );

    let started = booking.appointment.start();
    assert_eq!(
        booking.cancel(Party::Customer, &BookingRules::DEFAULT, None, started),
        Err(BookingError::Closed)
    );
    assert!(booking.is_open(started - TimeDelta::milliseconds(1)));
}

#[test]
fn rescheduling_a_confirmed_booking_needs_a_new_confirmation() {
    let consultant = consultant();
    let confirmed = booking(&user(Role::Customer), &consultant)
        .confirm(Party::Consultant, &rooms(), now())
        .unwrap();
    let moved = confirmed
        .change(
            Party::Customer,
            BookingChanges {
                starts_at: Some(utc("2027-03-05T10:00:00Z")),
                ..Default::default()
            },
            &consultant,
            now(),
        )
        .unwrap();
    assert_eq!(moved.status, BookingStatus::Pending);
    assert_eq!(moved.appointment.duration(), BookingDuration::Minutes60);
    assert_eq!(moved.version, confirmed.version + 1);

    let renamed = confirmed
        .change(
            Party::Customer,
            BookingChanges {
                travelers: Some(Travelers::parse(3).unwrap()),
                ..Default::default()
            },
            &consultant,
            now(),
        )
        .unwrap();
    assert_eq!(renamed.status, BookingStatus::Confirmed);
    assert_eq!(renamed.details.travelers.get(), 3);
}

#[test]
fn only_the_customer_changes_and_new_times_follow_the_rules() {
    let consultant = consultant();
    let booking = booking(&user(Role::Customer), &consultant);
    let longer = BookingChanges {
        duration: Some(BookingDuration::Minutes90),
        ..Default::default()
    };
    assert_eq!(
        booking.change(Party::Consultant, longer.clone(), &consultant, now()),
        Err(BookingError::NotTheCustomer)
    );
    assert_eq!(
        booking
            .change(Party::Customer, longer, &consultant, now())
            .unwrap()
            .appointment
            .end(),
        utc("2027-03-04T11:30:00Z")
    );
    let too_late = BookingChanges {
        starts_at: Some(utc("2027-03-04T16:30:00Z")),
        ..Default::default()
    };
    assert_eq!(
        booking.change(Party::Customer, too_late, &consultant, now()),
        Err(BookingError::Schedule(ScheduleError::OutsideWorkingHours))
    );
    assert!(BookingChanges::default().is_empty());
}

#[test]
fn staff_see_and_run_every_booking() {
    let consultant = consultant();
    let booking = booking(&user(Role::Customer), &consultant);
    let staff = user(Role::Admin);
    assert_eq!(booking.party(&staff), Some(Party::Agency));
    assert!(BookingScope::of(&staff).contains(&booking));
    assert!(Party::Agency.reads_history() && Party::Consultant.reads_history());
    assert!(!Party::Customer.reads_history());
    let confirmed = booking.confirm(Party::Agency, &rooms(), now()).unwrap();
    assert_eq!(confirmed.status, BookingStatus::Confirmed);
    let changes = BookingChanges {
        travelers: Some(Travelers::parse(4).unwrap()),
        ..BookingChanges::default()
    };
    assert!(
        booking
            .change(Party::Agency, changes, &consultant, now())
            .is_ok()
    );
}

#[test]
fn reassignment_keeps_the_time_and_checks_the_new_consultant() {
    let from = consultant();
    let booking = booking(&user(Role::Customer), &from)
        .confirm(Party::Agency, &rooms(), now())
        .unwrap();
    let to = consultant();
    let moved = booking.reassign(&to, now()).unwrap();
    assert_eq!(moved.consultant_id, to.id);
    assert_eq!(moved.appointment, booking.appointment);
    assert_eq!((moved.status, moved.version), (BookingStatus::Confirmed, 3));

    let mornings = Consultant {
        working_hours: "mon-sun=06:00-09:00".parse().unwrap(),
        ..consultant()
    };
    assert_eq!(
        booking.reassign(&mornings, now()),
        Err(BookingError::Schedule(ScheduleError::OutsideWorkingHours))
    );
    let phone_only = Consultant {
        modes: vec![Mode::Phone],
        ..consultant()
    };
    assert_eq!(
        booking.reassign(&phone_only, now()),
        Err(BookingError::ModeNotOffered)
    );
    let cancelled = booking
        .cancel(Party::Customer, &BookingRules::DEFAULT, None, now())
        .unwrap();
    assert_eq!(cancelled.reassign(&to, now()), Err(BookingError::Closed));
}

#[test]
fn a_mode_the_consultant_does_not_offer_is_refused() {
    let phone_only = Consultant {
        modes: vec![Mode::Phone],
        ..consultant()
    };
    let customer = user(Role::Customer);
    let video = Booking::create(
        &customer,
        &phone_only,
        utc("2027-03-04T10:00:00Z"),
        BookingDuration::Minutes30,
        details(),
        now(),
    );
    assert_eq!(video, Err(BookingError::ModeNotOffered));
    let offered = BookingDetails {
        mode: Mode::Phone,
        ..details()
    };
    let booking = Booking::create(
        &customer,
        &phone_only,
        utc("2027-03-04T10:00:00Z"),
        BookingDuration::Minutes30,
        offered,
        now(),
    )
    .unwrap();
    let to_video = BookingChanges {
        mode: Some(Mode::Video),
        ..BookingChanges::default()
    };
    assert_eq!(
        booking.change(Party::Customer, to_video, &phone_only, now()),
        Err(BookingError::ModeNotOffered)
    );
}
