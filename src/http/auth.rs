//! Who is calling: the admin extractor for REST routes (a valid bearer token, or 401), and
//! the client's address for rate limits.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts},
    http::{header, request::Parts},
};

use super::HttpState;
use crate::{AppError, identity::Caller, ratelimit::ClientNetwork};

/// An authenticated admin; the route's work is scoped to `self.0.tenant`.
pub struct Admin(pub Caller);

impl FromRequestParts<HttpState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, Self::Rejection> {
        let auth = authenticate(state, &parts.headers).await?;
        Ok(Self(auth.caller()?.clone()))
    }
}

/// On a route open to anyone that tells admins more: `None` without an `Authorization`
/// header; with one, it must be valid (401 otherwise), never silently ignored.
impl OptionalFromRequestParts<HttpState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Option<Self>, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(None);
        }
        <Self as FromRequestParts<HttpState>>::from_request_parts(parts, state).await.map(Some)
    }
}

/// What a request's `Authorization` header proves.
pub async fn authenticate(state: &HttpState, headers: &axum::http::HeaderMap) -> crate::Result<crate::identity::Auth> {
    let app = &state.app;
    let authorization = headers.get(header::AUTHORIZATION).map(|value| value.as_bytes());
    app.authenticator.authenticate(&app.db, authorization, app.now()).await
}

/// The client's network, for rate limits: the peer's address, or the load balancer's
/// `X-Forwarded-For` entry when `MUSTER_TRUST_FORWARDED_FOR` says the balancer can be trusted to
/// set it. An entry that is not an address is ignored (the peer counts instead).
pub struct ClientAddr(pub ClientNetwork);

impl FromRequestParts<HttpState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, Self::Rejection> {
        let forwarded = state.app.config.trust_forwarded_for.then(|| forwarded_for(&parts.headers)).flatten();
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        Ok(Self(forwarded.or(peer).map_or_else(ClientNetwork::unknown, ClientNetwork::of)))
    }
}

/// The last `X-Forwarded-For` entry (the one the balancer added), if it is an address.
fn forwarded_for(headers: &axum::http::HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .rfind(|entry| !entry.is_empty())?;
    // Some balancers add the port: `203.0.113.7:51234`, `[2001:db8::1]:443`.
    last.parse::<IpAddr>().ok().or_else(|| last.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::forwarded_for;

    #[test]
    fn forwarded_addresses_are_checked() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
            forwarded_for(&headers)
        };
        assert_eq!(with("198.51.100.1, 203.0.113.7"), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(with("203.0.113.7:51234"), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(with("[2001:db8::1]:443"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(with(&"x".repeat(5000)), None);
        assert_eq!(with("unknown"), None);
    }
}
