//! Mail in its reader's language and time zone: messages from one Project
//! Fluent file per locale (`locales/<tag>/mail.ftl`, compiled in), dates
//! and times formatted by ICU4X with its compiled CLDR data.

mod dates;
mod messages;
#[cfg(test)]
mod tests;

pub use dates::when;
pub use messages::{Arg, text};
