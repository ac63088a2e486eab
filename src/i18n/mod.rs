//! Mail in its reader's language and time zone: messages from one Project
//! Fluent file per locale (`locales/<tag>/mail.ftl`, compiled in), dates
//! and times formatted by ICU4X with its compiled CLDR data.

mod dates;
mod messages;
#[cfg(test)]
mod tests;

pub use dates::when;
pub use messages::{Arg, text};

use std::sync::OnceLock;

use crate::domain::Locale;

/// `table`'s entry for `locale`: built once, for every supported locale,
/// by `build` (bundles and formatters are costly to make, cheap to share).
fn per_locale<T>(
    table: &'static OnceLock<Vec<T>>,
    locale: Locale,
    build: fn(Locale) -> T,
) -> &'static T {
    let entries = table.get_or_init(|| Locale::ALL.into_iter().map(build).collect());
    let at = Locale::ALL
        .iter()
        .position(|of| *of == locale)
        .expect("a supported locale");
    &entries[at]
}
