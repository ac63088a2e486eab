//! The OpenAPI document matches what the app serves.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, read};

/// Every operation of `../shared/API.md`, plus the document itself.
const CONTRACT: [(&str, &str); 20] = [
    ("POST", "/api/users/register"),
    ("POST", "/api/users/login"),
    ("POST", "/api/users/logout"),
    ("GET", "/api/users/me"),
    ("GET", "/api/users/me/sessions"),
    ("DELETE", "/api/users/me/sessions/{id}"),
    ("DELETE", "/api/users/me/sessions"),
    ("PUT", "/api/users/me/password"),
    ("GET", "/api/consultants"),
    ("GET", "/api/consultants/{id}"),
    ("GET", "/api/consultants/{id}/availability"),
    ("POST", "/api/bookings"),
    ("GET", "/api/bookings"),
    ("GET", "/api/bookings/{id}"),
    ("PATCH", "/api/bookings/{id}"),
    ("POST", "/api/bookings/{id}/cancel"),
    ("POST", "/api/bookings/{id}/confirm"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/api/openapi.json"),
];

async fn document(app: &TestApp) -> Value {
    let response = app.client().get("/api/openapi.json").await;
    assert_eq!(response.headers()["content-type"], "application/json");
    let (status, document) = read(response).await;
    assert_eq!(status, StatusCode::OK);
    document
}

/// path → set of upper-case methods, from the document.
fn operations(document: &Value) -> BTreeMap<String, BTreeSet<String>> {
    document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .unwrap()
                .keys()
                .map(|method| method.to_uppercase())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_the_session_schemes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let document = document(&app).await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let ids: Vec<_> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| {
            item.as_object()
                .unwrap()
                .values()
                .map(|operation| operation["operationId"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        ids.len(),
        "operationIds are unique: {ids:?}"
    );
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["session_cookie"]["type"], "apiKey");
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["session_cookie"]["name"], "token");
    assert_eq!(schemes["bearer_token"]["scheme"], "bearer");
}

#[tokio::test]
async fn every_route_served_is_documented_and_every_documented_route_served() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let documented = operations(&document(&app).await);
    let served: BTreeMap<String, BTreeSet<String>> = tripdesk::routes::served()
        .map(|(path, allow)| {
            (
                path.to_owned(),
                allow.split(", ").map(str::to_owned).collect(),
            )
        })
        .collect();
    assert_eq!(documented, served);
    for (method, path) in CONTRACT {
        assert!(
            documented
                .get(path)
                .is_some_and(|methods| methods.contains(method)),
            "{method} {path}"
        );
    }

    // Black-box: each documented operation answers (not 404 "no route", not
    // 405), and every other method on its path is 405 with `Allow` listing
    // exactly the documented ones.
    // Staff routes admit staff before they route: asked by staff.
    let (staff, _) = app.admin().await;
    let anonymous = app.client();
    for (path, methods) in &documented {
        let url = path.replace("{id}", "6b03ed4bb8702cb5d37340e4");
        let client = if path.starts_with("/api/admin") {
            &staff
        } else {
            &anonymous
        };
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let response = client
                .request(Method::from_bytes(method.as_bytes()).unwrap(), &url)
                .send()
                .await
                .unwrap();
            let allow = response
                .headers()
                .get("allow")
                .map(|value| value.to_str().unwrap().to_owned());
            let (status, body) = read(response).await;
            if methods.contains(method) {
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                assert_ne!(
                    body["errors"][0]["code"], "not_found",
                    "{method} {path}: {body}"
                );
            } else {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                let allowed: BTreeSet<String> =
                    allow.unwrap().split(", ").map(str::to_owned).collect();
                assert_eq!(&allowed, methods, "{path}");
            }
        }
    }
}

#[tokio::test]
async fn security_and_errors_are_documented_as_served() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let document = document(&app).await;
    let client = app.client();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let protected = operation["security"].as_array().is_some_and(|schemes| {
                schemes
                    .iter()
                    .any(|scheme| scheme.get("session_cookie").is_some())
                    && schemes
                        .iter()
                        .any(|scheme| scheme.get("bearer_token").is_some())
            });
            let responses = operation["responses"].as_object().unwrap();
            // Every documented error uses the contract's error body.
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(
                        schema, "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
            // Protected operations say so, answer 401 without a session, and document it.
            let url = path.replace("{id}", "6b03ed4bb8702cb5d37340e4");
            let response = client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    &url,
                )
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let unauthenticated = response.status() == StatusCode::UNAUTHORIZED;
            assert_eq!(protected, unauthenticated, "{method} {path}");
            assert!(
                !protected || responses.contains_key("401"),
                "{method} {path}"
            );
            assert!(
                responses.keys().any(|status| status.starts_with('2')),
                "{method} {path}"
            );
        }
    }
}

/// What typed clients generated from the document need to type-check the
/// requests the server takes and only those (third review, 18).
#[tokio::test]
async fn the_document_types_exactly_what_the_server_takes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let document = document(&app).await;
    let schemas = &document["components"]["schemas"];
    let day = &schemas["WeeklyHours"]["properties"]["mon"];
    assert_eq!(day["type"], "array", "never null: {day}");
    assert_eq!(
        (day["minItems"].as_u64(), day["maxItems"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(schemas["HalfHour"]["pattern"], "^([01][0-9]|2[0-3]):[03]0$");
    let create = &schemas["CreateBookingRequest"]["properties"];
    assert_eq!(create["durationMinutes"]["multipleOf"], 30);
    assert_eq!(create["travelers"]["maximum"], 20);
    let schedule = &schemas["ScheduleRequest"]["properties"];
    assert_eq!(schedule["bufferMinutes"]["maximum"], 60);
    assert_eq!(schedule["minimumNoticeMinutes"]["maximum"], 10080);
    assert_eq!(schedule["bookingHorizonDays"]["minimum"], 1);

    let create_booking = &document["paths"]["/api/bookings"]["post"];
    let key = &create_booking["parameters"][0];
    assert_eq!(key["name"], "Idempotency-Key");
    assert_eq!(key["schema"]["type"], "string", "a plain string: {key}");
    assert_eq!(key["schema"]["maxLength"], 64);
    let created = &create_booking["responses"]["201"]["headers"];
    assert!(created.get("Idempotent-Replayed").is_some() && created.get("Location").is_some());
    let login = &document["paths"]["/api/users/login"]["post"];
    assert!(
        login["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|parameter| parameter["in"] == "cookie" && parameter["name"] == "device")
    );

    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = operation["security"].as_array();
            assert!(security.is_some(), "{method} {path} declares its security");
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path}: 500");
            for (status, response) in responses {
                assert!(
                    response["headers"].get("X-Request-Id").is_some(),
                    "{method} {path} {status}: X-Request-Id"
                );
            }
        }
    }
    assert_eq!(document["paths"]["/health"]["get"]["security"], json!([]));
}
