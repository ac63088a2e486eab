//! What the harness's sinks count, and waiting for it to settle.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A count shared with a sink's connection threads.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    pub fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Waits until the count has not moved for two seconds (at most
    /// `limit`); how much it grew meanwhile, and over how many seconds (the
    /// quiet two not counted).
    pub fn settle(&self, limit: Duration) -> (u64, f64) {
        let (start, started) = (self.get(), Instant::now());
        let (mut last, mut last_change) = (start, started);
        while started.elapsed() < limit && last_change.elapsed().as_secs() < 2 {
            std::thread::sleep(Duration::from_millis(200));
            let now = self.get();
            if now != last {
                (last, last_change) = (now, Instant::now());
            }
        }
        (last - start, (last_change - started).as_secs_f64())
    }
}
