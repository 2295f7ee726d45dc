//! Roles as clients see them.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::role;

use crate::graphql::{ContextExt, loaders::load_failed};

pub struct Role(pub role::Model);

/// What a member is in the organization (`Manager`, `Team Member`); sheets name roles by `id`.
#[Object]
impl Role {
    /// The short public id (`NBq0Nvg34`) to put in a sheet's Role IDs cell.
    async fn id(&self) -> ID {
        ID(self.0.public_id.clone())
    }

    /// The role's name; unique in the organization ignoring case.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the role is for, when described.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// How many members hold this role.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = ctx.loaders()?.role_member_counts.load_one(self.0.id).await.map_err(load_failed)?;
        Ok(count.unwrap_or(0) as i32)
    }

    /// When the role was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
