//! Scenario (10): "anyone who speaks Spanish, the next two weeks":
//! `GET /api/availability` pooled over the 20 of 50 busy consultants who
//! match.

use std::path::Path;

use anyhow::{Result, ensure};
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::report::{Report, Row};
use crate::server::{Backend, BenchConsultant, Service};
use crate::setup::Api;
use crate::wrk::Script;
use crate::{COOKIE, Options, busy_month, progress};

/// Consultants in the store, and how many of them speak Spanish.
const CONSULTANTS: usize = 50;
const SPANISH: usize = 20;

/// Fifty consultants working every day 08:00–20:00 UTC, the first twenty
/// Spanish speakers, named in that order.
fn roster() -> Vec<BenchConsultant> {
    (0..CONSULTANTS)
        .map(|index| BenchConsultant {
            email: format!("finder-{index:02}@bench.example"),
            name: format!("Finder {index:02}"),
            hours: "mon-sun=08:00-20:00",
            language: if index < SPANISH { "es" } else { "en" },
        })
        .collect()
}

/// Gives each of the 50 a busy month as (8) gives its consultant (10 time
/// off ranges, 200 live bookings: two weeks of their slots), then asks who
/// speaks Spanish over 14 days. In `--finding-only` runs, `/health` is
/// measured on the same service first, for the ratio.
pub async fn pooled_availability(
    options: &Options,
    backend: &Backend,
    dir: &Path,
    report: &mut Report,
) -> Result<()> {
    let store = backend.label();
    progress(&format!(
        "{store}: (10) preparing {CONSULTANTS} consultants with 200 bookings and 10 time off each"
    ));
    let extra = [
        ("SMTP_URL", options.smtp_url.as_str()),
        ("BOOKING_NOTIFICATIONS", "false"),
    ];
    let roster = roster();
    let workdir = dir.join("finding");
    let service = Service::start_with(&options.server, backend, &workdir, &extra, &roster).await?;
    let api = Api::new(&service.base, COOKIE);
    let customers = api.register("finding", CONSULTANTS).await?;
    // Listed by name: in roster order.
    let ids = api.consultants().await?;
    ensure!(ids.len() == CONSULTANTS, "{} consultants", ids.len());
    stream::iter(ids.iter().zip(&roster).zip(&customers))
        .map(|((id, consultant), customer)| busy_month(&api, id, &consultant.email, customer))
        .buffer_unordered(8)
        .try_collect::<Vec<()>>()
        .await?;
    let url = |path: &str| format!("{}{path}", service.base);
    if options.finding_only {
        progress(&format!("{store}: (1) GET /health"));
        let health = options.load(dir, url("/health"), Script::Plain, vec![]);
        report.push(store, Row::Health, options.measure(&health, &health)?);
    }
    let path = "/api/availability?language=es&days=14";
    let found = api.get_json("", path).await?;
    let slots = found["slots"].as_array().map_or(0, Vec::len);
    ensure!(slots > 0, "(10) found no free time");
    progress(&format!("{store}: (10) GET {path} ({slots} starts)"));
    let search = options.load(dir, url(path), Script::Plain, vec![]);
    report.push(
        store,
        Row::PooledAvailability,
        options.measure(&search, &search)?,
    );
    Ok(())
}
