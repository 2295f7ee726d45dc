//! DataLoaders: per-row relations load in one statement for many rows.
//!
//! The loaders batch what resolvers ask for within a short window, but async-graphql resolves a
//! long list in slices (it yields between them), so a page of 100 could be split into two
//! batches. A page resolver therefore *primes* the loaders with the whole page's relations
//! ([`prime_member_page`]): one statement each, whatever the page size, and the per-row
//! resolvers find everything in the loaders' request-scoped cache.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, dataloader::Loader};
use entity::role;
use sea_orm::DatabaseConnection;

use super::ContextExt;
use crate::{AppError, members, roles, tenant::Tenant};

/// The roles of members, by member row id.
pub struct MemberRolesLoader {
    pub db: DatabaseConnection,
    pub tenant: Tenant,
}

impl Loader<i64> for MemberRolesLoader {
    type Value = Vec<role::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        members::roles_of(&self.db, &self.tenant, keys).await.map_err(Arc::new)
    }
}

/// How many members hold each role, by role row id.
pub struct RoleMemberCountLoader {
    pub db: DatabaseConnection,
    pub tenant: Tenant,
}

impl Loader<i64> for RoleMemberCountLoader {
    type Value = i64;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        roles::member_counts(&self.db, &self.tenant, keys).await.map_err(Arc::new)
    }
}

/// Loads the roles of a page of members (and, when asked for, those roles' member counts) into
/// the request's loaders, if the query selects them.
pub async fn prime_member_page(ctx: &Context<'_>, tenant: &Tenant, member_ids: &[i64]) -> crate::Result<()> {
    let look = ctx.look_ahead();
    let roles = [look.field("nodes").field("roles"), look.field("edges").field("node").field("roles")];
    if !roles.iter().any(|field| field.exists()) || member_ids.is_empty() {
        return Ok(());
    }
    let request = ctx.request();
    let (Some(role_loader), Some(count_loader)) = (&request.member_roles, &request.role_member_counts) else {
        return Ok(());
    };
    let mut by_member = members::roles_of(ctx.db(), tenant, member_ids).await?;
    let mut role_ids: Vec<i64> = by_member.values().flatten().map(|role| role.id).collect();
    role_ids.sort_unstable();
    role_ids.dedup();
    // Members without roles are cached too, as empty lists, so that nobody asks again.
    let page: Vec<(i64, Vec<role::Model>)> =
        member_ids.iter().map(|id| (*id, by_member.remove(id).unwrap_or_default())).collect();
    role_loader.feed_many(page).await;
    if roles.iter().any(|field| field.field("memberCount").exists()) && !role_ids.is_empty() {
        let counts = roles::member_counts(ctx.db(), tenant, &role_ids).await?;
        count_loader.feed_many(role_ids.iter().map(|id| (*id, counts.get(id).copied().unwrap_or(0)))).await;
    }
    Ok(())
}

/// A loader's shared error, back to the service error it was.
pub fn load_failed(err: Arc<AppError>) -> AppError {
    AppError::Internal(anyhow::anyhow!("{err}"))
}
