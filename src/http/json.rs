//! JSON request bodies: content type, size, and errors that name the field.

use std::borrow::Cow;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpRequest, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest request body accepted (the contract's 16 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// `application/json`, or a `+json` subtype, with any parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Send request bodies as application/json",
    )
}

fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Request bodies are limited to 16 KiB",
    )
}

/// Rejects, before any handler runs, a state-changing request whose body is
/// not JSON (415) or whose declared length is over the limit (413) — also on
/// routes that take no body, so no endpoint ever accepts a form post.
pub async fn require_json_bodies<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let headers = request.headers();
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let has_body = declared_length.is_some_and(|length| length > 0)
        || headers.contains_key(header::TRANSFER_ENCODING);
    let rejection = if declared_length.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        Some(payload_too_large())
    } else if changes_state && has_body && !is_json(headers) {
        Some(unsupported_media_type())
    } else {
        None
    };
    match rejection {
        Some(error) => Ok(request
            .into_response(error.error_response())
            .map_into_right_body()),
        None => next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body),
    }
}

/// Turns serde's message into something for the client: no line and column
/// noise, and the field it concerns.
fn describe(error: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = error.inner();
    let message = inner.to_string();
    let message = message
        .rfind(" at line ")
        .map_or(message.as_str(), |at| &message[..at])
        .to_owned();
    if !inner.is_data() {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("Request body is not valid JSON: {message}"),
        );
    }
    let backticked = message.split('`').nth(1).map(str::to_owned);
    let path = error.path().to_string();
    let (code, field): (&'static str, Option<String>) = if message.starts_with("unknown field") {
        ("unknown_field", backticked)
    } else if message.starts_with("missing field") {
        ("missing_field", backticked)
    } else {
        ("invalid_type", (path != ".").then_some(path))
    };
    let error = ApiError::new(StatusCode::BAD_REQUEST, code, Cow::Owned(message));
    match field {
        Some(field) => error.with_field(field),
        None => error,
    }
}

/// Parses a JSON body into `T`, rejecting unknown fields (when `T` says
/// `deny_unknown_fields`), wrong types and trailing garbage with a 400.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "empty_body",
            "Request body must be a JSON object",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| describe(&error))?;
    deserializer.end().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "Request body has data after the JSON value",
        )
    })?;
    Ok(value)
}

async fn read_body(request: HttpRequest, mut payload: Payload) -> Result<web::Bytes, ApiError> {
    web::Bytes::from_request(&request, &mut payload)
        .await
        .map_err(|error| match error.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => payload_too_large(),
            _ => ApiError::new(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                "The request body could not be read",
            ),
        })
}

/// A JSON request body. Wrong content type: 415; too large: 413; not JSON,
/// wrong shape or unknown fields: 400 naming the field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(request.headers());
        let (request, payload) = (request.clone(), payload.take());
        Box::pin(async move {
            if !json {
                return Err(unsupported_media_type());
            }
            parse_body(&read_body(request, payload).await?).map(ApiJson)
        })
    }
}

/// An optional JSON body: an empty body is `None`; anything else must be
/// valid JSON of the right shape, exactly as for [`ApiJson`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(request.headers());
        let (request, payload) = (request.clone(), payload.take());
        Box::pin(async move {
            let bytes = read_body(request, payload).await?;
            if bytes.is_empty() {
                return Ok(OptionalJson(None));
            }
            if !json {
                return Err(unsupported_media_type());
            }
            parse_body(&bytes).map(|value| OptionalJson(Some(value)))
        })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        password: String,
    }

    fn code_and_field(body: &str) -> (String, Option<String>) {
        let error = parse_body::<Login>(body.as_bytes()).unwrap_err();
        let rendered = actix_web::ResponseError::error_response(&error);
        assert_eq!(rendered.status(), StatusCode::BAD_REQUEST);
        (error.code().to_owned(), error.field().map(str::to_owned))
    }

    #[test]
    fn body_errors_are_classified_and_name_the_field() {
        assert_eq!(code_and_field("{"), ("malformed_json".into(), None));
        assert_eq!(code_and_field("not json"), ("malformed_json".into(), None));
        assert_eq!(code_and_field(""), ("empty_body".into(), None));
        assert_eq!(
            code_and_field(r#"{"email":"a@b.co"}"#),
            ("missing_field".into(), Some("password".into()))
        );
        assert_eq!(
            code_and_field(r#"{"email":"a@b.co","password":"x","admin":true}"#),
            ("unknown_field".into(), Some("admin".into()))
        );
        assert_eq!(
            code_and_field(r#"{"email":{"$gt":""},"password":"x"}"#),
            ("invalid_type".into(), Some("email".into()))
        );
        assert_eq!(
            code_and_field(r#"{"email":"a@b.co","password":"x"} trailing"#),
            ("malformed_json".into(), None)
        );
        assert_eq!(code_and_field("[]").0, "invalid_type");
    }

    #[test]
    fn json_content_types() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        for (value, expected) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("multipart/form-data; boundary=x", false),
        ] {
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(is_json(&headers), expected, "{value}");
        }
    }
}
