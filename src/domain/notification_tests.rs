use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::BookingRules;

use super::*;
use crate::domain::{
    BookingDetails, BookingDuration, Consultant, Destination, Email, Mode, Notes, PersonName,
    Travelers, User,
};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn rooms() -> crate::domain::MeetingBase {
    crate::domain::MeetingBase::parse(crate::domain::MeetingBase::DEFAULT).unwrap()
}

fn now() -> DateTime<Utc> {
    utc("2027-03-01T12:00:00Z")
}

fn booking_starting(start: &str) -> Booking {
    let consultant = Consultant::new(
        PersonName::parse("Lucía Fernández").unwrap(),
        &["Cruises".into()],
        &["es".into()],
        chrono_tz::UTC,
        "mon-sun=00:00-23:30".parse().unwrap(),
    )
    .unwrap();
    let customer = User::new_customer(
        Email::parse("a@example.com").unwrap(),
        PersonName::parse("A").unwrap(),
        now(),
    );
    let details = BookingDetails {
        mode: Mode::Video,
        destination: Destination::parse("Lisbon").unwrap(),
        travelers: Travelers::parse(2).unwrap(),
        notes: Notes::default(),
    };
    let duration = BookingDuration::from_minutes(30).unwrap();
    Booking::create(&customer, &consultant, utc(start), duration, details, now()).unwrap()
}

/// Who is told what: the messages a change writes, and the reminders they
/// queue once done with.
fn summary(messages: &[OutboxMessage]) -> Vec<(BookingEvent, Recipient)> {
    messages
        .iter()
        .flat_map(|m| std::iter::once(m.clone()).chain(m.follow_up()))
        .flat_map(|m| m.recipients.members().map(move |to| (m.event, to)))
        .collect()
}

#[test]
fn each_change_tells_the_right_people() {
    let booking = booking_starting("2027-03-05T10:00:00Z");
    use BookingEvent::*;
    use Recipient::*;
    let created = plan(BookingChange::Created, &booking, now());
    assert_eq!(
        summary(&created),
        [
            (Created, Customer),
            (Created, Consultant),
            (Reminder, Customer),
            (Reminder, Consultant)
        ]
    );
    assert_eq!(
        created.len(),
        1,
        "one message per change, for all its recipients"
    );
    let reminder = created[0].follow_up().unwrap();
    assert_eq!(reminder.not_before, utc("2027-03-04T10:00:00Z"));
    assert_eq!(created[0].not_before, now());
    assert_eq!(
        summary(&plan(BookingChange::Confirmed, &booking, now()))[..2],
        [(Confirmed, Customer), (Confirmed, Consultant)],
        "the consultant who confirms gets the confirmed invite too"
    );
    let moved = plan(BookingChange::Edited { moved: true }, &booking, now());
    assert_eq!(
        summary(&moved)[..2],
        [(Rescheduled, Customer), (Rescheduled, Consultant)]
    );
    let edited = plan(BookingChange::Edited { moved: false }, &booking, now());
    assert_eq!(
        summary(&edited),
        [(Reminder, Customer), (Reminder, Consultant)]
    );
    let cancelled = booking
        .cancel(Party::Customer, &BookingRules::DEFAULT, None, now())
        .unwrap();
    let by = ChangedBy::Customer;
    let by_customer = plan(BookingChange::Cancelled { by }, &cancelled, now());
    let event = Cancelled { by: Some(by) };
    assert_eq!(
        summary(&by_customer),
        [(event, Customer), (event, Consultant)],
        "both hear of it, the canceller too; no reminder once cancelled"
    );
}

#[test]
fn events_round_trip_their_stored_names() {
    let by = |by| BookingEvent::Cancelled { by };
    for event in [
        BookingEvent::Created,
        BookingEvent::Confirmed,
        BookingEvent::Rescheduled,
        by(None),
        by(Some(ChangedBy::Customer)),
        by(Some(ChangedBy::Consultant)),
        by(Some(ChangedBy::Agency)),
        BookingEvent::Reminder,
    ] {
        assert_eq!(BookingEvent::parse(event.as_str()), Some(event));
    }
    assert!(ChangedBy::Customer.is(Recipient::Customer));
    assert!(!ChangedBy::Agency.is(Recipient::Consultant));
    assert_eq!(ChangedBy::of(Party::Agency), ChangedBy::Agency);
}

#[test]
fn a_reassignment_tells_the_customer_and_both_consultants() {
    let booking = booking_starting("2027-03-05T10:00:00Z");
    let from = crate::domain::ConsultantId::generate();
    let planned = plan(BookingChange::Reassigned { from }, &booking, now());
    assert_eq!(planned[0].event, BookingEvent::Reassigned);
    assert_eq!(planned[0].former_consultant, Some(from));
    assert_eq!(
        planned[0].recipients.members().collect::<Vec<_>>(),
        [
            Recipient::Customer,
            Recipient::Consultant,
            Recipient::FormerConsultant
        ]
    );
    assert_eq!(
        planned[0].follow_up().unwrap().recipients,
        Recipients::BOTH,
        "the reminder goes to the booking's parties"
    );
}

#[test]
fn no_reminder_for_a_booking_starting_within_a_day() {
    let soon = booking_starting("2027-03-02T11:30:00Z");
    let planned = plan(BookingChange::Created, &soon, now());
    assert!(planned.iter().all(|m| m.event != BookingEvent::Reminder));
}

#[test]
fn ids_name_booking_version_event_and_mails_their_recipient() {
    let booking = booking_starting("2027-03-05T10:00:00Z");
    let planned = plan(BookingChange::Created, &booking, now());
    assert_eq!(planned[0].id, format!("{}.1.created", booking.id));
    assert_eq!(
        planned[0].mail_id(Recipient::Customer),
        format!("{}.1.created.customer", booking.id)
    );
    assert_eq!(
        planned[0]
            .follow_up()
            .unwrap()
            .mail_id(Recipient::Consultant),
        format!("{}.1.reminder.consultant", booking.id)
    );
    let again = plan(
        BookingChange::Created,
        &booking,
        now() + TimeDelta::seconds(5),
    );
    assert_eq!(
        planned[0].id, again[0].id,
        "a retried write keys the same message"
    );
}

#[test]
fn event_mails_wait_for_their_version_and_reminders_need_theirs() {
    let booking = booking_starting("2027-03-05T10:00:00Z");
    let planned = plan(BookingChange::Created, &booking, now());
    let (created, reminder) = (&planned[0], &planned[0].follow_up().unwrap());
    assert_eq!(still_wanted(created, Some(&booking), false), Wanted::Send);
    assert_eq!(still_wanted(created, None, false), Wanted::Wait);
    assert_eq!(still_wanted(created, None, true), Wanted::Drop);
    let confirmed = booking.confirm(Party::Consultant, &rooms(), now()).unwrap();
    assert_eq!(still_wanted(created, Some(&confirmed), false), Wanted::Send);
    assert_eq!(still_wanted(reminder, Some(&booking), false), Wanted::Send);
    assert_eq!(
        still_wanted(reminder, Some(&confirmed), false),
        Wanted::Drop,
        "the confirmation planned its own reminder"
    );
    let cancelled = booking
        .cancel(Party::Customer, &BookingRules::DEFAULT, None, now())
        .unwrap();
    assert_eq!(
        still_wanted(reminder, Some(&cancelled), false),
        Wanted::Drop
    );
}

#[test]
fn retries_back_off_exponentially_with_jitter_and_a_cap() {
    for attempts in 0..12 {
        let base = (10i64 << attempts.min(8)).min(1800);
        let delay = retry_delay(attempts).num_seconds();
        assert!(
            (base..=base + base / 2).contains(&delay),
            "{attempts}: {delay}"
        );
    }
}

#[test]
fn messages_expire_a_day_after_they_were_due() {
    let booking = booking_starting("2027-03-05T10:00:00Z");
    let planned = plan(BookingChange::Created, &booking, now());
    assert!(!planned[0].expired(now() + TimeDelta::hours(23)));
    assert!(planned[0].expired(now() + GIVE_UP_AFTER));
    let reminder = planned[0].follow_up().unwrap();
    assert!(
        !reminder.expired(now() + TimeDelta::hours(30)),
        "counted from when it was due"
    );
}

#[test]
fn retries_skip_the_delivered() {
    let booking = booking_starting("2027-03-05T10:00:00Z");
    let mut created = plan(BookingChange::Created, &booking, now()).remove(0);
    assert_eq!(
        created.undelivered().collect::<Vec<_>>(),
        [Recipient::Customer, Recipient::Consultant]
    );
    created.delivered = Recipients::only(Recipient::Customer);
    assert_eq!(
        created.undelivered().collect::<Vec<_>>(),
        [Recipient::Consultant]
    );
}
