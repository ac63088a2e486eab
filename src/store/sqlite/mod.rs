//! The embedded store: one SQLite file, so `cargo run` needs nothing else.
//!
//! SQLite allows one writer at a time, so writes go through a single
//! connection behind a mutex (in `BEGIN IMMEDIATE` transactions committed
//! in groups: see `writer`), on Tokio's blocking threads,
//! while reads use a small pool of connections that WAL mode lets run
//! alongside the writer.

mod account_tokens;
mod api_keys;
mod assignment;
mod audit;
mod backup;
mod bookings;
mod calendar;
mod claim_cache;
mod consultant_cache;
mod consultants;
mod erasure;
mod files;
mod idempotency;
mod load_cache;
mod mfa;
mod outbox;
mod passkeys;
mod privacy;
mod purge;
mod rows;
mod schema;
mod session_cache;
mod sessions;
mod throttle;
mod users;
mod webhook_writes;
mod webhooks;
mod writer;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, Transaction};

use async_trait::async_trait;

use super::{Store, StoreError, StoreResult};
use claim_cache::ClaimCache;
use consultant_cache::ConsultantCache;
use load_cache::LoadCache;
use session_cache::SessionCache;
use writer::{Durability, Writer};

/// Reader connections kept open: a read holds one only while it runs on a
/// thread, never across an `.await`, so one per thread that can run tasks
/// (with room to spare) means a read never waits for a connection.
fn reader_count() -> u32 {
    let threads = std::thread::available_parallelism().map_or(4, |count| count.get() as u32);
    (threads * 2).max(4)
}
/// Sessions kept in memory: enough for every user active at once on one
/// machine, a few megabytes at most.
const CACHED_SESSIONS: usize = 10_000;
/// How long a statement waits for a lock held by another connection or process.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub use backup::{BackupError, backup, restore};
pub use files::{ServerLock, ServerLockError};

/// The SQLite implementation of [`Store`].
pub struct SqliteStore {
    writer: Arc<Writer>,
    readers: r2d2::Pool<SqliteConnectionManager>,
    sessions: Arc<SessionCache>,
    consultants: Arc<ConsultantCache>,
    claims: Arc<ClaimCache>,
    loads: Arc<LoadCache>,
    /// How long ended sessions are kept before [`Store::purge_ended`] removes them.
    session_retention: TimeDelta,
}

/// Per-connection settings. `synchronous = FULL` makes every acknowledged
/// commit survive a power cut, not only a process crash; `secure_delete`
/// zeroes what a change frees, so that an erased person's old text is left
/// in no free page or cell of the file.
fn configure(connection: &Connection) -> rusqlite::Result<()> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    // Room for every statement the store prepares, filter combinations included.
    connection.set_prepared_statement_cache_capacity(64);
    // Plans must not depend on bound values: otherwise a value the planner
    // looked at (a `LIMIT ?`) makes SQLite re-prepare the cached statement
    // on every execution, which cost more than the query itself.
    connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    connection.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;",
    )
}

impl SqliteStore {
    /// Opens (creating if needed, readable by its owner only) the database at
    /// `path` and applies pending migrations. Ended sessions are kept
    /// `session_retention` before they are purged.
    pub fn open(path: &Path, session_retention: TimeDelta) -> StoreResult<Self> {
        files::prepare_private_files(path).map_err(|error| StoreError::Internal(error.into()))?;
        let mut writer = Connection::open(path)?;
        // WAL is a property of the file: set once, readers inherit it.
        writer.pragma_update(None, "journal_mode", "WAL")?;
        configure(&writer)?;
        schema::migrations()
            .to_latest(&mut writer)
            .map_err(|error| StoreError::Internal(error.into()))?;
        let relaxed = Connection::open(path)?;
        configure(&relaxed)?;
        relaxed.pragma_update(None, "synchronous", "NORMAL")?;
        let manager =
            SqliteConnectionManager::file(path).with_init(|connection| configure(connection));
        let readers = r2d2::Pool::builder()
            .max_size(reader_count())
            // A validation query per checkout would cost as much as the read.
            .test_on_check_out(false)
            .connection_timeout(BUSY_TIMEOUT)
            .build(manager)
            .map_err(|error| StoreError::Internal(error.into()))?;
        Ok(Self {
            writer: Arc::new(Writer::new(writer, relaxed)),
            readers,
            sessions: Arc::new(SessionCache::new(CACHED_SESSIONS)),
            consultants: Arc::default(),
            claims: Arc::default(),
            loads: Arc::default(),
            session_retention,
        })
    }

    /// Runs `query` on a reader connection, right here on the calling task.
    ///
    /// Reads are indexed lookups on pages the OS has cached, and WAL never
    /// makes a reader wait for the writer: a read takes microseconds, less
    /// than handing it to a blocking thread and back did (the hop was a
    /// third of a session lookup's cost). Writes, which wait for `fsync`,
    /// still go to blocking threads.
    async fn read<T, F>(&self, query: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let connection = self
            .readers
            .get()
            .map_err(|error| StoreError::Unavailable(error.into()))?;
        query(&connection)
    }

    /// Runs `change` in one immediate transaction on the writer connection,
    /// on a blocking thread; commits if it returns `Ok`, rolls back otherwise.
    async fn write<T, F>(&self, change: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.write_then(change, |_| ()).await
    }

    /// [`write`](Self::write), then `after_commit` with the result, on the
    /// same thread right after the commit: it runs even if the caller stops
    /// waiting (a client that hangs up in the middle of a logout).
    async fn write_then<T, F, A>(&self, change: F, after_commit: A) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        self.writer
            .write(Durability::Full, change, after_commit)
            .await
    }

    /// [`write_then`](Self::write_then) for records whose loss in a power
    /// cut harms nothing (attempt places, device trust, `lastSeenAt`): the
    /// commit is atomic and survives a process crash, but does not wait for
    /// `fsync` (the next fully durable commit flushes it). Keeps these
    /// frequent writes from queueing the writes that matter behind them.
    async fn write_relaxed<T, F, A>(&self, change: F, after_commit: A) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        self.writer
            .write(Durability::Relaxed, change, after_commit)
            .await
    }
}

/// Whether `error` says the database cannot be reached now (locked by
/// another process, or not openable), rather than that something is wrong.
fn is_unavailable(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::CannotOpen)
    )
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        if is_unavailable(&error) {
            StoreError::Unavailable(error.into())
        } else {
            StoreError::Internal(error.into())
        }
    }
}

/// Maps a UNIQUE or PRIMARY KEY violation to `conflict`; other errors
/// (foreign keys included) convert as usual.
fn unique_violation(conflict: StoreError) -> impl FnOnce(rusqlite::Error) -> StoreError {
    use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
    move |error| match &error {
        rusqlite::Error::SqliteFailure(failure, _)
            if matches!(
                failure.extended_code,
                SQLITE_CONSTRAINT_UNIQUE | SQLITE_CONSTRAINT_PRIMARYKEY
            ) =>
        {
            conflict
        }
        _ => error.into(),
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.read(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
    }

    async fn purge_ended(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let retention = self.session_retention;
        self.write(move |tx| purge::purge_ended(tx, now, retention))
            .await
    }
}
