//! Liveness (the process answers) and readiness (the database answers too, promptly).

use axum::{extract::State, http::StatusCode};

use super::HttpState;

pub async fn live() -> &'static str {
    "ok"
}

/// Asks the database now (on the watchdog's own connection), within two seconds: a node whose
/// database is gone answers 503 promptly, so that the load balancer sends its traffic
/// elsewhere; a node merely busy stays ready.
pub async fn ready(State(state): State<HttpState>) -> (StatusCode, &'static str) {
    if state.app.availability.check().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
