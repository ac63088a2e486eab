//! HTTP clients that keep cookies like a browser, and response checks.

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use tripdesk::domain::Consultant;

/// An HTTP client with its own cookie jar.
#[derive(Clone)]
pub struct TestClient {
    pub base: String,
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
}

impl TestClient {
    pub fn new(base: &str, jar: Arc<Jar>) -> Self {
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: base.to_owned(),
            http,
            jar,
        }
    }

    /// A client without cookies that sends `Authorization: Bearer <token>`
    /// (a back-office system with an API key, a native app).
    pub fn bearer(base: &str, token: &str) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        let value = format!("Bearer {token}").parse().unwrap();
        headers.insert(reqwest::header::AUTHORIZATION, value);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: base.to_owned(),
            http,
            jar: Arc::new(Jar::default()),
        }
    }

    /// The same cookie jar, talking to another base URL (a restarted app).
    pub fn at(&self, base: &str) -> Self {
        Self::new(base, self.jar.clone())
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{}", self.base, path))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn send_json(&self, method: Method, path: &str, body: &Value) -> Response {
        self.request(method, path)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.send_json(Method::POST, path, body).await
    }

    /// A POST without a body.
    pub async fn post_empty(&self, path: &str) -> Response {
        self.request(Method::POST, path)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.send_json(Method::PATCH, path, body).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn register(&self, email: &str, password: &str, name: &str) -> Response {
        self.post(
            "/api/users/register",
            &json!({"email": email, "password": password, "name": name}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post(
            "/api/users/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// The session token the jar currently holds for this app.
    pub fn token(&self) -> Option<String> {
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .unwrap()
            .split("; ")
            .find_map(|pair| pair.strip_prefix("token="))
            .map(str::to_owned)
    }

    /// Books `consultant` at `starts_at` for `minutes`.
    pub async fn book(&self, consultant: &Consultant, starts_at: &str, minutes: u32) -> Response {
        self.post(
            "/api/bookings",
            &booking_body(consultant, starts_at, minutes),
        )
        .await
    }
}

/// A valid booking request body.
pub fn booking_body(consultant: &Consultant, starts_at: &str, minutes: u32) -> Value {
    json!({
        "consultantId": consultant.id.to_string(),
        "startsAt": starts_at,
        "durationMinutes": minutes,
        "mode": "video",
        "destination": "Azores",
        "travelers": 2,
        "notes": "Whale watching, please",
    })
}

/// Status and JSON body (or `null` for an empty body).
pub async fn read(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().await.expect("body read");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("JSON body, got {}", String::from_utf8_lossy(&bytes)))
    };
    (status, body)
}

/// Asserts the contract's error body with `status` and `code`; returns the error object.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    let (actual, body) = read(response).await;
    assert_eq!(actual, status, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors array in {body}"));
    assert_eq!(errors.len(), 1, "{body}");
    let error = &errors[0];
    assert_eq!(error["status"], status.as_str(), "{body}");
    assert_eq!(error["code"], code, "{body}");
    assert_eq!(error["title"], status.canonical_reason().unwrap(), "{body}");
    assert!(
        error["detail"]
            .as_str()
            .is_some_and(|detail| !detail.is_empty()),
        "{body}"
    );
    error.clone()
}
