//! Notices to staff: mail that carries no token, only news and where to
//! act on it (a webhook the service turned off).

use askama::Template;
use lettre::Message;
use lettre::message::Mailbox;

use super::text_and_html;
use crate::domain::{User, Webhook};

#[derive(Template)]
#[template(path = "notice.txt")]
struct Fields<'a> {
    subject: &'static str,
    greeting: &'a str,
    what: String,
    why: String,
    next: &'static str,
    link: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct HtmlBody<'a> {
    m: &'a Fields<'a>,
}

/// The notice to `admin` that `webhook` was turned off (its
/// `disabled_reason` says why), from `from`, pointing at `base_url`.
pub fn compose_webhook_disabled(
    admin: &User,
    webhook: &Webhook,
    message_id: &str,
    from: &Mailbox,
    base_url: &str,
    host: &str,
) -> Result<Message, lettre::error::Error> {
    let reason = webhook
        .disabled_reason
        .as_deref()
        .unwrap_or("an admin turned it off");
    let fields = Fields {
        subject: "A tripdesk webhook was turned off",
        greeting: admin.name.as_str(),
        what: format!(
            "tripdesk stopped delivering events to the webhook at {}.",
            webhook.url.as_str()
        ),
        why: format!("The reason: {reason}."),
        next: "Once the receiver works again, turn the webhook back on in the admin \
               screen; events that failed meanwhile can be delivered again from its \
               delivery log.",
        link: format!("{base_url}/"),
    };
    let text = fields.render().expect("the text template renders");
    let html = HtmlBody { m: &fields }
        .render()
        .expect("the HTML template renders");
    let id = (message_id, host);
    text_and_html(from, admin, fields.subject, id, (text, html))
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
        assert!(text.contains(GONE), "{text}");
        let html = parsed.body_html(0).unwrap();
        assert!(
            html.contains("Ops &#60;team&#62;") || html.contains("Ops &lt;team&gt;"),
            "{html}"
        );
    }
}
