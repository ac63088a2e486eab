//! People's display names.

use std::fmt;

use super::InvalidInput;
use super::text::TextRule;

/// A person's name: 1 to 100 characters after trimming, no control characters.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    const RULE: TextRule = TextRule {
        field: "name",
        code: "invalid_name",
        label: "Name",
        min_chars: 1,
        max_chars: 100,
        multiline: false,
    };

    /// Parses user input.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        Self::RULE.parse(raw).map(Self)
    }

    /// A name as a store kept it.
    pub fn from_stored(stored: &str) -> Option<Self> {
        Self::RULE.restore(stored).map(Self)
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_counted_in_characters() {
        assert_eq!(
            PersonName::parse("  Zoë Ngata ").unwrap().as_str(),
            "Zoë Ngata"
        );
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert!(PersonName::parse(&"é".repeat(101)).is_err());
    }

    #[test]
    fn blank_or_control_names_are_rejected() {
        for raw in ["", "   ", "\t", "Bad\u{0}Name", "Two\nLines"] {
            assert_eq!(
                PersonName::parse(raw).unwrap_err().code,
                "invalid_name",
                "{raw:?}"
            );
        }
    }
}
