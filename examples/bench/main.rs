//! The benchmark harness (`bench/run.sh` builds and runs it): starts the
//! release service on a fresh store per backend, prepares data through the
//! API, drives each scenario with `wrk`, and prints one table.
//!
//! Exits non-zero if any request in any scenario failed.

mod argon;
mod bookings;
mod finding;
mod logins_mfa;
mod report;
mod server;
mod sessions;
mod setup;
mod sink;
mod smtp_sink;
mod staff;
mod webhook_sink;
mod wrk;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use clap::Parser;

use report::{Report, Row};
use server::{Backend, Service};
use setup::{Account, Api};
use wrk::{Load, Measured, Script};

/// The service's default session cookie name.
const COOKIE: &str = "token";

#[derive(Parser)]
struct Options {
    /// The release binary under test.
    #[arg(long, default_value = "target/release/tripdesk")]
    server: PathBuf,
    /// Stores to benchmark, comma-separated: sqlite, mongodb.
    #[arg(long, default_value = "sqlite", value_delimiter = ',')]
    stores: Vec<String>,
    /// MongoDB server for the mongodb runs (a fresh database each run).
    #[arg(long)]
    mongodb_uri: Option<String>,
    /// Seconds each scenario is measured, after its warm-up.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of warm-up before each measurement.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Concurrent connections for the throughput scenarios.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Customers registered (and sessions spread over in scenario 2).
    #[arg(long, default_value_t = 1000)]
    users: usize,
    /// Sessions held for the memory scenario.
    #[arg(long, default_value_t = 100_000)]
    sessions: usize,
    /// Working directory for stores, scripts and service logs.
    #[arg(long, default_value = "target/bench")]
    workdir: PathBuf,
    /// Only scenario (4): notifications off, on, and on with a webhook (for
    /// work on the booking path).
    #[arg(long)]
    bookings_only: bool,
    /// Only (4) with notifications on and (11) beside it, for work on
    /// "any" bookings (their ratio in half the time).
    #[arg(long)]
    any_only: bool,
    /// With `--any-only`: how many alternating pairs of (4) and (11) to
    /// run, each on fresh stores; the ratio reported is their median (this
    /// machine's disk, which bounds both, drifts by half between minutes).
    #[arg(long, default_value_t = 1)]
    pairs: usize,
    /// Only scenario (10) (and `/health` beside it, for its ratio).
    #[arg(long)]
    finding_only: bool,
    /// Only scenario (12): logins with a TOTP code against password-only.
    #[arg(long)]
    logins_only: bool,
    /// Also write the table as Markdown here.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Where every service sends its mail: the harness's SMTP sink.
    #[arg(skip)]
    smtp_url: String,
}

impl Options {
    fn threads(&self) -> usize {
        std::thread::available_parallelism().map_or(1, usize::from)
    }

    fn load<'a>(&self, dir: &'a Path, url: String, script: Script, args: Vec<String>) -> Load<'a> {
        Load {
            url,
            script,
            args,
            connections: self.connections,
            threads: self.threads(),
            duration: Duration::from_secs(self.duration),
            scripts_dir: dir,
        }
    }

    /// Warms up with `warmup`'s load, then measures `load`.
    fn measure(&self, warmup: &Load<'_>, load: &Load<'_>) -> Result<Measured> {
        if self.warmup > 0 {
            Load {
                duration: Duration::from_secs(self.warmup),
                ..warmup.clone()
            }
            .run()?;
        }
        load.run()
    }
}

fn write_lines(path: &Path, lines: impl IntoIterator<Item = String>) -> Result<String> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    for line in lines {
        writeln!(file, "{line}")?;
    }
    file.flush()?;
    Ok(path.display().to_string())
}

fn progress(message: &str) {
    eprintln!("-- {message}");
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut options = Options::parse();
    // The service runs in its own working directory.
    options.server = std::path::absolute(&options.server)?;
    let sink = smtp_sink::start()?;
    let webhook_sink = webhook_sink::start()?;
    let sinks = bookings::Sinks {
        mail: &sink,
        webhooks: &webhook_sink,
    };
    options.smtp_url = sink.url();
    let mut report = Report::default();
    for store in &options.stores {
        let run = std::process::id();
        let dir = std::path::absolute(options.workdir.join(format!("{store}-{run}")))?;
        std::fs::create_dir_all(&dir)?;
        let backend = |name: &str| -> Result<Backend> {
            Ok(match store.as_str() {
                "sqlite" => Backend::Sqlite(dir.join(format!("{name}.db"))),
                "mongodb" => Backend::Mongo {
                    uri: options
                        .mongodb_uri
                        .clone()
                        .context("--mongodb-uri is needed for mongodb")?,
                    database: format!("tripdesk_bench_{name}_{run}"),
                },
                other => anyhow::bail!("unknown store {other:?}: sqlite or mongodb"),
            })
        };
        if options.logins_only {
            logins_mfa::totp_logins(&options, &backend("logins-mfa")?, &dir, &mut report).await?;
            continue;
        }
        if options.finding_only {
            finding::pooled_availability(&options, &backend("finding")?, &dir, &mut report).await?;
            continue;
        }
        if options.any_only {
            for pair in 0..options.pairs.max(1) {
                let named = (&backend(&format!("bookings-{pair}"))?, Row::Book);
                let any = (&backend(&format!("bookings-any-{pair}"))?, Row::BookAny);
                let pair_dir = dir.join(format!("pair-{pair}"));
                for (backend, row) in [named, any] {
                    bookings::book_flat_out(&options, backend, row, &pair_dir, &sinks, &mut report)
                        .await?;
                }
            }
            continue;
        }
        bookings::bookings(
            &options,
            [
                &backend("bookings-quiet")?,
                &backend("bookings")?,
                &backend("bookings-webhook")?,
                &backend("bookings-any")?,
            ],
            &dir,
            &sinks,
            &mut report,
        )
        .await?;
        if options.bookings_only {
            continue;
        }
        throughput(&options, &backend("main")?, &dir, &mut report).await?;
        staff::staff_list(&options, &backend("staff")?, &dir, &mut report).await?;
        finding::pooled_availability(&options, &backend("finding")?, &dir, &mut report).await?;
        logins_mfa::totp_logins(&options, &backend("logins-mfa")?, &dir, &mut report).await?;
        memory(
            &options,
            &memory_backend(&backend("memory")?, run),
            &dir,
            &mut report,
        )
        .await?;
    }
    progress(&format!("the SMTP sink accepted {} mails", sink.received()));
    report.print(&mut std::io::stdout())?;
    if let Some(path) = &options.markdown {
        let mut file = std::fs::File::create(path)?;
        report.markdown(&mut file)?;
    }
    let errors = report.errors();
    if errors > 0 {
        anyhow::bail!("{errors} requests failed");
    }
    Ok(())
}

/// Scenarios 1 to 3, 5 and 6 on one service.
async fn throughput(
    options: &Options,
    backend: &Backend,
    dir: &Path,
    report: &mut Report,
) -> Result<()> {
    let store = backend.label();
    progress(&format!("{store}: starting the service"));
    let mail = [("SMTP_URL", options.smtp_url.as_str())];
    let service = Service::start(&options.server, backend, &dir.join("main"), &mail).await?;
    let api = Api::new(&service.base, COOKIE);
    progress(&format!("{store}: registering {} customers", options.users));
    let accounts = api.register("customer", options.users).await?;
    let mut consultants = api.consultants().await?;
    // By name, the busy consultant of (8) comes last; the rest serve (3).
    let busy = consultants.pop().context("no consultants")?;
    let holder = &accounts[0];
    for slot in &api.free_slots(&consultants, 20).await?[..20] {
        api.book(&holder.token, slot).await?;
    }
    let tokens = write_lines(
        &dir.join("tokens.txt"),
        accounts.iter().map(|a| a.token.clone()),
    )?;
    let holder_token = write_lines(&dir.join("holder.txt"), [holder.token.clone()])?;
    let credentials = write_lines(
        &dir.join("credentials.txt"),
        accounts
            .iter()
            .map(|a| format!("{} {}", a.email, a.password)),
    )?;
    let threads = options.threads().to_string();
    let session_args = |file: &str| vec![file.to_owned(), COOKIE.to_owned(), threads.clone()];
    let url = |path: &str| format!("{}{path}", service.base);

    progress(&format!("{store}: (1) GET /health"));
    let health = options.load(dir, url("/health"), Script::Plain, vec![]);
    report.push(store, Row::Health, options.measure(&health, &health)?);

    progress(&format!(
        "{store}: (2) GET /api/users/me over {} sessions",
        accounts.len()
    ));
    let me = options.load(
        dir,
        url("/api/users/me"),
        Script::GetWithSession,
        session_args(&tokens),
    );
    report.push(store, Row::Me, options.measure(&me, &me)?);

    progress(&format!("{store}: (3) GET /api/bookings, 20 bookings"));
    let list = options.load(
        dir,
        url("/api/bookings"),
        Script::GetWithSession,
        session_args(&holder_token),
    );
    report.push(store, Row::Bookings, options.measure(&list, &list)?);

    progress(&format!(
        "{store}: (8) GET availability, 31 days: preparing 200 bookings and 10 time off"
    ));
    busy_month(&api, &busy, server::BUSY_CONSULTANT, &accounts[1]).await?;
    let path = format!("/api/consultants/{busy}/availability?days=31");
    progress(&format!("{store}: (8) GET {path}"));
    let availability = options.load(dir, url(&path), Script::Plain, vec![]);
    report.push(
        store,
        Row::Availability,
        options.measure(&availability, &availability)?,
    );

    // The yardstick for (5), measured next to it: this machine's speed
    // drifts between runs by more than the target's margin.
    progress(&format!("{store}: raw Argon2id rate on all cores"));
    let duration = Duration::from_secs(options.duration);
    let raw = tokio::task::spawn_blocking(move || argon::raw_rate(duration)).await?;
    report.raw_argon2(store, raw);

    progress(&format!("{store}: (5) POST /api/users/login"));
    let login = options.load(
        dir,
        url("/api/users/login"),
        Script::Login,
        vec![credentials, threads.clone()],
    );
    report.push(store, Row::Login, options.measure(&login, &login)?);

    progress(&format!(
        "{store}: (6) GET /api/users/me during a login flood"
    ));
    // A steady stream of cheap requests (8 connections, 10 ms apart each),
    // measured while (5) runs flat out beside it.
    let mut steady = options.load(
        dir,
        url("/api/users/me"),
        Script::GetWithSession,
        session_args(&tokens),
    );
    steady.connections = 8;
    steady.args.push("10".into());
    let (flood, during) = std::thread::scope(|scope| {
        let flood = scope.spawn(|| login.run());
        // Let the flood saturate the hashing pool before measuring.
        std::thread::sleep(Duration::from_millis(500));
        let during = Load {
            duration: Duration::from_secs(options.duration.saturating_sub(1).max(1)),
            ..steady
        }
        .run();
        (flood.join().expect("no panic"), during)
    });
    report.push(store, Row::LoginFlood, flood?);
    report.push(store, Row::MeDuringFlood, during?);
    Ok(())
}

/// Gives a consultant (`login`; for (8) the busy one, weekdays 09:00–17:00
/// UTC, 16 slots a day) a busy month: 10 time off ranges (an afternoon,
/// 13:00–15:00, every other day from the day after tomorrow) and 200 live
/// bookings by `customer`, on free slots spread over their next 330.
async fn busy_month(api: &Api, consultant: &str, login: &str, customer: &Account) -> Result<()> {
    let token = api.login(login, server::CONSULTANT_PASSWORD).await?;
    let today = chrono::Utc::now().date_naive();
    for n in 0..10u64 {
        let day = today + chrono::Days::new(2 + 2 * n);
        let (from, to) = (format!("{day}T13:00:00Z"), format!("{day}T15:00:00Z"));
        api.add_time_off(&token, &from, &to).await?;
    }
    let slots = api.free_slots(&[consultant.to_owned()], 300).await?;
    let month: Vec<_> = slots.iter().take(330).collect();
    ensure!(
        month.len() >= 200,
        "only {} free slots in the month",
        month.len()
    );
    // 200 of them, spread evenly: about three in five.
    for index in 0..200 {
        api.book(&customer.token, month[index * month.len() / 200])
            .await?;
    }
    Ok(())
}

/// The memory scenario's store. SQLite's file goes to tmpfs when there is
/// one: seeding 100,000 sessions one durable commit each would take minutes
/// on disk, and where the file lives changes nothing in the service's own
/// resident memory (SQLite reads pages into its bounded cache, no mmap).
fn memory_backend(backend: &Backend, run: u32) -> Backend {
    match backend {
        Backend::Sqlite(_) if Path::new("/dev/shm").is_dir() => {
            Backend::Sqlite(PathBuf::from(format!("/dev/shm/tripdesk-bench-{run}.db")))
        }
        other => other.clone(),
    }
}

/// Scenario 7: resident memory with many valid sessions, all of them used.
async fn memory(
    options: &Options,
    backend: &Backend,
    dir: &Path,
    report: &mut Report,
) -> Result<()> {
    let store = backend.label();
    progress(&format!(
        "{store}: (7) starting a service for {} sessions",
        options.sessions
    ));
    let mail = [("SMTP_URL", options.smtp_url.as_str())];
    let service = Service::start(&options.server, backend, &dir.join("memory"), &mail).await?;
    let api = Api::new(&service.base, COOKIE);
    let account = api.register("holder", 1).await?.remove(0);
    let idle = service.memory()?.0;
    let tokens = sessions::seed(backend, &account.email, options.sessions).await?;
    let tokens = write_lines(&dir.join("many-tokens.txt"), tokens)?;
    let threads = options.threads().to_string();
    // Long enough for every session to be looked up at least once.
    let mut sweep = options.load(
        dir,
        format!("{}/api/users/me", service.base),
        Script::GetWithSession,
        vec![tokens, COOKIE.to_owned(), threads],
    );
    sweep.duration = Duration::from_secs(options.duration.max(10));
    let measured = sweep.run()?;
    let (rss, peak) = service.memory()?;
    report.memory(store, idle, rss, peak, options.sessions, measured);
    if let Backend::Sqlite(path) = backend
        && path.starts_with("/dev/shm")
    {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    Ok(())
}
