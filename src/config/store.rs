//! Store settings: `DATABASE_PATH`, or `MONGODB_URI` and `MONGODB_DB`;
//! and `SESSION_RETENTION`.

use std::path::PathBuf;

use chrono::TimeDelta;
use secrecy::SecretString;

use super::{ConfigError, Variables, parse_duration};

/// Which store holds the data.
#[derive(Debug, Clone)]
pub enum StoreSettings {
    /// The embedded SQLite file.
    Sqlite {
        /// Database file (created with its directory when missing).
        path: PathBuf,
        /// How long ended sessions are kept before the periodic purge.
        session_retention: TimeDelta,
    },
    /// A MongoDB deployment.
    Mongo {
        /// Connection string; may hold credentials, hence secret.
        uri: SecretString,
        /// Database name.
        database: String,
        /// How long ended sessions are kept before the TTL index purges them.
        session_retention: TimeDelta,
    },
}

/// `DATABASE_PATH`, or `MONGODB_URI`, `MONGODB_DB` and `SESSION_RETENTION`.
pub(super) fn store_settings<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Result<StoreSettings, ConfigError> {
    let session_retention = vars.parse("SESSION_RETENTION", TimeDelta::days(30), parse_duration)?;
    let Some(uri) = vars.get("MONGODB_URI") else {
        return Ok(StoreSettings::Sqlite {
            path: vars
                .get("DATABASE_PATH")
                .map_or_else(|| PathBuf::from("./data/tripdesk.db"), PathBuf::from),
            session_retention,
        });
    };
    if !uri.starts_with("mongodb://") && !uri.starts_with("mongodb+srv://") {
        return Err(ConfigError {
            variable: "MONGODB_URI",
            reason: "must start with mongodb:// or mongodb+srv://".into(),
        });
    }
    Ok(StoreSettings::Mongo {
        uri: uri.into(),
        database: vars.get("MONGODB_DB").unwrap_or_else(|| "tripdesk".into()),
        session_retention,
    })
}
