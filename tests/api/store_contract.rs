//! The storage trait's contract, checked directly on both stores.

use chrono::{DateTime, Duration, DurationRound, Utc};
use tripdesk::domain::{
    Booking, BookingChanges, BookingCursor, BookingDetails, BookingDuration, BookingQuery,
    CancellationReason, Clock, Consultant, Destination, Email, Mode, Notes, Party, PasswordHash,
    PersonName, RawBookingQuery, Role, Session, SessionPolicy, SessionStatus, SessionToken,
    TOUCH_INTERVAL, Travelers, User, UserAgent,
};
use tripdesk::store::{SharedStore, StoreError};

use crate::helpers::{Backend, TestApp, unique_email};
use crate::store_tests;

store_tests!(
    users_round_trip_and_emails_are_unique,
    sessions_round_trip_and_expire,
    touching_is_conditional,
    password_change_replaces_hash_and_sessions,
    consultants_round_trip,
    bookings_round_trip_and_claim_their_slots,
    updates_are_all_or_nothing,
    listing_matches_the_reference_query,
);

fn policy() -> SessionPolicy {
    SessionPolicy {
        ttl: Duration::days(14),
        idle_timeout: Duration::days(7),
    }
}

fn hash(text: &str) -> PasswordHash {
    PasswordHash::from_phc(format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${text}"))
}

fn customer(now: DateTime<Utc>) -> User {
    User::new_customer(
        Email::parse(&unique_email("store")).unwrap(),
        PersonName::parse("Søren Kierkegaard").unwrap(),
        now,
    )
}

fn session(user: &User, now: DateTime<Utc>) -> Session {
    Session::start(
        user.id,
        SessionToken::generate().hash(),
        Some(UserAgent::sanitize("Mozilla/5.0 (X11)")),
        now,
        &policy(),
    )
}

fn consultant_in(timezone: &str, hours: &str) -> Consultant {
    Consultant::new(
        PersonName::parse("Zoë Ngata").unwrap(),
        &["Pacific islands".into(), "Diving".into()],
        &["en".into(), "mi".into()],
        timezone.parse().unwrap(),
        hours.parse().unwrap(),
    )
    .unwrap()
}

/// A consultant working (almost) around the clock in UTC.
fn consultant() -> Consultant {
    consultant_in("UTC", "mon-sun=00:00-23:30")
}

/// Midnight UTC, `days` from now: a base for appointment times.
fn day(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    (now + Duration::days(days))
        .duration_trunc(Duration::days(1))
        .unwrap()
}

fn booking(
    user: &User,
    consultant: &Consultant,
    start: DateTime<Utc>,
    minutes: i64,
    now: DateTime<Utc>,
) -> Booking {
    let details = BookingDetails {
        mode: Mode::Phone,
        destination: Destination::parse("Rarotonga").unwrap(),
        travelers: Travelers::parse(3).unwrap(),
        notes: Notes::parse("Line one\nLine two").unwrap(),
    };
    Booking::create(
        user,
        consultant,
        start,
        BookingDuration::from_minutes(minutes).unwrap(),
        details,
        now,
    )
    .unwrap()
}

async fn setup(backend: Backend) -> (TestApp, SharedStore, DateTime<Utc>) {
    let app = TestApp::spawn(backend).await;
    let store = app.store.clone();
    let now = app.clock.now();
    (app, store, now)
}

async fn users_round_trip_and_emails_are_unique(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    store
        .insert_user(&user, &hash("first"), None)
        .await
        .unwrap();
    let found = store.find_credentials(&user.email).await.unwrap().unwrap();
    assert_eq!(found.user, user);
    assert_eq!(found.password_hash, hash("first"));
    assert_eq!(
        store.password_hash(user.id).await.unwrap(),
        Some(hash("first"))
    );

    let twin = User {
        id: tripdesk::domain::UserId::generate(),
        ..user.clone()
    };
    assert!(matches!(
        store.insert_user(&twin, &hash("second"), None).await,
        Err(StoreError::EmailTaken)
    ));
    assert_eq!(
        store
            .find_credentials(&user.email)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        hash("first")
    );
    let unknown = Email::parse("nobody@example.com").unwrap();
    assert!(store.find_credentials(&unknown).await.unwrap().is_none());
}

async fn sessions_round_trip_and_expire(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    let first = session(&user, now);
    store
        .insert_user(&user, &hash("x"), Some(&first))
        .await
        .unwrap();
    let second = session(&user, now + Duration::seconds(1));
    let third = session(&user, now + Duration::seconds(2));
    store.insert_session(&second).await.unwrap();
    store.insert_session(&third).await.unwrap();

    let (found, owner) = store
        .find_session(&first.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found, owner), (first.clone(), user.clone()));
    assert!(
        store
            .find_session(&SessionToken::generate().hash())
            .await
            .unwrap()
            .is_none()
    );

    let ids = |sessions: Vec<Session>| sessions.into_iter().map(|s| s.id).collect::<Vec<_>>();
    let listed = store.list_sessions(user.id, now).await.unwrap();
    assert_eq!(ids(listed), [third.id, second.id, first.id], "newest first");
    // Sessions past their absolute expiry are not listed.
    assert_eq!(
        ids(store
            .list_sessions(user.id, second.expires_at)
            .await
            .unwrap()),
        [third.id]
    );
    assert!(
        store
            .list_sessions(user.id, third.expires_at)
            .await
            .unwrap()
            .is_empty()
    );

    assert!(store.expire_session(user.id, second.id).await.unwrap());
    assert!(
        !store.expire_session(user.id, second.id).await.unwrap(),
        "already expired"
    );
    let stranger = customer(now);
    assert!(
        !store.expire_session(stranger.id, first.id).await.unwrap(),
        "not theirs"
    );
    assert_eq!(
        store
            .find_session(&second.token_hash)
            .await
            .unwrap()
            .unwrap()
            .0
            .status,
        SessionStatus::Expired
    );

    assert_eq!(
        store
            .expire_other_sessions(user.id, third.id)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        ids(store.list_sessions(user.id, now).await.unwrap()),
        [third.id]
    );
    assert!(
        store
            .expire_session_by_token(&third.token_hash)
            .await
            .unwrap()
    );
    assert!(
        !store
            .expire_session_by_token(&third.token_hash)
            .await
            .unwrap()
    );
    assert!(store.list_sessions(user.id, now).await.unwrap().is_empty());
}

async fn touching_is_conditional(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    let live = session(&user, now);
    store
        .insert_user(&user, &hash("x"), Some(&live))
        .await
        .unwrap();
    let last_seen = |store: SharedStore, session: Session| async move {
        store
            .find_session(&session.token_hash)
            .await
            .unwrap()
            .unwrap()
            .0
            .last_seen_at
    };

    // Not stale yet: nothing written.
    let soon = now + Duration::seconds(30);
    store
        .touch_session(&live, soon, soon - TOUCH_INTERVAL)
        .await
        .unwrap();
    assert_eq!(last_seen(store.clone(), live.clone()).await, now);
    // Stale: written.
    let later = now + Duration::minutes(5);
    store
        .touch_session(&live, later, later - TOUCH_INTERVAL)
        .await
        .unwrap();
    assert_eq!(last_seen(store.clone(), live.clone()).await, later);
    // A late writer with an older time cannot move it back.
    let earlier = now + Duration::minutes(2);
    store
        .touch_session(&live, earlier, earlier - TOUCH_INTERVAL)
        .await
        .unwrap();
    assert_eq!(last_seen(store.clone(), live.clone()).await, later);
    // An expired session stays expired.
    store.expire_session(user.id, live.id).await.unwrap();
    let much_later = now + Duration::hours(1);
    store
        .touch_session(&live, much_later, much_later - TOUCH_INTERVAL)
        .await
        .unwrap();
    let (after, _) = store.find_session(&live.token_hash).await.unwrap().unwrap();
    assert_eq!(
        (after.status, after.last_seen_at),
        (SessionStatus::Expired, later)
    );
}

async fn password_change_replaces_hash_and_sessions(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    let old = session(&user, now);
    store
        .insert_user(&user, &hash("old"), Some(&old))
        .await
        .unwrap();
    store.insert_session(&session(&user, now)).await.unwrap();
    let other = customer(now);
    let bystander = session(&other, now);
    store
        .insert_user(&other, &hash("x"), Some(&bystander))
        .await
        .unwrap();

    let new = session(&user, now + Duration::seconds(1));
    assert_eq!(
        store
            .change_password(user.id, &hash("new"), &new)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store.password_hash(user.id).await.unwrap(),
        Some(hash("new"))
    );
    let listed: Vec<_> = store
        .list_sessions(user.id, now)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, [new.id]);
    assert_eq!(
        store.list_sessions(other.id, now).await.unwrap().len(),
        1,
        "other users untouched"
    );
}

async fn consultants_round_trip(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let first = consultant_in("Pacific/Auckland", "mon-fri=09:00-17:30,sat=10:00-12:00");
    let account = User {
        role: Role::Consultant(first.id),
        ..customer(now)
    };
    store
        .insert_consultant(&first, Some((&account, &hash("c"))))
        .await
        .unwrap();
    assert_eq!(
        store.find_consultant(first.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store
            .find_credentials(&account.email)
            .await
            .unwrap()
            .unwrap()
            .user
            .role,
        Role::Consultant(first.id)
    );

    // An account whose email is taken fails the whole consultant.
    let second = consultant_in("America/Sao_Paulo", "sun=08:00-09:00");
    let clash = User {
        role: Role::Consultant(second.id),
        id: tripdesk::domain::UserId::generate(),
        ..account
    };
    assert!(matches!(
        store
            .insert_consultant(&second, Some((&clash, &hash("c"))))
            .await,
        Err(StoreError::EmailTaken)
    ));
    assert_eq!(store.find_consultant(second.id).await.unwrap(), None);
    assert_eq!(store.list_consultants().await.unwrap(), [first]);
}

async fn bookings_round_trip_and_claim_their_slots(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let connie = consultant();
    store.insert_consultant(&connie, None).await.unwrap();
    let user = customer(now);
    store.insert_user(&user, &hash("x"), None).await.unwrap();
    let base = day(now, 3);

    let first = booking(&user, &connie, base + Duration::hours(10), 90, now);
    store.insert_booking(&first).await.unwrap();
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
        store.insert_booking(&overlapping).await,
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
    store.update_booking(&first, &cancelled).await.unwrap();
    assert_eq!(store.find_booking(first.id).await.unwrap(), Some(cancelled));
    assert!(
        store
            .occupied_slots(connie.id, base, base + Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );
    store.insert_booking(&overlapping).await.unwrap();
}

async fn updates_are_all_or_nothing(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let connie = consultant();
    store.insert_consultant(&connie, None).await.unwrap();
    let user = customer(now);
    store.insert_user(&user, &hash("x"), None).await.unwrap();
    let base = day(now, 2);
    let mine = booking(&user, &connie, base + Duration::hours(9), 30, now);
    let theirs = booking(&user, &connie, base + Duration::hours(10), 30, now);
    store.insert_booking(&mine).await.unwrap();
    store.insert_booking(&theirs).await.unwrap();
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
        store.update_booking(&mine, &moved).await,
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
    store.update_booking(&mine, &grown).await.unwrap();
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
        store.update_booking(&mine, &stale).await,
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
        store.insert_user(user, &hash("x"), None).await.unwrap();
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
        store.insert_booking(&booked).await.unwrap();
        if i % 5 == 0 {
            let cancelled = booked.cancel(None, now).unwrap();
            store.update_booking(&booked, &cancelled).await.unwrap();
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
