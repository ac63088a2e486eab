//! A crash loses no event: the service killed right after a booking's 201,
//! with its receiver down, delivers the event once it runs again.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{
    Backend, PASSWORD, Receiver, ServiceProcess, TestClient, free_port, mongo_uri, read,
    tripdesk_command, unique_email,
};
use crate::operations::{drop_database, first_consultant_slots};
use crate::store_tests;

store_tests!(an_event_acknowledged_before_a_kill_arrives_after_the_restart);

/// Logs `client` in to a new admin account made with `tripdesk admin add`.
async fn admin_login(dir: &std::path::Path, vars: &[(&str, &str)], client: &TestClient) {
    let email = unique_email("crash-admin");
    let output = tripdesk_command(dir, vars)
        .args(["admin", "add", "--email", &email, "--name", "Crash Admin"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let password = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Password (shown once): "))
        .expect("the generated password is printed");
    let (status, body) = read(client.login(&email, password).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn an_event_acknowledged_before_a_kill_arrives_after_the_restart(backend: Backend) {
    let dir = TempDir::new().unwrap();
    let database = format!(
        "tripdesk_test_{}",
        &unique_email("hook")[..20].replace(['-', '@'], "_")
    );
    let database_path = dir.path().join("tripdesk.db").display().to_string();
    let uri = mongo_uri();
    let mut vars: Vec<(&str, &str)> = match backend {
        Backend::Sqlite => vec![("DATABASE_PATH", &database_path)],
        Backend::Mongo => vec![("MONGODB_URI", &uri), ("MONGODB_DB", &database)],
    };
    vars.extend([
        ("SEED_DEMO_DATA", "true"),
        ("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
    ]);
    let service = ServiceProcess::start(dir.path(), &vars).await;
    let staff = service.client();
    admin_login(dir.path(), &vars, &staff).await;
    // The receiver is down until after the restart.
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hooks/tripdesk");
    let subscription = json!({"url": url, "events": ["booking.created"]});
    let (status, created) = read(staff.post("/api/admin/webhooks", &subscription).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let customer = service.client();
    customer
        .register(&unique_email("hooked"), PASSWORD, "Kill Ed")
        .await;
    let (consultant_id, slots) = first_consultant_slots(&customer).await;
    let body = json!({
        "consultantId": consultant_id, "startsAt": slots[0],
        "durationMinutes": 30, "mode": "video", "destination": "Madeira", "travelers": 1,
    });
    let (status, booked) = read(customer.post("/api/bookings", &body).await).await;
    assert_eq!(status, StatusCode::CREATED);
    service.signal(libc::SIGKILL);
    drop(service);

    let receiver = Receiver::start_on(port, &[]).await;
    let _restarted = ServiceProcess::start(dir.path(), &vars).await;
    // At once if the killed service never tried; after the first backoff
    // (30 s and its jitter) if it had tried the receiver while it was down.
    let received = receiver.wait_for_within(1, Duration::from_secs(50)).await;
    let event: Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(event["type"], "booking.created");
    assert_eq!(event["data"]["booking"]["id"], booked["booking"]["id"]);
    if backend == Backend::Mongo {
        drop_database(&uri, &database).await;
    }
}
