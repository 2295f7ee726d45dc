//! What resolvers find in the context: the [`Services`] (schema data, one per process) and the
//! [`RequestContext`] (one per request: who is calling, and the request's DataLoaders).

use std::sync::Arc;

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use super::loaders::Loaders;
use crate::{
    AppError, Config, Result,
    clock::Clock,
    domain::SupportedLanguages,
    identity::{Auth, Caller},
    tenant::Tenant,
};

/// The process-wide parts every request uses.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub languages: Arc<SupportedLanguages>,
    /// The admin JWT issuer, where one is configured.
    pub admin_issuer: Option<Arc<crate::identity::admin_jwt::AdminIssuer>>,
}

/// Per request: who is calling, from where, and (for admins) loaders scoped to their tenant.
/// Clone, so that every operation of a batch shares the same loaders.
#[derive(Clone)]
pub struct RequestContext {
    pub auth: Auth,
    /// The client's address, for rate limits.
    pub client: String,
    pub loaders: Option<Arc<Loaders>>,
}

impl RequestContext {
    pub fn new(services: &Services, auth: Auth, client: String) -> Self {
        let loaders = match &auth {
            Auth::Admin(caller) => Some(Arc::new(Loaders::new(&services.db, caller.tenant))),
            _ => None,
        };
        Self { auth, client, loaders }
    }
}

pub trait ContextExt {
    fn services(&self) -> &Services;
    fn request(&self) -> &RequestContext;

    fn db(&self) -> &DatabaseConnection {
        &self.services().db
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
    fn services(&self) -> &Services {
        self.data_unchecked::<Services>()
    }

    fn request(&self) -> &RequestContext {
        self.data_unchecked::<RequestContext>()
    }
}
