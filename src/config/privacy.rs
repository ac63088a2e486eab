//! Privacy settings: `TERMS_VERSION`.

use super::{ConfigError, Variables};
use crate::domain::TermsVersion;

/// What the service records about consent.
#[derive(Debug, Clone)]
pub struct PrivacySettings {
    /// `TERMS_VERSION`: the edition of the terms a registration accepts
    /// (default `1`).
    pub terms_version: TermsVersion,
}

pub(super) fn privacy_settings<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Result<PrivacySettings, ConfigError> {
    let default = TermsVersion::parse("1").expect("the default parses");
    Ok(PrivacySettings {
        terms_version: vars.parse("TERMS_VERSION", default, |value| {
            TermsVersion::parse(value).map_err(|invalid| invalid.detail.into_owned())
        })?,
    })
}
