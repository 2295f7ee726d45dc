//! What resolvers find in the context: the [`Services`] (schema data, one per process) and the
//! [`RequestContext`] (one per request: who is calling, and the request's DataLoaders).

use std::sync::Arc;

use async_graphql::{
    Context,
    dataloader::{DataLoader, HashMapCache},
};
use sea_orm::DatabaseConnection;

use super::loaders::{MemberRolesLoader, RoleMemberCountLoader};
use crate::{
    Config, Result,
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
}

/// Per request: the authentication outcome and, for admins, loaders scoped to their tenant.
/// (Clone, so that every operation of a batch shares the same loaders.)
#[derive(Clone)]
pub struct RequestContext {
    pub auth: Auth,
    pub member_roles: Option<Arc<DataLoader<MemberRolesLoader, HashMapCache>>>,
    pub role_member_counts: Option<Arc<DataLoader<RoleMemberCountLoader, HashMapCache>>>,
}

impl RequestContext {
    pub fn new(services: &Services, auth: Auth) -> Self {
        let tenant = match &auth {
            Auth::Admin(caller) => Some(caller.tenant),
            _ => None,
        };
        Self {
            member_roles: tenant.map(|tenant| {
                Arc::new(DataLoader::with_cache(
                    MemberRolesLoader { db: services.db.clone(), tenant },
                    tokio::spawn,
                    HashMapCache::default(),
                ))
            }),
            role_member_counts: tenant.map(|tenant| {
                Arc::new(DataLoader::with_cache(
                    RoleMemberCountLoader { db: services.db.clone(), tenant },
                    tokio::spawn,
                    HashMapCache::default(),
                ))
            }),
            auth,
        }
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
}

impl ContextExt for Context<'_> {
    fn services(&self) -> &Services {
        self.data_unchecked::<Services>()
    }

    fn request(&self) -> &RequestContext {
        self.data_unchecked::<RequestContext>()
    }
}
