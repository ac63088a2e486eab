//! Scenario (4): booking free slots, with notifications off and on.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use crate::report::{Report, Row};
use crate::server::{Backend, Service};
use crate::setup::{Account, Api, FreeSlot};
use crate::wrk::Script;
use crate::{COOKIE, Options, progress, smtp_sink, write_lines};

/// Scenario (4): bookings on distinct free slots, with booking
/// notifications off and then on (as in production). Each runs on a fresh
/// store prepared the same way: the two rates differ by the outbox and its
/// dispatcher alone, not by the bookings an earlier run left behind.
pub async fn bookings(
    options: &Options,
    [quiet, notified]: [&Backend; 2],
    (dir, sink): (&Path, &smtp_sink::SmtpSink),
    report: &mut Report,
) -> Result<()> {
    for (backend, notifications, row) in [
        (quiet, "false", Row::BookQuiet),
        (notified, "true", Row::Book),
    ] {
        let store = backend.label();
        progress(&format!(
            "{store}: (4) POST /api/bookings, BOOKING_NOTIFICATIONS={notifications}: preparing"
        ));
        let workdir = dir.join(format!("bookings-{notifications}"));
        let service = Service::start(
            &options.server,
            backend,
            &workdir,
            &[
                ("BOOKING_NOTIFICATIONS", notifications),
                ("SMTP_URL", options.smtp_url.as_str()),
            ],
        )
        .await?;
        let api = Api::new(&service.base, COOKIE);
        let accounts = api.register("customer", options.users).await?;
        let consultants = api.consultants().await?;
        // More free slots than a store can book in the run.
        let slots = api.free_slots(&consultants, 100_000).await?;
        let (warmup, measured) = slots.split_at(slots.len() / 4);
        let warmup = booking_lines(&workdir.join("slots-warmup.txt"), &accounts, warmup)?;
        let measured = booking_lines(&workdir.join("slots.txt"), &accounts, measured)?;
        let threads = options.threads().to_string();
        let args = |file: String| vec![file, COOKIE.to_owned(), threads.clone()];
        let url = format!("{}/api/bookings", service.base);
        progress(&format!(
            "{store}: (4) POST /api/bookings, BOOKING_NOTIFICATIONS={notifications}"
        ));
        let book_warmup = options.load(dir, url.clone(), Script::Book, args(warmup));
        let book = options.load(dir, url, Script::Book, args(measured));
        report.push(store, row, options.measure(&book_warmup, &book)?);
        // The mail the bookings caused goes out in the background: it is
        // the cost of (4) and must not weigh on what is measured next.
        progress(&format!("{store}: waiting for the mail of (4) to go out"));
        let (mails, seconds) = sink.settle(Duration::from_secs(180));
        progress(&format!(
            "{store}: {mails} mails delivered in {seconds:.0} s after the load: {:.0} per s",
            mails as f64 / seconds.max(1.0)
        ));
        service.wait_until_idle(Duration::from_secs(60));
    }
    Ok(())
}

/// Writes "token consultantId startsAt" lines, customers taken in turn.
fn booking_lines(path: &Path, accounts: &[Account], slots: &[FreeSlot]) -> Result<String> {
    write_lines(
        path,
        slots
            .iter()
            .zip(accounts.iter().cycle())
            .map(|(slot, account)| {
                format!(
                    "{} {} {}",
                    account.token, slot.consultant_id, slot.starts_at
                )
            }),
    )
}
