//! A minimal HTTP/1.1 server on 127.0.0.1 that answers every request 204
//! and counts them: the bench's stand-in for the agency's CRM receiving
//! webhooks (keep-alive, as a real receiver serves the service's pooled
//! connections).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use anyhow::Result;

use crate::counter::Counter;

/// A running sink; its threads end with the harness.
pub struct WebhookSink {
    port: u16,
    received: Counter,
}

impl WebhookSink {
    /// Listens on a free port, one thread per connection.
    pub fn start() -> Result<Self> {
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
        Ok(Self { port, received })
    }

    /// Where the webhook points.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/tripdesk", self.port)
    }

    /// Deliveries received so far.
    pub fn received(&self) -> u64 {
        self.received.get()
    }

    /// See [`Counter::settle`].
    pub fn settle(&self, limit: std::time::Duration) -> (u64, f64) {
        self.received.settle(limit)
    }
}

/// One connection: requests read (headers, then `Content-Length` bytes of
/// body), each answered 204 and counted.
fn serve(stream: TcpStream, received: &Counter) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut line = String::new();
    loop {
        let mut length = 0usize;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        received.add();
        writer.write_all(b"HTTP/1.1 204 No Content\r\n\r\n")?;
    }
}
