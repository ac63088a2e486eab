//! Privacy settings: `TERMS_VERSION`, `RETENTION_DAYS`.

use chrono::TimeDelta;

use super::{ConfigError, Variables, parse_number};
use crate::domain::TermsVersion;

/// What the service records about consent, and how long it keeps the
/// people who stopped using it.
#[derive(Debug, Clone)]
pub struct PrivacySettings {
    /// `TERMS_VERSION`: the edition of the terms a registration accepts
    /// (default `1`).
    pub terms_version: TermsVersion,
    /// `RETENTION_DAYS`: customers with no login and no booking for this
    /// long are erased by the periodic purge; `None` (`0`, the default):
    /// never.
    pub retention: Option<TimeDelta>,
}

pub(super) fn privacy_settings<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Result<PrivacySettings, ConfigError> {
    let default = TermsVersion::parse("1").expect("the default parses");
    let days = vars.parse("RETENTION_DAYS", 0, |value| parse_number(value, 0, 36_500))?;
    Ok(PrivacySettings {
        terms_version: vars.parse("TERMS_VERSION", default, |value| {
            TermsVersion::parse(value).map_err(|invalid| invalid.detail.into_owned())
        })?,
        retention: (days > 0).then(|| TimeDelta::days(i64::from(days))),
    })
}
