//! Second-factor settings: `MFA_ENCRYPTION_KEY`, `ADMIN_REQUIRE_MFA`.

use super::{ConfigError, Variables, parse_bool};
use crate::mfa::MfaKey;

/// How second factors are kept and required.
#[derive(Debug, Clone)]
pub struct MfaSettings {
    /// `MFA_ENCRYPTION_KEY` (64 hex): seals TOTP secrets. Required in
    /// production; without it, development keeps a generated key beside
    /// the database (`mfa.key`).
    pub encryption_key: Option<MfaKey>,
    /// `ADMIN_REQUIRE_MFA` (default `true`): admin sessions without a
    /// second factor get 403 `mfa_required` on `/api/admin`.
    pub admin_require_mfa: bool,
}

pub(super) fn mfa_settings<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
    production: bool,
) -> Result<MfaSettings, ConfigError> {
    let encryption_key = vars
        .get("MFA_ENCRYPTION_KEY")
        .map(|text| {
            MfaKey::from_hex(&text).ok_or_else(|| ConfigError {
                variable: "MFA_ENCRYPTION_KEY",
                reason: "must be 64 hex characters (32 bytes)".into(),
            })
        })
        .transpose()?;
    if production && encryption_key.is_none() {
        return Err(ConfigError {
            variable: "MFA_ENCRYPTION_KEY",
            reason: "is required in production (64 hex characters)".into(),
        });
    }
    Ok(MfaSettings {
        encryption_key,
        admin_require_mfa: vars.parse("ADMIN_REQUIRE_MFA", true, parse_bool)?,
    })
}
