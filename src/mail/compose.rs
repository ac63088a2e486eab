//! Booking mails: subject, text and HTML bodies from compiled templates
//! (askama escapes the HTML), and the calendar invite.

use askama::Template;
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};

use super::{Parties, invite, mailbox_of};
use crate::domain::{Booking, BookingEvent, BookingStatus, ChangedBy, OutboxMessage, Recipient};

/// The fields both bodies show; the text body's template reads them
/// directly, the HTML body's through [`HtmlBody`] (another template file,
/// escaped as HTML).
#[derive(Template)]
#[template(path = "booking.txt")]
struct Fields<'a> {
    subject: &'a str,
    greeting: &'a str,
    headline: String,
    mode: String,
    destination: &'a str,
    travelers: u8,
    other_party: &'a str,
    local_time: String,
    timezone: String,
    utc_time: String,
    status: &'static str,
    reason: Option<&'a str>,
    meeting: Option<&'a str>,
    link: String,
}

#[derive(Template)]
#[template(path = "booking.html")]
struct HtmlBody<'a> {
    m: &'a Fields<'a>,
}

fn subject(event: BookingEvent, recipient: Recipient, destination: &str) -> String {
    let what = match (event, recipient) {
        (BookingEvent::Created, Recipient::Customer) => "Booking request received",
        (BookingEvent::Created, _) => "New booking request",
        (BookingEvent::Confirmed, _) => "Booking confirmed",
        (BookingEvent::Rescheduled, _) => "Booking moved",
        (BookingEvent::Cancelled { .. }, _) => "Booking cancelled",
        (BookingEvent::Reminder, _) => "Reminder: your consultation is tomorrow",
        (BookingEvent::Reassigned, Recipient::FormerConsultant) => "Booking handed over",
        (BookingEvent::Reassigned, _) => "Booking reassigned",
    };
    format!("{what}: {destination}")
}

fn headline(event: BookingEvent, recipient: Recipient, other: &str) -> String {
    match (event, recipient) {
        (BookingEvent::Created, Recipient::Customer) => format!(
            "Your consultation request with {other} is received; you will hear once it is confirmed."
        ),
        (BookingEvent::Created, _) => {
            format!("{other} asked for a consultation. Please confirm it.")
        }
        (BookingEvent::Confirmed, Recipient::Customer) => {
            format!("{other} confirmed your consultation.")
        }
        (BookingEvent::Confirmed, _) => format!("The consultation with {other} is confirmed."),
        (BookingEvent::Rescheduled, _) => "The consultation has moved to a new time.".to_owned(),
        (BookingEvent::Cancelled { by: Some(by) }, _) if by.is(recipient) => {
            format!("You cancelled the consultation with {other}.")
        }
        (
            BookingEvent::Cancelled {
                by: Some(ChangedBy::Agency),
            },
            _,
        ) => {
            format!("The agency cancelled the consultation with {other}.")
        }
        (BookingEvent::Cancelled { .. }, _) => format!("{other} cancelled the consultation."),
        (BookingEvent::Reminder, _) => "Your consultation starts in 24 hours.".to_owned(),
        (BookingEvent::Reassigned, Recipient::Customer) => {
            format!("The agency moved your consultation to {other}, at the same time.")
        }
        (BookingEvent::Reassigned, Recipient::Consultant) => {
            format!("The agency gave you the consultation with {other}.")
        }
        (BookingEvent::Reassigned, Recipient::FormerConsultant) => format!(
            "The agency handed your consultation with {other} to a colleague: it is off your calendar."
        ),
    }
}

/// The booking and its parties as `recipient` sees them: the consultant a
/// reassignment took it from sees it with them, cancelled (their calendar
/// drops it); everyone else as it is.
fn as_seen_by(
    message: &OutboxMessage,
    recipient: Recipient,
    parties: &Parties,
) -> (Booking, Parties) {
    match (recipient, &parties.former_consultant) {
        (Recipient::FormerConsultant, Some((consultant, account))) => (
            Booking {
                consultant_id: consultant.id,
                status: BookingStatus::Cancelled,
                ..message.booking.clone()
            },
            Parties {
                consultant: consultant.clone(),
                consultant_account: account.clone(),
                former_consultant: None,
                ..parties.clone()
            },
        ),
        _ => (message.booking.clone(), parties.clone()),
    }
}

/// The mail for `message` to `recipient`, from `from`, with links to
/// `base_url` and the invite's UID on `host`. Its `Message-ID` is derived
/// from the message id and the recipient: the same on every retry.
pub fn compose(
    message: &OutboxMessage,
    recipient: Recipient,
    parties: &Parties,
    from: &Mailbox,
    base_url: &str,
    host: &str,
) -> Result<Message, lettre::error::Error> {
    let (booking, parties) = as_seen_by(message, recipient, parties);
    let booking = &booking;
    let (to, other) = match recipient {
        Recipient::Customer => (&parties.customer, parties.consultant.name.as_str()),
        Recipient::Consultant | Recipient::FormerConsultant => {
            (&parties.consultant_account, parties.customer.name.as_str())
        }
    };
    let zone = parties.consultant.timezone;
    let local = |at: DateTime<Utc>| at.with_timezone(&zone).format("%A %-d %B %Y, %H:%M");
    let utc = |at: DateTime<Utc>| at.format("%A %-d %B %Y, %H:%M");
    let (start, end) = (booking.appointment.start(), booking.appointment.end());
    let subject = subject(
        message.event,
        recipient,
        booking.details.destination.as_str(),
    );
    let fields = Fields {
        subject: &subject,
        greeting: to.name.as_str(),
        headline: headline(message.event, recipient, other),
        mode: booking.details.mode.as_str().replace('_', " "),
        destination: booking.details.destination.as_str(),
        travelers: booking.details.travelers.get(),
        other_party: other,
        local_time: format!(
            "{}–{}",
            local(start),
            end.with_timezone(&zone).format("%H:%M")
        ),
        timezone: zone.name().to_owned(),
        utc_time: format!("{}–{}", utc(start), end.format("%H:%M")),
        status: match booking.status {
            BookingStatus::Pending => "pending confirmation",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Cancelled => "cancelled",
        },
        reason: booking
            .cancellation_reason
            .as_ref()
            .map(|reason| reason.as_str()),
        meeting: booking.meeting_url.as_ref().map(|url| url.as_str()),
        link: format!("{base_url}/"),
    };
    let (text, html) = bodies(&fields);
    let ics = invite::calendar(booking, &parties, host);
    let calendar_type = ContentType::parse(&format!(
        "text/calendar; method={}; charset=utf-8",
        invite::method(booking)
    ))
    .expect("a valid content type");
    Message::builder()
        .from(from.clone())
        .to(mailbox_of(to)?)
        .subject(subject.as_str())
        .message_id(Some(format!("<{}@{host}>", message.mail_id(recipient))))
        .multipart(
            MultiPart::mixed()
                .multipart(MultiPart::alternative_plain_html(text, html))
                .singlepart(Attachment::new("invite.ics".to_owned()).body(ics, calendar_type)),
        )
}

fn bodies(fields: &Fields<'_>) -> (String, String) {
    (
        fields.render().expect("the text template renders"),
        HtmlBody { m: fields }
            .render()
            .expect("the HTML template renders"),
    )
}
