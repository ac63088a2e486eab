//! Listing bookings: filters and keyset pagination.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use super::{Booking, BookingStatus};
use crate::domain::{
    BookingId, ConsultantId, InvalidInput, User, UserId, Window, parse_limit, parse_window,
    split_page,
};

/// Where the next page starts: just after this (startsAt, id) position.
/// Sent to clients as an opaque string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingCursor {
    /// `startsAt` of the last booking of the previous page.
    pub starts_at: DateTime<Utc>,
    /// Id of the last booking of the previous page (ties on `startsAt`).
    pub id: BookingId,
}

impl BookingCursor {
    /// The position right after `booking`.
    pub fn after(booking: &Booking) -> Self {
        Self {
            starts_at: booking.appointment.start(),
            id: booking.id,
        }
    }

    /// The opaque text form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}", self.starts_at.timestamp(), self.id))
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
        let (seconds, id) = text.split_once('.').ok_or_else(invalid)?;
        let starts_at = seconds
            .parse::<i64>()
            .ok()
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
            .ok_or_else(invalid)?;
        let id = BookingId::parse(id).ok_or_else(invalid)?;
        Ok(Self { starts_at, id })
    }
}

/// The list query parameters as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct RawBookingQuery {
    /// `pending`, `confirmed` or `cancelled`.
    pub status: Option<String>,
    /// Earliest `startsAt` (inclusive), RFC 3339.
    pub from: Option<String>,
    /// Latest `startsAt` (exclusive), RFC 3339.
    pub to: Option<String>,
    /// Page size, 1–100.
    pub limit: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

/// Whose bookings a query lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingScope {
    /// What a user sees: the bookings `customer` made, and, for a
    /// consultant's account, those made with `consultant`.
    Own {
        /// The user.
        customer: UserId,
        /// The consultant the user's account speaks for, if any.
        consultant: Option<ConsultantId>,
    },
    /// Every booking (agency staff), of one consultant and one customer
    /// when given.
    All {
        /// Only this consultant's.
        consultant: Option<ConsultantId>,
        /// Only this customer's.
        customer: Option<UserId>,
    },
}

impl BookingScope {
    /// What `viewer` sees: staff see every booking.
    pub fn of(viewer: &User) -> Self {
        if viewer.role.is_admin() {
            return Self::All {
                consultant: None,
                customer: None,
            };
        }
        Self::Own {
            customer: viewer.id,
            consultant: viewer.role.consultant_id(),
        }
    }

    /// Whether `booking` is in the scope.
    pub fn contains(&self, booking: &Booking) -> bool {
        match *self {
            Self::Own {
                customer,
                consultant,
            } => booking.customer_id == customer || Some(booking.consultant_id) == consultant,
            Self::All {
                consultant,
                customer,
            } => {
                consultant.is_none_or(|id| booking.consultant_id == id)
                    && customer.is_none_or(|id| booking.customer_id == id)
            }
        }
    }
}

/// Which bookings a user sees, filtered and paged, sorted by (`startsAt`, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingQuery {
    /// Whose bookings.
    pub scope: BookingScope,
    /// Only this status.
    pub status: Option<BookingStatus>,
    /// Only `startsAt >= from`.
    pub from: Option<DateTime<Utc>>,
    /// Only `startsAt < to`.
    pub to: Option<DateTime<Utc>>,
    /// Only positions after this one.
    pub after: Option<BookingCursor>,
    /// Page size.
    pub limit: usize,
}

impl BookingQuery {
    /// Page size when the client does not say.
    pub const DEFAULT_LIMIT: usize = 20;
    /// Largest page.
    pub const MAX_LIMIT: usize = 100;

    /// Parses the list parameters for the bookings in `scope`.
    pub fn parse(scope: BookingScope, raw: &RawBookingQuery) -> Result<Self, InvalidInput> {
        let status = raw
            .status
            .as_deref()
            .map(|text| {
                BookingStatus::parse(text).ok_or_else(|| {
                    InvalidInput::new(
                        "status",
                        "invalid_status",
                        "status must be one of pending, confirmed, cancelled",
                    )
                })
            })
            .transpose()?;
        let Window { from, to } = parse_window(raw.from.as_deref(), raw.to.as_deref())?;
        let limit = parse_limit(raw.limit.as_deref(), Self::DEFAULT_LIMIT, Self::MAX_LIMIT)?;
        let after = raw
            .cursor
            .as_deref()
            .map(BookingCursor::decode)
            .transpose()?;
        Ok(Self {
            scope,
            status,
            from,
            to,
            after,
            limit,
        })
    }

    /// Every booking made with `consultant` (all statuses) starting in
    /// `[from, to)`, a page at a time.
    pub fn consultant_between(
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Self {
        Self {
            scope: BookingScope::All {
                consultant: Some(consultant),
                customer: None,
            },
            status: None,
            from: Some(from),
            to: Some(to),
            after: None,
            limit: Self::MAX_LIMIT,
        }
    }

    /// How many rows to ask the store for: one more than a page, to learn
    /// whether another page follows.
    pub fn fetch_limit(&self) -> usize {
        self.limit + 1
    }

    /// Cuts rows fetched with [`fetch_limit`](Self::fetch_limit) to a page and
    /// the cursor of the next one (`None` on the last page).
    pub fn paginate(&self, rows: Vec<Booking>) -> (Vec<Booking>, Option<BookingCursor>) {
        split_page(rows, self.limit, BookingCursor::after)
    }

    /// Whether `booking` belongs in the result (before paging). Stores filter
    /// in their query language; this is the reference they are tested against.
    pub fn matches(&self, booking: &Booking) -> bool {
        let visible = self.scope.contains(booking);
        let start = booking.appointment.start();
        visible
            && self.status.is_none_or(|status| booking.status == status)
            && self.from.is_none_or(|from| start >= from)
            && self.to.is_none_or(|to| start < to)
            && self
                .after
                .is_none_or(|after| (start, booking.id) > (after.starts_at, after.id))
    }
}
