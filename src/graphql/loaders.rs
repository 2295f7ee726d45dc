//! DataLoaders: per-row relations load in one statement for many rows.
//!
//! The loaders batch what resolvers ask for within a short window, but async-graphql resolves a
//! long list in slices (it yields between them), so a page of 100 could be split into two
//! batches. A page resolver therefore *primes* the loaders with the whole page's relations
//! ([`prime_member_page`]): one statement each, whatever the page size, and the per-row
//! resolvers find everything in the loaders' request-scoped cache.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Context,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use entity::{invitation, mail_message, member, role};
use sea_orm::DatabaseConnection;

use super::ContextExt;
use crate::{AppError, invitations::list, mail::outbox, members, roles, tenant::Tenant};

/// Declares a loader keyed by row id, scoped to a tenant, over a service function.
macro_rules! tenant_loader {
    ($(#[$doc:meta])* $name:ident => $value:ty, |$db:ident, $tenant:ident, $keys:ident| $load:expr) => {
        $(#[$doc])*
        pub struct $name {
            db: DatabaseConnection,
            tenant: Tenant,
        }

        impl Loader<i64> for $name {
            type Value = $value;
            type Error = Arc<AppError>;

            async fn load(&self, $keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                let ($db, $tenant) = (&self.db, &self.tenant);
                $load.await.map_err(Arc::new)
            }
        }
    };
}

tenant_loader!(
    /// The roles of members, by member row id.
    MemberRolesLoader => Vec<role::Model>, |db, tenant, keys| members::roles_of(db, tenant, keys)
);
tenant_loader!(
    /// The newest invitation of members, by member row id.
    LatestInvitationLoader => invitation::Model, |db, tenant, keys| list::latest_of_members(db, tenant, keys)
);
tenant_loader!(
    /// Roles by row id (for the roles invitations grant).
    RoleLoader => role::Model, |db, tenant, keys| roles::by_ids(db, tenant, keys)
);
tenant_loader!(
    /// Members by row id.
    MemberLoader => member::Model, |db, tenant, keys| members::by_ids(db, tenant, keys)
);
tenant_loader!(
    /// Batches' public ids, by batch row id.
    BatchIdLoader => String, |db, tenant, keys| list::batch_public_ids(db, tenant, keys)
);

tenant_loader!(
    /// Invitations' emails, by invitation row id.
    DeliveryLoader => mail_message::Model, |db, tenant, keys| outbox::of_invitations(db, tenant, keys)
);

type Cached<T> = DataLoader<T, HashMapCache>;

/// An admin request's loaders, each caching what it loaded for the rest of the request.
pub struct Loaders {
    pub member_roles: Cached<MemberRolesLoader>,
    pub latest_invitations: Cached<LatestInvitationLoader>,
    pub roles: Cached<RoleLoader>,
    pub members: Cached<MemberLoader>,
    pub batches: Cached<BatchIdLoader>,
    pub deliveries: Cached<DeliveryLoader>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection, tenant: Tenant) -> Self {
        fn cached<T: Loader<i64>>(loader: T) -> Cached<T> {
            DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
        }
        let db = db.clone();
        Self {
            member_roles: cached(MemberRolesLoader { db: db.clone(), tenant }),
            latest_invitations: cached(LatestInvitationLoader { db: db.clone(), tenant }),
            roles: cached(RoleLoader { db: db.clone(), tenant }),
            members: cached(MemberLoader { db: db.clone(), tenant }),
            batches: cached(BatchIdLoader { db: db.clone(), tenant }),
            deliveries: cached(DeliveryLoader { db, tenant }),
        }
    }
}

/// What the members page statement should carry, from what the query selects.
pub fn member_page_parts(ctx: &Context<'_>) -> members::PageParts {
    let look = ctx.look_ahead();
    let node = [look.field("nodes"), look.field("edges").field("node")];
    members::PageParts {
        total: look.field("totalCount").exists(),
        role_ids: node.iter().any(|field| field.field("roles").exists()),
    }
}

/// Loads what a page of members shows into the request's loaders, each in one statement for
/// the whole page: the roles (their ids came with the page); the members' latest invitations,
/// when asked for.
pub async fn prime_member_page(
    ctx: &Context<'_>,
    tenant: &Tenant,
    page: &mut members::MemberPage,
) -> crate::Result<()> {
    if page.members.is_empty() {
        return Ok(());
    }
    let look = ctx.look_ahead();
    let node = [look.field("nodes"), look.field("edges").field("node")];
    let loaders = ctx.loaders()?;
    let member_ids: Vec<i64> = page.members.iter().map(|member| member.id).collect();
    if page.role_ids.is_some() {
        let mut roles = members::page_roles(ctx.db(), tenant, page).await?;
        // Members without roles are cached too, as empty lists, so that nobody asks again.
        let held = member_ids.iter().map(|id| (*id, roles.remove(id).unwrap_or_default()));
        loaders.member_roles.feed_many(held).await;
    }
    if node.iter().any(|field| field.field("latestInvitation").exists()) {
        let latest = list::latest_of_members(ctx.db(), tenant, &member_ids).await?;
        loaders.latest_invitations.feed_many(latest).await;
    }
    Ok(())
}

/// A loader's shared error, back to the service error it was.
pub fn load_failed(err: Arc<AppError>) -> AppError {
    AppError::Internal(anyhow::anyhow!("{err}"))
}
