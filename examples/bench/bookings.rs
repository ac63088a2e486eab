//! Scenario (4): booking free slots, with notifications off, on, and on
//! with one webhook subscribed; and (11): the same slots booked with
//! "any" consultant.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use crate::report::{Report, Row, WebhookDrain};
use crate::server::{self, Backend, Service};
use crate::setup::{Account, Api, FreeSlot};
use crate::sink::Sink;
use crate::wrk::Script;
use crate::{COOKIE, Options, progress, write_lines};

/// Where the services of (4) send their mail and their webhook deliveries.
pub struct Sinks<'a> {
    pub mail: &'a Sink,
    pub webhooks: &'a Sink,
}

/// Scenario (4): bookings on distinct free slots, with booking
/// notifications off, then on (as in production), then on with one active
/// webhook subscription; then (11), as in production with `"consultantId":
/// "any"` for each free start (as many requests per start as consultants
/// free then, so every one can succeed). Each runs on a fresh store
/// prepared the same way: the rates differ by the outbox, its dispatchers,
/// the webhook and the assignment alone, not by the bookings an earlier
/// run left behind.
pub async fn bookings(
    options: &Options,
    [quiet, notified, hooked, any]: [&Backend; 4],
    dir: &Path,
    sinks: &Sinks<'_>,
    report: &mut Report,
) -> Result<()> {
    for (backend, row) in [
        (quiet, Row::BookQuiet),
        (notified, Row::Book),
        (hooked, Row::BookWebhook),
        (any, Row::BookAny),
    ] {
        book_flat_out(options, backend, row, dir, sinks, report).await?;
    }
    Ok(())
}

/// One run of (4), as `row` says, on a fresh service on `backend`.
pub async fn book_flat_out(
    options: &Options,
    backend: &Backend,
    row: Row,
    dir: &Path,
    sinks: &Sinks<'_>,
    report: &mut Report,
) -> Result<()> {
    let store = backend.label();
    let notifications = if row == Row::BookQuiet {
        "false"
    } else {
        "true"
    };
    let name = match row {
        Row::BookQuiet => "quiet",
        Row::BookWebhook => "webhook",
        Row::BookAny => "any",
        _ => "notified",
    };
    progress(&format!(
        "{store}: (4) POST /api/bookings, {name}: preparing"
    ));
    let workdir = dir.join(format!("bookings-{name}"));
    let mail = sinks.mail.url();
    let extra = [
        ("BOOKING_NOTIFICATIONS", notifications),
        ("SMTP_URL", mail.as_str()),
        // The harness's receiver listens on 127.0.0.1.
        ("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
    ];
    let service = Service::start(&options.server, backend, &workdir, &extra).await?;
    let api = Api::new(&service.base, COOKIE);
    if row == Row::BookWebhook {
        subscribe(&api, sinks.webhooks).await?;
    }
    let accounts = api.register("customer", options.users).await?;
    let consultants = api.consultants().await?;
    // More free slots than a store can book in the run.
    let slots = api.free_slots(&consultants, 100_000).await?;
    let (warmup, measured) = slots.split_at(slots.len() / 4);
    let any = row == Row::BookAny;
    let warmup = booking_lines(&workdir.join("slots-warmup.txt"), &accounts, warmup, any)?;
    let measured = booking_lines(&workdir.join("slots.txt"), &accounts, measured, any)?;
    let threads = options.threads().to_string();
    let args = |file: String| vec![file, COOKIE.to_owned(), threads.clone()];
    let url = format!("{}/api/bookings", service.base);
    progress(&format!("{store}: (4) POST /api/bookings, {name}"));
    let book_warmup = options.load(dir, url.clone(), Script::Book, args(warmup));
    let book = options.load(dir, url, Script::Book, args(measured));
    let (delivered_before, started) = (sinks.webhooks.received(), std::time::Instant::now());
    report.push(store, row, options.measure(&book_warmup, &book)?);
    if row == Row::BookWebhook {
        let during = sinks.webhooks.received() - delivered_before;
        let load_seconds = started.elapsed().as_secs_f64();
        progress(&format!(
            "{store}: waiting for the webhook backlog to drain"
        ));
        let (backlog, seconds) = sinks.webhooks.settle(Duration::from_secs(300));
        report.webhooks(WebhookDrain {
            store,
            during,
            load_seconds,
            backlog,
            seconds,
        });
    }
    // The mail the bookings caused goes out in the background: it is
    // the cost of (4) and must not weigh on what is measured next.
    progress(&format!("{store}: waiting for the mail of (4) to go out"));
    let (mails, seconds) = sinks.mail.settle(Duration::from_secs(180));
    progress(&format!(
        "{store}: {mails} mails delivered in {seconds:.0} s after the load: {:.0} per s",
        mails as f64 / seconds.max(1.0)
    ));
    service.wait_until_idle(Duration::from_secs(60));
    Ok(())
}

/// Subscribes the harness's receiver to `booking.created`, as staff.
async fn subscribe(api: &Api, sink: &Sink) -> Result<()> {
    let staff = api
        .login(server::STAFF, server::CONSULTANT_PASSWORD)
        .await?;
    let body = json!({"url": sink.url(), "events": ["booking.created"]});
    api.post_json(&staff, "/api/admin/webhooks", &body).await?;
    Ok(())
}

/// Writes "token consultantId startsAt" lines, customers taken in turn;
/// with `any`, "any" instead of the slot's consultant.
fn booking_lines(
    path: &Path,
    accounts: &[Account],
    slots: &[FreeSlot],
    any: bool,
) -> Result<String> {
    write_lines(
        path,
        slots
            .iter()
            .zip(accounts.iter().cycle())
            .map(|(slot, account)| {
                let consultant = if any { "any" } else { &slot.consultant_id };
                format!("{} {consultant} {}", account.token, slot.starts_at)
            }),
    )
}
