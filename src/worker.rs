//! Background workers that drain a durable queue (the mail outbox, webhook
//! deliveries): each on a thread of its own at low priority (like the
//! password hashes: delivery uses whatever CPU the requests leave), taking
//! a batch at a time, waiting a moment when there was nothing to do, and
//! stopping between batches when asked.

use std::future::Future;
use std::time::Duration;

use tokio::sync::{oneshot, watch};

use crate::error::ErrorChain;
use crate::store::StoreResult;

/// How long to wait when there was nothing to do.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// A queue a worker drains.
pub trait Drain: Send + 'static {
    /// The worker's name (its thread's, and its log lines').
    const NAME: &'static str;

    /// Handles one batch; how many items it handled.
    fn drain_once(&self) -> impl Future<Output = StoreResult<usize>>;
}

/// Stops a running worker after its current batch.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    done: oneshot::Receiver<()>,
}

impl WorkerHandle {
    /// Asks the worker to stop and waits until it has.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        let _ = (&mut self.done).await;
    }
}

impl Drop for WorkerHandle {
    /// A handle dropped without [`stop`](Self::stop) (the server's task
    /// was cancelled) still stops the thread, after its current batch.
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts draining `queue` on a thread of its own.
pub fn spawn<D: Drain>(queue: D) -> WorkerHandle {
    let (stop, stopped) = watch::channel(false);
    let (finished, done) = oneshot::channel();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        // Its blocking threads (file writes, SQLite) carry the name too.
        .thread_name(D::NAME)
        .build()
        .expect("a runtime for a background worker");
    let spawned = std::thread::Builder::new()
        .name(D::NAME.into())
        .spawn(move || {
            crate::hashing::lower_priority();
            runtime.block_on(run(queue, stopped));
            let _ = finished.send(());
        });
    if let Err(error) = spawned {
        tracing::error!(worker = D::NAME, %error, "a background worker could not start");
    }
    WorkerHandle { stop, done }
}

async fn run<D: Drain>(queue: D, mut stopped: watch::Receiver<bool>) {
    while !*stopped.borrow() {
        let idle = match queue.drain_once().await {
            Ok(0) => true,
            Ok(_) => false,
            Err(error) => {
                tracing::warn!(worker = D::NAME, error = %ErrorChain(&error), "store unavailable");
                true
            }
        };
        if idle {
            tokio::select! {
                _ = tokio::time::sleep(IDLE_POLL) => {}
                changed = stopped.changed() => {
                    if changed.is_err() {
                        break; // the handle is gone
                    }
                }
            }
        }
    }
}
