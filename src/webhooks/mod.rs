//! Webhook delivery: a worker beside the server that leases due deliveries,
//! posts each event, signed, to its webhook, and records how it went. At
//! least once (a delivery is marked done only after a 2xx; a lease that
//! runs out lets another instance take it again), retried with backoff and
//! jitter for 24 hours; a `410 Gone` turns the webhook off at once, and so
//! do 24 hours of nothing but failures (the admins are mailed).
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
    AccountMail, AccountMessage, AuditContext, AuditEntry, Clock, DeliveryStatus, Effects, FAILING,
    GONE, LEASE, RESPONSE_TIMEOUT, WebhookId, failing_for_a_day, is_public, next_attempt,
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
        let mut attempts: Vec<Attempt> = stream::iter(due)
            .map(|due| self.attempt(due))
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        for attempt in &mut attempts {
            if let Some(reason) = attempt.disable {
                attempt.when_disabled = self.turned_off(attempt.webhook, reason, now).await?;
            }
        }
        self.store.record_attempts(&lease, &attempts).await?;
        Ok(count)
    }

    /// What turning `webhook` off for `reason` causes: a notice to every
    /// admin, and the audit entry.
    async fn turned_off(
        &self,
        webhook: WebhookId,
        reason: &'static str,
        now: DateTime<Utc>,
    ) -> StoreResult<Effects> {
        tracing::warn!(%webhook, reason, "webhook turned off");
        let admins = self.store.list_admins().await?;
        let notices = admins.iter().map(|admin| {
            let notice = AccountMail::WebhookDisabled {
                admin: admin.id,
                webhook,
            };
            AccountMessage::new(notice, now)
        });
        let context = AuditContext::service(now);
        Ok(Effects {
            account_mails: notices.collect(),
            audit: vec![AuditEntry::webhook_disabled(&context, webhook, reason)],
            ..Effects::default()
        })
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
            when_disabled: Effects::default(),
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
                // A delivery with retries left stays pending while its
                // webhook is off: it goes out if the webhook is turned on.
                if let Some(at) = next_attempt(delivery.attempts + 1, first, now, jitter) {
                    attempt.status = DeliveryStatus::Pending;
                    attempt.next_attempt_at = Some(at);
                }
                if failing_for_a_day(due.failing_since, now) {
                    attempt.disable = Some(FAILING);
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
