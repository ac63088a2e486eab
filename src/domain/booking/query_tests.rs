//! Booking queries: parsing what clients send, matching, and paging.

use super::tests::{booking, consultant, user};
use super::*;
use crate::domain::{RawBookingQuery, Role};

#[test]
fn query_parsing_and_matching() {
    let consultant = consultant();
    let customer = user(Role::Customer);
    let raw = RawBookingQuery {
        status: Some("pending".into()),
        from: Some("2027-03-04T00:00:00Z".into()),
        to: Some("2027-03-05T00:00:00Z".into()),
        limit: Some("5".into()),
        cursor: None,
    };
    let query = BookingQuery::parse(BookingScope::of(&customer), &raw).unwrap();
    assert_eq!(query.limit, 5);
    assert_eq!(query.fetch_limit(), 6);
    let booking = booking(&customer, &consultant);
    assert!(query.matches(&booking));
    let stranger = BookingQuery::parse(BookingScope::of(&user(Role::Customer)), &raw).unwrap();
    assert!(!stranger.matches(&booking));
    let their_consultant = BookingQuery::parse(
        BookingScope::of(&user(Role::Consultant(consultant.id))),
        &raw,
    )
    .unwrap();
    assert!(their_consultant.matches(&booking));
    let after = BookingQuery {
        after: Some(BookingCursor::after(&booking)),
        ..query
    };
    assert!(!after.matches(&booking));
}

#[test]
fn bad_query_parameters_name_their_field() {
    let customer = user(Role::Customer);
    let cases = [
        (
            RawBookingQuery {
                status: Some("done".into()),
                ..Default::default()
            },
            "status",
        ),
        (
            RawBookingQuery {
                from: Some("yesterday".into()),
                ..Default::default()
            },
            "from",
        ),
        (
            RawBookingQuery {
                to: Some("2027-13-01T00:00:00Z".into()),
                ..Default::default()
            },
            "to",
        ),
        (
            RawBookingQuery {
                from: Some("2027-03-05T00:00:00Z".into()),
                to: Some("2027-03-04T00:00:00Z".into()),
                ..Default::default()
            },
            "to",
        ),
        (
            RawBookingQuery {
                limit: Some("0".into()),
                ..Default::default()
            },
            "limit",
        ),
        (
            RawBookingQuery {
                limit: Some("101".into()),
                ..Default::default()
            },
            "limit",
        ),
        (
            RawBookingQuery {
                cursor: Some("not a cursor".into()),
                ..Default::default()
            },
            "cursor",
        ),
        (
            RawBookingQuery {
                cursor: Some("MTIzLnh5eg".into()),
                ..Default::default()
            },
            "cursor",
        ),
    ];
    for (raw, field) in cases {
        assert_eq!(
            BookingQuery::parse(BookingScope::of(&customer), &raw)
                .unwrap_err()
                .field,
            field,
            "{raw:?}"
        );
    }
}

#[test]
fn cursors_round_trip_and_pages_end() {
    let consultant = consultant();
    let customer = user(Role::Customer);
    let first = booking(&customer, &consultant);
    let cursor = BookingCursor::after(&first);
    assert_eq!(BookingCursor::decode(&cursor.encode()), Ok(cursor));

    let query = BookingQuery::parse(
        BookingScope::of(&customer),
        &RawBookingQuery {
            limit: Some("1".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let (page, next) = query.paginate(vec![first.clone(), first.clone()]);
    assert_eq!((page.len(), next), (1, Some(cursor)));
    let (page, next) = query.paginate(vec![first]);
    assert_eq!((page.len(), next), (1, None));
}
