//! Calendar invites (RFC 5545), built with the `icalendar` crate: it folds
//! long lines and escapes text values; parameter values are quoted by it
//! and cleaned of what quoting cannot carry here.

use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

use super::Parties;
use crate::domain::{Booking, BookingStatus, Locale, Recipient};
use crate::i18n::text;

/// Whose copy of an event this is: written in their language, naming the
/// other party (the customer's copy names the consultant; a consultant's
/// or admin's names the customer).
#[derive(Debug, Clone, Copy)]
pub struct Audience {
    /// The language of the summary and description.
    pub locale: Locale,
    /// Which side of the booking reads it.
    pub recipient: Recipient,
}

/// `REQUEST` for a live booking, `CANCEL` for a cancelled one.
pub fn method(booking: &Booking) -> &'static str {
    if booking.status == BookingStatus::Cancelled {
        "CANCEL"
    } else {
        "REQUEST"
    }
}

/// The host of `url` (`https://app.example.com:8443/x` → `app.example.com`).
pub fn host_of(url: &str) -> &str {
    url.split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .filter(|host| !host.is_empty())
        .unwrap_or("localhost")
}

/// The invite's `UID`: the same for the booking's whole life, in mails and
/// in the calendar endpoint alike.
pub fn uid(booking: &Booking, host: &str) -> String {
    format!("{}@{host}", booking.id)
}

/// A `CN` parameter value: no double quotes (they delimit it) and no
/// control characters (names never have them; this is the second line).
fn common_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect()
}

/// What every calendar of tripdesk's starts with: its own `PRODID`
/// (RFC 5545 3.7.3: the product that made it, not the library).
fn tripdesk_calendar() -> Calendar {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODUCT_ID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"));
    calendar
}

/// `-//tripdesk//tripdesk <version>//EN`.
const PRODUCT_ID: &str = concat!("-//tripdesk//tripdesk ", env!("CARGO_PKG_VERSION"), "//EN");

/// The event's own properties, as of the booking's current version: its
/// UID for life, the version as its SEQUENCE, times and status, and the
/// consultant as organiser.
fn event_of(booking: &Booking, parties: &Parties, host: &str) -> Event {
    let status = match booking.status {
        BookingStatus::Pending => EventStatus::Tentative,
        BookingStatus::Confirmed => EventStatus::Confirmed,
        BookingStatus::Cancelled => EventStatus::Cancelled,
    };
    let mut organizer = Property::new(
        "ORGANIZER",
        format!("mailto:{}", parties.consultant_account.email),
    );
    organizer.add_parameter("CN", &common_name(parties.consultant.name.as_str()));
    let mut event = Event::new();
    event
        .uid(&uid(booking, host))
        .sequence(booking.version)
        .timestamp(booking.updated_at)
        .starts(booking.appointment.start())
        .ends(booking.appointment.end())
        .status(status)
        .append_property(organizer);
    // A video consultation happens in its room: where, and the link.
    if let Some(room) = &booking.meeting_url {
        event
            .append_property(Property::new("LOCATION", room.as_str()))
            .append_property(Property::new("URL", room.as_str()));
    }
    event.done()
}

/// "Video consultation about Azores, 2 travellers", in `locale`.
pub fn what(booking: &Booking, locale: Locale) -> String {
    let details = &booking.details;
    text(
        locale,
        "what",
        &[
            ("mode", details.mode.as_str().into()),
            ("destination", details.destination.as_str().into()),
            ("travelers", details.travelers.get().into()),
        ],
    )
}

/// The event's description: what it is about, as a sentence.
fn description(booking: &Booking, locale: Locale) -> String {
    let what = what(booking, locale);
    text(locale, "invite-description", &[("what", what.into())])
}

/// "Travel consultation with <the other party>: <destination>".
fn summary(booking: &Booking, parties: &Parties, audience: Audience) -> String {
    let (id, other) = match audience.recipient {
        Recipient::Customer => ("invite-summary-customer", &parties.consultant.name),
        _ => ("invite-summary-staff", &parties.customer.name),
    };
    let destination = booking.details.destination.as_str();
    text(
        audience.locale,
        id,
        &[
            ("other", other.as_str().into()),
            ("destination", destination.into()),
        ],
    )
}

/// The invitation VEVENT for `booking` between `parties` (iTIP `REQUEST`
/// or `CANCEL`), as `audience` reads it: the customer is its attendee.
pub fn event(booking: &Booking, parties: &Parties, host: &str, audience: Audience) -> Event {
    let mut attendee = Property::new("ATTENDEE", format!("mailto:{}", parties.customer.email));
    attendee
        .add_parameter("CN", &common_name(parties.customer.name.as_str()))
        .add_parameter("ROLE", "REQ-PARTICIPANT");
    event_of(booking, parties, host)
        .summary(&summary(booking, parties, audience))
        .description(&description(booking, audience.locale))
        .append_property(attendee)
        .done()
}

/// The VEVENT a consultant's feed (`PUBLISH`) holds for `booking`, in
/// `locale`: no attendee (RFC 5546 3.2.1), the customer named in its
/// summary and description instead.
pub fn feed_event(booking: &Booking, parties: &Parties, host: &str, locale: Locale) -> Event {
    let audience = Audience {
        locale,
        recipient: Recipient::Consultant,
    };
    let customer = &parties.customer;
    let contact = text(
        locale,
        "invite-customer",
        &[
            ("name", customer.name.as_str().into()),
            ("email", customer.email.as_str().into()),
        ],
    );
    event_of(booking, parties, host)
        .summary(&summary(booking, parties, audience))
        .description(&format!("{} {contact}", description(booking, locale)))
        .done()
}

/// A calendar holding `booking`'s event as `audience` reads it, with the
/// iTIP `METHOD` of its state.
pub fn calendar(booking: &Booking, parties: &Parties, host: &str, audience: Audience) -> String {
    let mut calendar = tripdesk_calendar();
    calendar
        .append_property(Property::new("METHOD", method(booking)))
        .push(event(booking, parties, host, audience));
    calendar.done().to_string()
}

/// A subscription feed (`METHOD:PUBLISH`) named `name`, holding `events`:
/// what calendar programs poll from a consultant's feed URL.
pub fn feed(name: &str, events: impl IntoIterator<Item = Event>) -> String {
    let mut refresh = Property::new("REFRESH-INTERVAL", "PT5M");
    refresh.add_parameter("VALUE", "DURATION");
    let mut calendar = tripdesk_calendar();
    calendar
        .name(name)
        .append_property(Property::new("METHOD", "PUBLISH"))
        // How often to poll: RFC 7986, and Outlook's own name for it.
        .append_property(refresh)
        .append_property(Property::new("X-PUBLISHED-TTL", "PT5M"));
    for event in events {
        calendar.push(event);
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_names_itself_and_says_how_often_to_poll() {
        let feed = feed("tripdesk: Zoë", []);
        for line in [
            "METHOD:PUBLISH",
            "REFRESH-INTERVAL;VALUE=DURATION:PT5M",
            "X-PUBLISHED-TTL:PT5M",
            "X-WR-CALNAME:tripdesk: Zoë",
        ] {
            assert!(feed.contains(line), "{line} in {feed}");
        }
        let parsed: Calendar = feed.parse().unwrap();
        assert_eq!(parsed.events().count(), 0);
        assert_eq!(parsed.property_value("PRODID"), Some(PRODUCT_ID));
        assert_eq!(feed.matches("PRODID").count(), 1);
        assert!(
            PRODUCT_ID.starts_with("-//tripdesk//tripdesk 0."),
            "{PRODUCT_ID}"
        );
    }
}
