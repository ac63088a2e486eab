//! The service under test: the release binary, started on a fresh store.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Where a benchmarked service keeps its data.
#[derive(Clone, Debug)]
pub enum Backend {
    /// The embedded SQLite file at this path.
    Sqlite(PathBuf),
    /// A database (fresh per run) on a MongoDB server.
    Mongo { uri: String, database: String },
}

impl Backend {
    pub fn label(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Mongo { .. } => "mongodb",
        }
    }
}

/// Consultants added to every fresh store: enough free slots for (4).
const BENCH_CONSULTANTS: usize = 8;
/// Their password (they log in for (8)).
pub const CONSULTANT_PASSWORD: &str = "bench consultant passphrase";

/// The login of the consultant (8) looks at: weekday office hours, as a
/// consultant keeps them, named to sort last.
pub const BUSY_CONSULTANT: &str = "busy@bench.example";

/// The login of the staff account (9) lists bookings with (its password is
/// the consultants').
pub const STAFF: &str = "staff@bench.example";

/// A consultant a benchmarked service starts with (its password is
/// [`CONSULTANT_PASSWORD`]).
pub struct BenchConsultant {
    pub email: String,
    pub name: String,
    pub hours: &'static str,
    pub language: &'static str,
}

/// The usual bench consultants: eight round the clock, and the busy one.
fn bench_consultants() -> Vec<BenchConsultant> {
    let mut all: Vec<_> = (0..BENCH_CONSULTANTS)
        .map(|index| BenchConsultant {
            email: format!("consultant-{index}@bench.example"),
            name: format!("Bench Consultant {index}"),
            hours: "mon-sun=00:00-23:30",
            language: "en",
        })
        .collect();
    all.push(BenchConsultant {
        email: BUSY_CONSULTANT.to_owned(),
        name: "Busy Consultant".to_owned(),
        hours: "mon-fri=09:00-17:00",
        language: "en",
    });
    all
}

/// Points `command` at `backend`'s store.
fn store_env(command: &mut Command, backend: &Backend) {
    match backend {
        Backend::Sqlite(path) => command.env("DATABASE_PATH", path),
        Backend::Mongo { uri, database } => {
            command.env("MONGODB_URI", uri).env("MONGODB_DB", database)
        }
    };
}

/// Runs `tripdesk <args> --password-stdin` on `backend`'s store, typing
/// `password`.
fn run_command(
    binary: &Path,
    backend: &Backend,
    workdir: &Path,
    args: &[&str],
    password: &str,
) -> Result<()> {
    use std::io::Write;
    let mut command = Command::new(binary);
    command
        .env_clear()
        .current_dir(workdir)
        .env("APP_ENV", "development")
        .env("RUST_LOG", "warn")
        .args(args)
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    store_env(&mut command, backend);
    let mut child = command
        .spawn()
        .with_context(|| format!("running `tripdesk {}`", args[..2].join(" ")))?;
    writeln!(child.stdin.take().context("stdin")?, "{password}")?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "tripdesk {}: {}",
            args[..2].join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// Adds the bench consultants with the command line (as an agency would):
/// in UTC, no notice, no buffer, bookable a year ahead; all but the busy
/// one work every day 00:00–23:30. The demo consultants' buffers and
/// horizons leave too few adjacent free slots for the booking scenarios.
/// And the staff account (9) lists bookings with.
fn add_accounts(
    binary: &Path,
    backend: &Backend,
    workdir: &Path,
    roster: &[BenchConsultant],
) -> Result<()> {
    for consultant in roster {
        let args = [
            "consultant",
            "add",
            "--email",
            &consultant.email,
            "--name",
            &consultant.name,
            "--language",
            consultant.language,
            "--timezone",
            "UTC",
            "--hours",
            consultant.hours,
            "--minimum-notice-minutes",
            "0",
            "--booking-horizon-days",
            "365",
        ];
        run_command(binary, backend, workdir, &args, CONSULTANT_PASSWORD)?;
    }
    let args = ["admin", "add", "--email", STAFF, "--name", "Bench Staff"];
    run_command(binary, backend, workdir, &args, CONSULTANT_PASSWORD)
}

/// A running `tripdesk` process; killed on drop.
pub struct Service {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Service {
    /// Waits (at most `limit`) until the service has used less than 5 % of
    /// a core over a second: background work (the mail a scenario caused)
    /// is done, so it does not weigh on the next scenario.
    pub fn wait_until_idle(&self, limit: Duration) {
        let cpu = || -> Option<u64> {
            let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        };
        let ticks_per_second = 100; // USER_HZ on Linux
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            let Some(before) = cpu() else { return };
            std::thread::sleep(Duration::from_secs(1));
            let Some(after) = cpu() else { return };
            if (after - before) * 20 < ticks_per_second {
                return;
            }
        }
    }

    /// Adds the bench accounts to the fresh store `backend`, then starts
    /// `binary` on it with settings fit for load (no per-IP login limit:
    /// every request comes from 127.0.0.1), and `extra` variables, and waits
    /// until it answers `/ready`.
    pub async fn start(
        binary: &Path,
        backend: &Backend,
        workdir: &Path,
        extra: &[(&str, &str)],
    ) -> Result<Self> {
        Self::start_with(binary, backend, workdir, extra, &bench_consultants()).await
    }

    /// [`Service::start`] with `roster` as its consultants.
    pub async fn start_with(
        binary: &Path,
        backend: &Backend,
        workdir: &Path,
        extra: &[(&str, &str)],
        roster: &[BenchConsultant],
    ) -> Result<Self> {
        let port = free_port()?;
        std::fs::create_dir_all(workdir)?;
        add_accounts(binary, backend, workdir, roster)?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(workdir.join("service.log"))?;
        let mut command = Command::new(binary);
        // A clean environment, run from the work directory: no stray `.env`
        // or exported variable changes what is measured.
        command
            .env_clear()
            .current_dir(workdir)
            .env("APP_ENV", "development")
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("SEED_DEMO_DATA", "false")
            // The staff scenario logs in with a password alone.
            .env("ADMIN_REQUIRE_MFA", "false")
            .env("AUTH_RATE_LIMIT_PER_MINUTE", "100000")
            // Scenario (4) books ~150 appointments per customer: keep the
            // per-customer cap (and its count in every booking) in place,
            // set above what the run reaches.
            .env("MAX_LIVE_BOOKINGS_PER_CUSTOMER", "10000")
            // Metrics on, as in production (on a free port, never scraped).
            .env("METRICS_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        store_env(&mut command, backend);
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut service = Service {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        service.wait_ready(workdir).await?;
        Ok(service)
    }

    async fn wait_ready(&mut self, workdir: &Path) -> Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the service exited ({status}); see {}",
                    workdir.join("service.log").display()
                );
            }
            let ready = client.get(format!("{}/ready", self.base)).send().await;
            if ready.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the service was not ready within 60 s")
    }

    /// Resident and peak resident memory, in bytes, from `/proc`.
    pub fn memory(&self) -> Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| -> Result<u64> {
            let line = status
                .lines()
                .find(|line| line.starts_with(name))
                .with_context(|| format!("no {name} in /proc/PID/status"))?;
            let kib: u64 = line
                .split_whitespace()
                .nth(1)
                .context("malformed /proc/PID/status")?
                .parse()?;
            Ok(kib * 1024)
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
