//! The HTTP surface: one router with GraphQL, the members export and health checks, wrapped in
//! request ids, tracing, CORS and body limits.

mod auth;
mod export;
mod graphql;
mod health;
mod invitations;
mod invite;

use std::time::Duration;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, Method, Request, header},
    routing::{get, post},
};
use tower::ServiceBuilder;
use tower_http::{
    LatencyUnit,
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};

pub use auth::{Admin, ClientAddr};

use crate::app::AppState;

/// Body limit for every route but the upload routes, which set their own.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Sheets up to 50 MB are accepted; a multipart envelope adds a little.
pub const UPLOAD_LIMIT: usize = 50 * 1024 * 1024 + 64 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let cors = cors(&state.services.config.cors_origins);
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/members.csv", get(export::members_csv))
        .route("/invitations/template.csv", get(invitations::template))
        .route(
            "/invitations/links",
            // Sheets up to 50 MB: the upload route alone gets the larger limit.
            post(invitations::links).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/invite/{token}", get(invite::page).post(invite::accept))
        .route("/invite/{token}/sso", get(invite::sso_start))
        .route("/sso/callback", get(invite::sso_callback))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request<_>| {
                            let request_id = request
                                .headers()
                                .get(REQUEST_ID)
                                .and_then(|value| value.to_str().ok())
                                .unwrap_or_default();
                            tracing::info_span!(
                                "request",
                                method = %request.method(),
                                path = %loggable_path(request.uri().path()),
                                request_id,
                            )
                        })
                        // One line per request at `info` (status, latency): the access log.
                        .on_response(
                            DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Millis),
                        ),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::new())
                .layer(cors),
        )
        .with_state(state)
}

/// Paths that carry a secret (invitation links) are logged without it.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/invite/") {
        Some(rest) => match rest.split_once('/') {
            Some((_, tail)) => format!("/invite/…/{tail}"),
            None => "/invite/…".to_owned(),
        },
        None => path.to_owned(),
    }
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .map(|origin| origin.trim())
        .filter(|origin| !origin.is_empty())
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    #[test]
    fn invite_tokens_stay_out_of_logs() {
        assert_eq!(super::loggable_path("/invite/abc"), "/invite/…");
        assert_eq!(super::loggable_path("/invite/abc/sso"), "/invite/…/sso");
        assert_eq!(super::loggable_path("/graphql"), "/graphql");
    }
}
