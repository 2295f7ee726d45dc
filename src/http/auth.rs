//! Who is calling: the admin extractor for REST routes (a valid bearer token, or 401), and
//! the client's address for rate limits.

use std::{convert::Infallible, net::SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

use crate::{
    AppError,
    app::AppState,
    identity::{self, Caller},
};

/// An authenticated admin; the route's work is scoped to `self.0.tenant`.
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = identity::authenticate(&state.services, &parts.headers).await?;
        Ok(Self(auth.caller()?.clone()))
    }
}

/// The client's address: the peer's, or the load balancer's `X-Forwarded-For` entry when
/// `MUSTER_TRUST_FORWARDED_FOR` says the balancer can be trusted to set it.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.services.config.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .map(str::trim)
                .rfind(|entry| !entry.is_empty());
            if let Some(client) = forwarded {
                return Ok(Self(client.to_owned()));
            }
        }
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_string());
        Ok(Self(peer.unwrap_or_else(|| "unknown".to_owned())))
    }
}
