//! The service's periodic housekeeping, beside the HTTP server.

use std::time::Duration;

use actix_web::web;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::error::ErrorChain;
use crate::monitoring;
use crate::routes::privacy::erasure;
use crate::state::AppState;

/// How often the per-address limiter forgets idle addresses.
const FORGET_INTERVAL: Duration = Duration::from_secs(60);
/// How often the store is purged of what ended.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// Sets the gauges of what waits to go out (left as they were when the
/// store cannot say).
async fn record_backlogs(state: &AppState) {
    if let Ok(pending) = state.store.pending_messages(state.now()).await {
        metrics::gauge!(monitoring::NOTIFICATIONS_PENDING).set(pending as f64);
    }
    if let Ok(webhooks) = state.store.webhook_backlog().await {
        metrics::gauge!(monitoring::WEBHOOKS_PENDING).set(webhooks.pending as f64);
        metrics::gauge!(monitoring::WEBHOOKS_DISABLED).set(webhooks.disabled as f64);
    }
}

/// Periodic housekeeping beside the server: fold recorded metrics, forget
/// idle addresses of the per-address limit, purge what ended from the
/// store, finish erasures a crash interrupted and erase the customers
/// `RETENTION_DAYS` lets go (at start, then hourly).
pub(crate) async fn run(state: web::Data<AppState>, recorder: Option<PrometheusHandle>) {
    let mut ticks = tokio::time::interval(monitoring::UPKEEP_INTERVAL);
    let every =
        |interval: Duration| (interval.as_secs() / monitoring::UPKEEP_INTERVAL.as_secs()).max(1);
    let (forget_every, purge_every) = (every(FORGET_INTERVAL), every(PURGE_INTERVAL));
    let pending_every = every(Duration::from_secs(30));
    for tick in 0u64.. {
        ticks.tick().await;
        if let Some(recorder) = &recorder {
            recorder.run_upkeep();
        }
        if tick % forget_every == 0 {
            state.auth_limiter.forget_idle();
            state.key_limiter.forget_idle();
        }
        if tick % pending_every == 0 && recorder.is_some() {
            record_backlogs(&state).await;
        }
        if tick % purge_every == 0 {
            match state.store.purge_ended(state.now()).await {
                Ok(purged) => tracing::debug!(purged, "ended records purged"),
                Err(error) => {
                    tracing::warn!(error = %ErrorChain(&error), "could not purge ended records")
                }
            }
            erasure::resume(&state).await;
            erasure::erase_dormant(&state).await;
        }
    }
}
