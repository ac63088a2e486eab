//! Mail settings: `SMTP_URL`, `MAIL_DIR`, `MAIL_FROM`, `PUBLIC_BASE_URL`,
//! `BOOKING_NOTIFICATIONS`.

use std::path::PathBuf;

use secrecy::SecretString;

use super::{ConfigError, Variables, parse_bool, parse_origins};

/// Where mail goes and what it links to.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `SMTP_URL` (may hold credentials, hence secret); `None`: files.
    pub smtp_url: Option<SecretString>,
    /// `MAIL_DIR`: where mails are written without `SMTP_URL`.
    pub directory: PathBuf,
    /// `MAIL_FROM`: the sender.
    pub from: lettre::message::Mailbox,
    /// `PUBLIC_BASE_URL`: the frontend's origin, for links and invite UIDs.
    pub public_base_url: String,
    /// `BOOKING_NOTIFICATIONS`: off for a staging copy of production data,
    /// whose customers must not be mailed about test bookings (account
    /// mails still go out: they answer the person asking).
    pub booking_notifications: bool,
}

/// `PUBLIC_BASE_URL`: the frontend's origin. Production refuses to start
/// without an `https://` one: reset, verification and feed links carry
/// secrets, which must not travel in clear.
fn public_base_url<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
    production: bool,
) -> Result<String, ConfigError> {
    let host = vars.get("HOST").unwrap_or_else(|| "127.0.0.1".into());
    let port = vars.get("PORT").unwrap_or_else(|| "8080".into());
    let url = vars.parse(
        "PUBLIC_BASE_URL",
        format!("http://{host}:{port}"),
        |value| {
            parse_origins(value)
                .ok()
                .and_then(|origins| origins.into_iter().next())
                .ok_or_else(|| "expected an origin like https://app.example.com".into())
        },
    )?;
    if production && (vars.get("PUBLIC_BASE_URL").is_none() || !url.starts_with("https://")) {
        return Err(ConfigError {
            variable: "PUBLIC_BASE_URL",
            reason: "must be an https:// origin in production (mailed links carry secrets)".into(),
        });
    }
    Ok(url)
}

/// `SMTP_URL`, `MAIL_DIR`, `MAIL_FROM`, `PUBLIC_BASE_URL`. Production
/// refuses to start without an SMTP relay: mail written to files there
/// would be mail nobody gets.
pub(super) fn mail_settings<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
    production: bool,
) -> Result<MailSettings, ConfigError> {
    let smtp_url = vars.get("SMTP_URL");
    if let Some(url) = &smtp_url
        && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
    {
        return Err(ConfigError {
            variable: "SMTP_URL",
            reason: "must start with smtp:// or smtps://".into(),
        });
    }
    if production && smtp_url.is_none() {
        return Err(ConfigError {
            variable: "SMTP_URL",
            reason: "must be set in production (mail would otherwise only be written to files)"
                .into(),
        });
    }
    let public_base_url = public_base_url(vars, production)?;
    Ok(MailSettings {
        smtp_url: smtp_url.map(SecretString::from),
        directory: vars
            .get("MAIL_DIR")
            .map_or_else(|| PathBuf::from("./data/mail"), PathBuf::from),
        from: vars.parse(
            "MAIL_FROM",
            "tripdesk <no-reply@tripdesk.localhost>"
                .parse()
                .expect("a valid mailbox"),
            |value| {
                value
                    .parse()
                    .map_err(|_| "expected a mailbox like tripdesk <no-reply@example.com>".into())
            },
        )?,
        public_base_url,
        booking_notifications: vars.parse("BOOKING_NOTIFICATIONS", true, parse_bool)?,
    })
}
