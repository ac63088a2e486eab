//! Every mail kind, in every locale: a mail a parser reads, marked with
//! its language, its wording in that language, and its invite a calendar
//! parser reads.

use chrono::{DateTime, TimeDelta, Utc};
use icalendar::{Calendar, CalendarComponent, Component};
use lettre::message::Mailbox;
use mail_parser::{MessageParser, MimeHeaders};

use super::{Parties, compose, compose_account, compose_sign_in_notice, compose_webhook_disabled};
use crate::domain::{
    AccountMail, AccountToken, Booking, BookingDetails, BookingDuration, BookingEvent, ChangedBy,
    Consultant, DeliveryState, Destination, Email, EventTypes, Factor, Locale, Mode, Notes,
    OutboxMessage, PersonName, Recipient, Recipients, TargetPolicy, TokenPurpose, Travelers, User,
    Webhook, WebhookDescription, WebhookId, WebhookUrl,
};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-03-01T12:00:00Z")
        .unwrap()
        .to_utc()
}

fn person(name: &str, email: &str, locale: Locale) -> User {
    let mut user = User::new_customer(
        Email::parse(email).unwrap(),
        PersonName::parse(name).unwrap(),
        now(),
    );
    user.locale = locale;
    user
}

fn consultant(name: &str) -> Consultant {
    Consultant::new(
        PersonName::parse(name).unwrap(),
        &["Cruises".into()],
        &["es".into()],
        chrono_tz::Asia::Tokyo,
        "mon-sun=00:00-23:30".parse().unwrap(),
    )
    .unwrap()
}

fn parties(locale: Locale) -> Parties {
    Parties {
        customer: person("Ada Traveller", "ada@example.com", locale),
        consultant: consultant("Kenji Sato"),
        consultant_account: person("Kenji Sato", "kenji@agency.example", locale),
        former_consultant: Some((
            consultant("Lucía Fernández"),
            person("Lucía Fernández", "lucia@agency.example", locale),
        )),
    }
}

fn message(parties: &Parties, event: BookingEvent) -> OutboxMessage {
    let details = BookingDetails {
        mode: Mode::Video,
        destination: Destination::parse("Azores").unwrap(),
        travelers: Travelers::parse(2).unwrap(),
        notes: Notes::default(),
    };
    let start = now() + TimeDelta::days(3);
    let duration = BookingDuration::from_minutes(30).unwrap();
    let customer = &parties.customer;
    let booking = Booking::create(
        customer,
        &parties.consultant,
        start,
        duration,
        details,
        now(),
    )
    .unwrap();
    OutboxMessage {
        id: format!("{}.1.{}", booking.id, event.as_str()),
        booking,
        event,
        recipients: Recipients::BOTH,
        delivered: Recipients::NONE,
        former_consultant: Some(parties.former_consultant.as_ref().unwrap().0.id),
        not_before: now(),
        reminder_at: None,
        created_at: now(),
        attempts: 0,
        state: DeliveryState::Pending,
    }
}

/// Every event with every recipient it can have.
fn every_kind() -> Vec<(BookingEvent, Recipient)> {
    use BookingEvent::*;
    let mut kinds = Vec::new();
    for event in [
        Created,
        Confirmed,
        Rescheduled,
        Cancelled {
            by: Some(ChangedBy::Customer),
        },
        Cancelled {
            by: Some(ChangedBy::Consultant),
        },
        Cancelled {
            by: Some(ChangedBy::Agency),
        },
        Reminder,
    ] {
        kinds.push((event, Recipient::Customer));
        kinds.push((event, Recipient::Consultant));
    }
    for recipient in [
        Recipient::Customer,
        Recipient::Consultant,
        Recipient::FormerConsultant,
    ] {
        kinds.push((Reassigned, recipient));
    }
    kinds
}

fn from() -> Mailbox {
    "tripdesk <noreply@tripdesk.example>".parse().unwrap()
}

/// The parts every mail in `locale` has: parsed, its `Content-Language`,
/// `lang` on the HTML part, and the subject and text.
fn checked(raw: &[u8], locale: Locale) -> (String, String) {
    let mail = MessageParser::default().parse(raw).unwrap();
    let language = mail.header_raw("Content-Language").map(str::trim);
    assert_eq!(language, Some(locale.as_str()));
    let html = mail.body_html(0).unwrap();
    let lang = format!("<html lang=\"{}\">", locale.as_str());
    assert!(html.contains(&lang), "{html}");
    let text = mail.body_text(0).unwrap().into_owned();
    (mail.subject().unwrap().to_owned(), text)
}

fn invite_of(raw: &[u8]) -> (String, String) {
    let mail = MessageParser::default().parse(raw).unwrap();
    let attachment = mail.attachments().next().expect("an invite");
    assert_eq!(
        attachment.content_type().unwrap().subtype(),
        Some("calendar")
    );
    let calendar: Calendar = attachment.text_contents().unwrap().parse().unwrap();
    let event = calendar
        .components
        .iter()
        .find_map(|component| match component {
            CalendarComponent::Event(event) => Some(event.clone()),
            _ => None,
        })
        .expect("one event");
    let field = |name| event.property_value(name).unwrap().to_owned();
    (field("SUMMARY"), field("DESCRIPTION"))
}

#[test]
fn every_booking_mail_in_every_locale_is_in_that_language() {
    let english: Vec<_> = every_kind()
        .into_iter()
        .map(|(event, recipient)| {
            let parties = parties(Locale::En);
            let message = message(&parties, event);
            let mail = compose(
                &message,
                recipient,
                &parties,
                &from(),
                "https://a.example",
                "a.example",
            );
            let raw = mail.unwrap().formatted();
            (checked(&raw, Locale::En), invite_of(&raw))
        })
        .collect();
    for locale in Locale::ALL {
        let parties = parties(locale);
        for ((event, recipient), (english_mail, english_invite)) in
            every_kind().into_iter().zip(&english)
        {
            let message = message(&parties, event);
            let kind = format!("{event:?} to {recipient:?} in {locale:?}");
            let mail = compose(
                &message,
                recipient,
                &parties,
                &from(),
                "https://a.example",
                "a.example",
            );
            let raw = mail.unwrap().formatted();
            let (subject, text) = checked(&raw, locale);
            let (summary, description) = invite_of(&raw);
            assert!(subject.contains("Azores"), "{kind}: {subject}");
            assert!(summary.contains("Azores"), "{kind}: {summary}");
            assert!(text.contains("https://a.example/"), "{kind}: {text}");
            if locale != Locale::En {
                assert_ne!(&subject, &english_mail.0, "{kind}");
                assert_ne!(&text, &english_mail.1, "{kind}");
                assert_ne!(&summary, &english_invite.0, "{kind}");
                assert_ne!(&description, &english_invite.1, "{kind}");
            }
        }
    }
}

#[test]
fn every_account_mail_and_notice_in_every_locale_is_in_that_language() {
    let token = AccountToken::generate();
    let purposes = [
        TokenPurpose::PasswordReset,
        TokenPurpose::EmailVerification,
        TokenPurpose::Invitation,
    ];
    let policy = TargetPolicy {
        https_only: true,
        allow_private: false,
    };
    let webhook = Webhook {
        id: WebhookId::generate(),
        url: WebhookUrl::parse("https://crm.example.com/hooks", policy).unwrap(),
        events: EventTypes::parse(&["booking.created"]).unwrap(),
        description: WebhookDescription::default(),
        active: false,
        disabled_reason: Some(crate::domain::FAILING.to_owned()),
        created_at: now(),
    };
    let mails_in = |locale| {
        let user = person("Ada", "ada@example.com", locale);
        let mut mails: Vec<_> = purposes
            .iter()
            .map(|&purpose| {
                let mail = compose_account(
                    &user,
                    purpose,
                    &token,
                    "account.1",
                    &from(),
                    "https://a.example",
                    "a.example",
                );
                checked(&mail.unwrap().formatted(), locale)
            })
            .collect();
        let notice = compose_webhook_disabled(
            &user,
            &webhook,
            "notice.1",
            &from(),
            "https://a.example",
            "a.example",
        );
        mails.push(checked(&notice.unwrap().formatted(), locale));
        let changes = [Factor::Totp, Factor::Passkey]
            .into_iter()
            .flat_map(|factor| [(factor, true), (factor, false)])
            .map(|(factor, added)| AccountMail::FactorChanged {
                user: user.id,
                factor,
                added,
            });
        let password = AccountMail::PasswordChanged { user: user.id };
        for change in changes.chain([password]) {
            let notice = compose_sign_in_notice(
                &user,
                &change,
                "notice.2",
                &from(),
                "https://a.example",
                "a.example",
            );
            mails.push(checked(&notice.unwrap().formatted(), locale));
        }
        mails
    };
    let english = mails_in(Locale::En);
    for locale in Locale::ALL {
        for (mail, english) in mails_in(locale).iter().zip(&english) {
            if locale != Locale::En {
                assert_ne!(mail.0, english.0, "{locale:?}");
                assert_ne!(mail.1, english.1, "{locale:?}");
            }
        }
    }
}

#[test]
fn each_reader_sees_the_time_in_their_own_zone() {
    let mut parties = parties(Locale::Es);
    parties.customer.timezone = Some(chrono_tz::Europe::Madrid);
    let message = message(&parties, BookingEvent::Confirmed);
    let text_to = |recipient| {
        let mail = compose(
            &message,
            recipient,
            &parties,
            &from(),
            "https://a.example",
            "a.example",
        );
        checked(&mail.unwrap().formatted(), Locale::Es).1
    };
    // 2027-03-04 12:00 UTC: 13:00 in Madrid, 21:00 in Tokyo.
    let customer = text_to(Recipient::Customer);
    assert!(
        customer.contains("de 13:00 a 13:30 (hora de España)"),
        "{customer}"
    );
    let consultant = text_to(Recipient::Consultant);
    assert!(
        consultant.contains("de 21:00 a 21:30 (hora de Japón)"),
        "{consultant}"
    );
}
