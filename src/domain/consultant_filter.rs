//! Finding consultants: which of them a customer's "someone who speaks
//! Spanish, knows cruises and does video calls" means.

use icu_casemap::CaseMapper;
use icu_normalizer::DecomposingNormalizerBorrowed;
use icu_properties::CodePointMapData;
use icu_properties::props::GeneralCategory;

use super::{Consultant, InvalidInput, Mode};

/// `text` as searches compare it, regardless of case and accents:
/// decomposed (NFD), combining marks dropped, case-folded. "Crucérós" and
/// "CRUCEROS" fold alike; so do "Straße" and "strasse".
fn fold(text: &str) -> String {
    let decomposed = DecomposingNormalizerBorrowed::new_nfd().normalize(text);
    let categories = CodePointMapData::<GeneralCategory>::new();
    let bare: String = decomposed
        .chars()
        .filter(|c| categories.get(*c) != GeneralCategory::NonspacingMark)
        .collect();
    CaseMapper::new().fold_string(&bare).into_owned()
}

/// A search parameter, unless it is absent or blank.
fn asked(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

/// Which consultants a search wants; a part left out matches everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsultantFilter {
    /// A primary language subtag (`es`), lowercase.
    language: Option<String>,
    /// Part of a specialty, folded.
    specialty: Option<String>,
    /// A way of consulting.
    mode: Option<Mode>,
}

impl ConsultantFilter {
    /// The longest specialty asked for (a specialty is at most 60 characters).
    const MAX_SPECIALTY: usize = 60;

    /// Parses a search's `language`, `specialty` and `mode` (absent or
    /// empty: not asked for).
    pub fn parse(
        language: Option<&str>,
        specialty: Option<&str>,
        mode: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        let language = asked(language)
            .map(|tag| {
                let primary = (2..=3).contains(&tag.len())
                    && tag.bytes().all(|byte| byte.is_ascii_alphabetic());
                primary.then(|| tag.to_ascii_lowercase()).ok_or_else(|| {
                    InvalidInput::new(
                        "language",
                        "invalid_language",
                        "language must be a primary language subtag such as es or pt",
                    )
                })
            })
            .transpose()?;
        let specialty = asked(specialty)
            .map(|text| {
                if text.chars().count() > Self::MAX_SPECIALTY {
                    return Err(InvalidInput::new(
                        "specialty",
                        "invalid_specialty",
                        "specialty must be at most 60 characters",
                    ));
                }
                Ok(fold(text))
            })
            .transpose()?;
        let mode = asked(mode).map(Mode::parse).transpose()?;
        Ok(Self {
            language,
            specialty,
            mode,
        })
    }

    /// Whether `consultant` is one this search wants: active, speaking the
    /// language (any regional variant: `es` finds `es-MX`), with a specialty
    /// containing the text asked for, offering the mode.
    pub fn matches(&self, consultant: &Consultant) -> bool {
        let speaks = |wanted: &String| {
            consultant.languages.iter().any(|tag| {
                let primary = tag.split(['-', '_']).next().unwrap_or_default();
                primary.eq_ignore_ascii_case(wanted)
            })
        };
        let knows = |wanted: &String| {
            consultant
                .specialties
                .iter()
                .any(|specialty| fold(specialty).contains(wanted.as_str()))
        };
        consultant.active
            && self.language.as_ref().is_none_or(speaks)
            && self.specialty.as_ref().is_none_or(knows)
            && self
                .mode
                .is_none_or(|mode| consultant.modes.contains(&mode))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold("Crucérós"), fold("CRUCEROS"));
        assert_eq!(fold("Straße"), fold("STRASSE"));
        assert_eq!(fold("Ōsaka"), "osaka");
        assert_ne!(fold("Lima"), fold("Lyon"));
    }

    #[test]
    fn bad_searches_are_refused_by_field() {
        fn code(language: Option<&str>, specialty: Option<&str>, mode: Option<&str>) -> String {
            let refused = ConsultantFilter::parse(language, specialty, mode).unwrap_err();
            refused.code.to_string()
        }
        assert_eq!(code(Some("spanish"), None, None), "invalid_language");
        assert_eq!(code(Some("e1"), None, None), "invalid_language");
        assert_eq!(code(None, Some(&"x".repeat(61)), None), "invalid_specialty");
        assert_eq!(code(None, None, Some("fax")), "invalid_mode");
        assert_eq!(
            ConsultantFilter::parse(Some(" "), Some(""), None).unwrap(),
            ConsultantFilter::default()
        );
    }
}
