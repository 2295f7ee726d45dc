//! DataLoaders: per-row relations of a page load in one statement for the whole page.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::role;
use sea_orm::DatabaseConnection;

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
