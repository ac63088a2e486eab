//! Backups of the embedded store: a consistent copy taken while the service
//! runs, and a restore that never overwrites a database a server is using.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
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
///
/// `target` is created first, owner-only, and only if nothing is there,
/// a symbolic link included (`O_CREAT | O_EXCL | O_NOFOLLOW`); the snapshot
/// is taken into a directory only the owner can enter and copied into that
/// file: the copy is never readable by others, nor written anywhere else.
pub fn backup(database: &Path, target: &Path) -> Result<(), BackupError> {
    if !database.exists() {
        return Err(BackupError::Missing(database.to_owned()));
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(target)
        .map_err(|error| match error.kind() {
            io::ErrorKind::AlreadyExists => BackupError::TargetExists(target.to_owned()),
            _ => BackupError::Io(error),
        })?;
    let copied = snapshot_into(database, target, &mut file);
    if copied.is_err() {
        drop(file);
        let _ = fs::remove_file(target);
    }
    copied
}

/// Takes the snapshot of `database` into a private directory beside
/// `target`, then copies it into `file` (flushed to disk).
fn snapshot_into(database: &Path, target: &Path, file: &mut File) -> Result<(), BackupError> {
    let staging = private_directory_beside(target)?;
    let copied = (|| {
        let snapshot = staging.join("snapshot.db");
        let connection = Connection::open_with_flags(
            database,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(std::time::Duration::from_secs(30))?;
        let snapshot_text = snapshot.to_str().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "the backup path is not UTF-8")
        })?;
        connection.execute("VACUUM INTO ?1", [snapshot_text])?;
        io::copy(&mut File::open(&snapshot)?, file)?;
        file.sync_all()?;
        Ok(())
    })();
    let _ = fs::remove_dir_all(&staging);
    copied
}

/// A new directory beside `path` only its owner can enter.
fn private_directory_beside(path: &Path) -> io::Result<PathBuf> {
    let mut random = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
    let directory = with_suffix(path, &format!(".staging-{}", hex::encode(random)));
    fs::DirBuilder::new().mode(0o700).create(&directory)?;
    Ok(directory)
}

/// Replaces the database at `database` with the backup at `source`, and
/// keeps the replaced one as `<database>.before-restore`. Refused while a
/// server holds the database (its lock is held here throughout), and for a
/// file that is not a sound tripdesk database of this version or an older
/// one with exactly that version's schema (a newer schema would be
/// misread; an extra trigger would run inside the server).
pub fn restore(database: &Path, source: &Path) -> Result<(), BackupError> {
    if !source.exists() {
        return Err(BackupError::Missing(source.to_owned()));
    }
    let _lock = ServerLock::acquire(database).map_err(BackupError::InUse)?;
    check_backup(source)?;
    prepare_private_files(database)?;
    keep_before_restore(database)?;
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
    let expected = schema::reference(version).map_err(io::Error::other)?;
    let found = schema::objects(&connection).map_err(|error| not_a_database(error.to_string()))?;
    if found != expected {
        let extra: Vec<_> = found
            .iter()
            .filter(|object| !expected.contains(object))
            .collect();
        let missing: Vec<_> = expected
            .iter()
            .filter(|object| !found.contains(object))
            .collect();
        return Err(not_a_database(format!(
            "its schema is not version {version}'s (unexpected: {}; missing: {})",
            names(&extra),
            names(&missing)
        )));
    }
    Ok(())
}

fn names(objects: &[&schema::SchemaObject]) -> String {
    if objects.is_empty() {
        return "none".into();
    }
    objects
        .iter()
        .map(|object| format!("{} {}", object.kind, object.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Keeps the database about to be replaced as `<database>.before-restore`
/// (a newer copy replaces an older one), with everything its WAL held; a
/// database just created (empty) is not kept.
fn keep_before_restore(database: &Path) -> Result<(), BackupError> {
    if fs::metadata(database)?.len() == 0 {
        return Ok(());
    }
    let current = Connection::open(database)?;
    current.pragma_update(None, "wal_checkpoint", "TRUNCATE")?;
    drop(current);
    let kept = with_suffix(database, ".before-restore");
    match fs::remove_file(&kept) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error.into()),
        _ => {}
    }
    // A second name for the same file: the rename that follows replaces
    // the database's name, not its contents.
    fs::hard_link(database, &kept)?;
    Ok(())
}
