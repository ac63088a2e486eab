//! When an appointment is, the way its reader's locale writes dates and
//! times, in the reader's own zone: ICU4X formats each part, the locale's
//! `when` message puts them together.

use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Offset, Timelike, Utc};
use chrono_tz::Tz;
use icu_calendar::{Date, Gregorian};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::{T, YMDE, zone::Location};
use icu_time::zone::{IanaParser, UtcOffset, ZoneNameTimestamp};
use icu_time::{Time, TimeZoneInfo, ZonedDateTime, zone::models::AtTime};

use super::messages::text;
use crate::domain::{Locale, Reader};

/// One locale's formatters: the long date with its weekday, hours and
/// minutes, and the zone by its location ("Spain Time", "heure : Japon").
struct Formatters {
    date: FixedCalendarDateTimeFormatter<Gregorian, YMDE>,
    time: FixedCalendarDateTimeFormatter<Gregorian, T>,
    zone: FixedCalendarDateTimeFormatter<Gregorian, Location>,
}

impl Formatters {
    fn new(locale: Locale) -> Self {
        let locale: icu_locale_core::Locale = locale
            .as_str()
            .parse()
            .expect("a supported locale is a BCP 47 tag");
        let prefs = || locale.clone().into();
        // Compiled data covers every supported locale: a failure here is a
        // build without it, which the tests would show at once.
        Self {
            date: FixedCalendarDateTimeFormatter::try_new(prefs(), YMDE::long())
                .expect("compiled date data"),
            time: FixedCalendarDateTimeFormatter::try_new(prefs(), T::hm())
                .expect("compiled time data"),
            zone: FixedCalendarDateTimeFormatter::try_new(prefs(), Location)
                .expect("compiled time zone data"),
        }
    }

    fn of(locale: Locale) -> &'static Self {
        static ALL: OnceLock<Vec<Formatters>> = OnceLock::new();
        super::per_locale(&ALL, locale, Formatters::new)
    }
}

/// `at` on the wall clock of `zone`, as ICU4X takes it.
fn zoned(at: DateTime<Utc>, zone: Tz) -> ZonedDateTime<Gregorian, TimeZoneInfo<AtTime>> {
    let local = at.with_timezone(&zone);
    let date = Date::try_new_gregorian(local.year(), local.month() as u8, local.day() as u8)
        .expect("chrono's dates are valid Gregorian dates");
    let time = Time::try_new(local.hour() as u8, local.minute() as u8, 0, 0)
        .expect("chrono's times are valid times");
    let offset = UtcOffset::try_from_seconds(local.offset().fix().local_minus_utc()).ok();
    let zone = IanaParser::new()
        .parse(zone.name())
        .with_offset(offset)
        .with_zone_name_timestamp(ZoneNameTimestamp::from_epoch_seconds(at.timestamp()));
    ZonedDateTime { date, time, zone }
}

/// From `start` to `end` for `reader`: "jeudi 3 décembre 2026,
/// 09:00–09:30 (heure : Espagne)"; both dates when it spans midnight there.
pub fn when(reader: Reader, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let formatters = Formatters::of(reader.locale);
    let (from, to) = (zoned(start, reader.zone), zoned(end, reader.zone));
    let date = |at| formatters.date.format(at).to_string();
    let time = |at| formatters.time.format(at).to_string();
    let mut args = vec![
        ("date", date(&from).into()),
        ("start", time(&from).into()),
        ("end", time(&to).into()),
        ("zone", formatters.zone.format(&from).to_string().into()),
    ];
    let id = if from.date == to.date {
        "when"
    } else {
        args.push(("endDate", date(&to).into()));
        "when-overnight"
    };
    text(reader.locale, id, &args)
}
