//! The contract's conventions: error bodies everywhere, content types, sizes,
//! request ids and security headers.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, assert_error, read, unique_email};
use crate::store_tests;

store_tests!(
    unknown_routes_and_methods_get_json_errors,
    bodies_must_be_json,
    oversized_bodies_are_413,
    malformed_json_is_a_400_that_changes_nothing,
    request_ids_are_echoed_when_sane_and_made_otherwise,
    every_response_carries_the_security_headers,
);

async fn unknown_routes_and_methods_get_json_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    for path in [
        "/nope",
        "/api",
        "/api/users",
        "/api/users/me/nothing",
        "/api/bookings/1/2/3",
    ] {
        assert_error(client.get(path).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    for (method, path, allow) in [
        (Method::DELETE, "/health", "GET"),
        (Method::GET, "/api/users/login", "POST"),
        (Method::PUT, "/api/bookings", "GET, POST"),
        (
            Method::DELETE,
            "/api/bookings/6b03ed4bb8702cb5d37340e4",
            "GET, PATCH",
        ),
        (Method::GET, "/api/users/me/password", "PUT"),
    ] {
        let response = client.request(method, path).send().await.unwrap();
        assert_eq!(response.headers().get("allow").unwrap(), allow);
        assert_error(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
    }
}

async fn bodies_must_be_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let email = unique_email("form");
    let form = format!("email={email}&password=correct+horse+battery&name=Form");
    for content_type in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        let response = client
            .request(Method::POST, "/api/users/register")
            .header("content-type", content_type)
            .body(form.clone())
            .send()
            .await
            .unwrap();
        assert_error(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
    // Also on routes that take no body: no endpoint accepts a form post.
    let response = client
        .request(Method::POST, "/api/users/logout")
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_error(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let no_content_type = client
        .request(Method::POST, "/api/users/login")
        .send()
        .await
        .unwrap();
    assert_error(
        no_content_type,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    // A charset parameter is fine.
    let response = client
        .request(Method::POST, "/api/users/register")
        .header("content-type", "application/json; charset=utf-8")
        .body(json!({"email": email, "password": PASSWORD, "name": "Json"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn oversized_bodies_are_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let email = unique_email("big");
    let body = json!({"email": email, "password": PASSWORD, "name": "x".repeat(17 * 1024)});
    let response = client.post("/api/users/register", &body).await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // Chunked, with no declared length: caught while reading.
    let chunks =
        futures_util::stream::iter((0..20).map(|_| Ok::<_, std::io::Error>("a".repeat(1024))));
    let response = client
        .request(Method::POST, "/api/users/register")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let (status, _) = read(client.register(&email, PASSWORD, "Small").await).await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn malformed_json_is_a_400_that_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    for body in ["{", "{\"email\": }", "null", "[1,2]", "\"text\"", "{} {}"] {
        let response = client
            .request(Method::POST, "/api/users/register")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, error) = read(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {error}");
        assert!(error["errors"][0]["code"].is_string());
    }
    let empty = client
        .request(Method::POST, "/api/users/register")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_error(empty, StatusCode::BAD_REQUEST, "empty_body").await;
}

async fn request_ids_are_echoed_when_sane_and_made_otherwise(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let sane = client
        .request(Method::GET, "/health")
        .header("x-request-id", "mobile-42.retry-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sane.headers().get("x-request-id").unwrap(),
        "mobile-42.retry-1"
    );
    for insane in ["has spaces", &"x".repeat(100), "semi;colon"] {
        let response = client
            .request(Method::GET, "/nope")
            .header("x-request-id", insane)
            .send()
            .await
            .unwrap();
        let id = response
            .headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert_ne!(id, insane);
        assert_eq!(id.len(), 32);
    }
    let a = client
        .get("/health")
        .await
        .headers()
        .get("x-request-id")
        .cloned();
    let b = client
        .get("/health")
        .await
        .headers()
        .get("x-request-id")
        .cloned();
    assert_ne!(a, b);
}

async fn every_response_carries_the_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    for response in [
        client.get("/health").await,
        client.get("/nope").await,
        client.get("/api/bookings").await,
        client
            .request(Method::POST, "/api/users/login")
            .header("content-type", "text/plain")
            .body("x")
            .send()
            .await
            .unwrap(),
    ] {
        let headers = response.headers();
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(headers.get("x-frame-options").unwrap(), "DENY");
        assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
        assert!(headers.get("x-request-id").is_some());
    }
}
