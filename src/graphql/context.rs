//! What resolvers find in the context: the [`AppState`] (schema data, one per process) and the
//! [`RequestContext`] (one per request: who is calling, from where, and the request's
//! DataLoaders).

use std::sync::Arc;

use async_graphql::Context;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::loaders::Loaders;
use crate::{
    AppError, Result,
    identity::{Auth, Caller},
    ratelimit::ClientNetwork,
    state::AppState,
    tenant::Tenant,
};

/// Per request: who is calling, from where, and (for admins) loaders scoped to their tenant.
/// Clone, so that every operation of a batch shares the same loaders.
#[derive(Clone)]
pub struct RequestContext {
    pub auth: Auth,
    /// The client's network, for rate limits.
    pub client: ClientNetwork,
    pub loaders: Option<Arc<Loaders>>,
}

impl RequestContext {
    pub fn new(state: &AppState, auth: Auth, client: ClientNetwork) -> Self {
        let loaders = match &auth {
            Auth::Admin(caller) => Some(Arc::new(Loaders::new(&state.db, caller.tenant))),
            _ => None,
        };
        Self { auth, client, loaders }
    }
}

pub trait ContextExt {
    fn state(&self) -> &AppState;
    fn request(&self) -> &RequestContext;

    fn db(&self) -> &DatabaseConnection {
        &self.state().db
    }

    fn now(&self) -> DateTime<Utc> {
        self.state().clock.now()
    }

    /// The authenticated admin, or `UNAUTHENTICATED`.
    fn caller(&self) -> Result<&Caller> {
        self.request().auth.caller()
    }

    fn tenant(&self) -> Result<Tenant> {
        Ok(self.caller()?.tenant)
    }

    /// The admin's loaders (admin-only types use them).
    fn loaders(&self) -> Result<&Loaders> {
        self.caller()?;
        self.request().loaders.as_deref().ok_or(AppError::Unauthenticated("admin only"))
    }
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }

    fn request(&self) -> &RequestContext {
        self.data_unchecked::<RequestContext>()
    }
}
