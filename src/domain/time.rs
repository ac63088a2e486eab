//! Time: where "now" comes from and how instants are written.

use std::sync::atomic::{AtomicI64, Ordering};

use std::fmt;

use chrono::{DateTime, Datelike, SecondsFormat, SubsecRound, TimeDelta, Timelike, Utc};
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
    DateTime::parse_from_rfc3339(text)
        .map(|instant| instant.to_utc())
        .map_err(|_| {
            super::InvalidInput::new(
                field,
                code,
                format!("{field} must be an RFC 3339 timestamp like 2027-03-04T09:30:00Z"),
            )
        })
}

/// An instant as the API writes it: RFC 3339 in UTC with a `Z` suffix,
/// fractional seconds only when present (3, 6 or 9 digits):
/// `2027-03-04T09:30:00Z`, `2026-11-23T10:15:02.123Z`.
///
/// Written digit by digit into a stack buffer: a page of bookings writes
/// eighty of them, and the formatting machinery cost more than the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

/// The longest text: `2027-03-04T09:30:00.123456789Z`.
const TIMESTAMP_MAX_LEN: usize = 30;

impl Timestamp {
    /// The text, in `buffer`; `None` for a year outside 0–9999, which RFC 3339
    /// cannot write (no instant the service handles is one).
    fn encode<'b>(&self, buffer: &'b mut [u8; TIMESTAMP_MAX_LEN]) -> Option<&'b str> {
        fn digits(buffer: &mut [u8], value: u32) {
            let mut value = value;
            for digit in buffer.iter_mut().rev() {
                *digit = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        let (date, time) = (self.0.date_naive(), self.0.time());
        let year = u32::try_from(date.year())
            .ok()
            .filter(|year| *year <= 9999)?;
        // chrono keeps a leap second as nanoseconds past 1e9.
        let (second, nanos) = match time.nanosecond() {
            nanos if nanos >= 1_000_000_000 => (60, nanos - 1_000_000_000),
            nanos => (time.second(), nanos),
        };
        buffer[..20].copy_from_slice(b"0000-00-00T00:00:00Z");
        digits(&mut buffer[0..4], year);
        digits(&mut buffer[5..7], date.month());
        digits(&mut buffer[8..10], date.day());
        digits(&mut buffer[11..13], time.hour());
        digits(&mut buffer[14..16], time.minute());
        digits(&mut buffer[17..19], second);
        let fraction = match nanos {
            0 => 0,
            nanos if nanos % 1_000_000 == 0 => 3,
            nanos if nanos % 1_000 == 0 => 6,
            _ => 9,
        };
        let mut length = 19;
        if fraction > 0 {
            buffer[19] = b'.';
            digits(
                &mut buffer[20..20 + fraction],
                nanos / 10u32.pow(9 - fraction as u32),
            );
            length = 20 + fraction;
        }
        buffer[length] = b'Z';
        std::str::from_utf8(&buffer[..=length]).ok()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.encode(&mut [0; TIMESTAMP_MAX_LEN]) {
            Some(text) => f.write_str(text),
            None => f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.encode(&mut [0; TIMESTAMP_MAX_LEN]) {
            Some(text) => serializer.serialize_str(text),
            None => serializer.collect_str(self),
        }
    }
}

/// [`Timestamp`] as a string.
pub fn format_timestamp(instant: DateTime<Utc>) -> String {
    Timestamp(instant).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn timestamps_are_written_as_chrono_writes_rfc3339() {
        for (seconds, nanos) in [
            (0, 0),
            (1_795_000_000, 0),
            (1_795_000_000, 5_000_000),
            (1_795_000_000, 123_000),
            (1_795_000_000, 7),
            (253_402_300_799, 999_999_999),
            (-62_167_219_200, 0),
            (1_483_228_799, 1_000_000_000),
            (300_000_000_000, 1_000),
        ] {
            let instant = DateTime::from_timestamp(seconds, nanos).unwrap();
            let chrono = instant.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            assert_eq!(format_timestamp(instant), chrono);
            let json = serde_json::to_string(&Timestamp(instant)).unwrap();
            assert_eq!(json, format!("\"{chrono}\""));
        }
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
