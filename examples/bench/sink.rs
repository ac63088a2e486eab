//! The harness's stand-ins for what the service talks to (the mail relay,
//! the agency's webhook receiver): servers on 127.0.0.1 that accept
//! everything and count it.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;

/// A count shared with a sink's connection threads.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    pub fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A running sink; its threads end with the harness.
pub struct Sink {
    url: String,
    received: Counter,
}

impl Sink {
    /// Listens on a free port, `serve` on a thread per connection; `url`
    /// says how the service reaches it, given the port.
    pub fn start(
        url: impl Fn(u16) -> String,
        serve: fn(TcpStream, &Counter) -> std::io::Result<()>,
    ) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let received = Counter::default();
        let counter = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let counter = counter.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &counter);
                });
            }
        });
        Ok(Self {
            url: url(port),
            received,
        })
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// What it accepted so far.
    pub fn received(&self) -> u64 {
        self.received.get()
    }

    /// Waits until nothing has arrived for two seconds (at most `limit`);
    /// how much arrived meanwhile, and over how many seconds (the quiet two
    /// not counted).
    pub fn settle(&self, limit: Duration) -> (u64, f64) {
        let (start, started) = (self.received(), Instant::now());
        let (mut last, mut last_change) = (start, started);
        while started.elapsed() < limit && last_change.elapsed().as_secs() < 2 {
            std::thread::sleep(Duration::from_millis(200));
            let now = self.received();
            if now != last {
                (last, last_change) = (now, Instant::now());
            }
        }
        (last - start, (last_change - started).as_secs_f64())
    }
}
