//! Account mails: the password reset, address verification and invitation
//! links, with text and HTML bodies from compiled templates.

use askama::Template;
use lettre::Message;
use lettre::message::Mailbox;

use super::text_and_html;
use crate::domain::{AccountToken, TokenPurpose, User};

#[derive(Template)]
#[template(path = "account.txt")]
struct Fields<'a> {
    subject: &'static str,
    greeting: &'a str,
    request: &'static str,
    action: &'static str,
    link: String,
    lifetime: &'static str,
    unasked: &'static str,
}

#[derive(Template)]
#[template(path = "account.html")]
struct HtmlBody<'a> {
    m: &'a Fields<'a>,
}

/// The mail carrying `token` for `purpose` to `user`, from `from`, linking
/// to `base_url`. Its `Message-ID` is `<message_id@host>`: the same on
/// every retry of one request.
pub fn compose_account(
    user: &User,
    purpose: TokenPurpose,
    token: &AccountToken,
    message_id: &str,
    from: &Mailbox,
    base_url: &str,
    host: &str,
) -> Result<Message, lettre::error::Error> {
    let link = format!("{base_url}{}?token={}", purpose.page(), token.expose());
    let fields = match purpose {
        TokenPurpose::PasswordReset => Fields {
            subject: "Reset your tripdesk password",
            greeting: user.name.as_str(),
            request: "Someone, hopefully you, asked to reset the password of your tripdesk account.",
            action: "Choose a new password",
            link,
            lifetime: "30 minutes",
            unasked: "If you did not ask, ignore this mail: your password stays as it is.",
        },
        TokenPurpose::EmailVerification => Fields {
            subject: "Confirm your email address for tripdesk",
            greeting: user.name.as_str(),
            request: "Please confirm that this address is yours. Until you do, tripdesk sends \
                      you no booking confirmations or reminders.",
            action: "Confirm my address",
            link,
            lifetime: "48 hours",
            unasked: "If you did not create a tripdesk account, ignore this mail.",
        },
        TokenPurpose::Invitation => Fields {
            subject: "You are invited to tripdesk",
            greeting: user.name.as_str(),
            request: "The agency has opened a tripdesk staff account for you at this address. \
                      Choose a password to start using it.",
            action: "Set my password",
            link,
            lifetime: "72 hours",
            unasked: "If you were not expecting this, ignore this mail: nobody can use the \
                      account until a password is set.",
        },
    };
    let text = fields.render().expect("the text template renders");
    let html = HtmlBody { m: &fields }
        .render()
        .expect("the HTML template renders");
    let id = (message_id, host);
    text_and_html(from, user, fields.subject, id, (text, html))
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
