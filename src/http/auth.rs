//! The admin extractor for REST routes: a valid bearer token, or 401.

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{AppError, app::AppState, identity::{self, Caller}};

/// An authenticated admin; the route's work is scoped to `self.0.tenant`.
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = identity::authenticate(&state.services.db, &parts.headers).await?;
        Ok(Self(auth.caller()?.clone()))
    }
}
