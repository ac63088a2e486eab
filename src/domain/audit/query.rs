//! Reading the audit log: filters and keyset pagination, newest first.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use super::{AuditAction, AuditEntry};
use crate::domain::{AuditId, InvalidInput, Window, parse_limit, parse_window, split_page};

/// Where the next page starts: just past this (at, id) position, in the
/// query's order. Sent to clients as an opaque string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditCursor {
    /// `at` of the last entry of the previous page.
    pub at: DateTime<Utc>,
    /// Its id (ties on `at`).
    pub id: AuditId,
}

impl AuditCursor {
    /// The opaque text form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}", self.at.timestamp_millis(), self.id))
    }

    /// Parses the opaque text form.
    pub fn decode(text: &str) -> Result<Self, InvalidInput> {
        let invalid = || {
            InvalidInput::new(
                "cursor",
                "invalid_cursor",
                "cursor must be a nextCursor value returned by this endpoint",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| invalid())?;
        let (millis, id) = text.split_once('.').ok_or_else(invalid)?;
        let at = millis
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis)
            .ok_or_else(invalid)?;
        let id = AuditId::parse(id).ok_or_else(invalid)?;
        Ok(Self { at, id })
    }
}

/// The query parameters as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct RawAuditQuery {
    /// Only entries by this actor (an account or key id).
    pub actor_id: Option<String>,
    /// Only entries about this record.
    pub target_id: Option<String>,
    /// Only this action (`booking.cancelled`).
    pub action: Option<String>,
    /// Earliest `at` (inclusive), RFC 3339.
    pub from: Option<String>,
    /// Latest `at` (exclusive), RFC 3339.
    pub to: Option<String>,
    /// Page size, 1–100.
    pub limit: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

/// Which entries to read, in which order, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only entries by this actor.
    pub actor_id: Option<String>,
    /// Only entries about this record.
    pub target_id: Option<String>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only `at >= from`.
    pub from: Option<DateTime<Utc>>,
    /// Only `at < to`.
    pub to: Option<DateTime<Utc>>,
    /// Only positions past this one.
    pub after: Option<AuditCursor>,
    /// Page size.
    pub limit: usize,
    /// Oldest first (a record's history) rather than newest first.
    pub oldest_first: bool,
}

/// An id filter: ids are 24 hex characters; anything else matches nothing
/// and is refused as such.
fn id_filter(raw: Option<&str>, field: &'static str) -> Result<Option<String>, InvalidInput> {
    raw.map(|text| {
        AuditId::parse(text)
            .map(|_| text.to_ascii_lowercase())
            .ok_or_else(|| InvalidInput::new(field, "invalid_id", format!("{field} must be an id")))
    })
    .transpose()
}

impl AuditQuery {
    /// Page size when the client does not say.
    pub const DEFAULT_LIMIT: usize = 50;
    /// Largest page.
    pub const MAX_LIMIT: usize = 100;

    /// Parses the admin log's parameters (newest first).
    pub fn parse(raw: &RawAuditQuery) -> Result<Self, InvalidInput> {
        let action = raw
            .action
            .as_deref()
            .map(|text| {
                AuditAction::parse(text).ok_or_else(|| {
                    InvalidInput::new("action", "invalid_action", "action must be a logged action")
                })
            })
            .transpose()?;
        let Window { from, to } = parse_window(raw.from.as_deref(), raw.to.as_deref())?;
        let limit = parse_limit(raw.limit.as_deref(), Self::DEFAULT_LIMIT, Self::MAX_LIMIT)?;
        Ok(Self {
            actor_id: id_filter(raw.actor_id.as_deref(), "actorId")?,
            target_id: id_filter(raw.target_id.as_deref(), "targetId")?,
            action,
            from,
            to,
            after: raw.cursor.as_deref().map(AuditCursor::decode).transpose()?,
            limit,
            oldest_first: false,
        })
    }

    /// Every entry about `target_id`, oldest first, a page at a time.
    pub fn history_of(target_id: impl ToString) -> Self {
        Self {
            actor_id: None,
            target_id: Some(target_id.to_string()),
            action: None,
            from: None,
            to: None,
            after: None,
            limit: Self::MAX_LIMIT,
            oldest_first: true,
        }
    }

    /// How many rows to ask the store for: one more than a page.
    pub fn fetch_limit(&self) -> usize {
        self.limit + 1
    }

    /// Cuts rows fetched with [`fetch_limit`](Self::fetch_limit) to a page and
    /// the cursor of the next one (`None` on the last page).
    pub fn paginate(&self, rows: Vec<AuditEntry>) -> (Vec<AuditEntry>, Option<AuditCursor>) {
        split_page(rows, self.limit, |entry| AuditCursor {
            at: entry.at,
            id: entry.id,
        })
    }

    /// Whether `entry` belongs in the result (before paging): the reference
    /// the stores' queries are tested against.
    pub fn matches(&self, entry: &AuditEntry) -> bool {
        let position = (entry.at, entry.id);
        self.actor_id
            .as_ref()
            .is_none_or(|actor| entry.actor.as_ref().is_some_and(|a| &a.id == actor))
            && self
                .target_id
                .as_ref()
                .is_none_or(|target| &entry.target_id == target)
            && self.action.is_none_or(|action| entry.action == action)
            && self.from.is_none_or(|from| entry.at >= from)
            && self.to.is_none_or(|to| entry.at < to)
            && self.after.is_none_or(|after| {
                let cursor = (after.at, after.id);
                if self.oldest_first {
                    position > cursor
                } else {
                    position < cursor
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let cursor = AuditCursor {
            at: DateTime::from_timestamp_millis(1_800_000_000_123).unwrap(),
            id: AuditId::generate(),
        };
        assert_eq!(AuditCursor::decode(&cursor.encode()), Ok(cursor));
        assert_eq!(
            AuditCursor::decode("junk").unwrap_err().code,
            "invalid_cursor"
        );
    }

    #[test]
    fn parameters_are_checked() {
        let raw = |action: &str, limit: &str| RawAuditQuery {
            action: Some(action.into()),
            limit: Some(limit.into()),
            ..RawAuditQuery::default()
        };
        assert!(AuditQuery::parse(&raw("booking.cancelled", "10")).is_ok());
        assert_eq!(
            AuditQuery::parse(&raw("booking.eaten", "10"))
                .unwrap_err()
                .code,
            "invalid_action"
        );
        assert_eq!(
            AuditQuery::parse(&raw("user.login", "0")).unwrap_err().code,
            "invalid_limit"
        );
        let bad_id = RawAuditQuery {
            target_id: Some("x".into()),
            ..RawAuditQuery::default()
        };
        assert_eq!(AuditQuery::parse(&bad_id).unwrap_err().code, "invalid_id");
    }
}
