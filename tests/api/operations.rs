//! What operators rely on: metrics, graceful shutdown, backups, crash
//! safety, and several instances on one MongoDB.

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tripdesk::domain::Clock;

use crate::helpers::{
    Backend, PASSWORD, ServiceProcess, SmtpServer, TestApp, TestClient, booking_body,
    mongo_skipped, mongo_uri, read, tripdesk_command, unique_email,
};
use crate::store_tests;

store_tests!(
    metrics_are_served_on_their_own_listener_by_route_pattern,
    a_killed_service_loses_no_acknowledged_booking,
    mail_acknowledged_before_a_kill_arrives_after_the_restart,
);

async fn metrics_are_served_on_their_own_listener_by_route_pattern(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("METRICS_ADDR", "127.0.0.1:0")]).await;
    let metrics = app.metrics_base.clone().expect("a metrics listener");
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let (_, created) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    let id = created["booking"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        customer.get(&format!("/api/bookings/{id}")).await.status(),
        200
    );
    let unknown = "0123456789abcdef01234567";
    assert_eq!(
        customer
            .get(&format!("/api/bookings/{unknown}"))
            .await
            .status(),
        404
    );
    app.client()
        .login(&unique_email("nobody"), "wrong password")
        .await;
    // Never on the public port.
    assert_eq!(customer.get("/metrics").await.status(), 404);

    let response = reqwest::get(format!("{metrics}/metrics")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let line_with = |parts: &[&str]| {
        text.lines()
            .any(|line| parts.iter().all(|part| line.contains(part)))
    };
    assert!(
        line_with(&[
            "tripdesk_http_requests_total{",
            r#"method="GET""#,
            r#"route="/api/bookings/{id}""#,
            r#"status="404""#,
        ]),
        "{text}"
    );
    assert!(line_with(&[
        "tripdesk_http_request_duration_seconds_bucket{",
        r#"route="/api/bookings""#
    ]));
    assert!(line_with(&[
        "tripdesk_store_operation_duration_seconds_bucket{",
        r#"operation="find_session""#
    ]));
    for name in [
        "tripdesk_sessions_created_total",
        "tripdesk_failed_logins_total",
        "tripdesk_bookings_created_total",
        "tripdesk_password_hash_queue_depth",
    ] {
        assert!(line_with(&[name]), "{name} missing");
    }
    // Labels are patterns: no id and no email ever appears.
    assert!(!text.contains(&id) && !text.contains(unknown) && !text.contains("@example.com"));
}

/// Issue: graceful shutdown. SIGTERM while requests are in flight: each is
/// answered, then the process exits 0.
#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish() {
    let dir = TempDir::new().unwrap();
    let database = dir.path().join("tripdesk.db").display().to_string();
    let mut service = ServiceProcess::start(
        dir.path(),
        &[
            ("DATABASE_PATH", &database),
            ("PASSWORD_HASH_CONCURRENCY", "1"),
            ("SHUTDOWN_TIMEOUT", "30"),
        ],
    )
    .await;
    // Ten registrations queue for the one hashing thread: the last ones
    // are still running well after SIGTERM.
    let logins = (0..10).map(|_| {
        let client = service.client();
        async move {
            let response = client
                .request(Method::POST, "/api/users/register")
                .json(&json!({"email": unique_email("slow"), "password": PASSWORD, "name": "Slow"}))
                .send()
                .await;
            (response, std::time::Instant::now())
        }
    });
    let in_flight = tokio::spawn(join_all(logins));
    tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    let signalled = std::time::Instant::now();
    service.signal(libc::SIGTERM);
    let answers = in_flight.await.unwrap();
    assert!(
        answers.iter().any(|(_, at)| *at > signalled),
        "some requests were still in flight at SIGTERM"
    );
    for (answer, _) in answers {
        let response = answer.expect("answered, not dropped");
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert!(service.wait().success(), "exits 0 after a clean stop");
}

/// Issue: crash safety. SIGKILL under booking load, restart: every booking
/// that was acknowledged is there, and no slot is held twice.
async fn a_killed_service_loses_no_acknowledged_booking(backend: Backend) {
    let dir = TempDir::new().unwrap();
    let database = format!(
        "tripdesk_test_{}",
        &unique_email("db")[..20].replace(['-', '@'], "_")
    );
    let database_path = dir.path().join("tripdesk.db").display().to_string();
    let uri = mongo_uri();
    let vars: Vec<(&str, &str)> = match backend {
        Backend::Sqlite => vec![("DATABASE_PATH", &database_path)],
        Backend::Mongo => vec![("MONGODB_URI", &uri), ("MONGODB_DB", &database)],
    };
    let mut vars = vars;
    vars.push(("SEED_DEMO_DATA", "true"));
    let service = ServiceProcess::start(dir.path(), &vars).await;
    let customers = join_all((0..4).map(|n| {
        let client = service.client();
        async move {
            let email = unique_email(&format!("crash{n}"));
            client.register(&email, PASSWORD, "Crash Test").await;
            client
        }
    }))
    .await;
    let (consultant_id, slots) = first_consultant_slots(&customers[0]).await;
    // Every customer tries the slots in turn, over and over, until the
    // service is killed: races for the same slot included.
    let load = customers.iter().cloned().map(|client| {
        let (slots, consultant_id) = (slots.clone(), consultant_id.clone());
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for starts_at in slots.iter().take(40).cycle() {
                let body = json!({
                    "consultantId": consultant_id, "startsAt": starts_at, "durationMinutes": 30,
                    "mode": "video", "destination": "Anywhere", "travelers": 1,
                });
                let sent = client
                    .request(Method::POST, "/api/bookings")
                    .json(&body)
                    .send();
                let Ok(response) = sent.await else {
                    break; // the service is gone
                };
                if response.status() == StatusCode::CREATED
                    && let Ok(created) = response.json::<Value>().await
                {
                    acknowledged.push(created["booking"]["id"].as_str().unwrap().to_owned());
                }
            }
            (client, acknowledged)
        })
    });
    let load = join_all(load);
    let killer = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        service.signal(libc::SIGKILL);
    };
    let (results, ()) = tokio::join!(load, killer);
    drop(service);
    let restarted = ServiceProcess::start(dir.path(), &vars).await;
    let mut total = 0;
    let mut held = std::collections::HashSet::new();
    for result in results {
        let (client, acknowledged) = result.unwrap();
        let client = client.at(&restarted.base);
        for id in &acknowledged {
            let (status, body) = read(client.get(&format!("/api/bookings/{id}")).await).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "acknowledged booking {id} lost: {body}"
            );
        }
        let (_, listed) = read(client.get("/api/bookings?limit=100").await).await;
        for booking in listed["bookings"].as_array().unwrap() {
            let slot = booking["startsAt"].as_str().unwrap().to_owned();
            assert!(held.insert(slot.clone()), "slot {slot} is held twice");
        }
        total += acknowledged.len();
    }
    assert!(total > 0, "some bookings were acknowledged before the kill");
    if backend == Backend::Mongo {
        drop_database(&uri, &database).await;
    }
}

/// The first consultant (of the demo data) and the starts of its free slots
/// in the next two weeks.
pub(crate) async fn first_consultant_slots(client: &TestClient) -> (String, Vec<String>) {
    let (_, consultants) = read(client.get("/api/consultants").await).await;
    let id = consultants["consultants"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/consultants/{id}/availability?days=14");
    let (_, availability) = read(client.get(&path).await).await;
    let slots = availability["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| slot["startsAt"].as_str().unwrap().to_owned())
        .collect();
    (id, slots)
}

pub(crate) async fn drop_database(uri: &str, name: &str) {
    let client = mongodb::Client::with_uri_str(uri).await.unwrap();
    client.database(name).drop().await.unwrap();
}

/// Issue: backups of the embedded store. A backup taken under booking load
/// restores into a fresh path with every booking acknowledged before it.
#[tokio::test]
async fn a_backup_under_load_restores_every_acknowledged_booking() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let database = app.var("DATABASE_PATH").unwrap().to_owned();
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let mut before_backup = Vec::new();
    for hour in 8..13 {
        let (status, body) = read(customer.book(&consultant, &app.at(2, hour, 0), 30).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        before_backup.push(body["booking"]["id"].as_str().unwrap().to_owned());
    }
    // More customers keep booking while the backup runs.
    let load = join_all((0..4).map(|n| {
        let app_base = app.base.clone();
        let consultant = consultant.clone();
        let starts = (0..5).map(|m| app.at(3 + n, 8 + m, 0)).collect::<Vec<_>>();
        let client = TestClient::new(&app_base, Default::default());
        async move {
            client
                .register(&unique_email("loader"), PASSWORD, "Load Er")
                .await;
            for starts_at in starts {
                client
                    .post("/api/bookings", &booking_body(&consultant, &starts_at, 30))
                    .await;
            }
        }
    }));
    let work = TempDir::new().unwrap();
    let backup = work.path().join("backup.db");
    let backup_text = backup.display().to_string();
    let run_backup = async {
        tokio::task::spawn_blocking({
            let (dir, database) = (work.path().to_owned(), database.clone());
            move || {
                tripdesk_command(&dir, &[("DATABASE_PATH", &database)])
                    .args(["backup", &backup_text])
                    .output()
                    .unwrap()
            }
        })
        .await
        .unwrap()
    };
    let (output, _) = tokio::join!(run_backup, load);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The running database cannot be restored over; a fresh path can.
    let restore = |target: &str| {
        tripdesk_command(work.path(), &[("DATABASE_PATH", target)])
            .args(["restore", &backup.display().to_string()])
            .output()
            .unwrap()
    };
    let refused = restore(&database);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("stop the server first"));
    let fresh = work.path().join("restored").join("tripdesk.db");
    let restored = restore(&fresh.display().to_string());
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );

    let again = TestApp::spawn_with(
        Backend::Sqlite,
        &[("DATABASE_PATH", &fresh.display().to_string())],
    )
    .await;
    again.clock.advance(app.clock.now() - again.clock.now());
    let customer = customer.at(&again.base);
    for id in &before_backup {
        let (status, _) = read(customer.get(&format!("/api/bookings/{id}")).await).await;
        assert_eq!(status, StatusCode::OK, "booking {id} is in the backup");
    }
    // A file that is no database is refused, and nothing is overwritten.
    let junk = work.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let output = tripdesk_command(
        work.path(),
        &[("DATABASE_PATH", &fresh.display().to_string())],
    )
    .args(["restore", &junk.display().to_string()])
    .output()
    .unwrap();
    assert!(!output.status.success());
}

/// Issue: several instances. Three processes on one MongoDB database behave
/// as one service.
#[tokio::test]
async fn three_instances_on_one_mongodb_behave_as_one() {
    if mongo_skipped() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let uri = mongo_uri();
    let database = format!(
        "tripdesk_test_three_{}",
        &unique_email("x")[..12].replace(['-', '@'], "_")
    );
    let vars = [
        ("MONGODB_URI", uri.as_str()),
        ("MONGODB_DB", database.as_str()),
        ("SEED_DEMO_DATA", "true"),
    ];
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(ServiceProcess::start(dir.path(), &vars).await);
    }
    let bases: Vec<String> = instances.iter().map(|i| i.base.clone()).collect();
    let on = |client: &TestClient, n: usize| client.at(&bases[n % 3]);

    // A 30-way race for one slot, spread over the instances: one 201.
    let racers = join_all((0..30).map(|n| {
        let client = instances[n % 3].client();
        async move {
            client
                .register(&unique_email("racer"), PASSWORD, "Race R")
                .await;
            client
        }
    }))
    .await;
    let (consultant_id, slots) = first_consultant_slots(&racers[0]).await;
    let starts_at = slots[0].clone();
    let body = json!({
        // 30 minutes: the first free start may be the last of its day.
        "consultantId": consultant_id, "startsAt": starts_at, "durationMinutes": 30,
        "mode": "phone", "destination": "Lisbon", "travelers": 2,
    });
    let statuses = join_all(racers.iter().map(|client| {
        let body = body.clone();
        async move { client.post("/api/bookings", &body).await.status() }
    }))
    .await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{statuses:?}");

    // A logout on one instance is a 401 on the next request to another.
    let user = instances[0].client();
    user.register(&unique_email("roamer"), PASSWORD, "Ro Amer")
        .await;
    assert_eq!(on(&user, 1).get("/api/users/me").await.status(), 200);
    assert_eq!(
        on(&user, 2).post_empty("/api/users/logout").await.status(),
        200
    );
    for n in 0..3 {
        assert_eq!(on(&user, n).get("/api/users/me").await.status(), 401);
    }

    // An Idempotency-Key retried against another instance replays.
    let booker = &racers[1];
    let second = &slots[4];
    let body = json!({
        "consultantId": consultant_id, "startsAt": second, "durationMinutes": 30,
        "mode": "video", "destination": "Porto", "travelers": 1,
    });
    let send = |n: usize| {
        on(booker, n)
            .request(Method::POST, "/api/bookings")
            .header("idempotency-key", "retry-elsewhere")
            .json(&body)
            .send()
    };
    let first = send(0).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let replay = send(2).await.unwrap();
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["booking"]["id"], first["booking"]["id"]);

    // Five failed logins spread over the instances lock the account.
    let email = unique_email("spread");
    instances[0]
        .client()
        .register(&email, PASSWORD, "Spre Ad")
        .await;
    for n in 0..5 {
        let response = TestClient::new(&bases[n % 3], Default::default())
            .login(&email, "wrong password!")
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    for base in &bases {
        let response = TestClient::new(base, Default::default())
            .login(&email, PASSWORD)
            .await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    drop(instances);
    drop_database(&uri, &database).await;
}

/// Issue (mail): the outbox survives a crash. The service is killed right
/// after acknowledging a booking, while its mail cannot go out (the SMTP
/// server is down); after a restart, the mail arrives.
async fn mail_acknowledged_before_a_kill_arrives_after_the_restart(backend: Backend) {
    let mut smtp = SmtpServer::stopped();
    let dir = TempDir::new().unwrap();
    let database = format!(
        "tripdesk_test_{}",
        &unique_email("mail")[..20].replace(['-', '@'], "_")
    );
    let database_path = dir.path().join("tripdesk.db").display().to_string();
    let (uri, smtp_url) = (mongo_uri(), smtp.url());
    let mut vars: Vec<(&str, &str)> = match backend {
        Backend::Sqlite => vec![("DATABASE_PATH", &database_path)],
        Backend::Mongo => vec![("MONGODB_URI", &uri), ("MONGODB_DB", &database)],
    };
    vars.extend([("SEED_DEMO_DATA", "true"), ("SMTP_URL", smtp_url.as_str())]);
    let service = ServiceProcess::start(dir.path(), &vars).await;
    let customer = service.client();
    customer
        .register(&unique_email("kill"), PASSWORD, "Kill Ed")
        .await;
    let (consultant_id, slots) = first_consultant_slots(&customer).await;
    let body = json!({
        "consultantId": consultant_id,
        "startsAt": slots[0],
        "durationMinutes": 30, "mode": "video", "destination": "Madeira", "travelers": 1,
    });
    let response = customer.post("/api/bookings", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    service.signal(libc::SIGKILL);
    drop(service);
    smtp.restart().await;
    let _restarted = ServiceProcess::start(dir.path(), &vars).await;
    // The demo consultant's address is verified: the new-request mail
    // (and the registration's request to verify the customer's address).
    let mails = smtp.wait_for(2).await;
    let subjects: Vec<String> = mails
        .iter()
        .map(|mail| mail.parsed().subject().unwrap().to_owned())
        .collect();
    assert!(
        subjects
            .iter()
            .any(|subject| subject.starts_with("New booking request: Madeira")),
        "{subjects:?}"
    );
    if backend == Backend::Mongo {
        drop_database(&uri, &database).await;
    }
}

/// Issue (mail): two instances on one MongoDB share one outbox, and each
/// notification is sent once.
#[tokio::test]
async fn two_instances_send_each_notification_once() {
    if mongo_skipped() {
        return;
    }
    let smtp = SmtpServer::start().await;
    let dir = TempDir::new().unwrap();
    let uri = mongo_uri();
    let database = format!(
        "tripdesk_test_mail_{}",
        &unique_email("x")[..12].replace(['-', '@'], "_")
    );
    let smtp_url = smtp.url();
    let vars = [
        ("MONGODB_URI", uri.as_str()),
        ("MONGODB_DB", database.as_str()),
        ("SEED_DEMO_DATA", "true"),
        ("SMTP_URL", smtp_url.as_str()),
    ];
    let first = ServiceProcess::start(dir.path(), &vars).await;
    let second = ServiceProcess::start(dir.path(), &vars).await;
    let customer = first.client();
    customer
        .register(&unique_email("twice"), PASSWORD, "Two Times")
        .await;
    let (consultant_id, slots) = first_consultant_slots(&customer).await;
    // Every other free slot: the demo consultant keeps 30 minutes free
    // after each appointment.
    for (n, slot) in slots.iter().step_by(2).take(8).enumerate() {
        let client = customer.at(if n % 2 == 0 {
            &first.base
        } else {
            &second.base
        });
        let body = json!({
            "consultantId": consultant_id, "startsAt": slot,
            "durationMinutes": 30, "mode": "phone", "destination": "Faroe Islands", "travelers": 1,
        });
        assert_eq!(
            client.post("/api/bookings", &body).await.status(),
            StatusCode::CREATED
        );
    }
    // The 8 new-request mails, and the registration's verification mail.
    smtp.wait_for(9).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let mails = smtp.received();
    assert_eq!(mails.len(), 9, "each of the 8 new-request mails once");
    let mut ids: Vec<String> = mails
        .iter()
        .map(|mail| mail.parsed())
        .filter(|mail| mail.subject().unwrap().starts_with("New booking request"))
        .map(|mail| mail.message_id().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 8);
    drop((first, second));
    drop_database(&uri, &database).await;
}
