//! A [`Store`] that times every operation of the store it wraps, for the
//! `tripdesk_store_operation_duration_seconds` metric (labelled by store and
//! operation name, never by a value).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{SharedStore, Store, StoreResult};

/// Wraps `inner`, recording each operation's latency under `name`
/// (`sqlite`, `mongodb`).
pub struct Instrumented {
    inner: SharedStore,
    name: &'static str,
}

impl Instrumented {
    /// Times every operation of `inner` under the store label `name`.
    pub fn new(inner: SharedStore, name: &'static str) -> Self {
        Self { inner, name }
    }
}

/// Runs `$call` on the inner store and records how long it took as `$operation`.
macro_rules! timed {
    ($self:ident, $operation:literal, $call:expr) => {{
        let started = std::time::Instant::now();
        let result = $call.await;
        $crate::monitoring::record_store_operation($self.name, $operation, started.elapsed());
        result
    }};
}

// Below the macro: `macro_rules!` is in scope only after its definition.
mod accounts;
mod audit;
mod bookings;
mod mfa;
mod outbox;
mod passkeys;
mod privacy;
mod webhooks;

#[async_trait]
impl Store for Instrumented {
    async fn ping(&self) -> StoreResult<()> {
        timed!(self, "ping", self.inner.ping())
    }

    async fn purge_ended(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        timed!(self, "purge_ended", self.inner.purge_ended(now))
    }
}
