//! The results table, the ratios the targets are stated in, and a Markdown copy.

use std::io::Write;

use anyhow::Result;

use crate::wrk::Measured;

/// The scenarios, in the order of the issue.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Health,
    Me,
    Bookings,
    Availability,
    Book,
    BookQuiet,
    BookWebhook,
    Login,
    LoginFlood,
    MeDuringFlood,
    StaffBookings,
    PooledAvailability,
    BookAny,
    LoginPasswordOnly,
    LoginTotp,
}

impl Row {
    fn label(self) -> &'static str {
        match self {
            Row::Health => "(1) GET /health",
            Row::Me => "(2) GET /api/users/me, 1000 sessions",
            Row::Bookings => "(3) GET /api/bookings, 20 bookings",
            Row::Availability => "(8) GET availability, 31 days, 200 bookings, 10 time off",
            Row::Book => "(4) POST /api/bookings, free slots",
            Row::BookQuiet => "(4) the same, booking notifications off",
            Row::BookWebhook => "(4) the same, one webhook subscribed",
            Row::Login => "(5) POST /api/users/login",
            Row::LoginFlood => "(6) login flood, beside the /me below",
            Row::MeDuringFlood => "(6) GET /api/users/me during the flood",
            Row::StaffBookings => {
                "(9) GET /api/admin/bookings, 10,000 bookings, a consultant's month"
            }
            Row::PooledAvailability => {
                "(10) GET /api/availability, 20 of 50 busy consultants, 14 days"
            }
            Row::BookAny => "(11) POST /api/bookings, consultantId any",
            Row::LoginPasswordOnly => "(12) login, password only (driven by the harness)",
            Row::LoginTotp => "(12) login, password then TOTP code (two requests)",
        }
    }
}

/// How webhook deliveries kept up with a run of (4) with a subscription.
pub struct WebhookDrain {
    pub store: &'static str,
    /// Deliveries received during the load (warm-up and measured).
    pub during: u64,
    /// How long the load ran.
    pub load_seconds: f64,
    /// Deliveries received after it, until none came for two seconds.
    pub backlog: u64,
    /// How long those took to arrive.
    pub seconds: f64,
}

struct Memory {
    store: &'static str,
    idle: u64,
    rss: u64,
    peak: u64,
    sessions: usize,
    sweep: Measured,
}

/// Everything measured in one harness run.
#[derive(Default)]
pub struct Report {
    /// Argon2id verifications per second on all cores, no server, measured
    /// right before each store's login scenario.
    raw_argon2: Vec<(&'static str, f64)>,
    rows: Vec<(&'static str, Row, Measured)>,
    memory: Vec<Memory>,
    webhooks: Vec<WebhookDrain>,
}

/// The errors column: the count, or that nothing completed.
fn errors_cell(m: &Measured) -> String {
    if m.requests == 0 {
        format!("{} (none completed)", m.errors)
    } else {
        m.errors.to_string()
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

impl Report {
    pub fn push(&mut self, store: &'static str, row: Row, measured: Measured) {
        self.rows.push((store, row, measured));
    }

    pub fn memory(
        &mut self,
        store: &'static str,
        idle: u64,
        rss: u64,
        peak: u64,
        sessions: usize,
        sweep: Measured,
    ) {
        self.memory.push(Memory {
            store,
            idle,
            rss,
            peak,
            sessions,
            sweep,
        });
    }

    pub fn webhooks(&mut self, drain: WebhookDrain) {
        self.webhooks.push(drain);
    }

    pub fn raw_argon2(&mut self, store: &'static str, rate: f64) {
        self.raw_argon2.push((store, rate));
    }

    fn raw_rate(&self, store: &str) -> f64 {
        self.raw_argon2
            .iter()
            .find(|(s, _)| *s == store)
            .map_or(f64::NAN, |(_, rate)| *rate)
    }

    /// Failed requests over every scenario; a scenario in which no request
    /// completed at all counts as one failure (wrk reports the requests still
    /// waiting at the end as neither done nor failed).
    pub fn errors(&self) -> u64 {
        let failed = |m: &Measured| {
            if m.requests == 0 {
                m.errors.max(1)
            } else {
                m.errors
            }
        };
        self.rows.iter().map(|(_, _, m)| failed(m)).sum::<u64>()
            + self.memory.iter().map(|m| failed(&m.sweep)).sum::<u64>()
    }

    fn find(&self, store: &str, row: Row) -> Option<&Measured> {
        self.rows
            .iter()
            .find(|(s, r, _)| *s == store && *r == row)
            .map(|(_, _, m)| m)
    }

    fn rates(&self, store: &str, row: Row) -> Vec<f64> {
        self.rows
            .iter()
            .filter(|(s, r, _)| *s == store && *r == row)
            .map(|(_, _, m)| m.per_second())
            .collect()
    }

    /// (11) against (4) run beside it: each pair's ratio, and the verdict
    /// on their median.
    fn any_ratio(&self, store: &str) -> Option<String> {
        let (named, any) = (
            self.rates(store, Row::Book),
            self.rates(store, Row::BookAny),
        );
        let mut ratios: Vec<f64> = named.iter().zip(&any).map(|(n, a)| 100.0 * a / n).collect();
        if ratios.is_empty() {
            return None;
        }
        let each: Vec<String> = ratios.iter().map(|ratio| format!("{ratio:.0} %")).collect();
        ratios.sort_by(f64::total_cmp);
        let middle = ratios.len() / 2;
        let median = if ratios.len().is_multiple_of(2) {
            (ratios[middle - 1] + ratios[middle]) / 2.0
        } else {
            ratios[middle]
        };
        Some(format!(
            "{store}: (11) any / named (4) = {median:.0} %{} (target >= 80 %: {})",
            if ratios.len() > 1 {
                format!(
                    ", the median of {} pairs: {}",
                    ratios.len(),
                    each.join(", ")
                )
            } else {
                String::new()
            },
            verdict(median >= 80.0)
        ))
    }

    fn stores(&self) -> Vec<&'static str> {
        let mut stores: Vec<_> = self.rows.iter().map(|(store, _, _)| *store).collect();
        stores.dedup();
        stores
    }

    /// The targets of the issue, one line each, per store.
    fn targets(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for store in self.stores() {
            let rate = |row| self.find(store, row).map_or(0.0, Measured::per_second);
            let health = rate(Row::Health);
            let share = |row| 100.0 * rate(row) / health;
            if self.find(store, Row::Me).is_some() {
                lines.push(format!(
                    "{store}: (2)/(1) = {:.0} % (target >= 60 %: {})",
                    share(Row::Me),
                    verdict(share(Row::Me) >= 60.0)
                ));
                lines.push(format!(
                    "{store}: (3)/(1) = {:.0} % (no target: retired)",
                    share(Row::Bookings),
                ));
                lines.push(format!(
                    "{store}: (8)/(1) = {:.0} % (target >= 30 %: {})",
                    share(Row::Availability),
                    verdict(share(Row::Availability) >= 30.0)
                ));
                if self.find(store, Row::StaffBookings).is_some() {
                    lines.push(format!(
                        "{store}: (9)/(1) = {:.0} % (no target: reported)",
                        share(Row::StaffBookings),
                    ));
                }
            }
            if self.find(store, Row::PooledAvailability).is_some() {
                lines.push(format!(
                    "{store}: (10)/(1) = {:.1} % (target >= 3 %: {})",
                    share(Row::PooledAvailability),
                    verdict(share(Row::PooledAvailability) >= 3.0)
                ));
            }
            if self.find(store, Row::LoginTotp).is_some() {
                let totp = 100.0 * rate(Row::LoginTotp) / rate(Row::LoginPasswordOnly);
                lines.push(format!(
                    "{store}: (12) logins with TOTP / password only = {totp:.0} % (target >= 90 %: {})",
                    verdict(totp >= 90.0)
                ));
            }
            lines.extend(self.any_ratio(store));
            if self.find(store, Row::BookQuiet).is_none() {
                continue;
            }
            let notified = 100.0 * rate(Row::Book) / rate(Row::BookQuiet);
            lines.push(format!(
                "{store}: (4) notifications on / off = {notified:.0} % (target >= 80 %: {})",
                verdict(notified >= 80.0)
            ));
            if self.find(store, Row::BookWebhook).is_some() {
                let hooked = 100.0 * rate(Row::BookWebhook) / rate(Row::Book);
                lines.push(format!(
                    "{store}: (4) with a webhook / without = {hooked:.0} % (target >= 80 %: {})",
                    verdict(hooked >= 80.0)
                ));
            }
            for drain in self.webhooks.iter().filter(|drain| drain.store == store) {
                lines.push(format!(
                    "{store}: webhook deliveries: {} during the load ({:.0} per s), \
                     then a backlog of {} drained in {:.1} s ({:.0} per s)",
                    drain.during,
                    drain.during as f64 / drain.load_seconds.max(0.001),
                    drain.backlog,
                    drain.seconds,
                    drain.backlog as f64 / drain.seconds.max(0.001),
                ));
            }
            if self.find(store, Row::Login).is_none() {
                continue;
            }
            let raw = self.raw_rate(store);
            let logins = 100.0 * rate(Row::Login) / raw;
            lines.push(format!(
                "{store}: (5)/raw Argon2id = {:.1} / {:.1} per s = {logins:.0} % (target >= 90 %: {})",
                rate(Row::Login),
                raw,
                verdict(logins >= 90.0)
            ));
            if let Some(during) = self.find(store, Row::MeDuringFlood) {
                let p99 = during.p99_us as f64 / 1000.0;
                lines.push(format!(
                    "{store}: (6) p99 = {p99:.2} ms (target < 10 ms: {})",
                    verdict(p99 < 10.0)
                ));
            }
        }
        for memory in &self.memory {
            lines.push(format!(
                "{}: (7) RSS with {} sessions = {:.1} MiB (idle {:.1} MiB, peak {:.1} MiB; target < 200 MB: {})",
                memory.store,
                memory.sessions,
                mib(memory.rss),
                mib(memory.idle),
                mib(memory.peak),
                verdict(memory.peak < 200_000_000)
            ));
        }
        lines
    }

    fn table_rows(&self) -> Vec<[String; 6]> {
        let mut rows: Vec<[String; 6]> = self
            .rows
            .iter()
            .map(|(store, row, m)| {
                [
                    store.to_string(),
                    row.label().to_owned(),
                    format!("{:.0}", m.per_second()),
                    format!("{:.2}", m.p50_us as f64 / 1000.0),
                    format!("{:.2}", m.p99_us as f64 / 1000.0),
                    errors_cell(m),
                ]
            })
            .collect();
        for memory in &self.memory {
            let m = &memory.sweep;
            rows.push([
                memory.store.to_owned(),
                format!("(7) GET /api/users/me over {} sessions", memory.sessions),
                format!("{:.0}", m.per_second()),
                format!("{:.2}", m.p50_us as f64 / 1000.0),
                format!("{:.2}", m.p99_us as f64 / 1000.0),
                errors_cell(m),
            ]);
        }
        rows
    }

    /// The plain-text table and the target lines.
    pub fn print(&self, out: &mut impl Write) -> Result<()> {
        writeln!(
            out,
            "{:<8} {:<42} {:>9} {:>9} {:>9} {:>7}",
            "store", "scenario", "req/s", "p50 ms", "p99 ms", "errors"
        )?;
        for [store, label, rate, p50, p99, errors] in self.table_rows() {
            writeln!(
                out,
                "{store:<8} {label:<42} {rate:>9} {p50:>9} {p99:>9} {errors:>7}"
            )?;
        }
        for (store, rate) in &self.raw_argon2 {
            writeln!(
                out,
                "raw Argon2id (m={} KiB, t={}, p={}), all cores, before {store}'s logins: {rate:.1} verifications/s",
                tripdesk::hashing::MEMORY_KIB,
                tripdesk::hashing::ITERATIONS,
                tripdesk::hashing::PARALLELISM,
            )?;
        }
        for line in self.targets() {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    /// The same, as Markdown.
    pub fn markdown(&self, out: &mut impl Write) -> Result<()> {
        writeln!(
            out,
            "| store | scenario | req/s | p50 ms | p99 ms | errors |"
        )?;
        writeln!(out, "|---|---|---:|---:|---:|---:|")?;
        for [store, label, rate, p50, p99, errors] in self.table_rows() {
            writeln!(
                out,
                "| {store} | {label} | {rate} | {p50} | {p99} | {errors} |"
            )?;
        }
        writeln!(out)?;
        for (store, rate) in &self.raw_argon2 {
            writeln!(
                out,
                "Raw Argon2id, all cores, right before {store}'s logins: {rate:.1} verifications/s."
            )?;
        }
        writeln!(out)?;
        for line in self.targets() {
            writeln!(out, "- {line}")?;
        }
        Ok(())
    }
}
