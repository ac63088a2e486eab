//! The database's files on disk: owner-only permissions, and the lock that
//! keeps a second service process off one database.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Sessions, password hashes and bookings: readable by the service's user only.
const FILE_MODE: u32 = 0o600;
const DIRECTORY_MODE: u32 = 0o700;

/// Creates the database's directory (owner-only, when it creates it) and the
/// database file (owner-only), and makes an existing database and its WAL
/// files owner-only too. SQLite creates the `-wal` and `-shm` files with the
/// database file's permissions.
pub(super) fn prepare_private_files(path: &Path) -> io::Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty() && !parent.exists())
    {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(DIRECTORY_MODE)
            .create(parent)?;
    }
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(path)?;
    for file in [
        path.to_owned(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        match fs::set_permissions(&file, Permissions::from_mode(FILE_MODE)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
    }
    Ok(())
}

/// `path` with `suffix` appended to its file name (`tripdesk.db-wal`).
pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Why the server lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum ServerLockError {
    /// Another service process holds it.
    #[error(
        "another tripdesk server is already using {0}: run one server per SQLite file \
         (several instances share a MongoDB store instead)"
    )]
    InUse(PathBuf),
    /// The lock file could not be opened or locked.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Held by the one service process serving a SQLite database, for as long as
/// it serves: the embedded store caches sessions in memory, so a second
/// server on the same file would keep accepting a token the first logged
/// out. The `consultant add` command does not take it (it only adds accounts).
///
/// An exclusive `flock` on `<database>.lock` (never on the database file
/// itself: closing another descriptor of that file would drop SQLite's own
/// POSIX locks). The kernel releases it when the process ends, however.
#[derive(Debug)]
pub struct ServerLock {
    _file: File,
}

impl ServerLock {
    /// Takes the lock for the database at `database`, without waiting.
    pub fn acquire(database: &Path) -> Result<Self, ServerLockError> {
        let path = with_suffix(database, ".lock");
        let io_error = |source| ServerLockError::Io {
            path: path.clone(),
            source,
        };
        prepare_private_files(database).map_err(io_error)?;
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(FILE_MODE)
            .open(&path)
            .map_err(io_error)?;
        // SAFETY: flock on a descriptor this function owns; no memory involved.
        let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if locked == 0 {
            return Ok(Self { _file: file });
        }
        let error = io::Error::last_os_error();
        if error.kind() == io::ErrorKind::WouldBlock {
            Err(ServerLockError::InUse(database.to_owned()))
        } else {
            Err(io_error(error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_per_database_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("nested").join("tripdesk.db");
        let first = ServerLock::acquire(&database).unwrap();
        assert!(matches!(
            ServerLock::acquire(&database),
            Err(ServerLockError::InUse(_))
        ));
        drop(first);
        ServerLock::acquire(&database).expect("free again once released");
    }

    #[test]
    fn new_files_and_directories_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("data").join("tripdesk.db");
        prepare_private_files(&database).unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(database.parent().unwrap()), 0o700);
        assert_eq!(mode(&database), 0o600);
        fs::set_permissions(&database, Permissions::from_mode(0o644)).unwrap();
        prepare_private_files(&database).unwrap();
        assert_eq!(mode(&database), 0o600, "an existing database is tightened");
    }
}
