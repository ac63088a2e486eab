//! Running a request at most once per `Idempotency-Key`.

use std::future::Future;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::domain::{
    Fingerprint, IdempotencyDecision, IdempotencyKey, IdempotencyRecord, StoredResponse, UserId,
};
use crate::error::{ApiError, ErrorChain};
use crate::state::AppState;

/// `Idempotency-Key`.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on a response that replays an earlier one.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// How long a retry waits for the same request still running elsewhere.
const WAIT_FOR_FIRST_REQUEST: Duration = Duration::from_secs(5);

/// The request's `Idempotency-Key`, if it sent one.
pub fn idempotency_key(request: &HttpRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = request.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("\u{0}");
    Ok(Some(IdempotencyKey::parse(text)?))
}

fn respond(response: &StoredResponse, replayed: bool) -> HttpResponse {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    let mut builder = HttpResponse::build(status);
    builder.content_type("application/json");
    if let Some(location) = response
        .location
        .as_deref()
        .and_then(|value| HeaderValue::from_str(value).ok())
    {
        builder.insert_header((header::LOCATION, location));
    }
    if replayed {
        builder.insert_header((IDEMPOTENT_REPLAYED, "true"));
    }
    builder.body(response.body.clone())
}

/// Runs `work` for `user` unless this key already ran it: then the first
/// response is replayed. Without a key, `work` simply runs.
pub async fn run_once<W, F>(
    state: &AppState,
    owner: UserId,
    key: Option<IdempotencyKey>,
    fingerprint: Fingerprint,
    work: W,
) -> Result<HttpResponse, ApiError>
where
    W: FnOnce() -> F,
    F: Future<Output = Result<StoredResponse, ApiError>>,
{
    let Some(key) = key else {
        return work().await.map(|response| respond(&response, false));
    };
    let started = IdempotencyRecord::started(owner, key, fingerprint, state.now());
    if let Some(first) = claim(state, &started).await? {
        return Ok(respond(&first, true));
    }
    let response = keep_outcome(state, &started, work().await).await?;
    Ok(respond(&response, false))
}

/// Takes `started`'s key for this request: `None` when the work is ours to
/// do, or the first request's response to replay. Waits a while for a first
/// request still in progress.
async fn claim(
    state: &AppState,
    started: &IdempotencyRecord,
) -> Result<Option<StoredResponse>, ApiError> {
    let deadline = Instant::now() + WAIT_FOR_FIRST_REQUEST;
    while let Some(existing) = state.store.insert_idempotency_record(started).await? {
        match existing.decide(&started.fingerprint, state.now()) {
            IdempotencyDecision::Replay(response) => return Ok(Some(response)),
            IdempotencyDecision::KeyReused => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used for a different request",
                )
                .with_field("Idempotency-Key"));
            }
            IdempotencyDecision::TakeOver => {
                if state
                    .store
                    .replace_idempotency_record(&existing, started)
                    .await?
                {
                    return Ok(None);
                }
            }
            IdempotencyDecision::InProgress if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            IdempotencyDecision::InProgress => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_key_in_use",
                    "A request with this Idempotency-Key is still being processed; retry shortly",
                )
                .with_retry_after(1));
            }
        }
    }
    Ok(None)
}

/// Stores the work's outcome under `started`'s key, to be replayed: its
/// response, or its refusal (a 4xx is the first answer too). A failure is
/// not an answer: the key is released so a retry runs the work again.
async fn keep_outcome(
    state: &AppState,
    started: &IdempotencyRecord,
    outcome: Result<StoredResponse, ApiError>,
) -> Result<StoredResponse, ApiError> {
    let response = match outcome {
        Ok(response) => response,
        Err(error) if error.status().is_client_error() => StoredResponse {
            status: error.status().as_u16(),
            body: error.body(),
            location: None,
        },
        Err(error) => {
            if let Err(cleanup) = state.store.delete_idempotency_record(started).await {
                tracing::warn!(cleanup = %ErrorChain(&cleanup), "could not release an idempotency key");
            }
            return Err(error);
        }
    };
    if let Err(error) = state
        .store
        .replace_idempotency_record(started, &started.finished(response.clone()))
        .await
    {
        // The work is done; the client gets its answer even if it cannot be kept.
        tracing::warn!(error = %ErrorChain(&error), "could not store the response for an idempotency key");
    }
    Ok(response)
}
