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
        Ok(text.to_owned())
    }
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
                .filter(|c| !c.is_control())
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
}
