//! Finding the right consultant: the list filtered by language, specialty
//! and mode; the cancellation policy.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestClient, read};
use crate::store_tests;

mod any;
mod availability;
mod cancellation;
mod video;

store_tests!(consultants_are_found_by_language_specialty_and_mode);

/// Invites a consultant with this profile, as staff; its id.
async fn hire(
    staff: &TestClient,
    name: &str,
    languages: Value,
    specialties: Value,
    modes: Value,
) -> String {
    let email = crate::helpers::unique_email("hired");
    let body = json!({
        "email": email, "name": name, "languages": languages,
        "specialties": specialties, "modes": modes,
    });
    let (status, made) = read(staff.post("/api/admin/consultants", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    made["consultant"]["id"].as_str().unwrap().to_owned()
}

/// The names `GET /api/consultants?{query}` lists, in order.
async fn found(client: &TestClient, query: &str) -> Vec<String> {
    let (status, body) = read(client.get(&format!("/api/consultants?{query}")).await).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body["consultants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|consultant| consultant["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn consultants_are_found_by_language_specialty_and_mode(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    hire(
        &staff,
        "Lucía",
        json!(["es-MX", "en"]),
        json!(["Cruceros del Caribe"]),
        json!(["video"]),
    )
    .await;
    hire(
        &staff,
        "Kenji",
        json!(["ja", "en"]),
        json!(["Rail passes"]),
        json!(["phone", "in_person"]),
    )
    .await;
    let gone = hire(
        &staff,
        "Marta",
        json!(["es"]),
        json!(["Cruises"]),
        json!(["video"]),
    )
    .await;
    let deactivate = format!("/api/admin/consultants/{gone}/deactivate");
    let keep = json!({"cancelFutureBookings": false});
    let (status, _) = read(staff.post(&deactivate, &keep).await).await;
    assert_eq!(status, StatusCode::OK);
    let anyone = app.client();

    assert_eq!(found(&anyone, "").await, ["Kenji", "Lucía"]);
    assert_eq!(
        found(&anyone, "language=es").await,
        ["Lucía"],
        "es finds es-MX"
    );
    assert_eq!(found(&anyone, "language=EN").await, ["Kenji", "Lucía"]);
    assert_eq!(found(&anyone, "specialty=CRUCERO").await, ["Lucía"]);
    assert_eq!(found(&anyone, "specialty=rail%20pass").await, ["Kenji"]);
    assert_eq!(found(&anyone, "mode=in_person").await, ["Kenji"]);
    assert_eq!(found(&anyone, "language=en&mode=video").await, ["Lucía"]);
    assert!(
        found(&anyone, "language=ja&specialty=cruceros")
            .await
            .is_empty()
    );
    // Accents on either side do not matter.
    hire(
        &staff,
        "Zoé",
        json!(["fr"]),
        json!(["Croisières fluviales"]),
        json!(["video"]),
    )
    .await;
    assert_eq!(found(&anyone, "specialty=croisieres").await, ["Zoé"]);
    assert_eq!(found(&anyone, "specialty=cruc%C3%A9ros").await, ["Lucía"]);

    for (query, code) in [
        ("language=spanish", "invalid_language"),
        ("mode=fax", "invalid_mode"),
        (
            &*format!("specialty={}", "x".repeat(61)),
            "invalid_specialty",
        ),
    ] {
        let (status, body) = read(anyone.get(&format!("/api/consultants?{query}")).await).await;
        assert_eq!(
            (status, body["errors"][0]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{query}"
        );
    }
}
