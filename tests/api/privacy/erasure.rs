//! Erasure leaves nothing of the person readable in the store's files or
//! documents, tells their consultants and their CRM, kills what was mailed
//! to them and frees the address.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tripdesk::domain::{Consultant, UserId};

use super::mails_recorded;
use crate::helpers::{
    Backend, PASSWORD, Receiver, SmtpServer, TestApp, TestClient, assert_error, booking_body,
    mails_to, outbox_drained, read, token_in, unique_email,
};
use crate::store_tests;

store_tests!(nothing_of_an_erased_customer_remains_readable);

/// What the person wrote or is called: none of it may survive.
struct Traces {
    email: String,
    name: &'static str,
    destination: &'static str,
    notes: &'static str,
    reason: &'static str,
}

impl Traces {
    fn new() -> Self {
        Self {
            email: unique_email("zebediah"),
            name: "Zebediah Quillfeather",
            destination: "Kerguelen Islands",
            notes: "Allergic to penguins, 7Q",
            reason: "Quillfeather family emergency",
        }
    }

    fn all(&self) -> [&str; 5] {
        [
            self.email.as_str(),
            self.name,
            self.destination,
            self.notes,
            self.reason,
        ]
    }

    fn booking(&self, consultant: &Consultant, at: &str) -> Value {
        let mut body = booking_body(consultant, at, 30);
        body["destination"] = json!(self.destination);
        body["notes"] = json!(self.notes);
        body
    }
}

pub(super) async fn erase(client: &TestClient, password: &str) -> (StatusCode, Value) {
    let body = json!({"password": password});
    read(
        client
            .send_json(Method::DELETE, "/api/users/me", &body)
            .await,
    )
    .await
}

/// Leaves traces of the person everywhere the service keeps something: a
/// consent, a verification and a reset mail, a failed login, a booking
/// cancelled with a reason, one live with an idempotency record, webhook
/// deliveries. Returns the customer's client and account.
async fn a_customer_everywhere(
    app: &TestApp,
    traces: &Traces,
    consultant: &Consultant,
) -> (TestClient, Value) {
    let customer = app.client();
    let (status, body) = read(
        customer
            .register(&traces.email, PASSWORD, traces.name)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let wrong = app.client().login(&traces.email, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let reset = json!({"email": traces.email});
    let asked = app.client().post("/api/users/password-reset", &reset).await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let first = traces.booking(consultant, &app.at(2, 10, 0));
    let (status, cancelled) = read(customer.post("/api/bookings", &first).await).await;
    assert_eq!(status, StatusCode::CREATED, "{cancelled}");
    let path = format!(
        "/api/bookings/{}/cancel",
        cancelled["booking"]["id"].as_str().unwrap()
    );
    let reason = json!({"reason": traces.reason});
    assert_eq!(customer.post(&path, &reason).await.status(), StatusCode::OK);
    let live = customer
        .request(Method::POST, "/api/bookings")
        .header("idempotency-key", "erasure-test-1")
        .json(&traces.booking(consultant, &app.at(3, 10, 0)))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::CREATED);
    (customer, body["user"].clone())
}

async fn nothing_of_an_erased_customer_remains_readable(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let vars = [
        ("SMTP_URL", smtp.url()),
        ("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true".to_owned()),
    ];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(backend, &vars).await;
    let (staff, _) = app.admin().await;
    let receiver = Receiver::start(&[]).await;
    let all_events = json!({
        "url": format!("http://127.0.0.1:{}/hooks", receiver.port),
        "events": ["customer.registered", "customer.erased", "booking.created", "booking.cancelled"],
    });
    let (status, hook) = read(staff.post("/api/admin/webhooks", &all_events).await).await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let (consultant, desk) = app.consultant().await;
    let traces = Traces::new();
    let (customer, user) = a_customer_everywhere(&app, &traces, &consultant).await;
    receiver.wait_for(4).await;
    outbox_drained(&app).await;
    // Every mail naming the destination is recorded before the erasure
    // (one handed over at that very moment is the documented exception).
    let (_, me) = read(desk.get("/api/users/me").await).await;
    let desk_account = UserId::parse(me["user"]["id"].as_str().unwrap()).unwrap();
    mails_recorded(&app, desk_account, Some(consultant.id), 3).await;
    let customer_account = UserId::parse(user["id"].as_str().unwrap()).unwrap();
    mails_recorded(&app, customer_account, None, 2).await;
    let reset = mails_to(&smtp, &traces.email, "Reset your tripdesk password", 1).await;
    let reset = token_in(&reset[0], "/reset-password");
    let verify = mails_to(
        &smtp,
        &traces.email,
        "Confirm your email address for tripdesk",
        1,
    )
    .await;
    let verify = token_in(&verify[0], "/verify-email");

    let (status, refused) = erase(&customer, "not the password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "invalid_credentials");
    let response = customer
        .request(Method::DELETE, "/api/users/me")
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let cleared = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    // The account is no one's: no session (and below, no login).
    assert_error(
        customer.get("/api/users/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // The consultant keeps both bookings, anonymised, the live one
    // cancelled, and is told.
    let (_, list) = read(desk.get("/api/bookings").await).await;
    let bookings = list["bookings"].as_array().unwrap();
    assert_eq!(bookings.len(), 2);
    for booking in bookings {
        assert_eq!(booking["status"], "cancelled");
        assert_eq!(booking["destination"], "(erased)");
        assert_eq!(booking["notes"], "");
    }
    outbox_drained(&app).await;
    let erased = receiver.wait_for(6).await;
    let last = erased
        .iter()
        .map(|delivery| serde_json::from_str::<Value>(&delivery.body).unwrap())
        .find(|event| event["type"] == "customer.erased")
        .expect("customer.erased delivered");
    assert_eq!(last["data"]["customerId"], user["id"]);
    let (_, audit) = read(
        staff
            .get(&format!(
                "/api/admin/audit?targetId={}",
                user["id"].as_str().unwrap()
            ))
            .await,
    )
    .await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"user.erased"), "{actions:?}");

    match backend {
        Backend::Sqlite => assert_nothing_in_files(&app, &traces),
        Backend::Mongo => assert_nothing_in_documents(&app, &traces).await,
    }
    // The links mailed before died with the account.
    let confirm = json!({"token": reset, "newPassword": "a brand new secret"});
    let (status, body) = read(
        app.client()
            .post("/api/users/password-reset/confirm", &confirm)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let verified = json!({"token": verify});
    let (status, body) = read(
        app.client()
            .post("/api/users/verify-email", &verified)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // (A failed login records the address it was tried with, so this one
    // comes after the search.)
    let login = app.client().login(&traces.email, PASSWORD).await;
    assert_error(login, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    // The address is free again: a new account, nothing in common.
    let again = app.client();
    let (status, body) = read(again.register(&traces.email, PASSWORD, "Zeb Again").await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_ne!(body["user"]["id"], user["id"]);
    let (_, mine) = read(again.get("/api/bookings").await).await;
    assert_eq!(mine["bookings"], json!([]));
}

/// After a checkpoint, no byte of the database file or its WAL spells any
/// trace.
fn assert_nothing_in_files(app: &TestApp, traces: &Traces) {
    let path = app.var("DATABASE_PATH").unwrap().to_owned();
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection.busy_timeout(Duration::from_secs(10)).unwrap();
    let (busy, _, _): (i64, i64, i64) = connection
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .unwrap();
    assert_eq!(busy, 0, "the checkpoint ran to the end");
    for file in [path.clone(), format!("{path}-wal")] {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        for trace in traces.all() {
            let found = bytes
                .windows(trace.len())
                .position(|window| window == trace.as_bytes());
            if let Some(at) = found {
                let around = &bytes[at.saturating_sub(200)..(at + 200).min(bytes.len())];
                let around = String::from_utf8_lossy(around);
                panic!("{trace:?} is still readable in {file} at {at}: {around:?}");
            }
        }
    }
}

/// No document of any collection holds any trace.
async fn assert_nothing_in_documents(app: &TestApp, traces: &Traces) {
    let client = mongodb::Client::with_uri_str(app.var("MONGODB_URI").unwrap())
        .await
        .unwrap();
    let database = client.database(app.var("MONGODB_DB").unwrap());
    for name in database.list_collection_names().await.unwrap() {
        let collection = database.collection::<mongodb::bson::Document>(&name);
        let mut cursor = collection.find(mongodb::bson::doc! {}).await.unwrap();
        while cursor.advance().await.unwrap() {
            let document = cursor.deserialize_current().unwrap();
            let text = serde_json::to_string(&document).unwrap();
            for trace in traces.all() {
                assert!(
                    !text.contains(trace),
                    "{trace:?} is still in {name}: {text}"
                );
            }
        }
    }
}
