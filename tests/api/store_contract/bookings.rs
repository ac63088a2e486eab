//! Bookings, claims and listing.

use chrono::Duration;
use tripdesk::domain::{
    BookingChanges, BookingCursor, BookingDuration, BookingQuery, CancellationReason, Notes, Party,
    RawBookingQuery, Role, User,
};
use tripdesk::store::{SharedStore, StoreError};

use super::*;
use crate::helpers::Backend;
use crate::store_tests;

store_tests!(
    bookings_round_trip_and_claim_their_slots,
    updates_are_all_or_nothing,
    listing_matches_the_reference_query,
);

async fn bookings_round_trip_and_claim_their_slots(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let connie = consultant();
    store.insert_consultant(&connie, None).await.unwrap();
    let user = customer(now);
    store
        .insert_user(&user, &hash("x"), None, None)
        .await
        .unwrap();
    let base = day(now, 3);

    let first = booking(&user, &connie, base + Duration::hours(10), 90, now);
    store
        .insert_booking(&first, &roomy(now), &[])
        .await
        .unwrap();
    assert_eq!(
        store.find_booking(first.id).await.unwrap(),
        Some(first.clone())
    );
    let slots: Vec<_> = first.appointment.slots().collect();
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
        store.insert_booking(&overlapping, &roomy(now), &[]).await,
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
    let cancelled = first.cancel(Some(reason), now).unwrap();
    store.update_booking(&first, &cancelled, &[]).await.unwrap();
    assert_eq!(store.find_booking(first.id).await.unwrap(), Some(cancelled));
    assert!(
        store
            .occupied_slots(connie.id, base, base + Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );
    store
        .insert_booking(&overlapping, &roomy(now), &[])
        .await
        .unwrap();
}

async fn updates_are_all_or_nothing(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let connie = consultant();
    store.insert_consultant(&connie, None).await.unwrap();
    let user = customer(now);
    store
        .insert_user(&user, &hash("x"), None, None)
        .await
        .unwrap();
    let base = day(now, 2);
    let mine = booking(&user, &connie, base + Duration::hours(9), 30, now);
    let theirs = booking(&user, &connie, base + Duration::hours(10), 30, now);
    store.insert_booking(&mine, &roomy(now), &[]).await.unwrap();
    store
        .insert_booking(&theirs, &roomy(now), &[])
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
        store.update_booking(&mine, &moved, &[]).await,
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
    store.update_booking(&mine, &grown, &[]).await.unwrap();
    assert_eq!(
        store.find_booking(mine.id).await.unwrap(),
        Some(grown.clone())
    );
    let expected: Vec<_> = grown
        .appointment
        .slots()
        .chain(theirs.appointment.slots())
        .collect();
    assert_eq!(occupied(store.clone()).await, expected);

    // A stale version is a conflict and changes nothing.
    let notes = BookingChanges {
        notes: Some(Notes::parse("late edit").unwrap()),
        ..Default::default()
    };
    let stale = mine.change(Party::Customer, notes, &connie, now).unwrap();
    assert!(matches!(
        store.update_booking(&mine, &stale, &[]).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.find_booking(mine.id).await.unwrap(), Some(grown));
    assert_eq!(occupied(store.clone()).await, expected);
}

async fn listing_matches_the_reference_query(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let connie = consultant();
    let other = consultant();
    store.insert_consultant(&connie, None).await.unwrap();
    store.insert_consultant(&other, None).await.unwrap();
    let alice = customer(now);
    let bob = customer(now);
    let connie_account = User {
        role: Role::Consultant(connie.id),
        ..customer(now)
    };
    for user in [&alice, &bob, &connie_account] {
        store
            .insert_user(user, &hash("x"), None, None)
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
            .insert_booking(&booked, &roomy(now), &[])
            .await
            .unwrap();
        if i % 5 == 0 {
            let cancelled = booked.cancel(None, now).unwrap();
            store
                .update_booking(&booked, &cancelled, &[])
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
            let mut query = BookingQuery::parse(viewer, raw).unwrap();
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
                ..BookingQuery::parse(viewer, raw).unwrap()
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
        ..BookingQuery::parse(&alice, &RawBookingQuery::default()).unwrap()
    };
    let rest = store.list_bookings(&query).await.unwrap();
    assert!(
        rest.iter()
            .all(|b| (b.appointment.start(), b.id) > (cursor.starts_at, cursor.id))
    );
}
