//! Who is calling, and the organizations' SSO providers. Admin calls carry
//! `Authorization: Bearer <token>`: an API token of one organization, or a JWT from the admin
//! issuer where one is configured. The outcome is a [`Caller`], whose [`Tenant`] scopes
//! everything it may touch and whose name is the actor of what it does.
//!
//! - [`api_tokens`]: admin API tokens; [`admin_jwt`]: admin JWTs;
//! - [`sso`]: organizations' SSO providers, their domains and keys;
//! - [`oidc`]: discovery and keys; [`jwt`]: token verification, shared by all of them;
//! - [`kinds`]: how each kind of provider (Entra ID, Google, Okta…) proves an address;
//! - [`fetch`]: the one guarded HTTP client every request to a provider goes through.
//!
//! Nothing here knows about invitations: accepting one through SSO (`invitations::sso_flow`)
//! builds on this module, not the other way round.

pub mod admin_jwt;
pub mod api_tokens;
pub mod fetch;
pub mod jwt;
pub mod kinds;
pub mod oidc;
pub mod sso;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::{AppError, Result, limits::BEARER_BYTES, tenant::Tenant};

/// An authenticated admin.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: Tenant,
    /// The token's name, or `jwt:<subject>`: who did it, in logs and audit events.
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

/// Checks bearer credentials: API tokens always, admin JWTs where an issuer is configured.
pub struct Authenticator {
    admin_issuer: Option<admin_jwt::AdminIssuer>,
}

impl Authenticator {
    pub fn new(admin_issuer: Option<admin_jwt::AdminIssuer>) -> Self {
        Self { admin_issuer }
    }

    /// What the raw `Authorization` header of a request (if it has one) proves.
    pub async fn authenticate(
        &self,
        db: &impl ConnectionTrait,
        authorization: Option<&[u8]>,
        now: DateTime<Utc>,
    ) -> Result<Auth> {
        let Some(value) = authorization else { return Ok(Auth::Anonymous) };
        let Some(token) = std::str::from_utf8(value).ok().and_then(bearer) else { return Ok(Auth::Invalid) };
        let caller = match (&self.admin_issuer, token.starts_with(api_tokens::PREFIX)) {
            (Some(issuer), false) => issuer.authenticate(db, token, now).await?,
            _ => api_tokens::authenticate(db, token).await?,
        };
        Ok(caller.map_or(Auth::Invalid, Auth::Admin))
    }
}

/// The credentials of a `Bearer` authorization value (the scheme is case-insensitive).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= BEARER_BYTES).then_some(token)
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
