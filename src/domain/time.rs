//! Time: where "now" comes from and how instants are written.

use std::sync::atomic::{AtomicI64, Ordering};

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, SubsecRound, TimeDelta, Timelike, Utc};
use serde::{Serialize, Serializer};

/// Source of the current time. Everything that compares against "now"
/// (session expiry, "not in the past") asks a `Clock`, so tests can move time.
pub trait Clock: Send + Sync + 'static {
    /// The current instant, truncated to milliseconds (the precision every
    /// store keeps, so values round-trip unchanged).
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(3)
    }
}

/// The real clock shifted by an adjustable offset: lets a test jump days
/// ahead while time keeps flowing normally in between.
#[derive(Debug, Default)]
pub struct ManualClock {
    offset_ms: AtomicI64,
}

impl ManualClock {
    /// A clock that starts at the real time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward (or back, with a negative delta).
    pub fn advance(&self, by: TimeDelta) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = TimeDelta::milliseconds(self.offset_ms.load(Ordering::SeqCst));
        SystemClock.now() + offset
    }
}

/// Parses an RFC 3339 timestamp sent by a client. Any offset is accepted and
/// converted to UTC (`Z` is what the API writes); anything else is rejected
/// naming `field`.
pub fn parse_timestamp(
    text: &str,
    field: &'static str,
    code: &'static str,
) -> Result<DateTime<Utc>, super::InvalidInput> {
    let instant = DateTime::parse_from_rfc3339(text)
        .map(|instant| instant.to_utc())
        .map_err(|_| {
            super::InvalidInput::new(
                field,
                code,
                format!("{field} must be an RFC 3339 timestamp like 2027-03-04T09:30:00Z"),
            )
        })?;
    // chrono reads `…:60Z` as a leap second (a nanosecond count past one
    // second): no store or client can hold it.
    if instant.timestamp_subsec_nanos() >= 1_000_000_000 {
        return Err(super::InvalidInput::new(
            field,
            code,
            format!("{field} must not be a leap second (:60)"),
        ));
    }
    if !(earliest_instant()..=latest_instant()).contains(&instant) {
        return Err(super::InvalidInput::new(
            field,
            code,
            format!("{field} must be between 0001-01-01 and 9999-11-30 (UTC)"),
        ));
    }
    Ok(instant)
}

/// The earliest instant the API accepts.
pub fn earliest_instant() -> DateTime<Utc> {
    NaiveDate::MIN
        .with_year(1)
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .expect("0001-01-01 exists")
        .and_utc()
}

/// The latest instant (and, as a date, the latest day) the API accepts: a
/// month short of the end of year 9999, so that everything derived from an
/// accepted value (an appointment's end, a month of availability in any
/// time zone) is still inside RFC 3339's four-digit years.
pub fn latest_instant() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 11, 30)
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .expect("9999-11-30 exists")
        .and_utc()
}

/// An instant as the API writes it: RFC 3339 in UTC with a `Z` suffix,
/// fractional seconds only when present (3, 6 or 9 digits):
/// `2027-03-04T09:30:00Z`, `2026-11-23T10:15:02.123Z`.
///
/// Serialises straight into a response, so a view can hold the instant
/// rather than a `String` made for it in advance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    fn text(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

/// A whole-second instant of years 0000–9999 (every slot of the grid),
/// serialised exactly as [`Timestamp`] but written on the stack.
pub struct GridTime(pub DateTime<Utc>);

impl Serialize for GridTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let at = self.0.naive_utc();
        let year = at.year();
        if !(0..=9999).contains(&year) || at.nanosecond() != 0 {
            return Timestamp(self.0).serialize(serializer);
        }
        let mut text = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, value: u32, digits: usize| {
            let mut value = value;
            for index in (at..at + digits).rev() {
                text[index] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, year as u32, 4);
        put(5, at.month(), 2);
        put(8, at.day(), 2);
        put(11, at.hour(), 2);
        put(14, at.minute(), 2);
        put(17, at.second(), 2);
        serializer.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

/// [`Timestamp`] as a string.
pub fn format_timestamp(instant: DateTime<Utc>) -> String {
    Timestamp(instant).text()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_times_serialise_as_timestamps_do() {
        for text in [
            "2027-03-04T09:30:00Z",
            "0001-01-01T00:00:00Z",
            "9999-11-30T23:30:00Z",
        ] {
            let instant = DateTime::parse_from_rfc3339(text).unwrap().to_utc();
            let grid = serde_json::to_string(&GridTime(instant)).unwrap();
            let timestamp = serde_json::to_string(&Timestamp(instant)).unwrap();
            assert_eq!(grid, timestamp);
            assert_eq!(grid, format!("\"{text}\""));
        }
        let fraction = DateTime::from_timestamp(1_800_000_000, 5_000_000).unwrap();
        assert_eq!(
            serde_json::to_string(&GridTime(fraction)).unwrap(),
            serde_json::to_string(&Timestamp(fraction)).unwrap()
        );
    }

    #[test]
    fn timestamps_use_z_and_only_needed_fractions() {
        let whole = DateTime::parse_from_rfc3339("2027-03-04T09:30:00+00:00").unwrap();
        assert_eq!(format_timestamp(whole.to_utc()), "2027-03-04T09:30:00Z");
        let millis = DateTime::parse_from_rfc3339("2027-03-04T10:30:00.120+01:00").unwrap();
        assert_eq!(
            format_timestamp(millis.to_utc()),
            "2027-03-04T09:30:00.120Z"
        );
    }

    #[test]
    fn timestamps_serialise_as_their_text() {
        let instant = DateTime::from_timestamp(1_795_000_000, 5_000_000).unwrap();
        assert_eq!(Timestamp(instant).to_string(), format_timestamp(instant));
        assert_eq!(
            serde_json::to_string(&Timestamp(instant)).unwrap(),
            format!("\"{}\"", format_timestamp(instant))
        );
        assert!(format_timestamp(instant).ends_with(".005Z"));
    }

    #[test]
    fn client_timestamps_need_rfc3339_and_become_utc() {
        let parsed = parse_timestamp("2027-03-04T10:30:00+01:00", "startsAt", "invalid_starts_at");
        assert_eq!(format_timestamp(parsed.unwrap()), "2027-03-04T09:30:00Z");
        for text in [
            "2027-03-04",
            "2027-03-04 09:30",
            "2027-03-04T09:30:00",
            "tomorrow",
            "",
        ] {
            let err = parse_timestamp(text, "startsAt", "invalid_starts_at").unwrap_err();
            assert_eq!(
                (err.field, err.code),
                ("startsAt", "invalid_starts_at"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn timestamps_outside_four_digit_years_are_refused() {
        for text in [
            "9999-12-31T23:30:00Z",
            "9999-12-31T23:30:00-05:00",
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:30:00+01:00",
        ] {
            let err = parse_timestamp(text, "startsAt", "invalid_starts_at").unwrap_err();
            assert_eq!(err.code, "invalid_starts_at", "{text}");
        }
        let latest = parse_timestamp("9999-11-30T00:00:00Z", "to", "invalid_to").unwrap();
        assert_eq!(
            format_timestamp(latest + TimeDelta::days(31)),
            "9999-12-31T00:00:00Z"
        );
        assert!(parse_timestamp("0001-01-01T00:00:00Z", "from", "invalid_from").is_ok());
    }

    #[test]
    fn manual_clock_moves_forward_on_request() {
        let clock = ManualClock::new();
        let before = clock.now();
        clock.advance(TimeDelta::days(8));
        let after = clock.now();
        assert!(after - before >= TimeDelta::days(8));
        assert!(after - before < TimeDelta::days(8) + TimeDelta::minutes(1));
        assert_eq!(after.timestamp_subsec_nanos() % 1_000_000, 0);
    }
}
