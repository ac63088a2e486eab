//! Writes, one transaction at a time (SQLite has one writer), committed in
//! groups.
//!
//! A durable commit waits for `fsync`, and that wait, not the write's own
//! work, is most of a write's time. So writes queue up, and whichever of
//! them gets the connection next runs every write queued for that
//! connection in one transaction, each in its own savepoint (a write that
//! fails is undone alone), and commits once: one `fsync` for the group. Each
//! write is answered only after that commit, so nothing acknowledged can be
//! lost; a commit that fails fails every write of its group. One write alone
//! runs in its own transaction, without a savepoint.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use super::is_unavailable;
use crate::store::{StoreError, StoreResult};

/// The two connections writes go through, and the writes waiting for each.
pub(super) struct Writer {
    /// One lock for both: SQLite has one writer at a time anyway.
    connections: Mutex<Connections>,
    durable_queue: Mutex<Vec<Box<dyn Job>>>,
    relaxed_queue: Mutex<Vec<Box<dyn Job>>>,
}

struct Connections {
    /// Commits wait for `fsync` (`synchronous = FULL`).
    durable: Connection,
    /// Commits survive a process crash but do not wait for `fsync`.
    relaxed: Connection,
}

/// Whether a commit waits for `fsync` (see `SqliteStore::write_relaxed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Durability {
    /// Survives a power cut once acknowledged.
    Full,
    /// Survives a process crash; a power cut may lose the latest commits.
    Relaxed,
}

/// A queued write, type-erased so writes of any result type share a group.
trait Job: Send {
    /// Runs the change in `transaction`; whether it succeeded (a failed one
    /// is undone by its savepoint, or its transaction).
    fn run(&mut self, transaction: &Transaction<'_>) -> bool;

    /// Answers the caller once the group's fate is known: `Ok` when the
    /// group committed.
    fn finish(self: Box<Self>, group: Result<(), &rusqlite::Error>);
}

/// A write and where its answer goes.
struct Write<T, F, A> {
    /// Taken when the write runs.
    change: Option<F>,
    after_commit: A,
    result: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F, A> Job for Write<T, F, A>
where
    T: Send,
    F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send,
    A: FnOnce(&T) + Send,
{
    fn run(&mut self, transaction: &Transaction<'_>) -> bool {
        let result = self.change.take().map(|change| change(transaction));
        let succeeded = matches!(result, Some(Ok(_)));
        self.result = result;
        succeeded
    }

    fn finish(self: Box<Self>, group: Result<(), &rusqlite::Error>) {
        let Write {
            after_commit,
            result,
            reply,
            ..
        } = *self;
        let answer = match (result, group) {
            (Some(Err(refused)), _) => Err(refused),
            (Some(Ok(value)), Ok(())) => {
                after_commit(&value);
                Ok(value)
            }
            (_, Err(error)) => Err(group_failure(error)),
            (None, Ok(())) => Err(StoreError::Internal("the write panicked".into())),
        };
        // The caller may have stopped waiting; the write stands regardless.
        let _ = reply.send(answer);
    }
}

/// One write's copy of the error that failed its whole group.
fn group_failure(error: &rusqlite::Error) -> StoreError {
    let copy = error.to_string().into();
    if is_unavailable(error) {
        StoreError::Unavailable(copy)
    } else {
        StoreError::Internal(copy)
    }
}

impl Writer {
    /// Writes through `durable` (commits wait for `fsync`) and `relaxed`.
    pub(super) fn new(durable: Connection, relaxed: Connection) -> Self {
        Self {
            connections: Mutex::new(Connections { durable, relaxed }),
            durable_queue: Mutex::default(),
            relaxed_queue: Mutex::default(),
        }
    }

    /// Runs `change` in an immediate transaction, committed with the
    /// `durability` asked for, then `after_commit` with its result on the
    /// committing thread (even if the caller stopped waiting).
    pub(super) async fn write<T, F, A>(
        self: &Arc<Self>,
        durability: Durability,
        change: F,
        after_commit: A,
    ) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Write {
            change: Some(change),
            after_commit,
            result: None,
            reply,
        });
        lock(self.queue(durability)).push(job);
        let writer = Arc::clone(self);
        tokio::task::spawn_blocking(move || writer.commit_queued(durability))
            .await
            .map_err(|error| StoreError::Internal(error.into()))?;
        answer
            .await
            .map_err(|_| StoreError::Internal("a write ended without an answer".into()))?
    }

    fn queue(&self, durability: Durability) -> &Mutex<Vec<Box<dyn Job>>> {
        match durability {
            Durability::Full => &self.durable_queue,
            Durability::Relaxed => &self.relaxed_queue,
        }
    }

    /// Takes the connections, then commits every write of `durability`
    /// queued by then (ours too, unless an earlier group already took it).
    fn commit_queued(&self, durability: Durability) {
        let mut connections = lock(&self.connections);
        let jobs = std::mem::take(&mut *lock(self.queue(durability)));
        if jobs.is_empty() {
            return;
        }
        let connection = match durability {
            Durability::Full => &mut connections.durable,
            Durability::Relaxed => &mut connections.relaxed,
        };
        commit_group(connection, jobs);
    }
}

/// A panic mid-transaction poisons a lock; the transaction rolled back as it
/// unwound (its callers got no answer), so what the lock guards is sound.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `jobs` in one transaction on `connection` and answers each.
fn commit_group(connection: &mut Connection, mut jobs: Vec<Box<dyn Job>>) {
    let group = run_group(connection, &mut jobs);
    for job in jobs {
        job.finish(group.as_ref().map(|_| ()));
    }
}

fn run_group(connection: &mut Connection, jobs: &mut [Box<dyn Job>]) -> rusqlite::Result<()> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let [job] = jobs {
        // Alone: its own transaction, committed only if it succeeded.
        return if job.run(&transaction) {
            transaction.commit()
        } else {
            transaction.rollback()
        };
    }
    for job in jobs.iter_mut() {
        transaction.execute_batch("SAVEPOINT write")?;
        // A write that panics fails alone (its caller gets no answer: a 500),
        // not the writes grouped with it.
        let succeeded = catch_unwind(AssertUnwindSafe(|| job.run(&transaction)));
        if succeeded.unwrap_or(false) {
            transaction.execute_batch("RELEASE write")?;
        } else {
            transaction.execute_batch("ROLLBACK TO write; RELEASE write")?;
        }
    }
    transaction.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Change = Box<dyn FnOnce(&Transaction<'_>) -> StoreResult<()> + Send>;

    fn writer() -> (tempfile::TempDir, Arc<Writer>) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("writer.db");
        let open = || {
            let connection = Connection::open(&path).unwrap();
            connection
                .pragma_update(None, "journal_mode", "WAL")
                .unwrap();
            connection
        };
        let durable = open();
        durable
            .execute_batch("CREATE TABLE items (name TEXT PRIMARY KEY NOT NULL) STRICT")
            .unwrap();
        (directory, Arc::new(Writer::new(durable, open())))
    }

    fn insert(name: &'static str) -> impl FnOnce(&Transaction<'_>) -> StoreResult<()> {
        move |tx| {
            tx.execute("INSERT INTO items (name) VALUES (?1)", [name])
                .map(|_| ())
                .map_err(|_| StoreError::Conflict)
        }
    }

    fn names(writer: &Writer) -> Vec<String> {
        let connections = lock(&writer.connections);
        let mut statement = connections
            .durable
            .prepare("SELECT name FROM items ORDER BY name")
            .unwrap();
        statement
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn a_group_commits_its_writes_and_undoes_only_the_ones_that_failed() {
        let (_directory, writer) = writer();
        let (replies, answers): (Vec<_>, Vec<_>) = (0..4).map(|_| oneshot::channel()).unzip();
        let changes: [Change; 4] = [
            Box::new(insert("first")),
            // Writes, then fails: its row must not stay.
            Box::new(|tx: &Transaction<'_>| {
                tx.execute("INSERT INTO items (name) VALUES ('half done')", [])?;
                insert("first")(tx)
            }),
            // Writes, then panics: the same.
            Box::new(|tx: &Transaction<'_>| {
                tx.execute("INSERT INTO items (name) VALUES ('panicked')", [])?;
                panic!("a bug in one write")
            }),
            Box::new(insert("fourth")),
        ];
        let jobs: Vec<Box<dyn Job>> = changes
            .into_iter()
            .zip(replies)
            .map(|(change, reply)| {
                Box::new(Write {
                    change: Some(change),
                    after_commit: |_: &()| (),
                    result: None,
                    reply,
                }) as Box<dyn Job>
            })
            .collect();
        commit_group(&mut lock(&writer.connections).durable, jobs);
        let answers: Vec<_> = answers
            .into_iter()
            .map(|mut answer| answer.try_recv().unwrap())
            .collect();
        assert!(answers[0].is_ok());
        assert!(matches!(answers[1], Err(StoreError::Conflict)));
        assert!(matches!(answers[2], Err(StoreError::Internal(_))));
        assert!(answers[3].is_ok());
        assert_eq!(names(&writer), ["first", "fourth"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_each_get_their_own_answer() {
        let (_directory, writer) = writer();
        let names: Vec<&'static str> = (0..200)
            .map(|i| &*Box::leak(format!("item {i:03}").into_boxed_str()))
            .collect();
        let writes = names.iter().map(|&name| {
            let writer = Arc::clone(&writer);
            // Every name twice, durably and not: exactly one of each pair
            // may succeed.
            async move {
                let first = writer.write(Durability::Full, insert(name), |_| ());
                let second = writer.write(Durability::Relaxed, insert(name), |_| ());
                let (first, second) = tokio::join!(first, second);
                first.is_ok() as usize + second.is_ok() as usize
            }
        });
        let succeeded = futures_util::future::join_all(writes).await;
        assert!(succeeded.iter().all(|&count| count == 1), "{succeeded:?}");
        assert_eq!(self::names(&writer).len(), 200);
    }

    #[tokio::test]
    async fn after_commit_runs_only_for_a_committed_write() {
        let (_directory, writer) = writer();
        let seen = Arc::new(Mutex::new(Vec::new()));
        for name in ["kept", "kept"] {
            let seen = Arc::clone(&seen);
            let _ = writer
                .write(Durability::Full, insert(name), move |_| {
                    seen.lock().unwrap().push(name)
                })
                .await;
        }
        let _ = writer
            .write(Durability::Relaxed, insert("relaxed"), {
                let seen = Arc::clone(&seen);
                move |_| seen.lock().unwrap().push("relaxed")
            })
            .await;
        assert_eq!(*seen.lock().unwrap(), ["kept", "relaxed"]);
        assert_eq!(names(&writer), ["kept", "relaxed"]);
    }
}
