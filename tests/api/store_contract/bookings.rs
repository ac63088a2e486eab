//! Bookings, claims and listing.

use chrono::Duration;
use tripdesk::domain::{
    BookingChanges, BookingCursor, BookingDuration, BookingQuery, BookingRules, BookingScope,
    CancellationReason, Notes, Party, RawBookingQuery, Role, TimeOff, User,
};
use tripdesk::store::{SharedStore, StoreError};

use super::*;
use crate::helpers::Backend;
use crate::store_tests;

store_tests!(
    bookings_round_trip_and_claim_their_slots,
    updates_are_all_or_nothing,
    listing_matches_the_reference_query,
    buffers_and_time_off_are_decided_inside_the_write,
);

async fn buffers_and_time_off_are_decided_inside_the_write(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let mut connie = consultant();
    store
        .insert_consultant(&connie, None, &Effects::default())
        .await
        .unwrap();
    let user = customer(now);
    store
        .insert_user(&user, &hash("x"), None, &Effects::default())
        .await
        .unwrap();
    let base = day(now, 3);
    let hours = |h: i64, m: i64| base + Duration::hours(h) + Duration::minutes(m);
    let early = booking(&user, &connie, hours(10, 0), 30, now);
    store
        .insert_booking(&early, &roomy(now), &Effects::default())
        .await
        .unwrap();

    // The buffer is raised to an hour: new bookings keep it on both sides.
    connie.rules = BookingRules::new(60, 0, 365).unwrap();
    let schedule = connie.schedule();
    store
        .update_schedule(connie.id, &schedule, &Effects::default())
        .await
        .unwrap();
    let too_close = booking(&user, &connie, hours(11, 0), 30, now);
    assert!(matches!(
        store
            .insert_booking(&too_close, &roomy(now), &Effects::default())
            .await,
        Err(StoreError::SlotTaken)
    ));
    let kept_apart = booking(&user, &connie, hours(11, 30), 30, now);
    store
        .insert_booking(&kept_apart, &roomy(now), &Effects::default())
        .await
        .unwrap();
    let held = store
        .occupied_slots(connie.id, base, base + Duration::days(1))
        .await
        .unwrap();
    let expected: Vec<_> = early.held_slots().chain(kept_apart.held_slots()).collect();
    assert_eq!(held, expected);
    assert_eq!(
        held.iter().map(|held| held.buffer).collect::<Vec<_>>(),
        [false, false, true, true],
        "buffer slots are told apart"
    );

    // Time off over a live booking is refused with the count; elsewhere
    // it is kept, and a booking computed from an older profile is refused.
    let over = TimeOff::new(connie.id, hours(9, 0), hours(12, 0), None, now).unwrap();
    assert!(matches!(
        store.insert_time_off(&over, now, &Effects::default()).await,
        Err(StoreError::BookingsInTimeOff(2))
    ));
    let away = TimeOff::new(connie.id, hours(14, 0), hours(16, 0), Some("Dentist"), now).unwrap();
    assert_eq!(
        store
            .insert_time_off(&away, now, &Effects::default())
            .await
            .unwrap(),
        away
    );
    let stale = booking(&user, &connie, hours(15, 0), 30, now);
    assert!(matches!(
        store
            .insert_booking(&stale, &roomy(now), &Effects::default())
            .await,
        Err(StoreError::ConsultantAway)
    ));
    assert_eq!(store.find_booking(stale.id).await.unwrap(), None);
    let stored = store.find_consultant(connie.id).await.unwrap().unwrap();
    assert_eq!(stored.time_off, [away]);
}

async fn bookings_round_trip_and_claim_their_slots(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let connie = consultant();
    store
        .insert_consultant(&connie, None, &Effects::default())
        .await
        .unwrap();
    let user = customer(now);
    store
        .insert_user(&user, &hash("x"), None, &Effects::default())
        .await
        .unwrap();
    let base = day(now, 3);

    let first = booking(&user, &connie, base + Duration::hours(10), 90, now);
    store
        .insert_booking(&first, &roomy(now), &Effects::default())
        .await
        .unwrap();
    assert_eq!(
        store.find_booking(first.id).await.unwrap(),
        Some(first.clone())
    );
    let slots: Vec<_> = first.held_slots().collect();
    assert_eq!(
        store
            .occupied_slots(connie.id, base, base + Duration::days(1))
            .await
            .unwrap(),
        slots
    );
    assert_eq!(
        store
            .occupied_slots(
                connie.id,
                base + Duration::hours(11),
                base + Duration::days(1)
            )
            .await
            .unwrap(),
        slots[2..]
    );

    // Any overlap is refused, and leaves no trace.
    let overlapping = booking(&user, &connie, base + Duration::minutes(11 * 60), 60, now);
    assert!(matches!(
        store
            .insert_booking(&overlapping, &roomy(now), &Effects::default())
            .await,
        Err(StoreError::SlotTaken)
    ));
    assert_eq!(store.find_booking(overlapping.id).await.unwrap(), None);
    assert_eq!(
        store
            .occupied_slots(connie.id, base, base + Duration::days(1))
            .await
            .unwrap(),
        slots
    );

    // Cancelled: the slots are free again; the reason is kept.
    let reason = CancellationReason::parse("Weather").unwrap();
    let cancelled = first
        .cancel(Party::Agency, &BookingRules::DEFAULT, Some(reason), now)
        .unwrap();
    store
        .update_booking(&first, &cancelled, &Effects::default())
        .await
        .unwrap();
    assert_eq!(store.find_booking(first.id).await.unwrap(), Some(cancelled));
    assert!(
        store
            .occupied_slots(connie.id, base, base + Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );
    store
        .insert_booking(&overlapping, &roomy(now), &Effects::default())
        .await
        .unwrap();
}

async fn updates_are_all_or_nothing(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let connie = consultant();
    store
        .insert_consultant(&connie, None, &Effects::default())
        .await
        .unwrap();
    let user = customer(now);
    store
        .insert_user(&user, &hash("x"), None, &Effects::default())
        .await
        .unwrap();
    let base = day(now, 2);
    let mine = booking(&user, &connie, base + Duration::hours(9), 30, now);
    let theirs = booking(&user, &connie, base + Duration::hours(10), 30, now);
    store
        .insert_booking(&mine, &roomy(now), &Effects::default())
        .await
        .unwrap();
    store
        .insert_booking(&theirs, &roomy(now), &Effects::default())
        .await
        .unwrap();
    let window = (base, base + Duration::days(1));
    let occupied = |store: SharedStore| async move {
        store
            .occupied_slots(connie.id, window.0, window.1)
            .await
            .unwrap()
    };
    let before = occupied(store.clone()).await;

    // Moving onto another booking's slot: refused, nothing moves.
    let onto = BookingChanges {
        starts_at: Some(base + Duration::hours(10)),
        ..Default::default()
    };
    let moved = mine.change(Party::Customer, onto, &connie, now).unwrap();
    assert!(matches!(
        store
            .update_booking(&mine, &moved, &Effects::default())
            .await,
        Err(StoreError::SlotTaken)
    ));
    assert_eq!(
        store.find_booking(mine.id).await.unwrap(),
        Some(mine.clone())
    );
    assert_eq!(occupied(store.clone()).await, before);

    // Growing over its own slot and into a free one: allowed.
    let longer = BookingChanges {
        duration: Some(BookingDuration::Minutes60),
        starts_at: Some(base + Duration::hours(8) + Duration::minutes(30)),
        ..Default::default()
    };
    let grown = mine.change(Party::Customer, longer, &connie, now).unwrap();
    store
        .update_booking(&mine, &grown, &Effects::default())
        .await
        .unwrap();
    assert_eq!(
        store.find_booking(mine.id).await.unwrap(),
        Some(grown.clone())
    );
    let expected: Vec<_> = grown.held_slots().chain(theirs.held_slots()).collect();
    assert_eq!(occupied(store.clone()).await, expected);

    // A stale version is a conflict and changes nothing.
    let notes = BookingChanges {
        notes: Some(Notes::parse("late edit").unwrap()),
        ..Default::default()
    };
    let stale = mine.change(Party::Customer, notes, &connie, now).unwrap();
    assert!(matches!(
        store
            .update_booking(&mine, &stale, &Effects::default())
            .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.find_booking(mine.id).await.unwrap(), Some(grown));
    assert_eq!(occupied(store.clone()).await, expected);
}

async fn listing_matches_the_reference_query(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let connie = consultant();
    let other = consultant();
    store
        .insert_consultant(&connie, None, &Effects::default())
        .await
        .unwrap();
    store
        .insert_consultant(&other, None, &Effects::default())
        .await
        .unwrap();
    let alice = customer(now);
    let bob = customer(now);
    let connie_account = User {
        role: Role::Consultant(connie.id),
        ..customer(now)
    };
    for user in [&alice, &bob, &connie_account] {
        store
            .insert_user(user, &hash("x"), None, &Effects::default())
            .await
            .unwrap();
    }
    // 24 bookings over three days, two customers, two consultants, some cancelled.
    let mut all = Vec::new();
    for i in 0..24i64 {
        let (user, with) = match i % 3 {
            0 => (&alice, &connie),
            1 => (&bob, &connie),
            _ => (&alice, &other),
        };
        let start = day(now, 1 + i % 3) + Duration::minutes(30 * (i + 10));
        let mut booked = booking(user, with, start, 30, now);
        store
            .insert_booking(&booked, &roomy(now), &Effects::default())
            .await
            .unwrap();
        if i % 5 == 0 {
            let cancelled = booked
                .cancel(Party::Agency, &BookingRules::DEFAULT, None, now)
                .unwrap();
            store
                .update_booking(&booked, &cancelled, &Effects::default())
                .await
                .unwrap();
            booked = cancelled;
        }
        all.push(booked);
    }
    all.sort_by_key(|b| (b.appointment.start(), b.id));

    let queries = [
        RawBookingQuery::default(),
        RawBookingQuery {
            status: Some("cancelled".into()),
            ..Default::default()
        },
        RawBookingQuery {
            status: Some("pending".into()),
            limit: Some("3".into()),
            ..Default::default()
        },
        RawBookingQuery {
            from: Some(tripdesk::domain::format_timestamp(day(now, 2))),
            to: Some(tripdesk::domain::format_timestamp(day(now, 3))),
            ..Default::default()
        },
    ];
    for viewer in [&alice, &bob, &connie_account] {
        for raw in &queries {
            let mut query = BookingQuery::parse(BookingScope::of(viewer), raw).unwrap();
            // Walk every page; the concatenation must equal the reference.
            let mut seen = Vec::new();
            loop {
                let (page, next) = query.paginate(store.list_bookings(&query).await.unwrap());
                seen.extend(page);
                match next {
                    Some(cursor) => query.after = Some(cursor),
                    None => break,
                }
            }
            let reference = BookingQuery {
                after: None,
                ..BookingQuery::parse(BookingScope::of(viewer), raw).unwrap()
            };
            let expected: Vec<_> = all
                .iter()
                .filter(|b| reference.matches(b))
                .cloned()
                .collect();
            if raw.status.is_none() && raw.from.is_none() {
                assert!(expected.len() >= 8, "every viewer sees a good share");
            }
            assert_eq!(seen, expected, "viewer {:?}, query {raw:?}", viewer.role);
        }
    }
    // Ties on startsAt are broken by id.
    let cursor = BookingCursor::after(&all[0]);
    let query = BookingQuery {
        after: Some(cursor),
        ..BookingQuery::parse(BookingScope::of(&alice), &RawBookingQuery::default()).unwrap()
    };
    let rest = store.list_bookings(&query).await.unwrap();
    assert!(
        rest.iter()
            .all(|b| (b.appointment.start(), b.id) > (cursor.starts_at, cursor.id))
    );
}
