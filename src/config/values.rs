//! Reading variables: the lookup, and the parsers of their values.

use chrono::TimeDelta;
use std::time::Duration;

use super::ConfigError;

/// Reads variables through a lookup function, so tests need not touch the
/// process environment.
pub(super) struct Variables<F> {
    pub(super) lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Variables<F> {
    /// The value of `name`, with surrounding blanks removed; `None` when unset or empty.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// Parses `name` with `parse`, or returns `default` when unset.
    pub(super) fn parse<T>(
        &self,
        name: &'static str,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(value) => parse(&value).map_err(|reason| ConfigError {
                variable: name,
                reason: format!("= {value:?}: {reason}"),
            }),
        }
    }
}

pub(super) fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

/// Whole seconds (`3600`) or a human duration (`14d`, `12h`, `90min`).
pub(super) fn parse_duration(value: &str) -> Result<TimeDelta, String> {
    let duration = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => humantime::parse_duration(value)
            .map_err(|_| "expected seconds or a duration like 14d, 12h, 30min".to_owned())?,
    };
    TimeDelta::from_std(duration)
        .ok()
        .filter(|duration| *duration > TimeDelta::zero() && *duration <= TimeDelta::days(3650))
        .ok_or_else(|| "must be more than zero and at most 10 years".into())
}

pub(super) fn parse_count(value: &str) -> Result<usize, String> {
    value
        .parse::<usize>()
        .ok()
        .filter(|count| (1..=1024).contains(count))
        .ok_or_else(|| "expected a whole number from 1 to 1024".into())
}

/// `Origin` values: `scheme://host[:port]`, no path.
pub(super) fn parse_origins(value: &str) -> Result<Vec<String>, String> {
    value
        .split(',')
        .map(|origin| origin.trim().trim_end_matches('/'))
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let (scheme, rest) = origin
                .split_once("://")
                .ok_or_else(|| format!("`{origin}` is not like https://app.example.com"))?;
            let valid = matches!(scheme, "http" | "https")
                && !rest.is_empty()
                && !rest.contains(['/', '?', '#', ' ', '@']);
            if valid {
                Ok(origin.to_ascii_lowercase())
            } else {
                Err(format!("`{origin}` is not like https://app.example.com"))
            }
        })
        .collect()
}

/// Cookie names are RFC 6265 tokens.
pub(super) fn parse_cookie_name(value: &str) -> Result<String, String> {
    let valid = value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if valid {
        Ok(value.to_owned())
    } else {
        Err("expected letters, digits or !#$%&'*+-.^_`|~ (at most 64)".into())
    }
}

pub(super) fn parse_number(value: &str, min: u32, max: u32) -> Result<u32, String> {
    value
        .parse::<u32>()
        .ok()
        .filter(|number| (min..=max).contains(number))
        .ok_or_else(|| format!("expected a whole number from {min} to {max}"))
}
