//! Roles as clients see them.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::role;

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
    async fn member_count(&self) -> i32 {
        self.0.member_count as i32
    }

    /// When the role was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
