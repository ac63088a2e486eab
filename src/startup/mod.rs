//! Building the application: store, state, HTTP server.

mod http_server;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::web;
use chrono::{DateTime, Utc};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::config::{Environment, Settings, StoreSettings};
use crate::domain::{Clock, SystemClock};
use crate::hashing::{HashError, PasswordHasher};
use crate::mail::{Dispatcher, Transport};
use crate::mfa::{MfaKey, SecretCipher};
use crate::monitoring;
use crate::passkeys::RelyingParty;
use crate::rate_limit::{AuthRateLimiter, KeyRateLimiter};
use crate::seed::{DemoAccount, SeedError, seed_demo_data};
use crate::state::AppState;
use crate::store::instrumented::Instrumented;
use crate::store::mongo::MongoStore;
use crate::store::sqlite::{ServerLock, ServerLockError, SqliteStore};
use crate::store::{SharedStore, Store, StoreError};
use crate::upkeep;
use crate::webhooks::WebhookDispatcher;
use crate::webhooks::resolver::{Lookup, SystemLookup};
use http_server::http_server;

/// Start-up failed.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The store could not be opened.
    #[error("cannot open the store")]
    Store(#[from] StoreError),
    /// The password hasher could not be prepared.
    #[error("cannot prepare password hashing")]
    Hash(#[from] HashError),
    /// The demo data could not be created.
    #[error("cannot create the demo data")]
    Seed(#[from] SeedError),
    /// Another server uses the embedded database.
    #[error(transparent)]
    StoreInUse(#[from] ServerLockError),
    /// The mail transport could not be prepared.
    #[error("cannot prepare the mail transport")]
    Mail(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot prepare webhook delivery")]
    Webhooks(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The development key for second factors could not be read or made.
    #[error("cannot keep the second-factor key at {path}")]
    MfaKey {
        /// Where it is kept.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The address could not be bound.
    #[error("cannot listen on {address}")]
    Bind {
        /// `host:port`.
        address: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The key sealing TOTP secrets: `MFA_ENCRYPTION_KEY`, or (development
/// only: production refuses to start without it) one generated once and
/// kept beside the embedded database, or in `./data` with MongoDB.
fn mfa_key(settings: &Settings) -> Result<MfaKey, StartupError> {
    if let Some(key) = &settings.mfa.encryption_key {
        return Ok(key.clone());
    }
    let path = match &settings.store {
        StoreSettings::Sqlite { path, .. } => path.with_file_name("mfa.key"),
        StoreSettings::Mongo { .. } => std::path::PathBuf::from("./data/mfa.key"),
    };
    MfaKey::kept_at(&path).map_err(|source| StartupError::MfaKey {
        path: path.display().to_string(),
        source,
    })
}

/// Opens the store the settings name.
pub async fn open_store(settings: &StoreSettings) -> Result<SharedStore, StoreError> {
    match settings {
        StoreSettings::Sqlite {
            path,
            session_retention,
        } => {
            let (path, retention) = (path.clone(), *session_retention);
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path, retention))
                .await
                .map_err(|error| StoreError::Internal(error.into()))??;
            Ok(Arc::new(store))
        }
        StoreSettings::Mongo {
            uri,
            database,
            session_retention,
        } => Ok(Arc::new(
            MongoStore::connect(uri, database, *session_retention).await?,
        )),
    }
}

fn announce_demo_accounts(accounts: &[DemoAccount]) {
    println!("\nDemo accounts (shown once, now):");
    for account in accounts {
        println!(
            "  {:<26} {:<46} {}",
            account.name, account.email, account.password
        );
    }
    println!();
}

/// The metrics listener, when `METRICS_ADDR` asks for one.
struct MetricsListener {
    port: u16,
    server: Server,
    handle: PrometheusHandle,
}

/// A built, bound, not yet running application.
pub struct Application {
    port: u16,
    server: Server,
    metrics: Option<MetricsListener>,
    state: web::Data<AppState>,
    dispatcher: Dispatcher,
    webhooks: WebhookDispatcher,
    /// Held while serving an embedded database (see [`ServerLock`]).
    lock: Option<ServerLock>,
}

/// The mail dispatcher for `settings`: SMTP when `SMTP_URL` is set, else
/// `.eml` files in `MAIL_DIR`.
fn dispatcher(
    settings: &Settings,
    store: &SharedStore,
    clock: &Arc<dyn Clock>,
) -> Result<Dispatcher, StartupError> {
    let mail = &settings.mail;
    let transport = match &mail.smtp_url {
        Some(url) => Transport::smtp(url).map_err(|error| StartupError::Mail(error.into()))?,
        None => {
            tracing::info!(directory = %mail.directory.display(), "no SMTP_URL: mail is written to files");
            Transport::files(mail.directory.clone())
                .map_err(|error| StartupError::Mail(error.into()))?
        }
    };
    Ok(Dispatcher::new(
        Arc::clone(store),
        transport,
        Arc::clone(clock),
        mail,
    ))
}

/// Binds `address` (`host:port`).
fn bind(address: &str) -> Result<(TcpListener, u16), StartupError> {
    let failed = |source| StartupError::Bind {
        address: address.to_owned(),
        source,
    };
    let listener = TcpListener::bind(address).map_err(failed)?;
    let port = listener.local_addr().map_err(failed)?.port();
    Ok((listener, port))
}

fn metrics_listener(address: &str) -> Result<MetricsListener, StartupError> {
    let (listener, port) = bind(address)?;
    let handle = monitoring::recorder();
    let server =
        monitoring::serve(listener, handle.clone()).map_err(|source| StartupError::Bind {
            address: address.to_owned(),
            source,
        })?;
    Ok(MetricsListener {
        port,
        server,
        handle,
    })
}

/// `store`, timed operation by operation when metrics are exported (timing
/// costs a little: only when someone looks).
fn instrumented(store: SharedStore, settings: &Settings) -> SharedStore {
    if settings.metrics_address.is_none() {
        return store;
    }
    let name = match settings.store {
        StoreSettings::Sqlite { .. } => "sqlite",
        StoreSettings::Mongo { .. } => "mongodb",
    };
    Arc::new(Instrumented::new(store, name))
}

/// Creates the demo consultants and admin if missing; in development,
/// prints their passwords once.
async fn seed(
    settings: &Settings,
    store: &dyn Store,
    hasher: &PasswordHasher,
    now: DateTime<Utc>,
) -> Result<(), StartupError> {
    let accounts = seed_demo_data(store, hasher, now).await?;
    if !accounts.is_empty() {
        tracing::info!(consultants = accounts.len(), "demo data created");
        if settings.environment == Environment::Development {
            announce_demo_accounts(&accounts);
        }
    }
    Ok(())
}

impl Application {
    /// Builds the application with the system clock.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Builds the application with a given clock (tests move time with it).
    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        Self::build_with(settings, clock, Arc::new(SystemLookup)).await
    }

    /// Builds the application with a given clock, resolving webhook
    /// targets' names through `webhook_lookup` (tests answer for names).
    pub async fn build_with(
        settings: Settings,
        clock: Arc<dyn Clock>,
        webhook_lookup: Arc<dyn Lookup>,
    ) -> Result<Self, StartupError> {
        let lock = match &settings.store {
            StoreSettings::Sqlite { path, .. } => Some(ServerLock::acquire(path)?),
            StoreSettings::Mongo { .. } => None,
        };
        let store = instrumented(open_store(&settings.store).await?, &settings);
        let hasher = PasswordHasher::new(settings.password_hash_concurrency)?;
        if settings.seed_demo_data {
            seed(&settings, store.as_ref(), &hasher, clock.now()).await?;
        }
        let address = format!("{}:{}", settings.host, settings.port);
        let (listener, port) = bind(&address)?;
        let metrics = settings
            .metrics_address
            .as_deref()
            .map(metrics_listener)
            .transpose()?;
        let (workers, shutdown_timeout) = (settings.workers, settings.shutdown_timeout);
        let dispatcher = dispatcher(&settings, &store, &clock)?;
        let webhooks = WebhookDispatcher::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            Arc::clone(&webhook_lookup),
            settings.webhook_allow_private_targets,
        )
        .map_err(|error| StartupError::Webhooks(error.into()))?;
        let mfa_cipher = SecretCipher::new(&mfa_key(&settings)?);
        // Without one (`PUBLIC_BASE_URL` on an IP address that is not
        // loopback) passkeys are off and their routes say so.
        let relying_party = RelyingParty::for_origin(&settings.mail.public_base_url)
            .inspect_err(|reason| tracing::warn!(%reason, "passkeys are off"))
            .ok()
            .map(Arc::new);
        let state = web::Data::new(AppState {
            store: Arc::clone(&store),
            hasher,
            mfa_cipher,
            relying_party,
            auth_limiter: AuthRateLimiter::per_minute(settings.auth_rate_limit_per_minute),
            key_limiter: KeyRateLimiter::per_minute(settings.api_key_rate_limit_per_minute),
            webhook_lookup,
            clock,
            settings: Arc::new(settings),
        });
        let server = http_server(state.clone(), listener, workers, shutdown_timeout)
            .map_err(|source| StartupError::Bind { address, source })?;
        Ok(Self {
            port,
            server,
            metrics,
            state,
            dispatcher,
            webhooks,
            lock,
        })
    }

    /// The port of the metrics listener, if there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|metrics| metrics.port)
    }

    /// The bound port (useful with `PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The store the application uses (tests seed data through it).
    pub fn store(&self) -> SharedStore {
        Arc::clone(&self.state.store)
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (by a signal or the handle), with the upkeep
    /// tasks beside it; then releases the embedded database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(
            port = self.port,
            metrics_port = self.metrics_port(),
            "listening"
        );
        let metrics = self.metrics.map(|metrics| {
            let stop = metrics.server.handle();
            tokio::spawn(metrics.server);
            (stop, metrics.handle)
        });
        let recorder = metrics.as_ref().map(|(_, handle)| handle.clone());
        let upkeep = tokio::spawn(upkeep::run(self.state, recorder));
        let dispatching = crate::worker::spawn(self.dispatcher);
        let delivering = crate::worker::spawn(self.webhooks);
        let served = self.server.await;
        // After the last request: the mail being sent and the webhooks
        // being delivered are finished first.
        dispatching.stop().await;
        delivering.stop().await;
        upkeep.abort();
        if let Some((stop, _)) = metrics {
            stop.stop(true).await;
        }
        drop(self.lock);
        tracing::info!("stopped");
        served
    }
}
