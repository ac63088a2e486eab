//! The value types a booking is made of.

use crate::domain::InvalidInput;
use crate::domain::text::{TextRule, text_field};

/// Where a booking stands. `pending` → `confirmed` → `cancelled`, and
/// `pending` → `cancelled`; nothing leaves `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingStatus {
    /// Booked, waiting for the consultant.
    Pending,
    /// Accepted by the consultant.
    Confirmed,
    /// Called off by either side; its slots are free again.
    Cancelled,
}

impl BookingStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [BookingStatus; 3] = [Self::Pending, Self::Confirmed, Self::Cancelled];

    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Whether a booking in this status holds its slots.
    pub fn is_live(&self) -> bool {
        !matches!(self, Self::Cancelled)
    }
}

/// How the consultation takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Video call.
    Video,
    /// Phone call.
    Phone,
    /// At the agency.
    InPerson,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 3] = [Self::Video, Self::Phone, Self::InPerson];

    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Phone => "phone",
            Self::InPerson => "in_person",
        }
    }

    /// Parses a client-supplied mode.
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.as_str() == text)
            .ok_or_else(|| {
                InvalidInput::new(
                    "mode",
                    "invalid_mode",
                    "mode must be one of video, phone, in_person",
                )
            })
    }
}

text_field!(
    /// Where the customer wants to travel: 1 to 120 characters after trimming.
    #[derive(Debug, Clone, PartialEq, Eq)]
    Destination,
    TextRule {
        field: "destination",
        code: "invalid_destination",
        label: "Destination",
        min_chars: 1,
        max_chars: 120,
        multiline: false,
    }
);

/// How many people are travelling: 1 to 20.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Travelers(u8);

impl Travelers {
    /// Parses a client-supplied count.
    pub fn parse(count: i64) -> Result<Self, InvalidInput> {
        u8::try_from(count)
            .ok()
            .filter(|count| (1..=20).contains(count))
            .map(Self)
            .ok_or_else(|| {
                InvalidInput::new(
                    "travelers",
                    "invalid_travelers",
                    "travelers must be a whole number from 1 to 20",
                )
            })
    }

    /// The count.
    pub fn get(&self) -> u8 {
        self.0
    }
}

text_field!(
    /// Free-form notes for the consultant: at most 2000 characters, line breaks allowed.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    Notes,
    TextRule {
        field: "notes",
        code: "invalid_notes",
        label: "Notes",
        min_chars: 0,
        max_chars: 2000,
        multiline: true,
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_modes_round_trip_their_wire_names() {
        for status in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(BookingStatus::parse("Pending"), None);
        assert_eq!(Mode::parse("in_person"), Ok(Mode::InPerson));
        assert_eq!(
            Mode::parse("carrier pigeon").unwrap_err().code,
            "invalid_mode"
        );
        assert!(!BookingStatus::Cancelled.is_live());
        assert!(BookingStatus::Confirmed.is_live());
    }

    #[test]
    fn travelers_are_1_to_20() {
        assert_eq!(Travelers::parse(1).unwrap().get(), 1);
        assert_eq!(Travelers::parse(20).unwrap().get(), 20);
        for count in [0, 21, -1, 300, i64::MAX] {
            assert_eq!(
                Travelers::parse(count).unwrap_err().code,
                "invalid_travelers"
            );
        }
    }

    #[test]
    fn destination_and_notes_lengths() {
        assert_eq!(Destination::parse(" Lisbon ").unwrap().as_str(), "Lisbon");
        assert!(Destination::parse(&"d".repeat(120)).is_ok());
        assert_eq!(
            Destination::parse(&"d".repeat(121)).unwrap_err().code,
            "invalid_destination"
        );
        assert_eq!(
            Destination::parse("  ").unwrap_err().code,
            "invalid_destination"
        );
        assert!(Notes::parse("").is_ok());
        assert!(Notes::parse("two\nlines").is_ok());
        assert!(Notes::parse(&"n".repeat(2000)).is_ok());
        assert_eq!(
            Notes::parse(&"n".repeat(2001)).unwrap_err().code,
            "invalid_notes"
        );
    }
}
