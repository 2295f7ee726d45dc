//! Bounds on every request: at most `MUSTER_MAX_INFLIGHT` at once (past it, 503 with
//! `Retry-After` rather than a queue that grows until memory runs out), and a deadline for
//! the whole request — reading its body included — of `MUSTER_REQUEST_TIMEOUT_SECS` (30), or
//! `MUSTER_UPLOAD_TIMEOUT_SECS` (300) for a sheet. A request past its deadline is dropped: a
//! sheet being issued rolls back whole.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tokio::sync::Semaphore;

use crate::error::code;

#[derive(Clone)]
pub struct Guard {
    inflight: Arc<Semaphore>,
    /// A whole ordinary request.
    request_timeout: Duration,
    /// A whole sheet upload: up to 50 MB over a slow line, then up to 200,000 rows issued.
    upload_timeout: Duration,
}

impl Guard {
    pub fn new(config: &crate::Config) -> Self {
        Self {
            inflight: Arc::new(Semaphore::new(config.max_inflight.max(1))),
            request_timeout: Duration::from_secs(config.request_timeout_secs),
            upload_timeout: Duration::from_secs(config.upload_timeout_secs),
        }
    }
}

pub async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let Ok(_permit) = guard.inflight.clone().try_acquire_owned() else {
        tracing::warn!("too many requests under way; refusing one");
        let mut response =
            error(StatusCode::SERVICE_UNAVAILABLE, code::UNAVAILABLE, "muster is busy; try again in a second");
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    };
    let deadline = if is_upload(&request) { guard.upload_timeout } else { guard.request_timeout };
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(seconds = deadline.as_secs(), "request took too long; dropped");
            let message = format!("the request took longer than {} s; nothing of it was kept", deadline.as_secs());
            error(StatusCode::REQUEST_TIMEOUT, code::TIMEOUT, &message)
        }
    }
}

/// A sheet upload: the REST route, or a GraphQL multipart request.
fn is_upload(request: &Request) -> bool {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().to_ascii_lowercase().starts_with("multipart/"));
    request.method() == Method::POST
        && (request.uri().path() == "/invitations/links" || (request.uri().path() == "/graphql" && multipart))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message } });
    (status, axum::Json(body)).into_response()
}
