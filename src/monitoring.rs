//! Prometheus metrics. Recorded with the `metrics` facade where things
//! happen; rendered by `metrics-exporter-prometheus` on a listener of their
//! own (`METRICS_ADDR`), never on the public port. Labels are route
//! patterns, methods, statuses and operation names: never a path, an id or
//! anything a user typed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests by `method`, `route` (the route pattern) and `status`.
pub const HTTP_REQUESTS: &str = "tripdesk_http_requests_total";
/// Request latency by `route`.
pub const HTTP_DURATION: &str = "tripdesk_http_request_duration_seconds";
/// Password hashes waiting for a hashing thread.
pub const HASH_QUEUE: &str = "tripdesk_password_hash_queue_depth";
/// Store operation latency by `store` and `operation`.
pub const STORE_DURATION: &str = "tripdesk_store_operation_duration_seconds";
/// Sessions opened (registration, login, password change).
pub const SESSIONS_CREATED: &str = "tripdesk_sessions_created_total";
/// Password checks that failed (logins and current passwords).
pub const FAILED_LOGINS: &str = "tripdesk_failed_logins_total";
/// Bookings created.
pub const BOOKINGS_CREATED: &str = "tripdesk_bookings_created_total";
/// Notifications waiting in the outbox.
pub const NOTIFICATIONS_PENDING: &str = "tripdesk_notifications_pending";
/// Notifications handed to the mail server.
pub const NOTIFICATIONS_SENT: &str = "tripdesk_notifications_sent_total";
/// Notifications given up after 24 hours of failed deliveries.
pub const NOTIFICATIONS_FAILED: &str = "tripdesk_notifications_failed_total";

/// Webhook delivery tries by outcome (`succeeded`, `retried`, `failed`).
pub const WEBHOOK_DELIVERIES: &str = "tripdesk_webhook_deliveries_total";
/// Webhook deliveries waiting for a try.
pub const WEBHOOKS_PENDING: &str = "tripdesk_webhook_deliveries_pending";
/// Webhooks the service turned off.
pub const WEBHOOKS_DISABLED: &str = "tripdesk_webhooks_disabled";

/// Latency buckets, in seconds: sub-millisecond reads up to slow hashes.
const LATENCY_BUCKETS: [f64; 14] = [
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// How often recorded histogram samples are folded into their buckets.
pub const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process-wide recorder, installed on first use. (Every application a
/// test process starts shares it; the `metrics` facade has one recorder.)
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
                .expect("the latency buckets are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed");
            describe();
            start_at_zero();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by method, route pattern and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency by route pattern"
    );
    describe_gauge!(HASH_QUEUE, "Password hashes waiting for a hashing thread");
    describe_histogram!(STORE_DURATION, Unit::Seconds, "Store operation latency");
    describe_counter!(SESSIONS_CREATED, "Sessions opened");
    describe_counter!(FAILED_LOGINS, "Failed password checks");
    describe_counter!(BOOKINGS_CREATED, "Bookings created");
    describe_gauge!(
        NOTIFICATIONS_PENDING,
        "Mail due or being retried in the outbox (future reminders not counted)"
    );
    describe_counter!(
        NOTIFICATIONS_SENT,
        "Notifications handed to the mail server"
    );
    describe_counter!(
        NOTIFICATIONS_FAILED,
        "Notifications given up after 24 hours of failures"
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook delivery tries by outcome: succeeded, retried, failed"
    );
    describe_gauge!(
        WEBHOOKS_PENDING,
        "Webhook deliveries waiting for a first try or a retry"
    );
    describe_gauge!(
        WEBHOOKS_DISABLED,
        "Webhooks the service turned off (410 Gone, or a day of failures)"
    );
}

/// Every unlabelled metric, exported from the first scrape (a counter
/// that appears only once it moves cannot be told from one never there:
/// an alert on failed notifications must see a 0).
fn start_at_zero() {
    for counter in [
        SESSIONS_CREATED,
        FAILED_LOGINS,
        BOOKINGS_CREATED,
        NOTIFICATIONS_SENT,
        NOTIFICATIONS_FAILED,
    ] {
        metrics::counter!(counter).increment(0);
    }
    for gauge in [
        HASH_QUEUE,
        NOTIFICATIONS_PENDING,
        WEBHOOKS_PENDING,
        WEBHOOKS_DISABLED,
    ] {
        metrics::gauge!(gauge).increment(0.0);
    }
}

/// The metrics listener: `GET /metrics` in the Prometheus text format on
/// `listener`, one worker (a scrape every few seconds needs no more).
pub fn serve(listener: std::net::TcpListener, handle: PrometheusHandle) -> std::io::Result<Server> {
    let handle = web::Data::new(handle);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(handle.clone())
            .route("/metrics", web::get().to(render))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}

async fn render(handle: web::Data<PrometheusHandle>) -> HttpResponse {
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

/// Records one answered request. `route` is the pattern of the route that
/// served it (`/api/bookings/{id}`), `None` for a path no route matched.
///
/// Every label is a `&'static str`, and each thread keeps the handles it
/// has used, so recording allocates nothing and hashes three pointers: this
/// runs for every request.
pub fn record_request(
    method: &actix_web::http::Method,
    route: Option<&'static str>,
    status: actix_web::http::StatusCode,
    elapsed: Duration,
) {
    let key = (
        method_label(method),
        route.unwrap_or("unmatched"),
        status_label(status.as_u16()),
    );
    REQUEST_HANDLES.with(|handles| {
        let mut handles = handles.borrow_mut();
        let (requests, duration) = handles.entry(key).or_insert_with(|| {
            let (method, route, status) = key;
            (
                metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status),
                metrics::histogram!(HTTP_DURATION, "route" => route),
            )
        });
        requests.increment(1);
        duration.record(elapsed.as_secs_f64());
    });
}

/// Records the latency of one store operation.
pub fn record_store_operation(store: &'static str, operation: &'static str, elapsed: Duration) {
    STORE_HANDLES.with(|handles| {
        handles
            .borrow_mut()
            .entry((store, operation))
            .or_insert_with(
                || metrics::histogram!(STORE_DURATION, "store" => store, "operation" => operation),
            )
            .record(elapsed.as_secs_f64());
    });
}

type RequestKey = (&'static str, &'static str, &'static str);

thread_local! {
    static REQUEST_HANDLES: RefCell<HashMap<RequestKey, (metrics::Counter, metrics::Histogram)>> =
        RefCell::new(HashMap::new());
    static STORE_HANDLES: RefCell<HashMap<(&'static str, &'static str), metrics::Histogram>> =
        RefCell::new(HashMap::new());
}

fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The status as a static label; codes the service never answers with
/// share "other" (they cannot be chosen by a client to grow the label set).
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        201 => "201",
        202 => "202",
        204 => "204",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        409 => "409",
        413 => "413",
        414 => "414",
        415 => "415",
        422 => "422",
        429 => "429",
        431 => "431",
        500 => "500",
        503 => "503",
        _ => "other",
    }
}
