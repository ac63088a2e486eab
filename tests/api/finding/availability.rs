//! `GET /api/availability`: free starts across every matching consultant,
//! counted, for the asked-for length.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestClient, read, unique_email};
use crate::store_tests;

store_tests!(availability_is_pooled_across_matching_consultants);

/// Invites a consultant speaking `language`, on video only, working
/// `from`–`until` UTC every day with no notice; its id.
pub(super) async fn hire(
    staff: &TestClient,
    name: &str,
    language: &str,
    (from, until): (&str, &str),
) -> String {
    let hours: serde_json::Map<String, Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|day| (day.to_string(), json!([from, until])))
        .collect();
    let body = json!({
        "email": unique_email("pooled"), "name": name, "languages": [language],
        "specialties": ["Cruises"], "modes": ["video"],
        "schedule": {"timezone": "UTC", "workingHours": hours, "minimumNoticeMinutes": 0},
    });
    let (status, made) = read(staff.post("/api/admin/consultants", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    made["consultant"]["id"].as_str().unwrap().to_owned()
}

/// `(startsAt time of day, consultants)` of a search on `day`.
async fn search(client: &TestClient, day: &str, query: &str) -> Vec<(String, u64)> {
    let path = format!("/api/availability?from={day}&days=1&{query}");
    let (status, body) = read(client.get(&path).await).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| {
            let starts = slot["startsAt"].as_str().unwrap();
            assert!(starts.starts_with(day), "{slot}");
            (
                starts[11..16].to_owned(),
                slot["consultants"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn at(times: &[(&str, u64)]) -> Vec<(String, u64)> {
    times
        .iter()
        .map(|(time, n)| (time.to_string(), *n))
        .collect()
}

async fn availability_is_pooled_across_matching_consultants(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let lucia = hire(&staff, "Lucía", "es", ("08:00", "12:00")).await;
    hire(&staff, "Marta", "es-ES", ("10:00", "14:00")).await;
    hire(&staff, "Kenji", "ja", ("00:00", "23:30")).await;
    let day = &app.at(2, 0, 0)[..10];
    let anyone = app.client();

    let hour = "language=es&durationMinutes=60";
    let both = at(&[
        ("08:00", 1),
        ("08:30", 1),
        ("09:00", 1),
        ("09:30", 1),
        ("10:00", 2),
        ("10:30", 2),
        ("11:00", 2),
        ("11:30", 1),
        ("12:00", 1),
        ("12:30", 1),
        ("13:00", 1),
    ]);
    assert_eq!(search(&anyone, day, hour).await, both);
    let (_, ends) = read(
        anyone
            .get(&format!("/api/availability?from={day}&days=1&{hour}"))
            .await,
    )
    .await;
    assert_eq!(ends["slots"][0]["endsAt"], format!("{day}T09:00:00Z"));
    assert!(
        search(&anyone, day, "language=es&mode=phone")
            .await
            .is_empty()
    );

    // Lucía booked 10:00–11:00: only Marta then, and nobody can start an
    // hour at 09:30 (Lucía is busy at 10:00, Marta starts at 10:00).
    let (customer, _) = app.customer().await;
    let booking = json!({
        "consultantId": lucia, "startsAt": format!("{day}T10:00:00Z"), "durationMinutes": 60,
        "mode": "video", "destination": "Caribbean", "travelers": 2,
    });
    let (status, body) = read(customer.post("/api/bookings", &booking).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let after = search(&anyone, day, hour).await;
    assert_eq!(
        after,
        at(&[
            ("08:00", 1),
            ("08:30", 1),
            ("09:00", 1),
            ("10:00", 1),
            ("10:30", 1),
            ("11:00", 2),
            ("11:30", 1),
            ("12:00", 1),
            ("12:30", 1),
            ("13:00", 1),
        ])
    );

    for (query, code) in [
        ("durationMinutes=45", "invalid_duration"),
        ("days=0", "invalid_days"),
        ("language=spanish", "invalid_language"),
    ] {
        let (status, body) = read(anyone.get(&format!("/api/availability?{query}")).await).await;
        assert_eq!(
            (status, body["errors"][0]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{query}"
        );
    }
}
