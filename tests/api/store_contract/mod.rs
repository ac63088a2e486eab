//! The storage trait's contract, checked directly on both stores.

mod accounts;
mod assignment;
mod audit;
mod bookings;
mod mfa;
mod passkeys;
mod webhooks;

use chrono::{DateTime, Duration, DurationRound, Utc};
use tripdesk::domain::{
    Booking, BookingDetails, BookingDuration, Clock, Consultant, Destination, Effects, Email,
    LiveBookingLimit, Mode, Notes, PasswordHash, PersonName, Session, SessionPolicy, SessionToken,
    Travelers, User, UserAgent,
};
use tripdesk::store::SharedStore;

use crate::helpers::{Backend, TestApp, unique_email};

pub(super) fn policy() -> SessionPolicy {
    SessionPolicy {
        ttl: Duration::days(14),
        idle_timeout: Duration::days(7),
        admin_idle_timeout: Duration::minutes(30),
    }
}

pub(super) fn hash(text: &str) -> PasswordHash {
    PasswordHash::from_phc(format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${text}"))
}

pub(super) fn customer(now: DateTime<Utc>) -> User {
    User::new_customer(
        Email::parse(&unique_email("store")).unwrap(),
        PersonName::parse("Søren Kierkegaard").unwrap(),
        now,
    )
}

pub(super) fn session(user: &User, now: DateTime<Utc>) -> Session {
    Session::start(
        user.id,
        user.credentials_stamp,
        SessionToken::generate().hash(),
        Some(UserAgent::sanitize("Mozilla/5.0 (X11)")),
        now,
        &policy(),
    )
}

pub(super) fn consultant_in(timezone: &str, hours: &str) -> Consultant {
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
pub(super) fn consultant() -> Consultant {
    consultant_in("UTC", "mon-sun=00:00-23:30")
}

/// Midnight UTC, `days` from now: a base for appointment times.
pub(super) fn day(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    (now + Duration::days(days))
        .duration_trunc(Duration::days(1))
        .unwrap()
}

pub(super) fn booking(
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

/// A limit no contract test reaches (the limit's own tests set theirs).
pub(super) fn roomy(now: DateTime<Utc>) -> LiveBookingLimit {
    LiveBookingLimit { max: 1000, now }
}

pub(super) async fn setup(backend: Backend) -> (TestApp, SharedStore, DateTime<Utc>) {
    let app = TestApp::spawn(backend).await;
    let store = app.store.clone();
    let now = app.clock.now();
    (app, store, now)
}
