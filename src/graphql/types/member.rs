//! Members as clients see them, and their connection.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::member;

use super::{Invitation, InvitationStatus, Role, connection::connection};
use crate::{
    domain,
    graphql::{ContextExt, loaders::load_failed},
    members::{self, MemberFilter},
    tenant::Tenant,
};

pub struct Member(pub member::Model);

/// A person of the organization: someone to invite, or who accepted.
#[Object]
impl Member {
    /// The short public id (`NBq0Nvg34`) to put in a sheet's Team Member ID cell.
    async fn id(&self) -> ID {
        ID(self.0.public_id.clone())
    }

    /// The address the member signs in with; unique in the organization ignoring case.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// The member's name, when one was given.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// BCP 47 tag of the language invitations are written in.
    async fn language(&self) -> &str {
        &self.0.language
    }

    /// Where the member stands with invitations; EXPIRED is computed from the current time.
    async fn invitation_status(&self, ctx: &Context<'_>) -> InvitationStatus {
        domain::InvitationStatus::of(self.0.invitation_state, self.0.invitation_expires_at, ctx.now()).into()
    }

    /// The member's roles, by name. Loaded for a whole page at once.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        let roles = ctx.loaders()?.member_roles.load_one(self.0.id).await.map_err(load_failed)?;
        Ok(roles.unwrap_or_default().into_iter().map(Role).collect())
    }

    /// The member's newest invitation, whatever its status.
    async fn latest_invitation(&self, ctx: &Context<'_>) -> Result<Option<Invitation>> {
        let latest = ctx.loaders()?.latest_invitations.load_one(self.0.id).await.map_err(load_failed)?;
        Ok(latest.map(Invitation))
    }

    /// When the member was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the member last changed (their details, roles or invitation state).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Fields of the members connection beyond Relay's own.
pub struct MemberConnectionFields {
    pub tenant: Tenant,
    pub filter: MemberFilter,
    pub now: DateTime<Utc>,
    /// Counted with the page, when the query asked for it.
    pub total: Option<u64>,
}

#[Object]
impl MemberConnectionFields {
    /// How many members pass the filter, over all pages. Counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = match self.total {
            Some(total) => total,
            None => members::count(ctx.db(), &self.tenant, &self.filter, self.now).await?,
        };
        Ok(count as i32)
    }
}

connection! {
    /// A page of the organization's members.
    MemberConnection of Member, with MemberConnectionFields
}
