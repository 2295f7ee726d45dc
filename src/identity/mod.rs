//! Who is calling, and SSO. Admin calls carry `Authorization: Bearer <token>`: an API token of
//! one organization, or a JWT from the admin issuer where one is configured. The outcome is a
//! [`Caller`], whose [`Tenant`] scopes everything it may touch.
//!
//! - [`api_tokens`]: admin API tokens; [`admin_jwt`]: admin JWTs;
//! - [`sso`]: organizations' SSO providers and the domain check;
//! - [`oidc`]: discovery, keys and token verification shared by all of them;
//! - [`flow`]: the authorization code flow that accepts an invitation through SSO.

pub mod admin_jwt;
pub mod api_tokens;
pub mod flow;
pub mod oidc;
pub mod sso;

use axum::http::{HeaderMap, header};

use crate::{AppError, Result, graphql::Services, tenant::Tenant};

/// An authenticated admin.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: Tenant,
    /// The token's name (or, later, the JWT subject): who did it, in logs and audit events.
    pub name: String,
}

/// What the Authorization header of a request proved.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No credentials: fine for the public operations.
    Anonymous,
    /// Credentials that are not valid: refused, whatever the operation needs.
    Invalid,
    Admin(Caller),
}

impl Auth {
    pub fn caller(&self) -> Result<&Caller> {
        match self {
            Self::Admin(caller) => Ok(caller),
            Self::Anonymous => {
                Err(AppError::Unauthenticated("authentication required: send `Authorization: Bearer <token>`"))
            }
            Self::Invalid => Err(AppError::Unauthenticated("the bearer token is not valid")),
        }
    }
}

/// Reads the bearer credentials of a request and checks them.
pub async fn authenticate(services: &Services, headers: &HeaderMap) -> Result<Auth> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Auth::Anonymous);
    };
    let Some(token) = value.to_str().ok().and_then(bearer) else {
        return Ok(Auth::Invalid);
    };
    let caller = match (&services.admin_issuer, token.starts_with(api_tokens::PREFIX)) {
        (Some(issuer), false) => issuer.authenticate(&services.db, token, services.clock.now()).await?,
        _ => api_tokens::authenticate(&services.db, token).await?,
    };
    Ok(caller.map_or(Auth::Invalid, Auth::Admin))
}

/// The credentials of a `Bearer` authorization value (the scheme is case-insensitive).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 4096).then_some(token)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bearer_values() {
        assert_eq!(super::bearer("Bearer abc"), Some("abc"));
        assert_eq!(super::bearer("bearer  abc "), Some("abc"));
        assert_eq!(super::bearer("Basic abc"), None);
        assert_eq!(super::bearer("Bearer"), None);
    }
}
