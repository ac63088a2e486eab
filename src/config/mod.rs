//! Configuration from environment variables (and `.env`, loaded by `main`).
//!
//! Every variable has a default that works for `cargo run` on a laptop; a
//! value that does not parse stops start-up with a one-line message naming
//! the variable.

use std::time::Duration;

use actix_web::cookie::SameSite;
use chrono::TimeDelta;

use crate::domain::{Locale, MeetingBase, SessionPolicy};

/// Where the service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Laptop defaults: demo data, readable logs, cookies without `Secure`.
    Development,
    /// Secure cookies, JSON logs, no demo data unless asked for.
    Production,
}

/// How the session cookie is written.
#[derive(Debug, Clone)]
pub struct CookieSettings {
    /// Cookie name (`token`).
    pub name: String,
    /// Whether to add `Secure`.
    pub secure: bool,
    /// `Strict` or `Lax`.
    pub same_site: SameSite,
    /// `Max-Age`: the session's absolute lifetime.
    pub max_age: TimeDelta,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Everything the service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`.
    pub environment: Environment,
    /// `HOST`.
    pub host: String,
    /// `PORT` (0 picks a free port).
    pub port: u16,
    /// `DATABASE_PATH`, or `MONGODB_URI`, `MONGODB_DB` and `SESSION_RETENTION`.
    pub store: StoreSettings,
    /// `COOKIE_NAME`, `COOKIE_SECURE`, `COOKIE_SAMESITE`.
    pub cookie: CookieSettings,
    /// `SESSION_TTL`, `SESSION_IDLE_TIMEOUT`.
    pub session: SessionPolicy,
    /// `ALLOWED_ORIGINS`: origins of the web frontends.
    pub allowed_origins: Vec<String>,
    /// `AUTH_RATE_LIMIT_PER_MINUTE`: login and registration requests one
    /// client address may make per minute.
    pub auth_rate_limit_per_minute: u32,
    /// `API_KEY_RATE_LIMIT_PER_MINUTE`: staff-route requests one API key may
    /// make per minute (per instance).
    pub api_key_rate_limit_per_minute: u32,
    /// `VIDEO_MEETING_BASE_URL`: where confirmed video bookings get their
    /// rooms (default `https://meet.jit.si`).
    pub video_meetings: MeetingBase,
    /// `WEBHOOK_ALLOW_PRIVATE_TARGETS`: webhooks may deliver to this machine
    /// and private networks (development and tests; refused in production).
    pub webhook_allow_private_targets: bool,
    /// `TRUST_PROXY_HEADERS`, `TRUSTED_PROXY_HOPS`: where the client's
    /// address comes from.
    pub client_address: ClientAddressSource,
    /// `HSTS_MAX_AGE`: the `Strict-Transport-Security` max-age, if sent.
    pub hsts_max_age: Option<TimeDelta>,
    /// `MAX_LIVE_BOOKINGS_PER_CUSTOMER`: live future bookings one customer
    /// may hold.
    pub max_live_bookings_per_customer: u32,
    /// `SEED_DEMO_DATA`.
    pub seed_demo_data: bool,
    /// `WORKERS`: HTTP worker threads.
    pub workers: usize,
    /// `PASSWORD_HASH_CONCURRENCY`: Argon2 hashes computed at once.
    pub password_hash_concurrency: usize,
    /// `LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `SHUTDOWN_TIMEOUT`: how long a stopping server lets requests in
    /// flight finish.
    pub shutdown_timeout: Duration,
    /// `METRICS_ADDR`: where `GET /metrics` is served; `None` when empty.
    pub metrics_address: Option<String>,
    /// `SMTP_URL`, `MAIL_DIR`, `MAIL_FROM`, `PUBLIC_BASE_URL`.
    pub mail: MailSettings,
    /// `TERMS_VERSION`, `RETENTION_DAYS`.
    pub privacy: PrivacySettings,
    /// `DEFAULT_LOCALE`: for a registration that says nothing we support.
    pub default_locale: Locale,
    /// `MFA_ENCRYPTION_KEY`, `ADMIN_REQUIRE_MFA`.
    pub mfa: MfaSettings,
}

/// Where the client's address (for the per-address limit) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAddressSource {
    /// The TCP peer.
    Peer,
    /// `Forwarded` / `X-Forwarded-For`, behind `hops` trusted proxies that
    /// each append the address they received from: the entry `hops` from
    /// the right. Entries left of it were written by the client and are
    /// never believed.
    Forwarded {
        /// How many proxies in front of the service append an entry.
        hops: usize,
    },
}

/// A configuration variable with an unusable value.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable} {reason}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

fn default_parallelism() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup` (a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Variables { lookup };
        let environment = environment(&vars)?;
        let production = environment == Environment::Production;
        let session = SessionPolicy {
            ttl: vars.parse("SESSION_TTL", TimeDelta::days(14), parse_duration)?,
            idle_timeout: vars.parse("SESSION_IDLE_TIMEOUT", TimeDelta::days(7), parse_duration)?,
            admin_idle_timeout: vars.parse(
                "ADMIN_SESSION_IDLE_TIMEOUT",
                TimeDelta::minutes(30),
                parse_duration,
            )?,
        };
        Ok(Self {
            environment,
            host: vars.get("HOST").unwrap_or_else(|| "127.0.0.1".into()),
            port: vars.parse("PORT", 8080, |value| {
                value
                    .parse()
                    .map_err(|_| "expected a port number from 0 to 65535".into())
            })?,
            store: store::store_settings(&vars)?,
            cookie: cookie_settings(&vars, production, session.ttl)?,
            session,
            allowed_origins: vars.parse("ALLOWED_ORIGINS", Vec::new(), parse_origins)?,
            auth_rate_limit_per_minute: vars.parse("AUTH_RATE_LIMIT_PER_MINUTE", 30, |value| {
                parse_number(value, 1, 100_000)
            })?,
            api_key_rate_limit_per_minute: vars.parse(
                "API_KEY_RATE_LIMIT_PER_MINUTE",
                600,
                |value| parse_number(value, 1, 1_000_000),
            )?,
            webhook_allow_private_targets: webhook_private_targets(&vars, production)?,
            video_meetings: vars.parse(
                "VIDEO_MEETING_BASE_URL",
                MeetingBase::parse(MeetingBase::DEFAULT).expect("the default parses"),
                MeetingBase::parse,
            )?,
            client_address: client_address_source(&vars)?,
            hsts_max_age: hsts_max_age(&vars, production)?,
            max_live_bookings_per_customer: vars.parse(
                "MAX_LIVE_BOOKINGS_PER_CUSTOMER",
                10,
                |value| parse_number(value, 1, 10_000),
            )?,
            seed_demo_data: vars.parse("SEED_DEMO_DATA", !production, parse_bool)?,
            workers: vars.parse("WORKERS", default_parallelism(), parse_count)?,
            password_hash_concurrency: vars.parse(
                "PASSWORD_HASH_CONCURRENCY",
                default_parallelism(),
                parse_count,
            )?,
            shutdown_timeout: vars.parse("SHUTDOWN_TIMEOUT", Duration::from_secs(30), |value| {
                parse_duration(value).map(|duration| duration.to_std().unwrap_or_default())
            })?,
            metrics_address: metrics_address(&vars)?,
            mail: mail::mail_settings(&vars, production)?,
            log_format: log_format(&vars, production)?,
            privacy: privacy::privacy_settings(&vars)?,
            default_locale: vars.parse("DEFAULT_LOCALE", Locale::En, |value| {
                Locale::parse(value).map_err(|invalid| invalid.detail.into_owned())
            })?,
            mfa: mfa::mfa_settings(&vars, production)?,
        })
    }
}

/// `COOKIE_NAME`, `COOKIE_SECURE` (guarded by `ALLOW_INSECURE_COOKIE` in
/// production), `COOKIE_SAMESITE`; `Max-Age` is the session lifetime.
fn cookie_settings<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
    production: bool,
    max_age: TimeDelta,
) -> Result<CookieSettings, ConfigError> {
    let secure = vars.parse("COOKIE_SECURE", production, parse_bool)?;
    // A production session cookie without Secure can leak over plain
    // HTTP; allow it only when explicitly acknowledged (e.g. TLS is
    // terminated elsewhere and the app is never reachable over HTTP).
    let allow_insecure_cookie = vars.parse("ALLOW_INSECURE_COOKIE", false, parse_bool)?;
    if production && !secure && !allow_insecure_cookie {
        return Err(ConfigError {
            variable: "COOKIE_SECURE",
            reason: "= false is refused in production unless ALLOW_INSECURE_COOKIE=true".into(),
        });
    }
    Ok(CookieSettings {
        name: vars.parse("COOKIE_NAME", "token".into(), parse_cookie_name)?,
        secure,
        same_site: vars.parse("COOKIE_SAMESITE", SameSite::Strict, |value| {
            match value.to_ascii_lowercase().as_str() {
                "strict" => Ok(SameSite::Strict),
                "lax" => Ok(SameSite::Lax),
                _ => Err("expected Strict or Lax".into()),
            }
        })?,
        max_age,
    })
}

/// `TRUST_PROXY_HEADERS` and `TRUSTED_PROXY_HOPS`.
fn client_address_source<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Result<ClientAddressSource, ConfigError> {
    let trusted = vars.parse("TRUST_PROXY_HEADERS", false, parse_bool)?;
    let hops = vars.parse("TRUSTED_PROXY_HOPS", 1, |value| parse_number(value, 1, 10))?;
    Ok(if trusted {
        ClientAddressSource::Forwarded {
            hops: hops as usize,
        }
    } else {
        ClientAddressSource::Peer
    })
}

/// `APP_ENV`: development unless told otherwise.
fn environment<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Result<Environment, ConfigError> {
    vars.parse("APP_ENV", Environment::Development, |value| {
        match value.to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Environment::Development),
            "production" | "prod" => Ok(Environment::Production),
            _ => Err("expected development or production".into()),
        }
    })
}

/// `LOG_FORMAT`: JSON lines in production (for a log collector), readable
/// text in development.
fn log_format<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
    production: bool,
) -> Result<LogFormat, ConfigError> {
    let default = if production {
        LogFormat::Json
    } else {
        LogFormat::Text
    };
    vars.parse("LOG_FORMAT", default, |value| {
        match value.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected text or json".into()),
        }
    })
}

/// `HSTS_MAX_AGE`: a year by default in production, never in development
/// (a browser would then refuse plain-HTTP `localhost` for that long); `0`
/// turns it off.
fn hsts_max_age<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
    production: bool,
) -> Result<Option<TimeDelta>, ConfigError> {
    let default = production.then(|| TimeDelta::days(365));
    vars.parse("HSTS_MAX_AGE", default, |value| {
        if value == "0" {
            Ok(None)
        } else {
            parse_duration(value).map(Some)
        }
    })
}

/// `METRICS_ADDR`: `127.0.0.1:9464` unless set; set but empty turns the
/// metrics listener off.
fn metrics_address<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Result<Option<String>, ConfigError> {
    match (vars.lookup)("METRICS_ADDR") {
        None => Ok(Some("127.0.0.1:9464".into())),
        Some(value) if value.trim().is_empty() => Ok(None),
        Some(value) => {
            let value = value.trim();
            let valid = value
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if valid {
                Ok(Some(value.to_owned()))
            } else {
                Err(ConfigError {
                    variable: "METRICS_ADDR",
                    reason: format!("= {value:?}: expected host:port, or empty to turn it off"),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests;

mod mail;
mod mfa;
mod privacy;
mod store;
mod values;

pub use mail::MailSettings;
pub use mfa::MfaSettings;
pub use privacy::PrivacySettings;
pub use store::StoreSettings;
use values::{
    Variables, parse_bool, parse_cookie_name, parse_count, parse_duration, parse_number,
    parse_origins,
};

/// `WEBHOOK_ALLOW_PRIVATE_TARGETS`, refused in production: there it would
/// let anyone with webhook rights reach the agency's internal network.
fn webhook_private_targets<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
    production: bool,
) -> Result<bool, ConfigError> {
    let allowed = vars.parse("WEBHOOK_ALLOW_PRIVATE_TARGETS", false, parse_bool)?;
    if production && allowed {
        return Err(ConfigError {
            variable: "WEBHOOK_ALLOW_PRIVATE_TARGETS",
            reason: "= true is refused in production".into(),
        });
    }
    Ok(allowed)
}
