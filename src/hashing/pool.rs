//! The threads that compute Argon2id, apart from everything else.
//!
//! Each thread owns one Argon2 memory buffer (~19 MiB), allocated once and
//! reused for every hash. Allocating it per hash made the allocator keep
//! freed buffers in per-thread arenas: resident memory grew by gigabytes
//! under a login flood, and page faults cost a tenth of every hash.
//!
//! The threads run at a lower scheduling priority (nice +10), so logins use
//! every idle cycle of every core, yet a cheap request waking up on an HTTP
//! worker preempts a hash at once instead of waiting behind it.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use argon2::Block;
use tokio::sync::oneshot;

/// How much lower than the HTTP workers the hashing threads run.
pub(super) const NICE_INCREMENT: i32 = 10;

/// Work for a hashing thread, given that thread's reusable memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// A fixed set of low-priority threads; they exit when the last handle drops.
#[derive(Clone)]
pub(super) struct HashingPool {
    jobs: Sender<Job>,
}

/// The pool's threads are gone (only while the process shuts down).
#[derive(Debug, thiserror::Error)]
#[error("the password hashing threads have stopped")]
pub struct PoolStopped;

impl HashingPool {
    /// Starts `threads` threads, each owning `blocks` Argon2 blocks.
    pub(super) fn start(threads: usize, blocks: usize) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || work(&queue, blocks))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `job` on a hashing thread and waits for its result.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, PoolStopped> {
        let (reply, result) = oneshot::channel();
        let queued = metrics::gauge!(crate::monitoring::HASH_QUEUE);
        queued.increment(1.0);
        self.jobs
            .send(Box::new(move |memory| {
                queued.decrement(1.0);
                // The caller may have gone (client disconnected): nothing to do.
                let _ = reply.send(job(memory));
            }))
            .map_err(|_| PoolStopped)?;
        result.await.map_err(|_| PoolStopped)
    }
}

fn work(queue: &Mutex<Receiver<Job>>, blocks: usize) {
    lower_priority();
    let mut memory = vec![Block::default(); blocks];
    loop {
        // Hold the lock only to take a job, never while hashing.
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(&mut memory),
            Err(_) => return, // every sender dropped: the service is gone
        }
    }
}

/// Raises this thread's nice value (Linux schedules threads individually),
/// so that request handling preempts it: for background work (hashing,
/// mail) that must not slow the cheap requests beside it.
pub(crate) fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread, no memory involved.
    unsafe {
        let thread = libc::gettid();
        let current = libc::getpriority(libc::PRIO_PROCESS, thread as libc::id_t);
        // Failure leaves the default priority: slower to yield, still correct.
        let _ = libc::setpriority(
            libc::PRIO_PROCESS,
            thread as libc::id_t,
            current + NICE_INCREMENT,
        );
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn own_nice() -> i32 {
        // SAFETY: reads the calling thread's priority.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
    }

    #[tokio::test]
    async fn jobs_run_on_lower_priority_threads_with_reused_memory() {
        let pool = HashingPool::start(1, 8).unwrap();
        let before = own_nice();
        let (nice, first) = pool
            .run(|memory| (own_nice(), memory.as_ptr() as usize))
            .await
            .unwrap();
        assert_eq!(nice, (before + NICE_INCREMENT).min(19));
        let second = pool.run(|memory| memory.as_ptr() as usize).await.unwrap();
        assert_eq!(first, second, "one buffer per thread, reused");
    }
}
