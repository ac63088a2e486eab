//! Length-checked free text, cleared of characters that disguise it.

use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory};
use icu_properties::{CodePointMapData, CodePointSetData};

use super::InvalidInput;

/// How a free-text field is checked.
pub(crate) struct TextRule {
    pub field: &'static str,
    pub code: &'static str,
    /// Human name used in messages ("Destination").
    pub label: &'static str,
    pub min_chars: usize,
    pub max_chars: usize,
    /// Whether line breaks and tabs are allowed (multi-line notes) or not.
    pub multiline: bool,
}

impl TextRule {
    /// Trims `raw` and checks its length in characters and the characters
    /// themselves; returns the trimmed text.
    pub fn parse(&self, raw: &str) -> Result<String, InvalidInput> {
        let text = raw.trim();
        let chars = text.chars().count();
        if chars < self.min_chars || chars > self.max_chars {
            return Err(self.refuse(self.length_detail()));
        }
        let allowed =
            |c: char| !c.is_control() || (self.multiline && matches!(c, '\n' | '\r' | '\t'));
        if !text.chars().all(allowed) {
            return Err(self.refuse(format!(
                "{} must not contain control characters",
                self.label
            )));
        }
        if text.chars().any(is_disguising) {
            return Err(self.refuse(format!(
                "{} must not contain invisible, line-separator or text-direction characters",
                self.label
            )));
        }
        if has_encoded_word(text) {
            return Err(self.refuse(format!(
                "{} must not contain MIME encoded words (=?…?=)",
                self.label
            )));
        }
        if self.min_chars > 0 && !text.chars().any(char::is_alphanumeric) {
            return Err(self.refuse(format!(
                "{} must contain at least one letter or digit",
                self.label
            )));
        }
        Ok(text.to_owned())
    }

    /// Text a store kept: accepted as it is if it fits the field's length
    /// (it passed [`parse`](Self::parse), perhaps under older rules, and
    /// must still read back).
    pub fn restore(&self, stored: &str) -> Option<String> {
        (stored.chars().count() <= self.max_chars).then(|| stored.to_owned())
    }

    fn refuse(&self, detail: String) -> InvalidInput {
        InvalidInput::new(self.field, self.code, detail)
    }

    fn length_detail(&self) -> String {
        if self.min_chars == 0 {
            format!(
                "{} must be at most {} characters",
                self.label, self.max_chars
            )
        } else {
            format!(
                "{} must be {} to {} characters",
                self.label, self.min_chars, self.max_chars
            )
        }
    }
}

/// Characters that change or hide what text shows: line and paragraph
/// separators (a "new line" inside a one-line field, or a mail header),
/// format characters (bidirectional overrides, isolates and marks, soft
/// hyphens, interlinear annotations, tags) and every default-ignorable code
/// point (zero-width characters, fillers such as U+3164). Such text could
/// make what a consultant reads differ from what was typed ("Trojan
/// Source"), or look empty. Kept: the zero-width joiner and the variation
/// selectors U+FE00–U+FE0F, which emoji and several scripts need.
pub(crate) fn is_disguising(c: char) -> bool {
    if c == '\u{200D}' || ('\u{FE00}'..='\u{FE0F}').contains(&c) {
        return false;
    }
    let category = CodePointMapData::<GeneralCategory>::new().get(c);
    matches!(
        category,
        GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::Format
    ) || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
}

/// Whether `text` holds what a mail program could decode as an RFC 2047
/// encoded word (`=?charset?B?…?=`): text that reaches a subject must say
/// what it shows.
fn has_encoded_word(text: &str) -> bool {
    text.find("=?")
        .is_some_and(|start| text[start + 2..].contains("?="))
}

/// Declares a newtype of checked free text under a [`TextRule`]: `parse`
/// (client input), `from_stored` (as a store kept it) and `as_str`.
/// Attributes (docs, derives) go on the struct.
macro_rules! text_field {
    ($(#[$meta:meta])* $name:ident, $rule:expr) => {
        $(#[$meta])*
        pub struct $name(String);

        impl $name {
            const RULE: $crate::domain::text::TextRule = $rule;

            /// Parses client input.
            pub fn parse(raw: &str) -> Result<Self, $crate::domain::InvalidInput> {
                Self::RULE.parse(raw).map(Self)
            }

            /// The text as a store kept it.
            pub fn from_stored(stored: &str) -> Option<Self> {
                Self::RULE.restore(stored).map(Self)
            }

            /// The trimmed text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use text_field;

text_field!(
    /// Why a booking was cancelled: optional, at most 500 characters.
    #[derive(Debug, Clone, PartialEq, Eq)]
    CancellationReason,
    TextRule {
        field: "reason",
        code: "invalid_reason",
        label: "Reason",
        min_chars: 0,
        max_chars: 500,
        multiline: true,
    }
);

/// The `User-Agent` a session was created with, cut to 256 characters and
/// stripped of control characters: it is shown back to the user, never trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAgent(String);

impl UserAgent {
    const MAX_CHARS: usize = 256;

    /// Sanitises a raw header value (lossy, never fails).
    pub fn sanitize(raw: &str) -> Self {
        Self(
            raw.chars()
                .filter(|c| !c.is_control() && !is_disguising(*c))
                .take(Self::MAX_CHARS)
                .collect::<String>()
                .trim()
                .to_owned(),
        )
    }

    /// The sanitised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_is_trimmed_and_bounded() {
        assert_eq!(
            CancellationReason::parse("  ill  ").unwrap().as_str(),
            "ill"
        );
        assert_eq!(CancellationReason::parse("").unwrap().as_str(), "");
        assert!(CancellationReason::parse(&"x".repeat(501)).is_err());
        assert!(CancellationReason::parse("line\nbreak").is_ok());
        assert_eq!(
            CancellationReason::parse("nul\0").unwrap_err().code,
            "invalid_reason"
        );
    }

    #[test]
    fn user_agent_is_sanitised() {
        assert_eq!(UserAgent::sanitize("curl/8\r\n").as_str(), "curl/8");
        assert_eq!(UserAgent::sanitize(&"a".repeat(1000)).as_str().len(), 256);
        assert_eq!(UserAgent::sanitize("a\u{2028}b\u{AD}c").as_str(), "abc");
    }

    const RULE: TextRule = TextRule {
        field: "notes",
        code: "invalid_notes",
        label: "Notes",
        min_chars: 0,
        max_chars: 100,
        multiline: true,
    };

    const NAME_RULE: TextRule = TextRule {
        field: "name",
        code: "invalid_name",
        label: "Name",
        min_chars: 1,
        max_chars: 100,
        multiline: false,
    };

    #[test]
    fn direction_overrides_and_zero_width_characters_are_refused() {
        for raw in [
            "invoice\u{202E}fdp.exe",
            "a\u{2066}b\u{2069}",
            "hidden\u{200B}space",
            "\u{FEFF}bom",
            "mark\u{200F}",
        ] {
            let error = RULE.parse(raw).unwrap_err();
            assert_eq!(error.code, "invalid_notes", "{raw:?}");
        }
    }

    /// The third review's list: separators, fillers, soft hyphens,
    /// combining grapheme joiners, Mongolian vowel separators, tags and
    /// interlinear annotations, each inside otherwise ordinary text.
    #[test]
    fn separators_fillers_and_other_invisible_code_points_are_refused() {
        for c in [
            '\u{2028}',
            '\u{2029}',
            '\u{3164}',
            '\u{115F}',
            '\u{FFA0}',
            '\u{00AD}',
            '\u{034F}',
            '\u{180E}',
            '\u{E0041}',
            '\u{E007F}',
            '\u{FFF9}',
            '\u{FFFB}',
            '\u{2060}',
            '\u{200C}',
        ] {
            let text = format!("Lisbon{c}Porto");
            assert_eq!(
                RULE.parse(&text).unwrap_err().code,
                "invalid_notes",
                "U+{:04X}",
                c as u32
            );
            assert!(is_disguising(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn a_required_text_needs_a_letter_or_digit() {
        for raw in ["\u{2800}\u{2800}", "---", "...", "🙂"] {
            assert_eq!(
                NAME_RULE.parse(raw).unwrap_err().code,
                "invalid_name",
                "{raw:?}"
            );
        }
        for raw in ["Ana", "42", "李", "Zoë 🙂"] {
            assert!(NAME_RULE.parse(raw).is_ok(), "{raw:?}");
        }
        assert!(
            RULE.parse("...").is_ok(),
            "optional text may be anything visible"
        );
    }

    #[test]
    fn mime_encoded_words_are_refused() {
        for raw in [
            "=?utf-8?b?4oCuZXhl?=",
            "Bali =?UTF-8?Q?=0ABcc:_x@evil.example?= trip",
        ] {
            assert_eq!(RULE.parse(raw).unwrap_err().code, "invalid_notes");
        }
        assert!(RULE.parse("a=?b").is_ok());
        assert!(RULE.parse("why? =").is_ok());
    }

    #[test]
    fn ordinary_scripts_and_emoji_pass() {
        for raw in [
            "Zoë",
            "שלום עולם",
            "東京",
            "👩\u{200D}👩\u{200D}👧 family trip",
            "I \u{2764}\u{FE0F} Rome",
            "नमस्ते",
        ] {
            assert!(RULE.parse(raw).is_ok(), "{raw:?}");
        }
    }

    #[test]
    fn stored_text_reads_back_whatever_the_rules_became() {
        assert_eq!(
            RULE.restore("old\u{3164}text").as_deref(),
            Some("old\u{3164}text")
        );
        assert_eq!(RULE.restore(&"x".repeat(101)), None);
    }
}
