//! The test harness: the real application on port 0, a fresh store per test,
//! a movable clock, and HTTP clients that keep cookies like a browser.

mod authenticator;
mod client;
mod mail;
mod process;
pub mod receiver;
mod smtp;

pub use authenticator::SoftAuthenticator;
pub use client::{TestClient, assert_error, booking_body, read};
pub use mail::{mails_to, opened, outbox_drained, token_in};
pub use process::{ServiceProcess, free_port, tripdesk_command};
pub use receiver::Receiver;
pub use smtp::{ReceivedMail, SmtpServer};

use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::dev::ServerHandle;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use reqwest::StatusCode;
use reqwest::cookie::Jar;
use serde_json::{Value, json};
use tempfile::TempDir;
use tripdesk::config::{LogFormat, Settings};
use tripdesk::domain::{
    BookingRules, Clock, Consultant, Effects, Email, Locale, ManualClock, Password, PersonName,
    User, format_timestamp,
};
use tripdesk::hashing::PasswordHasher;
use tripdesk::seed::{NewConsultant, add_admin, add_consultant};
use tripdesk::startup::Application;
use tripdesk::store::SharedStore;
use tripdesk::webhooks::resolver::{Lookup, SystemLookup};

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Mongo,
}

/// Generates one `#[tokio::test]` per backend for each `async fn(Backend)`:
/// every test is written once and runs on both stores.
#[macro_export]
macro_rules! store_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }
            )+
        }
        mod mongo {
            $(
                #[tokio::test]
                async fn $name() {
                    if $crate::helpers::mongo_skipped() {
                        return;
                    }
                    super::$name($crate::helpers::Backend::Mongo).await;
                }
            )+
        }
    };
}

/// `TEST_LOG=1 cargo test …` shows the application's logs (filtered by
/// `RUST_LOG`, default `debug`); otherwise tests run quietly.
fn init_test_logging() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "debug".into());
            let subscriber =
                tripdesk::telemetry::subscriber(LogFormat::Text, &filter, false, std::io::stderr);
            let _ = tracing::subscriber::set_global_default(subscriber);
        }
    });
}

/// The MongoDB-compatible server the MongoDB half of the tests uses.
pub fn mongo_uri() -> String {
    std::env::var("TRIPDESK_TEST_MONGODB_URI")
        .unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into())
}

/// Whether the MongoDB half is explicitly skipped (`TRIPDESK_SKIP_MONGO=1`);
/// says so on stderr, so a skip is never silent.
pub fn mongo_skipped() -> bool {
    let skipped = std::env::var("TRIPDESK_SKIP_MONGO").is_ok_and(|value| value == "1");
    if skipped {
        eprintln!("skipped: TRIPDESK_SKIP_MONGO=1 turns off the MongoDB half of the tests");
    }
    skipped
}

/// Fails with instructions unless the test server accepts connections.
fn require_mongo(uri: &str) {
    let address = uri
        .trim_start_matches("mongodb://")
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let reachable = address
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .is_some_and(|address| {
            std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_secs(2))
                .is_ok()
        });
    assert!(
        reachable,
        "the MongoDB half of the tests needs a MongoDB-compatible server at {uri}. Run `scripts/test` \
         (it installs and starts one), or start one yourself and set TRIPDESK_TEST_MONGODB_URI, \
         or set TRIPDESK_SKIP_MONGO=1 to skip the MongoDB half."
    );
}

/// The data a test app runs on; removed when the last holder is dropped.
pub enum TestData {
    /// Deleted with the directory.
    Sqlite(#[allow(dead_code)] TempDir),
    Mongo {
        uri: String,
        database: String,
    },
}

impl TestData {
    /// A fresh database of the MongoDB server at `uri`.
    fn fresh_mongo(uri: &str) -> Self {
        TestData::Mongo {
            uri: uri.to_owned(),
            database: format!("tripdesk_test_{}", rand_suffix()),
        }
    }

    /// The variables that point the service at this store (the SQLite
    /// file's path comes with the directory's owner).
    fn store_vars(&self) -> Vec<(String, String)> {
        match self {
            TestData::Sqlite(_) => Vec::new(),
            TestData::Mongo { uri, database } => vec![
                ("MONGODB_URI".to_owned(), uri.clone()),
                ("MONGODB_DB".to_owned(), database.clone()),
            ],
        }
    }
}

impl Drop for TestData {
    fn drop(&mut self) {
        if let TestData::Mongo { uri, database } = self {
            let (uri, name) = (uri.clone(), database.clone());
            // The test's runtime may be shutting down: drop the database from
            // a thread of our own, with a client of its own.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    let client = mongodb::Client::with_uri_str(&uri).await?;
                    client.database(&name).drop().await
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop test database {database}");
            }
        }
    }
}

pub const PASSWORD: &str = "correct horse battery";
/// The `MFA_ENCRYPTION_KEY` of every test app.
pub const TEST_MFA_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

static UNIQUE: AtomicU64 = AtomicU64::new(0);

/// A fresh, unique email address.
pub fn unique_email(prefix: &str) -> String {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{n}-{}@example.com", rand_suffix())
}

fn rand_suffix() -> String {
    tripdesk::domain::SessionToken::generate().expose()[..8].to_owned()
}

/// A running application.
pub struct TestApp {
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub store: SharedStore,
    /// The metrics listener's base URL, when `METRICS_ADDR` asked for one.
    pub metrics_base: Option<String>,
    handle: ServerHandle,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
    vars: Vec<(String, String)>,
    data: Arc<TestData>,
    lookup: Arc<dyn Lookup>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, &[]).await
    }

    /// Starts the application with extra environment variables, on a fresh
    /// SQLite file or a fresh database of the test MongoDB server.
    pub async fn spawn_with(backend: Backend, vars: &[(&str, &str)]) -> Self {
        Self::spawn_resolving(backend, vars, Arc::new(SystemLookup)).await
    }

    /// Like [`spawn_with`](Self::spawn_with), resolving webhook targets'
    /// names through `lookup`.
    pub async fn spawn_resolving(
        backend: Backend,
        vars: &[(&str, &str)],
        lookup: Arc<dyn Lookup>,
    ) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new().expect("temporary directory");
                let path = dir.path().join("tripdesk.db").display().to_string();
                let data = TestData::Sqlite(dir);
                Self::launch(data, &[("DATABASE_PATH", &path)], vars, lookup).await
            }
            Backend::Mongo => {
                let uri = mongo_uri();
                require_mongo(&uri);
                Self::launch(TestData::fresh_mongo(&uri), &[], vars, lookup).await
            }
        }
    }

    /// Starts the application on a fresh database of the MongoDB server at `uri`.
    pub async fn spawn_on_mongo(uri: &str, vars: &[(&str, &str)]) -> Self {
        let data = TestData::fresh_mongo(uri);
        Self::launch(data, &[], vars, Arc::new(SystemLookup)).await
    }

    /// Another instance of the service on this one's MongoDB database (and
    /// clock), as a second machine behind a load balancer would be.
    pub async fn another_instance(&self) -> Self {
        assert!(
            matches!(*self.data, TestData::Mongo { .. }),
            "one SQLite file has one server"
        );
        let vars = self.vars.clone();
        let (data, clock) = (Arc::clone(&self.data), Arc::clone(&self.clock));
        Self::start(vars, data, clock, Arc::clone(&self.lookup)).await
    }

    async fn launch(
        data: TestData,
        store_vars: &[(&str, &str)],
        vars: &[(&str, &str)],
        lookup: Arc<dyn Lookup>,
    ) -> Self {
        init_test_logging();
        let defaults = [
            ("HOST", "127.0.0.1"),
            ("PORT", "0"),
            ("SEED_DEMO_DATA", "false"),
            ("WORKERS", "2"),
            ("PASSWORD_HASH_CONCURRENCY", "2"),
            // Every test client is 127.0.0.1: only the test of the per-address
            // limit itself wants the production default.
            ("AUTH_RATE_LIMIT_PER_MINUTE", "100000"),
            // Many apps run in one test process: no metrics listener unless
            // a test asks for one (on a free port).
            ("METRICS_ADDR", ""),
            // Nothing listens on the discard port: mail is retried, never
            // delivered, unless a test starts its own SMTP server.
            ("SMTP_URL", "smtp://127.0.0.1:9"),
            // One key for every test app (none is kept beside a test's
            // database); staff tests log in with passwords alone unless a
            // test of second factors asks for them.
            ("MFA_ENCRYPTION_KEY", TEST_MFA_KEY),
            ("ADMIN_REQUIRE_MFA", "false"),
        ];
        let all = defaults
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain(data.store_vars())
            .chain(
                store_vars
                    .iter()
                    .chain(vars)
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            )
            .collect();
        Self::start(all, Arc::new(data), Arc::new(ManualClock::new()), lookup).await
    }

    /// The value of a variable the app was started with.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    async fn start(
        vars: Vec<(String, String)>,
        data: Arc<TestData>,
        clock: Arc<ManualClock>,
        lookup: Arc<dyn Lookup>,
    ) -> Self {
        let settings = Settings::from_lookup(|name| {
            vars.iter()
                .rev()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        })
        .expect("test settings are valid");
        let application = Application::build_with(settings, clock.clone(), Arc::clone(&lookup))
            .await
            .expect("the application starts");
        let base = format!("http://127.0.0.1:{}", application.port());
        let store = application.store();
        let metrics_base = application
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let handle = application.handle();
        let serving = tokio::spawn(application.run_until_stopped());
        Self {
            base,
            clock,
            store,
            metrics_base,
            handle,
            serving,
            vars,
            data,
            lookup,
        }
    }

    /// Stops the server; once this returns, its embedded database is free.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        self.serving
            .await
            .expect("the server task ends")
            .expect("the server stopped cleanly");
    }

    /// Stops the server and starts a new one on the same data (and clock).
    pub async fn restart(self) -> Self {
        self.restart_with(&[]).await
    }

    /// Like [`restart`](Self::restart), with some variables changed.
    pub async fn restart_with(mut self, vars: &[(&str, &str)]) -> Self {
        self.vars
            .extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.handle.stop(true).await;
        // Once it has returned, the embedded database is free for the next one.
        self.serving
            .await
            .expect("the server task ends")
            .expect("the server stopped cleanly");
        Self::start(self.vars, self.data, self.clock, self.lookup).await
    }

    /// A new client with an empty cookie jar (another browser).
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base, Arc::new(Jar::default()))
    }

    /// A new client logged in as a freshly registered customer.
    pub async fn customer(&self) -> (TestClient, Value) {
        let client = self.client();
        let email = unique_email("customer");
        let response = client.register(&email, PASSWORD, "Casey Customer").await;
        let (status, body) = read(response).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (client, body["user"].clone())
    }

    /// A customer whose address is verified (mail reaches them), logged in.
    pub async fn verified_customer(&self, name: &str) -> (TestClient, Value) {
        let email = unique_email("verified");
        let mut user = User::new_customer(
            Email::parse(&email).unwrap(),
            PersonName::parse(name).unwrap(),
            self.clock.now(),
        );
        user.email_verified = true;
        let hasher = PasswordHasher::new(1).unwrap();
        let hash = hasher
            .hash(Password::parse_new(PASSWORD.into(), "password").unwrap())
            .await
            .unwrap();
        self.store
            .insert_user(&user, &hash, None, &Effects::default())
            .await
            .unwrap();
        let client = self.client();
        let (status, body) = read(client.login(&email, PASSWORD).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (client, body["user"].clone())
    }

    /// A client logged in to a new staff account (as `tripdesk admin add`
    /// makes it), and the account.
    pub async fn admin(&self) -> (TestClient, Value) {
        let email = unique_email("staff");
        let hasher = PasswordHasher::new(1).unwrap();
        let identity = (
            Email::parse(&email).unwrap(),
            PersonName::parse("Sam Staff").unwrap(),
        );
        let password = Password::parse_new(PASSWORD.into(), "password").unwrap();
        add_admin(
            self.store.as_ref(),
            &hasher,
            identity,
            (password, Locale::En),
            self.clock.now(),
        )
        .await
        .expect("admin created");
        let client = self.client();
        let (status, body) = read(client.login(&email, PASSWORD).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (client, body["user"].clone())
    }

    /// A back-office client holding a new API key with `scopes`, made by
    /// `staff`, and the key as created (`{"apiKey","key"}`).
    pub async fn api_key(&self, staff: &TestClient, scopes: &[&str]) -> (TestClient, Value) {
        let body = json!({"name": "Back office", "scopes": scopes});
        let (status, created) = read(staff.post("/api/admin/api-keys", &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let key = created["key"].as_str().unwrap();
        (TestClient::bearer(&self.base, key), created)
    }

    /// A consultant working every day 08:00–20:00 UTC, and a client logged in
    /// to its account.
    pub async fn consultant(&self) -> (Consultant, TestClient) {
        self.consultant_with("UTC", "mon-sun=08:00-20:00").await
    }

    pub async fn consultant_with(&self, timezone: &str, hours: &str) -> (Consultant, TestClient) {
        let email = unique_email("consultant");
        let new = NewConsultant {
            name: PersonName::parse("Connie Consultant").unwrap(),
            email: Email::parse(&email).unwrap(),
            specialties: vec!["Island hopping".into()],
            languages: vec!["en".into()],
            timezone: timezone.parse().unwrap(),
            working_hours: hours.parse().unwrap(),
            rules: BookingRules::DEFAULT,
            locale: Locale::En,
        };
        let hasher = PasswordHasher::new(1).unwrap();
        let password = Password::parse_new(PASSWORD.into(), "password").unwrap();
        let (consultant, _) = add_consultant(
            self.store.as_ref(),
            &hasher,
            new,
            password,
            self.clock.now(),
        )
        .await
        .expect("consultant created");
        let client = self.client();
        let (status, body) = read(client.login(&email, PASSWORD).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (consultant, client)
    }

    /// `startsAt` for `hour:minute` UTC, `days` days after the clock's today.
    pub fn at(&self, days: i64, hour: u32, minute: u32) -> String {
        let date = (self.clock.now() + Duration::days(days)).date_naive();
        let instant: DateTime<Utc> = date
            .and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap())
            .and_utc();
        format_timestamp(instant)
    }
}
