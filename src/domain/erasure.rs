//! Erasing a customer: what of their records stays, stripped of them, and
//! what identifies the records to strip. The account row and the booking
//! rows stay (a consultant's history keeps its shape); nothing that names,
//! reaches or describes the person does.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{
    AuditEntry, Booking, CredentialsStamp, Destination, Email, Locale, Notes, PersonName, User,
    UserId,
};

/// What an erased booking says its destination was.
pub const ERASED_DESTINATION: &str = "(erased)";

/// The name an erased account keeps.
pub const ERASED_NAME: &str = "Erased customer";

/// An erasure under way: whose, and the address the account had (what
/// records kept by address are found by), until it is finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// The account.
    pub user_id: UserId,
    /// Its address before the erasure.
    pub former_email: Email,
    /// When the erasure began.
    pub at: DateTime<Utc>,
}

impl Erasure {
    /// The erasure of `user`, beginning `now`.
    pub fn of(user: &User, now: DateTime<Utc>) -> Self {
        Self {
            user_id: user.id,
            former_email: user.email.clone(),
            at: now,
        }
    }

    /// Whether `user` is an account erased already.
    pub fn done_for(user: &User) -> bool {
        user.email == erased_email(user.id)
    }

    /// The account as it stays: an address nobody receives mail at (so the
    /// real one can register again), a placeholder name, new credentials
    /// (every session and link made for the old ones dies), and no login.
    pub fn erased_account(&self, user: &User) -> User {
        User {
            email: erased_email(self.user_id),
            name: PersonName::parse(ERASED_NAME).expect("the placeholder name is valid"),
            credentials_stamp: CredentialsStamp::generate(),
            email_verified: false,
            active: false,
            locale: Locale::En,
            timezone: None,
            totp: false,
            passkeys: 0,
            ..user.clone()
        }
    }
}

/// The address an erased account keeps: unique, and in the `.invalid`
/// domain (RFC 2606), which no mail reaches.
pub fn erased_email(user: UserId) -> Email {
    Email::parse(&format!("erased-{user}@erased.invalid"))
        .expect("the placeholder address is valid")
}

/// `booking` without the erased customer's words: destination, notes and
/// cancellation reason.
pub fn anonymised(booking: &Booking) -> Booking {
    let mut booking = booking.clone();
    booking.details.destination =
        Destination::parse(ERASED_DESTINATION).expect("the placeholder destination is valid");
    booking.details.notes = Notes::default();
    booking.cancellation_reason = None;
    booking
}

/// The details an audit entry about an erased person keeps: the ones that
/// say what happened (times, ids, roles, counts), never what was written
/// or sent (names, addresses, reasons, subjects).
const KEPT_DETAILS: [&str; 15] = [
    "attempts",
    "by",
    "consultantId",
    "customerId",
    "durationMinutes",
    "endsAt",
    "fields",
    "fromConsultantId",
    "fromStartsAt",
    "messageId",
    "role",
    "sessionId",
    "startsAt",
    "toConsultantId",
    "toStartsAt",
];

/// `entry` as the log keeps it once its person is erased: the same id,
/// time, actor and action; the details that do not describe them; and, for
/// an entry filed under their former address (a failed login), their
/// account's id instead.
pub fn scrubbed_entry(entry: &AuditEntry, erasure: &Erasure) -> AuditEntry {
    let details: Map<String, Value> = entry
        .details
        .iter()
        .filter(|(key, _)| KEPT_DETAILS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .chain([("erased".to_owned(), Value::Bool(true))])
        .collect();
    let target_id = if entry.target_id == erasure.former_email.as_str() {
        erasure.user_id.to_string()
    } else {
        entry.target_id.clone()
    };
    AuditEntry {
        details,
        target_id,
        ..entry.clone()
    }
}

/// A webhook event's body (`{"id","type","createdAt","data"}`) naming the
/// erased `user`, as it stays: the same event about the same records, with
/// the person's words and names as an erased account and booking have
/// them. `None` when there is nothing to change (`customer.erased` itself).
pub fn scrubbed_event_body(body: &str, user: UserId) -> Option<String> {
    let mut event: Value = serde_json::from_str(body).ok()?;
    let data = event.get_mut("data")?;
    let before = data.clone();
    scrub_value(data, user);
    (*data != before).then(|| event.to_string())
}

/// Replaces, at any depth, what a payload says of a person.
fn scrub_value(value: &mut Value, user: UserId) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                let replacement = match key.as_str() {
                    "email" => Value::from(erased_email(user).as_str()),
                    "name" => Value::from(ERASED_NAME),
                    "destination" => Value::from(ERASED_DESTINATION),
                    "notes" => Value::from(""),
                    "cancellationReason" => Value::Null,
                    _ => {
                        scrub_value(field, user);
                        continue;
                    }
                };
                *field = replacement;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| scrub_value(item, user)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AuditAction, AuditContext, AuditEntry};

    fn user() -> User {
        User::new_customer(
            Email::parse("ada@example.com").unwrap(),
            PersonName::parse("Ada Lovelace").unwrap(),
            Utc::now(),
        )
    }

    #[test]
    fn the_erased_account_keeps_its_id_and_nothing_of_the_person() {
        let mut ada = user();
        ada.email_verified = true;
        let erasure = Erasure::of(&ada, Utc::now());
        let erased = erasure.erased_account(&ada);
        assert_eq!(
            (erased.id, erased.role, erased.created_at),
            (ada.id, ada.role, ada.created_at)
        );
        assert!(!erased.email.as_str().contains("ada"));
        assert!(erased.email.as_str().ends_with(".invalid"));
        assert_eq!(erased.name.as_str(), ERASED_NAME);
        assert!(erased.credentials_stamp != ada.credentials_stamp);
        assert!(!erased.email_verified && !erased.active);
        assert_eq!(erasure.former_email, ada.email);
        assert!(Erasure::done_for(&erased) && !Erasure::done_for(&ada));
    }

    #[test]
    fn scrubbed_entries_keep_what_happened_and_lose_what_was_written() {
        let ada = user();
        let erasure = Erasure::of(&ada, Utc::now());
        let context = AuditContext::service(Utc::now());
        let failed = AuditEntry::login_failed(&context, &ada.email, None);
        let scrubbed = scrubbed_entry(&failed, &erasure);
        assert_eq!(scrubbed.id, failed.id);
        assert_eq!(scrubbed.action, AuditAction::UserLoginFailed);
        assert_eq!(scrubbed.target_id, ada.id.to_string());
        assert!(
            !serde_json::to_string(&scrubbed.details)
                .unwrap()
                .contains("ada")
        );
        assert_eq!(scrubbed.details["erased"], true);

        let sent = AuditEntry::new(&context, AuditAction::MailSent, ada.id)
            .with("messageId", "account.1")
            .with("subject", "Booking cancelled: Lisbon");
        let scrubbed = scrubbed_entry(&sent, &erasure);
        assert_eq!(scrubbed.details["messageId"], "account.1");
        assert!(!scrubbed.details.contains_key("subject"));
    }

    #[test]
    fn scrubbed_events_keep_their_envelope_and_records() {
        let ada = user();
        let registered = serde_json::json!({
            "id": "e1", "type": "customer.registered", "createdAt": "2026-12-03T00:00:00Z",
            "data": {"user": {"id": ada.id.to_string(), "email": "ada@example.com", "name": "Ada"}},
        });
        let scrubbed = scrubbed_event_body(&registered.to_string(), ada.id).unwrap();
        let scrubbed: Value = serde_json::from_str(&scrubbed).unwrap();
        assert_eq!(
            (scrubbed["id"].as_str(), scrubbed["type"].as_str()),
            (Some("e1"), Some("customer.registered"))
        );
        assert_eq!(scrubbed["data"]["user"]["id"], ada.id.to_string());
        assert_eq!(
            scrubbed["data"]["user"]["email"],
            erased_email(ada.id).as_str()
        );
        assert_eq!(scrubbed["data"]["user"]["name"], ERASED_NAME);

        let cancelled = serde_json::json!({"type": "booking.cancelled", "data": {"booking": {
            "id": "b1", "destination": "Lisbon", "notes": "vegan", "cancellationReason": "ill",
        }}});
        let scrubbed = scrubbed_event_body(&cancelled.to_string(), ada.id).unwrap();
        let booking = &serde_json::from_str::<Value>(&scrubbed).unwrap()["data"]["booking"];
        assert_eq!(booking["id"], "b1");
        assert_eq!(booking["destination"], ERASED_DESTINATION);
        assert_eq!(
            (
                booking["notes"].as_str(),
                booking["cancellationReason"].is_null()
            ),
            (Some(""), true)
        );

        let erased = serde_json::json!({"type": "customer.erased", "data": {"customerId": ada.id.to_string()}});
        assert_eq!(scrubbed_event_body(&erased.to_string(), ada.id), None);
    }
}
