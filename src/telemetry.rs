//! Structured logs with `tracing`.
//!
//! What is logged is decided where it happens: ids, statuses, latencies.
//! Tokens, token hashes, cookies, passwords and hashes never are; their
//! types redact themselves in Debug output as a second line of defence.

use std::io::IsTerminal;

use tracing::Subscriber;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// A subscriber writing to `writer` in `format`, filtered by `filter`
/// (`RUST_LOG` syntax), with terminal colours when `ansi`.
pub fn subscriber<W>(
    format: LogFormat,
    filter: &str,
    ansi: bool,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_ansi(ansi)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.compact().finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
    }
}

/// Keeps the log writer thread running; dropping it flushes every line
/// still queued. Hold it until the process exits.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _writer: WorkerGuard,
}

/// Installs the process-wide subscriber, logging to stdout, filtered by
/// `RUST_LOG` (default `info`).
///
/// Lines are formatted on the thread that logs them but written by a
/// dedicated thread: a request never waits on the stdout lock or on a slow
/// pipe. The queue is not lossy: when it is full (the reader of stdout is
/// stalled), loggers wait rather than drop lines.
pub fn init(format: LogFormat) -> LogGuard {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
    let ansi = format == LogFormat::Text && std::io::stdout().is_terminal();
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("log-writer")
        .finish(std::io::stdout());
    // Ignore a second installation (tests may call this more than once).
    let _ = tracing::subscriber::set_global_default(subscriber(format, &filter, ansi, writer));
    LogGuard { _writer: guard }
}
