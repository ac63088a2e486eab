//! Notices: mail that carries no token, only news and where to act on it
//! (a webhook the service turned off, a second factor added or removed, a
//! password replaced).

use askama::Template;
use lettre::Message;
use lettre::message::Mailbox;

use super::{greeting, text_and_html};
use crate::domain::{AccountMail, FAILING, GONE, User, Webhook};
use crate::i18n::text;

#[derive(Template)]
#[template(path = "notice.txt")]
struct Fields {
    lang: &'static str,
    subject: String,
    greeting: String,
    what: String,
    why: String,
    next: String,
    link: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct HtmlBody<'a> {
    m: &'a Fields,
}

impl Fields {
    /// The notice as a mail to `user`, from `from`, its `Message-ID` on
    /// `host`.
    fn to(
        &self,
        user: &User,
        id: (&str, &str),
        from: &Mailbox,
    ) -> Result<Message, lettre::error::Error> {
        let text = self.render().expect("the text template renders");
        let html = HtmlBody { m: self }
            .render()
            .expect("the HTML template renders");
        text_and_html(from, user, &self.subject, id, (text, html))
    }
}

/// Which of the messages' reasons `webhook` was turned off for.
fn reason_of(webhook: &Webhook) -> &'static str {
    match webhook.disabled_reason.as_deref() {
        Some(GONE) => "gone",
        Some(FAILING) => "failing",
        _ => "admin",
    }
}

/// The notice to `admin`, in their language, that `webhook` was turned
/// off (its `disabled_reason` says why), from `from`, pointing at
/// `base_url`.
pub fn compose_webhook_disabled(
    admin: &User,
    webhook: &Webhook,
    message_id: &str,
    from: &Mailbox,
    base_url: &str,
    host: &str,
) -> Result<Message, lettre::error::Error> {
    let locale = admin.locale;
    let url = webhook.url.as_str();
    let fields = Fields {
        lang: locale.as_str(),
        subject: text(locale, "webhook-disabled-subject", &[]),
        greeting: greeting(locale, admin),
        what: text(locale, "webhook-disabled-what", &[("url", url.into())]),
        why: text(
            locale,
            "webhook-disabled-why",
            &[("reason", reason_of(webhook).into())],
        ),
        next: text(locale, "webhook-disabled-next", &[]),
        link: format!("{base_url}/"),
    };
    fields.to(admin, (message_id, host), from)
}

/// The notice `notice` (a sign-in factor added or removed, a password
/// replaced) to its account's owner, `user`, in their language; its
/// messages are `<kind>-subject` and `<kind>-what`, the kind spelt with
/// hyphens (`factor-added`, `password-changed`).
pub fn compose_sign_in_notice(
    user: &User,
    notice: &AccountMail,
    message_id: &str,
    from: &Mailbox,
    base_url: &str,
    host: &str,
) -> Result<Message, lettre::error::Error> {
    let locale = user.locale;
    let change = notice.kind().replace('_', "-");
    let fields = Fields {
        lang: locale.as_str(),
        subject: text(locale, &format!("{change}-subject"), &[]),
        greeting: greeting(locale, user),
        what: text(locale, &format!("{change}-what"), &[]),
        why: text(locale, "factor-not-you", &[]),
        next: text(locale, "factor-review", &[]),
        link: format!("{base_url}/"),
    };
    fields.to(user, (message_id, host), from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Email, EventTypes, GONE, PersonName, TargetPolicy, WebhookDescription, WebhookId,
        WebhookUrl,
    };

    #[test]
    fn the_notice_names_the_webhook_and_why_and_escapes_html() {
        let now = chrono::Utc::now();
        let email = Email::parse("ops@agency.example").unwrap();
        let admin = User::new_customer(email, PersonName::parse("Ops <team>").unwrap(), now);
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
            disabled_reason: Some(GONE.to_owned()),
            created_at: now,
        };
        let from: Mailbox = "tripdesk <noreply@tripdesk.example>".parse().unwrap();
        let mail = compose_webhook_disabled(
            &admin,
            &webhook,
            "account.1",
            &from,
            "https://app.example",
            "app.example",
        )
        .unwrap();
        let raw = mail.formatted();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("A tripdesk webhook was turned off"));
        let text = parsed.body_text(0).unwrap();
        assert!(text.contains("https://crm.example.com/hooks"), "{text}");
        assert!(text.contains("The receiver answered 410 Gone."), "{text}");
        let html = parsed.body_html(0).unwrap();
        assert!(
            html.contains("Ops &#60;team&#62;") || html.contains("Ops &lt;team&gt;"),
            "{html}"
        );
    }
}
