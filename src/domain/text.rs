//! Length-checked free text.

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
    /// Trims `raw` and checks its length in characters and its control
    /// characters; returns the trimmed text.
    pub fn parse(&self, raw: &str) -> Result<String, InvalidInput> {
        let text = raw.trim();
        let chars = text.chars().count();
        if chars < self.min_chars || chars > self.max_chars {
            let detail = if self.min_chars == 0 {
                format!(
                    "{} must be at most {} characters",
                    self.label, self.max_chars
                )
            } else {
                format!(
                    "{} must be {} to {} characters",
                    self.label, self.min_chars, self.max_chars
                )
            };
            return Err(InvalidInput::new(self.field, self.code, detail));
        }
        let allowed =
            |c: char| !c.is_control() || (self.multiline && matches!(c, '\n' | '\r' | '\t'));
        if !text.chars().all(allowed) {
            return Err(InvalidInput::new(
                self.field,
                self.code,
                format!("{} must not contain control characters", self.label),
            ));
        }
        if text.chars().any(is_disguising) {
            return Err(InvalidInput::new(
                self.field,
                self.code,
                format!(
                    "{} must not contain invisible or text-direction characters",
                    self.label
                ),
            ));
        }
        Ok(text.to_owned())
    }
}

/// Invisible characters that change how text around them is shown
/// (bidirectional overrides, isolates and marks; zero-width characters):
/// in a name or note they can make what a consultant reads differ from what
/// was typed ("Trojan Source"). Zero-width joiners stay allowed: emoji and
/// several scripts need them.
fn is_disguising(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'                 // zero width space
            | '\u{200C}'           // zero width non-joiner
            | '\u{200E}'..='\u{200F}' // left-to-right / right-to-left marks
            | '\u{202A}'..='\u{202E}' // embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // isolates
            | '\u{061C}'           // Arabic letter mark
            | '\u{FEFF}'           // zero width no-break space (BOM)
    )
}

/// Why a booking was cancelled: optional, at most 500 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancellationReason(String);

impl CancellationReason {
    const RULE: TextRule = TextRule {
        field: "reason",
        code: "invalid_reason",
        label: "Reason",
        min_chars: 0,
        max_chars: 500,
        multiline: true,
    };

    /// Parses a client-supplied reason.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        Self::RULE.parse(raw).map(Self)
    }

    /// The reason text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

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
    }

    const RULE: TextRule = TextRule {
        field: "notes",
        code: "invalid_notes",
        label: "Notes",
        min_chars: 0,
        max_chars: 100,
        multiline: true,
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

    #[test]
    fn ordinary_scripts_and_emoji_pass() {
        for raw in [
            "Zoë",
            "שלום עולם",
            "東京",
            "👩\u{200D}👩\u{200D}👧 family trip",
        ] {
            assert!(RULE.parse(raw).is_ok(), "{raw:?}");
        }
    }
}
