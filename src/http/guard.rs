//! Bounds on every request: at most `MUSTER_MAX_INFLIGHT` at once (past it, 503 with
//! `Retry-After` rather than a queue that grows until memory runs out), and a deadline for
//! the whole request — reading its body included — of `MUSTER_REQUEST_TIMEOUT_SECS` (30), or
//! `MUSTER_UPLOAD_TIMEOUT_SECS` (300) for a sheet. A request past its deadline is dropped: a
//! sheet being issued rolls back whole. While the database does not answer, requests that
//! need it are refused at once (503, `UNAVAILABLE`) rather than each waiting for it.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tokio::sync::Semaphore;

use crate::{db::Availability, error::code};

#[derive(Clone)]
pub struct Guard {
    inflight: Arc<Semaphore>,
    availability: Availability,
    /// A whole ordinary request.
    request_timeout: Duration,
    /// A whole sheet upload: up to 50 MB over a slow line, then up to 200,000 rows issued.
    upload_timeout: Duration,
}

impl Guard {
    pub fn new(config: &crate::Config, availability: Availability) -> Self {
        Self {
            inflight: Arc::new(Semaphore::new(config.max_inflight.max(1))),
            availability,
            request_timeout: Duration::from_secs(config.request_timeout_secs),
            upload_timeout: Duration::from_secs(config.upload_timeout_secs),
        }
    }
}

pub async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let Ok(_permit) = guard.inflight.clone().try_acquire_owned() else {
        tracing::warn!("too many requests under way; refusing one");
        metrics::counter!("muster_http_refused_total", "reason" => "overloaded").increment(1);
        let mut response = error(
            &request,
            StatusCode::SERVICE_UNAVAILABLE,
            code::UNAVAILABLE,
            "muster is busy; try again in a second",
        );
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    };
    if guard.availability.is_down() && needs_database(&request) {
        metrics::counter!("muster_http_refused_total", "reason" => "database_down").increment(1);
        let message = "the database is not answering: try again shortly";
        let mut response = error(&request, StatusCode::SERVICE_UNAVAILABLE, code::UNAVAILABLE, message);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return response;
    }
    let deadline = if is_upload(&request) { guard.upload_timeout } else { guard.request_timeout };
    let graphql = is_graphql(&request);
    let in_flight = metrics::gauge!("muster_http_requests_in_flight");
    in_flight.increment(1.0);
    let answered = tokio::time::timeout(deadline, next.run(request)).await;
    in_flight.decrement(1.0);
    match answered {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(seconds = deadline.as_secs(), "request took too long; dropped");
            metrics::counter!("muster_http_refused_total", "reason" => "timeout").increment(1);
            let message = format!("the request took longer than {} s; nothing of it was kept", deadline.as_secs());
            error_body(graphql, StatusCode::REQUEST_TIMEOUT, code::TIMEOUT, &message)
        }
    }
}

/// Whether answering needs the database: all but the health routes, GraphiQL and the template.
fn needs_database(request: &Request) -> bool {
    let path = request.uri().path();
    let graphiql_page = path == "/graphql" && request.method() == Method::GET && request.uri().query().is_none();
    !(matches!(path, "/healthz" | "/readyz" | "/invitations/template.csv")
        || path.starts_with("/graphiql/")
        || graphiql_page)
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

fn is_graphql(request: &Request) -> bool {
    request.uri().path() == "/graphql"
}

/// A 503 in the shape the route's clients read; invitees get a page.
fn error(request: &Request, status: StatusCode, code: &str, message: &str) -> Response {
    let path = request.uri().path();
    if status == StatusCode::SERVICE_UNAVAILABLE && (path.starts_with("/invite/") || path == "/sso/callback") {
        return super::invite::unavailable(&super::invite::browser_language(request.headers()));
    }
    error_body(is_graphql(request), status, code, message)
}

/// A refusal in the shape the route's clients read: GraphQL's `errors`, or muster's `error`.
fn error_body(graphql: bool, status: StatusCode, code: &str, message: &str) -> Response {
    let body = if graphql {
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
    } else {
        serde_json::json!({ "error": { "code": code, "message": message } })
    };
    (status, axum::Json(body)).into_response()
}

/// Counts every answer by route (the route's pattern, so that links' tokens never become
/// labels), method and status, and how long it took.
pub async fn count(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("muster_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("muster_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
