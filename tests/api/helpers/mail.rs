//! Reading what the tests' SMTP server received: who got what, and the
//! links in it.

use std::time::Duration as StdDuration;

use tripdesk::domain::Clock;

use super::{ReceivedMail, SmtpServer, TestApp};

/// The recipient, subject and text body of a received mail.
pub fn opened(mail: &ReceivedMail) -> (String, String, String) {
    let parsed = mail.parsed();
    let to = parsed
        .to()
        .and_then(|to| to.first())
        .and_then(|address| address.address())
        .unwrap_or_default()
        .to_owned();
    let subject = parsed.subject().unwrap_or_default().to_owned();
    let text = parsed.body_text(0).unwrap_or_default().into_owned();
    (to, subject, text)
}

/// Waits until `count` mails with `subject` reached `to`; their text bodies,
/// in order of arrival.
pub async fn mails_to(smtp: &SmtpServer, to: &str, subject: &str, count: usize) -> Vec<String> {
    for _ in 0..400 {
        let texts: Vec<String> = smtp
            .received()
            .iter()
            .map(opened)
            .filter(|(recipient, title, _)| recipient == to && title == subject)
            .map(|(_, _, text)| text)
            .collect();
        if texts.len() >= count {
            return texts;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("expected {count} mails '{subject}' to {to}");
}

/// Waits until the outbox has nothing left to send.
pub async fn outbox_drained(app: &TestApp) {
    for _ in 0..400 {
        if app.store.pending_messages(app.clock.now()).await.unwrap() == 0 {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("the outbox never drained");
}

/// The token of the link to `page` (`/reset-password`) in a mail's text.
pub fn token_in(text: &str, page: &str) -> String {
    let prefix = format!("{page}?token=");
    let start = text.find(&prefix).expect("a link in the mail") + prefix.len();
    let token: String = text[start..].chars().take(64).collect();
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    token
}
