//! What every handler can reach.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::domain::Clock;
use crate::hashing::PasswordHasher;
use crate::mfa::SecretCipher;
use crate::passkeys::RelyingParty;
use crate::rate_limit::{AuthRateLimiter, KeyRateLimiter};
use crate::store::SharedStore;
use crate::webhooks::resolver::Lookup;

/// Shared application state, one per process, cloned cheaply into workers.
pub struct AppState {
    /// Persistence.
    pub store: SharedStore,
    /// Argon2id on blocking threads.
    pub hasher: PasswordHasher,
    /// Seals and opens TOTP secrets.
    pub mfa_cipher: SecretCipher,
    /// Checks passkey ceremonies; `None` when the frontend's origin cannot
    /// have passkeys.
    pub relying_party: Option<Arc<RelyingParty>>,
    /// Login and registration requests per client address.
    pub auth_limiter: AuthRateLimiter,
    /// Staff-route requests per API key.
    pub key_limiter: KeyRateLimiter,
    /// How webhook targets' names are resolved (when saved; the dispatcher
    /// resolves again for every connection).
    pub webhook_lookup: Arc<dyn Lookup>,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// Configuration.
    pub settings: Arc<Settings>,
}

impl AppState {
    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
