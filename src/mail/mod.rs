//! Transactional mail: the transport (SMTP, or `.eml` files in development),
//! the booking mails and their calendar invites, the account mails (reset,
//! verification and invitation links), notices to staff, and the
//! dispatcher that delivers the outbox.

mod account;
mod compose;
mod dispatcher;
pub mod invite;
#[cfg(test)]
mod locales_tests;
mod notice;
mod transport;

pub use account::compose_account;
pub use compose::compose;
pub use dispatcher::Dispatcher;
pub use notice::{compose_sign_in_notice, compose_webhook_disabled};
pub use transport::{Transport, TransportError};

use lettre::message::Mailbox;
use lettre::message::header::{Header, HeaderName, HeaderValue};

use crate::domain::{Consultant, Locale, User};
use crate::i18n;

/// `Content-Language` (RFC 3282): the language a mail is written in.
#[derive(Debug, Clone, Copy)]
struct ContentLanguage(Locale);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(raw: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Locale::of_tag(raw)
            .map(Self)
            .ok_or_else(|| format!("unsupported language {raw:?}").into())
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.as_str().to_owned())
    }
}

/// The opening line of a mail to `user`, in `locale`.
fn greeting(locale: Locale, user: &User) -> String {
    i18n::text(locale, "greeting", &[("name", user.name.as_str().into())])
}

/// A mail from `from` to `user` in `user`'s language, with a text and an
/// HTML body; its `Message-ID` is `<message_id@host>` (the same on every
/// retry).
fn text_and_html(
    from: &Mailbox,
    user: &User,
    subject: &str,
    (message_id, host): (&str, &str),
    (text, html): (String, String),
) -> Result<lettre::Message, lettre::error::Error> {
    lettre::Message::builder()
        .from(from.clone())
        .to(mailbox_of(user)?)
        .subject(subject)
        .header(ContentLanguage(user.locale))
        .message_id(Some(format!("<{message_id}@{host}>")))
        .multipart(lettre::message::MultiPart::alternative_plain_html(
            text, html,
        ))
}

/// Where mail to `user` goes: their name and address.
fn mailbox_of(user: &User) -> Result<Mailbox, lettre::error::Error> {
    let address = user
        .email
        .as_str()
        .parse()
        .map_err(|_| lettre::error::Error::MissingTo)?;
    Ok(Mailbox::new(Some(user.name.as_str().to_owned()), address))
}

/// Everyone a booking mail or invite names.
#[derive(Debug, Clone)]
pub struct Parties {
    /// The customer's account.
    pub customer: User,
    /// The consultant's profile (name, time zone).
    pub consultant: Consultant,
    /// The consultant's login account (address).
    pub consultant_account: User,
    /// The consultant a reassignment took the booking from, with their
    /// account, for the mail that takes it off their calendar.
    pub former_consultant: Option<(Consultant, User)>,
}
