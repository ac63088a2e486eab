//! Each person's `locale` (asked for at registration, else the
//! best of `Accept-Language`, else `DEFAULT_LOCALE`) and time zone, and
//! `PATCH /api/users/me`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, TestApp, TestClient, assert_error, read, unique_email};
use crate::store_tests;

store_tests!(
    registration_takes_the_asked_locale_else_the_browsers,
    people_change_their_name_locale_and_time_zone,
);

async fn register(client: &TestClient, extra: Value, accept: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"email": unique_email("lang"), "password": PASSWORD, "name": "Lena"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let mut request = client
        .request(Method::POST, "/api/users/register")
        .json(&body);
    if let Some(languages) = accept {
        request = request.header("accept-language", languages);
    }
    read(request.send().await.unwrap()).await
}

async fn registration_takes_the_asked_locale_else_the_browsers(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("DEFAULT_LOCALE", "fr")]).await;
    let asked = json!({"locale": "es-MX", "timezone": "Europe/Madrid"});
    let (status, body) = register(&app.client(), asked, Some("ja")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (
            body["user"]["locale"].as_str(),
            body["user"]["timezone"].as_str()
        ),
        (Some("es"), Some("Europe/Madrid"))
    );
    for (accept, expected) in [
        (Some("pt-BR, ja-JP;q=0.8, en;q=0.5"), "ja"),
        (Some("pt-BR"), "fr"),
        (None, "fr"),
    ] {
        let (status, body) = register(&app.client(), json!({}), accept).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["user"]["locale"], expected, "{accept:?}");
        assert_eq!(body["user"]["timezone"], Value::Null);
    }
    for (extra, code) in [
        (json!({"locale": "pt"}), "unsupported_locale"),
        (json!({"timezone": "Mars/Olympus"}), "invalid_timezone"),
    ] {
        let (status, body) = register(&app.client(), extra, None).await;
        assert_eq!(
            (status, body["errors"][0]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code))
        );
    }
}

async fn people_change_their_name_locale_and_time_zone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (customer, user) = app.customer().await;
    assert_eq!(user["locale"], "en");
    let change = json!({"name": "Lena Lindqvist", "locale": "de", "timezone": "Europe/Berlin"});
    let (status, body) = read(customer.patch("/api/users/me", &change).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, me) = read(customer.get("/api/users/me").await).await;
    assert_eq!(me, body, "the change is what the next request reads");
    assert_eq!(
        (
            me["user"]["name"].as_str(),
            me["user"]["locale"].as_str(),
            me["user"]["timezone"].as_str()
        ),
        (Some("Lena Lindqvist"), Some("de"), Some("Europe/Berlin"))
    );
    // Left out stays; null goes back to the consultants' zones.
    let (_, body) = read(
        customer
            .patch("/api/users/me", &json!({"timezone": null}))
            .await,
    )
    .await;
    assert_eq!(
        (
            body["user"]["locale"].as_str(),
            body["user"]["timezone"].is_null()
        ),
        (Some("de"), true)
    );
    for (bad, code) in [
        (json!({"locale": "klingon"}), "unsupported_locale"),
        (json!({"timezone": "Berlin"}), "invalid_timezone"),
        (json!({"name": "  "}), "invalid_name"),
    ] {
        assert_error(
            customer.patch("/api/users/me", &bad).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
    }
    let unknown = customer
        .patch("/api/users/me", &json!({"email": "x@example.com"}))
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let (_, me) = read(customer.get("/api/users/me").await).await;
    assert_eq!(me["user"]["locale"], "de", "refused changes change nothing");
    assert_eq!(
        app.client().patch("/api/users/me", &change).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
