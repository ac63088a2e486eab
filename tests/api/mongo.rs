//! What only the MongoDB store has: its indexes, the TTL purge, slot-claim
//! repair, and surviving the server going away and coming back.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use mongodb::bson::{Document, doc};
use reqwest::StatusCode;
use tempfile::TempDir;

use crate::helpers::{TestApp, assert_error, mongo_skipped, read};

/// A database handle on the app's MongoDB database, for looking underneath.
async fn database(app: &TestApp) -> mongodb::Database {
    let client = mongodb::Client::with_uri_str(app.var("MONGODB_URI").unwrap())
        .await
        .unwrap();
    client.database(app.var("MONGODB_DB").unwrap())
}

/// The index on exactly `keys` of `collection`, as the server describes it.
/// (Found by keys, not name: not every compatible server keeps names.)
async fn index_on(database: &mongodb::Database, collection: &str, keys: &[&str]) -> Document {
    let reply = database
        .run_command(doc! {"listIndexes": collection})
        .await
        .unwrap();
    let batch = reply
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap();
    batch
        .iter()
        .filter_map(|index| index.as_document())
        .find(|index| {
            index
                .get_document("key")
                .is_ok_and(|key| key.keys().eq(keys.iter().copied()))
        })
        .cloned()
        .unwrap_or_else(|| panic!("no index on {keys:?} of {collection}: {batch:?}"))
}

fn number(index: &Document, key: &str) -> Option<f64> {
    match index.get(key)? {
        mongodb::bson::Bson::Int32(n) => Some(f64::from(*n)),
        mongodb::bson::Bson::Int64(n) => Some(*n as f64),
        mongodb::bson::Bson::Double(n) => Some(*n),
        _ => None,
    }
}

#[tokio::test]
async fn indexes_exist_and_the_unique_ones_reject_duplicates() {
    if mongo_skipped() {
        return;
    }
    let app = TestApp::spawn(crate::helpers::Backend::Mongo).await;
    let database = database(&app).await;

    let ttl = index_on(&database, "sessions", &["purgeAt"]).await;
    assert_eq!(number(&ttl, "expireAfterSeconds"), Some(0.0), "{ttl}");
    for (collection, key) in [("users", "email"), ("sessions", "tokenHash")] {
        let index = index_on(&database, collection, &[key]).await;
        assert_eq!(index.get_bool("unique"), Ok(true), "{index}");
    }
    index_on(&database, "sessions", &["userId", "createdAt"]).await;
    index_on(&database, "bookings", &["customerId", "startsAt"]).await;
    index_on(&database, "bookings", &["consultantId", "startsAt"]).await;
    index_on(&database, "booking_slots", &["consultantId", "slotStart"]).await;
    index_on(&database, "booking_slots", &["bookingId"]).await;

    // Unique indexes at work, underneath the store.
    let sessions = database.collection::<Document>("sessions");
    sessions
        .insert_one(doc! {"tokenHash": "a".repeat(64)})
        .await
        .unwrap();
    let duplicate = sessions
        .insert_one(doc! {"tokenHash": "a".repeat(64)})
        .await
        .unwrap_err();
    assert!(duplicate.to_string().contains("11000"), "{duplicate}");
    let users = database.collection::<Document>("users");
    users
        .insert_one(doc! {"email": "dup@example.com"})
        .await
        .unwrap();
    assert!(
        users
            .insert_one(doc! {"email": "dup@example.com"})
            .await
            .is_err()
    );
    let claims = database.collection::<Document>("booking_slots");
    claims
        .insert_one(doc! {"_id": "consultant:0"})
        .await
        .unwrap();
    assert!(
        claims
            .insert_one(doc! {"_id": "consultant:0"})
            .await
            .is_err()
    );

    // Creating the indexes again (every start-up does) is harmless.
    let app = app.restart().await;
    assert_eq!(app.client().get("/ready").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sessions_are_purged_a_retention_period_after_their_end() {
    if mongo_skipped() {
        return;
    }
    let app = TestApp::spawn_with(
        crate::helpers::Backend::Mongo,
        &[("SESSION_RETENTION", "2d")],
    )
    .await;
    let (client, _) = app.customer().await;
    client.post_empty("/api/users/logout").await;
    let session = database(&app)
        .await
        .collection::<Document>("sessions")
        .find_one(doc! {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.get_str("status"), Ok("expired"));
    let expires = session
        .get_datetime("expiresAt")
        .unwrap()
        .timestamp_millis();
    let purge = session.get_datetime("purgeAt").unwrap().timestamp_millis();
    assert_eq!(purge - expires, 2 * 24 * 3600 * 1000);
    assert!(session.get("token").is_none() && session.get_str("tokenHash").unwrap().len() == 64);
}

#[tokio::test]
async fn stale_slot_claims_are_repaired_and_fresh_ones_respected() {
    if mongo_skipped() {
        return;
    }
    let app = TestApp::spawn(crate::helpers::Backend::Mongo).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let claims = database(&app).await.collection::<Document>("booking_slots");
    let claim = |hour: u32, age: chrono::Duration| {
        let start = chrono::DateTime::parse_from_rfc3339(&app.at(2, hour, 0))
            .unwrap()
            .timestamp_millis();
        doc! {
            "_id": format!("{}:{start}", consultant.id),
            "consultantId": consultant.id.to_string(),
            "slotStart": mongodb::bson::DateTime::from_millis(start),
            "bookingId": tripdesk::domain::BookingId::generate().to_string(),
            "claimedAt": mongodb::bson::DateTime::from_millis((Utc::now() - age).timestamp_millis()),
        }
    };
    // Left behind by a failure 20 minutes ago: its booking never existed.
    claims
        .insert_one(claim(10, chrono::Duration::minutes(20)))
        .await
        .unwrap();
    // Just written by a request still in flight.
    claims
        .insert_one(claim(11, chrono::Duration::seconds(5)))
        .await
        .unwrap();

    let (status, body) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the stale claim was repaired: {body}"
    );
    let response = customer.book(&consultant, &app.at(2, 11, 0), 30).await;
    assert_error(response, StatusCode::CONFLICT, "slot_unavailable").await;
    // A booking's own claims are never taken for debris.
    let response = customer.book(&consultant, &app.at(2, 10, 0), 30).await;
    assert_error(response, StatusCode::CONFLICT, "slot_unavailable").await;
}

/// A private MongoDB-compatible server this test can stop and start.
struct PrivateServer {
    port: u16,
    data: TempDir,
    process: Option<Child>,
}

impl PrivateServer {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = Self {
            port,
            data: TempDir::new().unwrap(),
            process: None,
        };
        server.resume();
        server
    }

    fn uri(&self) -> String {
        format!("mongodb://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the server on the same port and data, and waits for it.
    fn resume(&mut self) {
        let launcher = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/mongo-server");
        let process = Command::new(launcher)
            .arg(self.port.to_string())
            .arg(self.data.path().join("db"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "scripts/mongo-server runs a MongoDB-compatible server (scripts/test installs one)",
            );
        self.process = Some(process);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the private server did not start (is one installed? run scripts/test)"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills the server, as a crash or a network cut would.
    fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill().ok();
            process.wait().ok();
        }
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test]
async fn the_app_answers_503_while_the_server_is_gone_and_recovers_without_a_restart() {
    if mongo_skipped() {
        return;
    }
    let mut server = PrivateServer::start();
    let app = TestApp::spawn_on_mongo(&server.uri(), &[]).await;
    let (consultant, _) = app.consultant().await;
    let (customer, user) = app.customer().await;
    let (status, booked) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);

    server.kill();
    assert_error(
        app.client().get("/ready").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
    )
    .await;
    let response = customer.get("/api/users/me").await;
    assert!(response.headers().get("retry-after").is_some());
    assert_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
    )
    .await;
    let response = customer.book(&consultant, &app.at(2, 11, 0), 30).await;
    assert_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
    )
    .await;
    assert_eq!(
        app.client().get("/health").await.status(),
        StatusCode::OK,
        "the process itself is fine"
    );

    server.resume();
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.client().get("/ready").await.status() != StatusCode::OK {
        assert!(Instant::now() < deadline, "the app did not reconnect");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Everything acknowledged before the outage is still there; the same
    // cookie works; new writes succeed.
    let (status, me) = read(customer.get("/api/users/me").await).await;
    assert_eq!((status, &me["user"]), (StatusCode::OK, &user));
    let (_, list) = read(customer.get("/api/bookings").await).await;
    assert_eq!(list["bookings"], serde_json::json!([booked["booking"]]));
    let (status, body) = read(customer.book(&consultant, &app.at(2, 11, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
