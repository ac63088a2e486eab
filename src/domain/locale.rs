//! Where people are: the languages the service writes to them in,
//! choosing one from what a browser or app says it prefers
//! (`Accept-Language`, RFC 9110), and their time zones.

use chrono_tz::Tz;

use super::{InvalidInput, User};

/// Who reads a mail, as its wording and times go: their language, and
/// the zone its times are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    /// The language the mail is written in.
    pub locale: Locale,
    /// The zone its times are shown in.
    pub zone: Tz,
}

impl Reader {
    /// `user` reads in their own language, with times in their own zone or,
    /// if they never chose one, in `fallback` (the consultant's zone: where
    /// the appointment takes place).
    pub fn of(user: &User, fallback: Tz) -> Self {
        Self {
            locale: user.locale,
            zone: user.timezone.unwrap_or(fallback),
        }
    }
}

/// Client input naming a time zone (`Europe/Lisbon`), or 400
/// `invalid_timezone`.
pub fn parse_time_zone(raw: &str) -> Result<Tz, InvalidInput> {
    raw.parse().map_err(|_| {
        InvalidInput::new(
            "timezone",
            "invalid_timezone",
            "timezone must be an IANA time zone name such as Europe/Lisbon",
        )
    })
}

/// A supported language, by its primary subtag (BCP 47).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// English.
    En,
    /// Spanish.
    Es,
    /// French.
    Fr,
    /// German.
    De,
    /// Italian.
    It,
    /// Japanese.
    Ja,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 6] = [Self::En, Self::Es, Self::Fr, Self::De, Self::It, Self::Ja];

    /// The stored and shown tag (`es`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
            Self::Fr => "fr",
            Self::De => "de",
            Self::It => "it",
            Self::Ja => "ja",
        }
    }

    /// The locale a language tag names by its primary subtag, whatever its
    /// region or script (`es-MX` is `es`), if supported.
    pub fn of_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Self::ALL
            .into_iter()
            .find(|locale| locale.as_str().eq_ignore_ascii_case(primary))
    }

    /// Client input: a supported tag, or 400 `unsupported_locale`.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        Self::of_tag(raw).ok_or_else(|| {
            InvalidInput::new(
                "locale",
                "unsupported_locale",
                "locale must be one of en, es, fr, de, it, ja",
            )
        })
    }

    /// The supported locale an `Accept-Language` header prefers most: its
    /// ranges by weight (ties in the order given), the first that names a
    /// supported language; `None` when none does (`*` names none: the
    /// caller's default applies).
    pub fn preferred(accept_language: &str) -> Option<Self> {
        let mut ranges: Vec<(u16, &str)> = accept_language
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';');
                let tag = parts.next()?.trim();
                let weight = parts
                    .find_map(|parameter| parameter.trim().strip_prefix("q="))
                    .map_or(Some(1000), weight)?;
                (weight > 0 && !tag.is_empty()).then_some((weight, tag))
            })
            .collect();
        // Stable: equal weights keep the client's order.
        ranges.sort_by_key(|range| std::cmp::Reverse(range.0));
        ranges.into_iter().find_map(|(_, tag)| Self::of_tag(tag))
    }
}

/// A quality value (`0.8`) in thousandths; `None` if malformed.
fn weight(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn tags_name_their_language_whatever_the_region() {
        assert_eq!(Locale::parse("es").unwrap(), Locale::Es);
        assert_eq!(Locale::parse("es-MX").unwrap(), Locale::Es);
        assert_eq!(Locale::parse("JA_jp").unwrap(), Locale::Ja);
        for unsupported in ["", "pt", "english", "e", "-es"] {
            assert_eq!(
                Locale::parse(unsupported).unwrap_err().code,
                "unsupported_locale"
            );
        }
    }

    #[test]
    fn the_heaviest_supported_range_wins() {
        assert_eq!(
            Locale::preferred("fr-CH, fr;q=0.9, en;q=0.8"),
            Some(Locale::Fr)
        );
        assert_eq!(
            Locale::preferred("pt-BR, pt;q=0.9, es;q=0.5, en;q=0.4"),
            Some(Locale::Es)
        );
        assert_eq!(Locale::preferred("en;q=0.2, de;q=0.7"), Some(Locale::De));
        assert_eq!(
            Locale::preferred("it, ja"),
            Some(Locale::It),
            "ties keep the order"
        );
        assert_eq!(
            Locale::preferred("ja;q=0, en;q=0.1"),
            Some(Locale::En),
            "q=0 is refused"
        );
        for none in ["", "*", "pt-BR", "es;q=abc", "es;q=2"] {
            assert_eq!(Locale::preferred(none), None, "{none:?}");
        }
    }

    proptest! {
        /// Whatever the header, the answer is one of its ranges' languages,
        /// and no supported range weighs more.
        #[test]
        fn the_answer_is_a_heaviest_supported_range(
            ranges in prop::collection::vec(("[a-z]{2}(-[A-Z]{2})?", 0u16..=1000), 0..6)
        ) {
            let header: Vec<String> = ranges
                .iter()
                .map(|(tag, q)| format!("{tag};q={}", f32::from(*q) / 1000.0))
                .collect();
            let chosen = Locale::preferred(&header.join(", "));
            let best = ranges
                .iter()
                .filter(|(tag, q)| *q > 0 && Locale::of_tag(tag).is_some())
                .map(|(_, q)| *q)
                .max();
            match (chosen, best) {
                (None, None) => {}
                (Some(locale), Some(best)) => {
                    let heaviest = ranges
                        .iter()
                        .any(|(tag, q)| *q == best && Locale::of_tag(tag) == Some(locale));
                    prop_assert!(heaviest, "{locale:?} for {header:?}");
                }
                other => prop_assert!(false, "{other:?} for {header:?}"),
            }
        }
    }
}
