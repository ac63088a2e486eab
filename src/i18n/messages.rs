//! The Fluent bundles, one per supported locale, parsed once.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::domain::Locale;

/// One variable of a message: its name and value.
pub type Arg<'a> = (&'a str, FluentValue<'a>);

/// Each locale's message file, in the order of [`Locale::ALL`].
const SOURCES: [(Locale, &str); Locale::ALL.len()] = [
    (Locale::En, include_str!("../../locales/en/mail.ftl")),
    (Locale::Es, include_str!("../../locales/es/mail.ftl")),
    (Locale::Fr, include_str!("../../locales/fr/mail.ftl")),
    (Locale::De, include_str!("../../locales/de/mail.ftl")),
    (Locale::It, include_str!("../../locales/it/mail.ftl")),
    (Locale::Ja, include_str!("../../locales/ja/mail.ftl")),
];

/// The message file of `locale`, as written.
pub(super) fn source(locale: Locale) -> &'static str {
    SOURCES
        .iter()
        .find(|(of, _)| *of == locale)
        .map(|(_, source)| *source)
        .expect("every locale has a message file")
}

fn bundle(locale: Locale) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: OnceLock<Vec<FluentBundle<FluentResource>>> = OnceLock::new();
    super::per_locale(&BUNDLES, locale, |locale| parsed(locale, source(locale)))
}

/// The files are part of the build: one that does not parse is a bug a
/// test catches, never a runtime condition.
fn parsed(locale: Locale, source: &str) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(source.to_owned())
        .unwrap_or_else(|(_, errors)| panic!("locales/{locale:?}: {errors:?}"));
    let language = locale
        .as_str()
        .parse()
        .expect("a supported locale is a language identifier");
    let mut bundle = FluentBundle::new_concurrent(vec![language]);
    // Plain-text mail: no bidi isolation marks around values (the text
    // rules already refuse bidi controls in what people type).
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("locales/{locale:?}: {errors:?}"));
    bundle
}

/// Message `id` in `locale` with `args`. A locale lacking it falls back
/// to English (a test keeps every locale complete); an id no file has
/// comes back as itself.
pub fn text(locale: Locale, id: &str, args: &[Arg<'_>]) -> String {
    let found = [locale, Locale::En].into_iter().find_map(|locale| {
        let bundle = bundle(locale);
        Some((bundle, bundle.get_message(id)?.value()?))
    });
    let Some((bundle, pattern)) = found else {
        debug_assert!(false, "no message {id}");
        return id.to_owned();
    };
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    debug_assert!(errors.is_empty(), "{id} in {locale:?}: {errors:?}");
    text.into_owned()
}
