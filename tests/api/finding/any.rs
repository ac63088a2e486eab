//! `"consultantId": "any"`: the service picks a free matching consultant
//! in the contract's order, says why, and never gives one consultant to
//! two racing requests.

use std::collections::HashSet;

use chrono::TimeDelta;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::availability::hire;
use crate::helpers::{Backend, SmtpServer, TestApp, TestClient, assert_error, mails_to, read};
use crate::store_tests;

store_tests!(
    any_consultant_goes_previous_then_least_busy_then_least_recent,
    any_consultant_refuses_what_no_candidate_can_take,
    racing_any_bookings_each_get_their_own_consultant,
    an_assigned_booking_is_mailed_to_its_parties,
);

const ALL_DAY: (&str, &str) = ("00:00", "23:30");

fn any(starts_at: &str, wanted: Value) -> Value {
    json!({
        "consultantId": "any", "match": wanted, "startsAt": starts_at,
        "durationMinutes": 30, "mode": "video", "destination": "Caribbean", "travelers": 2,
    })
}

/// Books `body` as `customer`: the booking, which must have been created.
async fn booked(customer: &TestClient, body: &Value) -> Value {
    let (status, created) = read(customer.post("/api/bookings", body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}: {created}");
    created["booking"].clone()
}

/// `(consultantId, assignment reason)` of a booking.
fn assigned(booking: &Value) -> (String, String) {
    (
        booking["consultantId"].as_str().unwrap().to_owned(),
        booking["assignment"]["reason"].as_str().unwrap().to_owned(),
    )
}

async fn any_consultant_goes_previous_then_least_busy_then_least_recent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let lucia = hire(&staff, "Lucía", "es", ALL_DAY).await;
    let marta = hire(&staff, "Marta", "es-ES", ALL_DAY).await;
    let kenji = hire(&staff, "Kenji", "ja", ALL_DAY).await;
    let spanish = json!({"language": "es"});

    // Lucía has a booking near day 2: Marta is less busy.
    let (first, _) = app.customer().await;
    let named = booked(
        &first,
        &json!({
            "consultantId": lucia, "startsAt": app.at(2, 10, 0), "durationMinutes": 30,
            "mode": "video", "destination": "Caribbean", "travelers": 2,
        }),
    )
    .await;
    assert!(named.get("assignment").is_none(), "{named}");
    let (second, _) = app.customer().await;
    app.clock.advance(TimeDelta::minutes(1));
    let to_marta = booked(&second, &any(&app.at(2, 12, 0), spanish.clone())).await;
    assert_eq!(assigned(&to_marta), (marta.clone(), "least_busy".into()));

    // The same customer again: their previous consultant, though now busier.
    app.clock.advance(TimeDelta::minutes(1));
    let again = booked(&second, &any(&app.at(3, 12, 0), spanish.clone())).await;
    assert_eq!(
        assigned(&again),
        (marta.clone(), "previous_consultant".into())
    );
    let (third, _) = app.customer().await;
    app.clock.advance(TimeDelta::minutes(1));
    let to_lucia = booked(&third, &any(&app.at(2, 14, 0), spanish)).await;
    assert_eq!(assigned(&to_lucia), (lucia.clone(), "least_busy".into()));

    // Days later nobody is busy: Kenji, never booked, was booked least
    // recently; then Marta, last booked before Lucía was.
    let cruises = json!({"specialty": "CRUISES"});
    let (fourth, _) = app.customer().await;
    app.clock.advance(TimeDelta::minutes(1));
    let to_kenji = booked(&fourth, &any(&app.at(12, 9, 0), cruises.clone())).await;
    assert_eq!(assigned(&to_kenji), (kenji, "least_recent".into()));
    let (fifth, _) = app.customer().await;
    app.clock.advance(TimeDelta::minutes(1));
    let next = booked(&fifth, &any(&app.at(20, 9, 0), cruises)).await;
    assert_eq!(assigned(&next), (marta, "least_recent".into()));

    // The reason is kept with the booking.
    let path = format!("/api/bookings/{}", to_lucia["id"].as_str().unwrap());
    let (status, read_back) = read(third.get(&path).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read_back["booking"]["assignment"]["reason"], "least_busy");
    assert_eq!(read_back["booking"]["consultantId"], lucia.as_str());
}

async fn any_consultant_refuses_what_no_candidate_can_take(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let lucia = hire(&staff, "Lucía", "es", ("08:00", "12:00")).await;
    let (customer, _) = app.customer().await;
    let spanish = json!({"language": "es"});
    let conflict = StatusCode::CONFLICT;

    // Nobody speaks French; nobody offers phone; Lucía does not work at 15:00.
    let french = any(&app.at(2, 9, 0), json!({"language": "fr"}));
    assert_error(
        customer.post("/api/bookings", &french).await,
        conflict,
        "slot_unavailable",
    )
    .await;
    let mut phone = any(&app.at(2, 9, 0), spanish.clone());
    phone["mode"] = json!("phone");
    assert_error(
        customer.post("/api/bookings", &phone).await,
        conflict,
        "slot_unavailable",
    )
    .await;
    let late = any(&app.at(2, 15, 0), spanish.clone());
    assert_error(
        customer.post("/api/bookings", &late).await,
        conflict,
        "slot_unavailable",
    )
    .await;

    // What nobody could take is refused as for a named consultant.
    let off_grid = any(&app.at(2, 9, 10), spanish.clone());
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    assert_error(
        customer.post("/api/bookings", &off_grid).await,
        unprocessable,
        "not_on_slot_boundary",
    )
    .await;
    let bad = any(&app.at(2, 9, 0), json!({"language": "spanish"}));
    let bad_request = StatusCode::BAD_REQUEST;
    assert_error(
        customer.post("/api/bookings", &bad).await,
        bad_request,
        "invalid_language",
    )
    .await;
    let mut named_with_match = any(&app.at(2, 9, 0), spanish.clone());
    named_with_match["consultantId"] = json!(lucia);
    assert_error(
        customer.post("/api/bookings", &named_with_match).await,
        bad_request,
        "invalid_match",
    )
    .await;

    // None of it booked anything: Lucía is still free at 09:00, once.
    let taken = booked(&customer, &any(&app.at(2, 9, 0), spanish.clone())).await;
    assert_eq!(taken["consultantId"], lucia.as_str());
    let (other, _) = app.customer().await;
    let same = any(&app.at(2, 9, 0), spanish);
    assert_error(
        other.post("/api/bookings", &same).await,
        conflict,
        "slot_unavailable",
    )
    .await;
}

/// Fires one "any" booking for the same start per client at once; the
/// consultants of the 201s and the number of 409s.
async fn race(clients: &[TestClient], body: &Value) -> (Vec<String>, usize) {
    let answers = join_all(
        clients
            .iter()
            .map(|client| client.post("/api/bookings", body)),
    )
    .await;
    let (mut winners, mut refused) = (Vec::new(), 0);
    for answer in answers {
        let (status, body) = read(answer).await;
        match status {
            StatusCode::CREATED => {
                winners.push(body["booking"]["consultantId"].as_str().unwrap().to_owned());
            }
            StatusCode::CONFLICT => {
                assert_eq!(body["errors"][0]["code"], "slot_unavailable", "{body}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    (winners, refused)
}

/// Four Spanish speakers free at the start (a fifth busy then, a Japanese
/// speaker free): their ids and the request thirty customers race with.
async fn four_free_spanish_speakers(app: &TestApp, staff: &TestClient) -> (HashSet<String>, Value) {
    let mut free = HashSet::new();
    for name in ["Ana", "Bea", "Carla", "Dora"] {
        free.insert(hire(staff, name, "es", ALL_DAY).await);
    }
    let busy = hire(staff, "Elena", "es", ALL_DAY).await;
    hire(staff, "Kenji", "ja", ALL_DAY).await;
    let (customer, _) = app.customer().await;
    let starts_at = app.at(3, 10, 0);
    let hold = json!({
        "consultantId": busy, "startsAt": starts_at, "durationMinutes": 30,
        "mode": "video", "destination": "Caribbean", "travelers": 2,
    });
    booked(&customer, &hold).await;
    (free, any(&starts_at, json!({"language": "es"})))
}

async fn customers(app: &TestApp, count: usize) -> Vec<TestClient> {
    let mut clients = Vec::with_capacity(count);
    for _ in 0..count {
        clients.push(app.customer().await.0);
    }
    clients
}

/// Four winners, each with their own free consultant, 26 refused; and
/// nothing of a refused try left behind: the store holds the four and the
/// one booked before, each with its audit entry.
async fn assert_one_each(
    staff: &TestClient,
    free: &HashSet<String>,
    (winners, refused): (Vec<String>, usize),
) {
    assert_eq!((winners.len(), refused), (4, 26), "{winners:?}");
    let distinct: HashSet<String> = winners.into_iter().collect();
    assert_eq!(&distinct, free);
    let (_, all) = read(staff.get("/api/admin/bookings?limit=100").await).await;
    assert_eq!(all["bookings"].as_array().unwrap().len(), 5, "{all}");
    let audit = "/api/admin/audit?action=booking.created&limit=100";
    let (_, created) = read(staff.get(audit).await).await;
    assert_eq!(created["entries"].as_array().unwrap().len(), 5, "{created}");
}

async fn racing_any_bookings_each_get_their_own_consultant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let (free, body) = four_free_spanish_speakers(&app, &staff).await;
    let clients = customers(&app, 30).await;
    assert_one_each(&staff, &free, race(&clients, &body).await).await;
}

#[tokio::test]
async fn racing_any_bookings_across_three_instances_each_get_their_own_consultant() {
    if crate::helpers::mongo_skipped() {
        return;
    }
    let app = TestApp::spawn(Backend::Mongo).await;
    let (staff, _) = app.admin().await;
    let (free, body) = four_free_spanish_speakers(&app, &staff).await;
    let instances = [app.another_instance().await, app.another_instance().await];
    let mut clients = customers(&app, 30).await;
    // Each customer's cookie works on every instance (one store): ten per
    // instance.
    for (at, client) in clients.iter_mut().enumerate().skip(10) {
        *client = client.at(&instances[at / 10 - 1].base);
    }
    assert_one_each(&staff, &free, race(&clients, &body).await).await;
}

/// The consultant the service chose gets the same mail as a named one,
/// and so does the customer, through the one outbox.
async fn an_assigned_booking_is_mailed_to_its_parties(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let (_, desk) = app.consultant().await;
    let (_, account) = read(desk.get("/api/users/me").await).await;
    let (customer, user) = app.verified_customer("Vera Verified").await;
    let booking = booked(
        &customer,
        &any(&app.at(2, 10, 0), json!({"language": "en"})),
    )
    .await;
    assert_eq!(booking["assignment"]["reason"], "least_busy");
    let to_consultant = account["user"]["email"].as_str().unwrap();
    mails_to(&smtp, to_consultant, "New booking request: Caribbean", 1).await;
    let to_customer = user["email"].as_str().unwrap();
    mails_to(&smtp, to_customer, "Booking request received: Caribbean", 1).await;
}
