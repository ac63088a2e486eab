//! Account mails: the password reset, address verification and invitation
//! links, with text and HTML bodies from compiled templates.

use askama::Template;
use chrono::TimeDelta;
use lettre::Message;
use lettre::message::Mailbox;

use super::{greeting, text_and_html};
use crate::domain::{AccountToken, Locale, TokenPurpose, User};
use crate::i18n::text;

#[derive(Template)]
#[template(path = "account.txt")]
struct Fields {
    lang: &'static str,
    subject: String,
    greeting: String,
    request: String,
    action: String,
    link: String,
    lifetime: String,
    unasked: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct HtmlBody<'a> {
    m: &'a Fields,
}

/// The prefix of the messages of `purpose` (`reset-subject`, ...).
fn messages_of(purpose: TokenPurpose) -> &'static str {
    match purpose {
        TokenPurpose::PasswordReset => "reset",
        TokenPurpose::EmailVerification => "verify",
        TokenPurpose::Invitation => "invitation",
    }
}

/// "The link works once, for 30 minutes." in `locale`.
fn lifetime(locale: Locale, lifetime: TimeDelta) -> String {
    let (unit, count) = if lifetime.num_minutes() % 60 == 0 {
        ("hours", lifetime.num_hours())
    } else {
        ("minutes", lifetime.num_minutes())
    };
    let span = text(locale, unit, &[("count", count.into())]);
    text(locale, "link-lifetime", &[("lifetime", span.into())])
}

/// The mail carrying `token` for `purpose` to `user`, in their language,
/// from `from`, linking to `base_url`. Its `Message-ID` is
/// `<message_id@host>`: the same on every retry of one request.
pub fn compose_account(
    user: &User,
    purpose: TokenPurpose,
    token: &AccountToken,
    message_id: &str,
    from: &Mailbox,
    base_url: &str,
    host: &str,
) -> Result<Message, lettre::error::Error> {
    let locale = user.locale;
    let prefix = messages_of(purpose);
    let message = |part: &str| text(locale, &format!("{prefix}-{part}"), &[]);
    let fields = Fields {
        lang: locale.as_str(),
        subject: message("subject"),
        greeting: greeting(locale, user),
        request: message("request"),
        action: message("action"),
        link: format!("{base_url}{}?token={}", purpose.page(), token.expose()),
        lifetime: lifetime(locale, purpose.lifetime()),
        unasked: message("unasked"),
    };
    let text = fields.render().expect("the text template renders");
    let html = HtmlBody { m: &fields }
        .render()
        .expect("the HTML template renders");
    let id = (message_id, host);
    text_and_html(from, user, &fields.subject, id, (text, html))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, PersonName};

    fn user(name: &str) -> User {
        User::new_customer(
            Email::parse("ada@example.com").unwrap(),
            PersonName::parse(name).unwrap(),
            chrono::Utc::now(),
        )
    }

    fn composed(purpose: TokenPurpose, name: &str, token: &AccountToken) -> Vec<u8> {
        let from: Mailbox = "tripdesk <no-reply@tripdesk.localhost>".parse().unwrap();
        let mail = compose_account(
            &user(name),
            purpose,
            token,
            "account.0123",
            &from,
            "https://app.example",
            "app.example",
        )
        .unwrap();
        mail.formatted()
    }

    fn parsed(raw: &[u8]) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(raw).unwrap()
    }

    #[test]
    fn the_link_carries_the_token_to_the_purposes_page() {
        let token = AccountToken::generate();
        let raw = composed(TokenPurpose::PasswordReset, "Ada", &token);
        let reset = parsed(&raw);
        let link = format!(
            "https://app.example/reset-password?token={}",
            token.expose()
        );
        assert!(reset.body_text(0).unwrap().contains(&link));
        assert!(reset.body_html(0).unwrap().contains(&link));
        assert_eq!(reset.message_id(), Some("account.0123@app.example"));
        assert_eq!(reset.subject(), Some("Reset your tripdesk password"));
        let raw = composed(TokenPurpose::EmailVerification, "Ada", &token);
        let verify = parsed(&raw);
        let text = verify.body_text(0).unwrap();
        assert!(
            text.contains("https://app.example/verify-email?token="),
            "{text}"
        );
        assert!(!String::from_utf8_lossy(&raw).contains(token.hash().as_str()));
        let raw = composed(TokenPurpose::Invitation, "Ada", &token);
        let invite = parsed(&raw);
        let link = format!("https://app.example/set-password?token={}", token.expose());
        assert!(invite.body_text(0).unwrap().contains(&link));
        assert!(invite.body_text(0).unwrap().contains("72 hours"));
        assert_eq!(invite.subject(), Some("You are invited to tripdesk"));
    }

    #[test]
    fn names_are_escaped_in_html() {
        let token = AccountToken::generate();
        let raw = composed(TokenPurpose::PasswordReset, "<b>Eve</b>", &token);
        let html = parsed(&raw).body_html(0).unwrap().into_owned();
        assert!(html.contains("&#60;b&#62;Eve&#60;/b&#62;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }
}
