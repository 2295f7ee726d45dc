//! Who is calling: the admin extractor for REST routes (a valid bearer token, or 401), and
//! the client's address for rate limits.

use std::{convert::Infallible, net::SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts},
};

use super::HttpState;
use crate::{AppError, identity::Caller};

/// An authenticated admin; the route's work is scoped to `self.0.tenant`.
pub struct Admin(pub Caller);

impl FromRequestParts<HttpState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, Self::Rejection> {
        let auth = authenticate(state, &parts.headers).await?;
        Ok(Self(auth.caller()?.clone()))
    }
}

/// What a request's `Authorization` header proves.
pub async fn authenticate(state: &HttpState, headers: &axum::http::HeaderMap) -> crate::Result<crate::identity::Auth> {
    let app = &state.app;
    let authorization = headers.get(header::AUTHORIZATION).map(|value| value.as_bytes());
    app.authenticator.authenticate(&app.db, authorization, app.now()).await
}

/// The client's address: the peer's, or the load balancer's `X-Forwarded-For` entry when
/// `MUSTER_TRUST_FORWARDED_FOR` says the balancer can be trusted to set it.
pub struct ClientAddr(pub String);

impl FromRequestParts<HttpState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, Self::Rejection> {
        if state.app.config.trust_forwarded_for {
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
