use async_graphql::{
    Context, ID, Object, Result,
    connection::{Connection, EmptyFields},
};
use chrono::{DateTime, Utc};
use entity::member;

use super::Role;
use crate::{
    graphql::{ContextExt, loaders::load_failed},
    members::{self, InvitationStatus, MemberFilter},
    tenant::Tenant,
};

/// A person of the organization.
pub struct Member(pub member::Model);

#[Object]
impl Member {
    /// The short public id (`NBq0Nvg34`) to put in a sheet's Team Member ID cell.
    async fn id(&self) -> ID {
        ID(self.0.public_id.clone())
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// BCP 47 tag of the language invitations are written in.
    async fn language(&self) -> &str {
        &self.0.language
    }

    /// Where the member stands with invitations; EXPIRED is computed from the current time.
    async fn invitation_status(&self, ctx: &Context<'_>) -> InvitationStatus {
        InvitationStatus::of(&self.0, ctx.services().clock.now())
    }

    /// The member's roles, by name. Loaded for a whole page at once.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        let roles = ctx.loaders()?.member_roles.load_one(self.0.id).await.map_err(load_failed)?;
        Ok(roles.unwrap_or_default().into_iter().map(Role).collect())
    }

    /// The member's newest invitation, whatever its status.
    async fn latest_invitation(&self, ctx: &Context<'_>) -> Result<Option<super::Invitation>> {
        let latest = ctx.loaders()?.latest_invitations.load_one(self.0.id).await.map_err(load_failed)?;
        Ok(latest.map(super::Invitation))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Fields of the members connection beyond Relay's own.
pub struct MemberConnectionFields {
    pub tenant: Tenant,
    pub filter: MemberFilter,
    pub now: DateTime<Utc>,
}

#[Object]
impl MemberConnectionFields {
    /// How many members pass the filter, over all pages. Counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = members::count(ctx.db(), &self.tenant, &self.filter, self.now).await?;
        Ok(count as i32)
    }
}

pub type MemberConnection = Connection<String, Member, MemberConnectionFields, EmptyFields>;
