//! What operators read: every metric from the first scrape, and a pending
//! count that means mail waiting to go out.

use chrono::Duration;
use reqwest::StatusCode;
use tempfile::TempDir;
use tripdesk::domain::Clock;

use crate::helpers::{
    Backend, ServiceProcess, SmtpServer, TestApp, free_port, outbox_drained, read,
};
use crate::store_tests;

store_tests!(future_reminders_are_not_pending_and_a_cancellation_withdraws_them);

#[tokio::test]
async fn every_metric_is_exported_from_the_first_scrape() {
    let dir = TempDir::new().unwrap();
    let database = dir.path().join("tripdesk.db").display().to_string();
    let address = format!("127.0.0.1:{}", free_port());
    let _service = ServiceProcess::start(
        dir.path(),
        &[("DATABASE_PATH", &database), ("METRICS_ADDR", &address)],
    )
    .await;
    let text = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "tripdesk_sessions_created_total",
        "tripdesk_failed_logins_total",
        "tripdesk_bookings_created_total",
        "tripdesk_notifications_sent_total",
        "tripdesk_notifications_failed_total",
        "tripdesk_notifications_pending",
        "tripdesk_password_hash_queue_depth",
        "tripdesk_webhook_deliveries_pending",
        "tripdesk_webhooks_disabled",
    ] {
        assert!(
            text.lines().any(|line| line == format!("{name} 0")),
            "{name} at 0 in:\n{text}"
        );
    }
}

async fn future_reminders_are_not_pending_and_a_cancellation_withdraws_them(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.verified_customer("Ada").await;
    let (status, booked) = read(customer.book(&consultant, &app.at(3, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    // The created mails go out and queue the reminder, due in two days:
    // waiting then, not now.
    smtp.wait_for(2).await;
    let in_three_days = || app.clock.now() + Duration::days(3);
    let mut waiting = (u64::MAX, u64::MAX);
    for _ in 0..100 {
        let store = &app.store;
        waiting = (
            store.pending_messages(app.clock.now()).await.unwrap(),
            store.pending_messages(in_three_days()).await.unwrap(),
        );
        if waiting == (0, 1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        waiting,
        (0, 1),
        "the reminder waits, and is not pending now"
    );

    let cancel = format!(
        "/api/bookings/{}/cancel",
        booked["booking"]["id"].as_str().unwrap()
    );
    assert_eq!(customer.post_empty(&cancel).await.status(), StatusCode::OK);
    smtp.wait_for(4).await;
    outbox_drained(&app).await;
    assert_eq!(
        app.store.pending_messages(in_three_days()).await.unwrap(),
        0,
        "the cancelled booking's reminder is withdrawn"
    );
}
