//! The HTTP surface: one router, wrapped in request ids, an access log, CORS and body limits.
//!
//! | route | who | what |
//! | --- | --- | --- |
//! | `POST /graphql` | admins; anyone for the public operations | GraphQL over HTTP (JSON, or the multipart request spec for uploads) |
//! | `GET /graphql` | anyone | GraphiQL for a browser; `?query=` runs a query (never a mutation) |
//! | `GET /graphiql/{file}` | anyone | GraphiQL's scripts and styles, served by muster itself |
//! | `GET /members.csv`, `GET /members.xlsx` | admins | the members export, filtered like `members` |
//! | `GET /invitations/template.csv`, `.xlsx` | anyone | the sample invitation sheet (the workbook lists an admin's roles) |
//! | `POST /invitations/links` | admins | a sheet or workbook as the raw body: the links sheet (`?format=xlsx`: a workbook), or a 422 report |
//! | `GET /invite/{token}` | invitees | the landing page; never uses the link up |
//! | `POST /invite/{token}` | invitees | its Accept button |
//! | `GET /invite/{token}/sso` | invitees | off to the organization's provider to sign in |
//! | `GET /sso/callback` | invitees | back from the provider: accepts when the ID token is right |
//! | `GET /healthz` | anyone | liveness: the process answers |
//! | `GET /readyz` | anyone | readiness: the database answers too |
//!
//! `GET /metrics` is not among them: it has a router and a listen address of its own
//! ([`metrics`], `MUSTER_METRICS_LISTEN`), for operators only.
//!
//! Every request is bounded (`guard`: requests under way, a deadline; `server`: headers in
//! time). Handlers are thin: they read the request into domain types, call a service with what
//! it uses from [`HttpState`], and write the answer.

mod auth;
mod export;
mod graphiql;
mod graphql;
mod guard;
mod health;
mod invitations;
mod invite;
pub mod metrics;
mod server;

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
pub use server::{Lifetimes, serve};

use crate::{graphql::MusterSchema, state::AppState};

/// What every handler shares: the application's state and the GraphQL schema. Cheap to clone.
#[derive(Clone)]
pub struct HttpState {
    pub app: AppState,
    pub schema: MusterSchema,
}

/// Body limit for every route but the upload routes, which set their own.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Sheets up to 50 MB are accepted; a multipart envelope adds a little.
pub const UPLOAD_LIMIT: usize = 50 * 1024 * 1024 + 64 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: HttpState) -> Router {
    let cors = cors(&state.app.config.cors_origins);
    let guard = guard::Guard::new(&state.app.config, state.app.availability.clone());
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphiql/{file}", get(graphiql::asset))
        .route("/members.csv", get(export::members_csv))
        .route("/members.xlsx", get(export::members_xlsx))
        .route("/invitations/template.csv", get(invitations::template))
        .route("/invitations/template.xlsx", get(invitations::template_xlsx))
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
        .layer(axum::middleware::from_fn_with_state(guard, guard::guard))
        .layer(axum::middleware::from_fn(guard::count))
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
