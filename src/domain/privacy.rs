//! What a person agreed to, and what of the service's records is theirs to
//! take away: the consent kept from registration, and the mails they were
//! sent as the audit log remembers them.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::{AuditAction, AuditEntry, Booking, InvalidInput, Recipient, TargetKind, User, UserId};

/// The version of the terms of service in force (`TERMS_VERSION`): 1 to
/// 64 visible ASCII characters, as the agency names its editions
/// (`2026-11`, `v3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsVersion(String);

impl TermsVersion {
    /// Longest accepted version name.
    pub const MAX_LENGTH: usize = 64;

    /// `raw` as a version name, or why it cannot be one.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let valid = !raw.is_empty()
            && raw.len() <= Self::MAX_LENGTH
            && raw.bytes().all(|byte| byte.is_ascii_graphic());
        if !valid {
            return Err(InvalidInput::new(
                "termsVersion",
                "invalid_terms_version",
                "a terms version is 1 to 64 visible ASCII characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The version's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's acceptance of the terms: which edition, when, and from
/// which client address (the evidence an agency is asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Whose.
    pub user_id: UserId,
    /// The edition accepted.
    pub terms_version: TermsVersion,
    /// When.
    pub accepted_at: DateTime<Utc>,
    /// From where, when the service could tell.
    pub client_address: Option<IpAddr>,
}

/// Whether a mail was handed to the mail server or given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    /// Handed over.
    Sent,
    /// Given up after a day of failures.
    Failed,
}

impl MailStatus {
    /// The name the export shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

/// One mail sent (or given up) to a person, as their export lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct MailRecord {
    /// The mail's id (its `Message-ID`).
    pub message_id: String,
    /// Its subject; `None` for a mail never composed to the end.
    pub subject: Option<String>,
    /// When it was handed over or given up.
    pub at: DateTime<Utc>,
    /// Which of the two.
    pub status: MailStatus,
}

/// The mails addressed to `user` among `entries` (the log of their account
/// and of `bookings`, theirs in either role), in the entries' order: the
/// account's own mails, and of each booking's mails the copy for the
/// party `user` is in it (a booking mail's id ends with its recipient).
pub fn mails_to(user: &User, bookings: &[Booking], entries: &[AuditEntry]) -> Vec<MailRecord> {
    entries
        .iter()
        .filter_map(|entry| {
            let status = match entry.action {
                AuditAction::MailSent => MailStatus::Sent,
                AuditAction::MailFailed => MailStatus::Failed,
                _ => return None,
            };
            let message_id = entry.details.get("messageId")?.as_str()?;
            let addressed = match entry.target_kind {
                TargetKind::User => entry.target_id == user.id.to_string(),
                TargetKind::Booking => bookings.iter().any(|booking| {
                    booking.id.to_string() == entry.target_id
                        && recipient_in(booking, user).is_some_and(|role| {
                            message_id.ends_with(&format!(".{}", role.as_str()))
                        })
                }),
                _ => false,
            };
            addressed.then(|| MailRecord {
                message_id: message_id.to_owned(),
                subject: entry
                    .details
                    .get("subject")
                    .and_then(|subject| subject.as_str())
                    .map(str::to_owned),
                at: entry.at,
                status,
            })
        })
        .collect()
}

/// The recipient `user` is of `booking`'s mails.
fn recipient_in(booking: &Booking, user: &User) -> Option<Recipient> {
    if booking.customer_id == user.id {
        Some(Recipient::Customer)
    } else if user.role.consultant_id() == Some(booking.consultant_id) {
        Some(Recipient::Consultant)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_versions_are_short_visible_ascii() {
        for good in ["1", "2026-11", "v3.1", &"x".repeat(64)] {
            assert_eq!(TermsVersion::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", " ", "v 3", "é", "v3\n", &"x".repeat(65)] {
            assert!(TermsVersion::parse(bad).is_err(), "{bad:?}");
        }
    }
}
