//! Booking mails: subject, text and HTML bodies from compiled templates
//! (askama escapes the HTML), and the calendar invite.

use askama::Template;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};

use super::invite::{self, Audience};
use super::{ContentLanguage, Parties, greeting, mailbox_of};
use crate::domain::{
    Booking, BookingEvent, BookingStatus, ChangedBy, OutboxMessage, Reader, Recipient,
};
use crate::i18n::{text, when};

/// The fields both bodies show, in the recipient's language; the text
/// body's template reads them directly, the HTML body's through
/// [`HtmlBody`] (another template file, escaped as HTML).
#[derive(Template)]
#[template(path = "booking.txt")]
struct Fields<'a> {
    lang: &'static str,
    subject: &'a str,
    greeting: String,
    headline: String,
    rows: Vec<Row>,
    attached: String,
    bookings: String,
    bookings_link: String,
    link: String,
}

#[derive(Template)]
#[template(path = "booking.html")]
struct HtmlBody<'a> {
    m: &'a Fields<'a>,
}

/// One line of the booking's details: its label and value, and the two
/// as the text body writes them in the locale ("Quand : …").
struct Row {
    label: String,
    value: String,
    line: String,
    link: bool,
}

/// The details of `booking` for `reader` (`recipient`), who deals with
/// `other`.
fn rows(booking: &Booking, recipient: Recipient, reader: Reader, other: &str) -> Vec<Row> {
    let locale = reader.locale;
    let with = match recipient {
        Recipient::Customer => "label-with-customer",
        _ => "label-with-staff",
    };
    let appointment = &booking.appointment;
    let status = text(locale, "status", &[("status", status_of(booking).into())]);
    let mut rows = vec![
        ("label-what", invite::what(booking, locale), false),
        (with, other.to_owned(), false),
        (
            "label-when",
            when(reader, appointment.start(), appointment.end()),
            false,
        ),
        ("label-status", status, false),
    ];
    if let Some(room) = &booking.meeting_url {
        rows.push(("label-video", room.as_str().to_owned(), true));
    }
    if let Some(reason) = &booking.cancellation_reason {
        rows.push(("label-reason", reason.as_str().to_owned(), false));
    }
    rows.into_iter()
        .map(|(label, value, link)| {
            let label = text(locale, label, &[]);
            let line = text(
                locale,
                "row",
                &[
                    ("label", label.as_str().into()),
                    ("value", value.as_str().into()),
                ],
            );
            Row {
                label,
                value,
                line,
                link,
            }
        })
        .collect()
}

/// The message id of the subject of `event`'s mail to `recipient`.
fn subject_id(event: BookingEvent, recipient: Recipient) -> &'static str {
    match (event, recipient) {
        (BookingEvent::Created, Recipient::Customer) => "subject-created-customer",
        (BookingEvent::Created, _) => "subject-created-staff",
        (BookingEvent::Confirmed, _) => "subject-confirmed",
        (BookingEvent::Rescheduled, _) => "subject-rescheduled",
        (BookingEvent::Cancelled { .. }, _) => "subject-cancelled",
        (BookingEvent::Reminder, _) => "subject-reminder",
        (BookingEvent::Reassigned, Recipient::FormerConsultant) => "subject-handed-over",
        (BookingEvent::Reassigned, _) => "subject-reassigned",
    }
}

/// The message id of the headline of `event`'s mail to `recipient`; each
/// names the other party as `$other`.
fn headline_id(event: BookingEvent, recipient: Recipient) -> &'static str {
    let customer = recipient == Recipient::Customer;
    let pick = |to_customer, to_staff| if customer { to_customer } else { to_staff };
    match event {
        BookingEvent::Created => pick("headline-created-customer", "headline-created-staff"),
        BookingEvent::Confirmed => pick("headline-confirmed-customer", "headline-confirmed-staff"),
        BookingEvent::Rescheduled => "headline-rescheduled",
        BookingEvent::Cancelled { by: Some(by) } if by.is(recipient) => pick(
            "headline-cancelled-by-you-customer",
            "headline-cancelled-by-you-staff",
        ),
        BookingEvent::Cancelled {
            by: Some(ChangedBy::Agency),
        } => pick(
            "headline-cancelled-by-agency-customer",
            "headline-cancelled-by-agency-staff",
        ),
        BookingEvent::Cancelled { .. } => pick(
            "headline-cancelled-by-other-customer",
            "headline-cancelled-by-other-staff",
        ),
        BookingEvent::Reminder => "headline-reminder",
        BookingEvent::Reassigned if recipient == Recipient::FormerConsultant => {
            "headline-handed-over-staff"
        }
        BookingEvent::Reassigned => {
            pick("headline-reassigned-customer", "headline-reassigned-staff")
        }
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
/// `base_url` and the invite's UID on `host`, in the recipient's language
/// with times in their zone. Its `Message-ID` is derived from the message
/// id and the recipient: the same on every retry.
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
    let reader = Reader::of(to, parties.consultant.timezone);
    let locale = reader.locale;
    let destination = booking.details.destination.as_str();
    let subject = text(
        locale,
        subject_id(message.event, recipient),
        &[("destination", destination.into())],
    );
    let link = format!("{base_url}/");
    let fields = Fields {
        lang: locale.as_str(),
        subject: &subject,
        greeting: greeting(locale, to),
        headline: text(
            locale,
            headline_id(message.event, recipient),
            &[("other", other.into())],
        ),
        rows: rows(booking, recipient, reader, other),
        attached: text(locale, "invite-attached", &[]),
        bookings: text(locale, "your-bookings", &[]),
        bookings_link: text(locale, "bookings-link", &[("link", link.as_str().into())]),
        link,
    };
    let (text, html) = bodies(&fields);
    let ics = invite::calendar(booking, &parties, host, Audience { locale, recipient });
    let calendar_type = ContentType::parse(&format!(
        "text/calendar; method={}; charset=utf-8",
        invite::method(booking)
    ))
    .expect("a valid content type");
    Message::builder()
        .from(from.clone())
        .to(mailbox_of(to)?)
        .subject(subject.as_str())
        .header(ContentLanguage(locale))
        .message_id(Some(format!("<{}@{host}>", message.mail_id(recipient))))
        .multipart(
            MultiPart::mixed()
                .multipart(MultiPart::alternative_plain_html(text, html))
                .singlepart(Attachment::new("invite.ics".to_owned()).body(ics, calendar_type)),
        )
}

/// The `status` message's selector for `booking`.
fn status_of(booking: &Booking) -> &'static str {
    match booking.status {
        BookingStatus::Pending => "pending",
        BookingStatus::Confirmed => "confirmed",
        BookingStatus::Cancelled => "cancelled",
    }
}

fn bodies(fields: &Fields<'_>) -> (String, String) {
    (
        fields.render().expect("the text template renders"),
        HtmlBody { m: fields }
            .render()
            .expect("the HTML template renders"),
    )
}
