//! Backups of the embedded store: a consistent copy taken while the service
//! runs, and a restore that never overwrites a database a server is using.

use std::fs::{self, Permissions};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::files::{ServerLock, ServerLockError, prepare_private_files, with_suffix};
use super::schema;

/// Why a backup or a restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The target of a backup exists already (it is never overwritten).
    #[error("{0} exists already; choose a new file")]
    TargetExists(PathBuf),
    /// There is no database to back up, or no backup to restore.
    #[error("{0} does not exist")]
    Missing(PathBuf),
    /// The file to restore is not a tripdesk database this version can use.
    #[error("{path} is not a tripdesk database: {reason}")]
    NotADatabase {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A server is using the database.
    #[error("stop the server first: {0}")]
    InUse(#[source] ServerLockError),
    /// SQLite refused.
    #[error("SQLite failed")]
    Sqlite(#[from] rusqlite::Error),
    /// The file system refused.
    #[error("file system error")]
    Io(#[from] io::Error),
}

/// Writes a consistent copy of the database at `database` to `target` (a
/// new file, owner-only), while a server may be reading and writing it:
/// `VACUUM INTO` reads one snapshot, so the copy holds every transaction
/// committed before it started and nothing half-done.
pub fn backup(database: &Path, target: &Path) -> Result<(), BackupError> {
    if target.exists() {
        return Err(BackupError::TargetExists(target.to_owned()));
    }
    if !database.exists() {
        return Err(BackupError::Missing(database.to_owned()));
    }
    let connection = Connection::open_with_flags(
        database,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(std::time::Duration::from_secs(30))?;
    let target_text = target.to_str().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "the backup path is not UTF-8")
    })?;
    connection.execute("VACUUM INTO ?1", [target_text])?;
    fs::set_permissions(target, Permissions::from_mode(0o600))?;
    Ok(())
}

/// Replaces the database at `database` with the backup at `source`. Refused
/// while a server holds the database (its lock is held here throughout),
/// and for a file that is not a sound tripdesk database of this version or
/// an older one (a newer schema would be misread).
pub fn restore(database: &Path, source: &Path) -> Result<(), BackupError> {
    if !source.exists() {
        return Err(BackupError::Missing(source.to_owned()));
    }
    let _lock = ServerLock::acquire(database).map_err(BackupError::InUse)?;
    check_backup(source)?;
    prepare_private_files(database)?;
    // Copy beside the database, then rename over it: a crash midway leaves
    // the old database or the new one, never half of one.
    let staging = with_suffix(database, ".restoring");
    fs::copy(source, &staging)?;
    fs::set_permissions(&staging, Permissions::from_mode(0o600))?;
    for stale in [with_suffix(database, "-wal"), with_suffix(database, "-shm")] {
        match fs::remove_file(stale) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error.into()),
            _ => {}
        }
    }
    fs::rename(&staging, database)?;
    Ok(())
}

/// Checks that `source` is an intact SQLite database with tripdesk's
/// schema at a version this build knows.
fn check_backup(source: &Path) -> Result<(), BackupError> {
    let not_a_database = |reason: String| BackupError::NotADatabase {
        path: source.to_owned(),
        reason,
    };
    let connection = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|error| not_a_database(error.to_string()))?;
    let integrity: String = connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .map_err(|error| not_a_database(error.to_string()))?;
    if integrity != "ok" {
        return Err(not_a_database(format!("integrity check: {integrity}")));
    }
    let version: usize = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|error| not_a_database(error.to_string()))?;
    let known = schema::version_count();
    if version == 0 || version > known {
        return Err(not_a_database(format!(
            "schema version {version}, this build knows 1 to {known}"
        )));
    }
    Ok(())
}
