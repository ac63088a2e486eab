//! Scenario (9): staff list every booking: `GET /api/admin/bookings` over
//! 10,000 bookings, one consultant's month at a time.

use std::path::Path;

use anyhow::{Context, Result, ensure};
use chrono::{Days, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::report::{Report, Row};
use crate::server::{self, Backend, Service};
use crate::setup::Api;
use crate::wrk::Script;
use crate::{COOKIE, Options, progress, write_lines};

/// Bookings in the store when (9) runs.
const BOOKINGS: usize = 10_000;

/// Books [`BOOKINGS`] appointments over about three months across the
/// round-the-clock consultants (notifications off: the mail is not what
/// is measured, the audit entries are written as always), then lists the
/// first consultant's bookings of the second month as staff.
pub async fn staff_list(
    options: &Options,
    backend: &Backend,
    dir: &Path,
    report: &mut Report,
) -> Result<()> {
    let store = backend.label();
    progress(&format!("{store}: (9) preparing {BOOKINGS} bookings"));
    let extra = [
        ("SMTP_URL", options.smtp_url.as_str()),
        ("BOOKING_NOTIFICATIONS", "false"),
    ];
    let service = Service::start(&options.server, backend, &dir.join("staff"), &extra).await?;
    let api = Api::new(&service.base, COOKIE);
    let customers = api.register("booked", 10).await?;
    let mut consultants = api.consultants().await?;
    // The busy consultant (last by name) keeps office hours: not this one's.
    consultants.pop().context("no consultants")?;
    let slots = api.free_slots(&consultants, 3 * BOOKINGS).await?;
    // Every third slot: the bookings spread over about three months.
    let chosen: Vec<_> = slots.iter().step_by(3).take(BOOKINGS).collect();
    ensure!(chosen.len() == BOOKINGS, "only {} free slots", chosen.len());
    stream::iter(chosen.iter().enumerate())
        .map(|(index, slot)| api.book(&customers[index % customers.len()].token, slot))
        .buffer_unordered(32)
        .try_collect::<Vec<()>>()
        .await?;

    let staff = api
        .login(server::STAFF, server::CONSULTANT_PASSWORD)
        .await?;
    let today = Utc::now().date_naive();
    let (from, to) = (today + Days::new(31), today + Days::new(61));
    let path = format!(
        "/api/admin/bookings?consultantId={}&from={from}T00:00:00Z&to={to}T00:00:00Z",
        consultants[0]
    );
    let page = api.get_json(&staff, &path).await?;
    let listed = page["bookings"].as_array().map_or(0, Vec::len);
    ensure!(
        listed == 20,
        "(9) lists {listed} bookings, not a full page of 20"
    );
    progress(&format!("{store}: (9) GET {path}"));
    let token = write_lines(&dir.join("staff-token.txt"), [staff])?;
    let threads = options.threads().to_string();
    let list = options.load(
        dir,
        format!("{}{path}", service.base),
        Script::GetWithSession,
        vec![token, COOKIE.to_owned(), threads],
    );
    report.push(store, Row::StaffBookings, options.measure(&list, &list)?);
    Ok(())
}
