//! Webhook delivery: a worker beside the server that leases due deliveries,
//! posts each event, signed, to its webhook, and records how it went. At
//! least once (a delivery is marked done only after a 2xx; a lease that
//! runs out lets another instance take it again), retried with backoff and
//! jitter for 24 hours; a `410 Gone` turns the webhook off at once.
//! Redirects are never followed, and every connection goes through
//! [`resolver::PublicOnly`].

pub mod resolver;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use rand::{Rng, RngCore};
use url::Host;

use crate::domain::{
    Clock, DeliveryStatus, FAILING, GONE, LEASE, RESPONSE_TIMEOUT, is_public, next_attempt,
    sign_webhook,
};
use crate::store::{Attempt, DueDelivery, SharedStore, StoreResult};
use resolver::{Lookup, PublicOnly};

/// Deliveries leased at once.
const BATCH: u32 = 32;
/// Deliveries of a batch sent at once (a slow receiver holds one slot).
const IN_FLIGHT: usize = 16;

/// Delivers webhook events.
pub struct WebhookDispatcher {
    store: SharedStore,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    allow_private: bool,
}

impl WebhookDispatcher {
    /// A dispatcher resolving names through `lookup`; `allow_private`
    /// (`WEBHOOK_ALLOW_PRIVATE_TARGETS`, never in production) lets it reach
    /// this machine and private networks.
    pub fn new(
        store: SharedStore,
        clock: Arc<dyn Clock>,
        lookup: Arc<dyn Lookup>,
        allow_private: bool,
    ) -> reqwest::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(RESPONSE_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("tripdesk-webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(PublicOnly {
                lookup,
                allow_private,
            }))
            .build()?;
        Ok(Self {
            store,
            clock,
            client,
            allow_private,
        })
    }

    /// Leases the due deliveries, sends them, records each try; how many.
    pub async fn dispatch_once(&self) -> StoreResult<usize> {
        let mut lease = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut lease);
        let lease = hex::encode(lease);
        let now = self.clock.now();
        let due = self
            .store
            .claim_due_deliveries(now, &lease, now + LEASE, BATCH)
            .await?;
        let count = due.len();
        let attempts: Vec<Attempt> = stream::iter(due)
            .map(|due| self.attempt(due))
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        for attempt in &attempts {
            self.store.record_attempt(&lease, attempt).await?;
        }
        Ok(count)
    }

    /// Sends `due` once, and what the try means for it.
    async fn attempt(&self, due: DueDelivery) -> Attempt {
        let started = Instant::now();
        let now = self.clock.now();
        let sent = self.send(&due, now).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        let delivery = &due.delivery;
        let response_status = sent.as_ref().ok().copied();
        let mut attempt = Attempt {
            delivery: delivery.id,
            webhook: delivery.webhook_id,
            at: now,
            response_status,
            duration_ms,
            status: DeliveryStatus::Failed,
            next_attempt_at: None,
            disable: None,
        };
        match sent {
            Ok(status) if (200..300).contains(&status) => {
                attempt.status = DeliveryStatus::Succeeded;
            }
            Ok(410) => attempt.disable = Some(GONE),
            failed => {
                if let Err(error) = &failed {
                    tracing::warn!(delivery = %delivery.id, %error, "webhook not delivered");
                }
                let first = delivery.first_attempt_at.unwrap_or(now);
                let jitter = rand::thread_rng().gen_range(0.0..=1.0);
                match next_attempt(delivery.attempts + 1, first, now, jitter) {
                    Some(at) => {
                        attempt.status = DeliveryStatus::Pending;
                        attempt.next_attempt_at = Some(at);
                    }
                    // A day of failures of this delivery: the receiver
                    // has been failing as long.
                    None => attempt.disable = Some(FAILING),
                }
            }
        }
        let outcome = match attempt.status {
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Pending => "retried",
            DeliveryStatus::Failed => "failed",
        };
        metrics::counter!(crate::monitoring::WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
        tracing::info!(delivery = %delivery.id, webhook = %delivery.webhook_id,
            status = ?response_status, outcome, "webhook try");
        attempt
    }

    /// Posts the event; the receiver's status, or why there was none.
    async fn send(&self, due: &DueDelivery, now: DateTime<Utc>) -> Result<u16, String> {
        let url = due.url.url();
        let literal = match url.host() {
            Some(Host::Ipv4(address)) => Some(address.into()),
            Some(Host::Ipv6(address)) => Some(address.into()),
            _ => None,
        };
        if let Some(address) = literal
            && !self.allow_private
            && !is_public(address)
        {
            return Err(format!("{address} is not a public address"));
        }
        let signature = sign_webhook(&due.secret, now.timestamp(), due.body.as_bytes());
        let response = self
            .client
            .post(url.clone())
            .header("content-type", "application/json")
            .header(
                "tripdesk-event-id",
                format!("evt_{}", due.delivery.event_id),
            )
            .header("tripdesk-event-type", due.delivery.event_type.as_str())
            .header("tripdesk-signature", signature)
            .body(due.body.clone())
            .send()
            .await
            .map_err(|error| crate::error::ErrorChain(&error).to_string())?;
        Ok(response.status().as_u16())
    }
}

impl crate::worker::Drain for WebhookDispatcher {
    const NAME: &'static str = "webhook-dispatcher";

    async fn drain_once(&self) -> StoreResult<usize> {
        self.dispatch_once().await
    }
}
