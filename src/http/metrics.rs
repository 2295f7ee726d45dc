//! `GET /metrics` for Prometheus, served on the operators' own listen address
//! (`MUSTER_METRICS_LISTEN`) by a router of its own: nothing on the public router leads here.

use axum::{Router, extract::State, http::header, response::IntoResponse, routing::get};

use crate::{instruments, state::AppState};

pub fn router(app: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(app)
}

async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    let text = instruments::render(&app.db, &app.availability);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
}
