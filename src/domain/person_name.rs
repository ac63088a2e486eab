//! People's display names.

use std::fmt;

use super::text::{TextRule, text_field};

text_field!(
    /// A person's name: 1 to 100 characters after trimming, no control characters.
    #[derive(Clone, PartialEq, Eq)]
    PersonName,
    TextRule {
        field: "name",
        code: "invalid_name",
        label: "Name",
        min_chars: 1,
        max_chars: 100,
        multiline: false,
    }
);

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
