//! Invitations as admins see them, and as invitees see theirs through the link.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{DeliveryState, invitation, mail_message};

use super::{DeliveryStatus, InvitationStatus, Member, Role, connection::connection};
use crate::{
    AppError, domain,
    graphql::{ContextExt, loaders::load_failed},
    invitations::list::{self, InvitationFilter},
    tenant::Tenant,
};

pub struct Invitation(pub invitation::Model);

/// One personal invitation link sent to a member (the link itself is only ever returned when
/// issued; muster keeps a hash of it).
#[Object]
impl Invitation {
    /// The invitation's public id.
    async fn id(&self) -> ID {
        ID(self.0.public_id.clone())
    }

    /// The member invited.
    async fn member(&self, ctx: &Context<'_>) -> Result<Member> {
        let member = ctx.loaders()?.members.load_one(self.0.member_id).await.map_err(load_failed)?;
        Ok(Member(member.ok_or(AppError::NotFound("member"))?))
    }

    /// The address invited: the one the invitee must sign in with.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// BCP 47 tag of the language the invitation is written in; the member's on acceptance.
    async fn language(&self) -> &str {
        &self.0.language
    }

    /// The roles the member gets on accepting (those that still exist), by name.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        let ids = self.0.role_ids.0.clone();
        let mut roles: Vec<_> = ctx.loaders()?.roles.load_many(ids).await.map_err(load_failed)?.into_values().collect();
        roles.sort_by(|a, b| a.name_key.cmp(&b.name_key).then(a.id.cmp(&b.id)));
        Ok(roles.into_iter().map(Role).collect())
    }

    /// EXPIRED is computed from `expiresAt` and the current time.
    async fn status(&self, ctx: &Context<'_>) -> InvitationStatus {
        domain::InvitationStatus::of(self.0.status, Some(self.0.expires_at), ctx.now()).into()
    }

    /// The sheet upload this invitation came from; null for single invitations.
    async fn batch_id(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        let Some(batch) = self.0.batch_id else { return Ok(None) };
        Ok(ctx.loaders()?.batches.load_one(batch).await.map_err(load_failed)?.map(ID))
    }

    /// When it was issued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the link stops working unless accepted before.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// When the invitee accepted; null until then.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at
    }

    /// When it was revoked, by an admin or by a newer link; null otherwise.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }

    /// Its email, when muster was asked to send it (`send: true`); null otherwise.
    async fn delivery(&self, ctx: &Context<'_>) -> Result<Option<Delivery>> {
        Ok(ctx.loaders()?.deliveries.load_one(self.0.id).await.map_err(load_failed)?.map(Delivery))
    }
}

pub struct Delivery(pub mail_message::Model);

/// Where an invitation's email stands, when muster was asked to send it.
#[Object]
impl Delivery {
    /// Where it stands.
    async fn status(&self) -> DeliveryStatus {
        self.0.status.into()
    }

    /// Attempts begun so far: 8 are made before it is `FAILED` (one more when a node stopped
    /// in the middle of the last).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// The mail server's last reply to a failed attempt (or why it could not be reached).
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When the mail server accepted it.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }

    /// When the next attempt may begin, while it is queued.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == DeliveryState::Queued).then_some(self.0.due_at)
    }
}

/// A freshly issued invitation and its link, shown this once.
#[derive(SimpleObject)]
pub struct InvitationLink {
    /// The invitation issued.
    pub invitation: Invitation,
    /// The personal link to send to the invitee: `{MUSTER_PUBLIC_URL}/invite/{token}`.
    pub link: String,
}

/// Fields of the invitations connection beyond Relay's own.
pub struct InvitationConnectionFields {
    pub tenant: Tenant,
    pub filter: InvitationFilter,
    pub now: DateTime<Utc>,
}

#[Object]
impl InvitationConnectionFields {
    /// How many invitations pass the filter, over all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(list::count(ctx.db(), &self.tenant, &self.filter, self.now).await? as i32)
    }
}

connection! {
    /// A page of the organization's invitations, newest first.
    InvitationConnection of Invitation, with InvitationConnectionFields
}

/// An invitation as its invitee sees it, through the link.
#[derive(SimpleObject)]
pub struct PublicInvitation {
    /// The address invited: the one to sign in with.
    pub email: String,
    /// Who invites.
    pub organization_name: String,
    /// Whether the link can still be accepted.
    pub status: InvitationStatus,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// Accepting needs an ID token from the organization's SSO provider.
    pub sso_required: bool,
    /// The provider to sign in with, where SSO is required.
    pub sso_issuer_url: Option<String>,
    /// The client id muster has at that provider, for a single-page app's own sign-in.
    pub sso_client_id: Option<String>,
}

/// An invitation just accepted: who the invitee now is.
#[derive(SimpleObject)]
pub struct AcceptedInvitation {
    /// The member's public id.
    pub member_id: ID,
    /// The address the member signs in with from now on.
    pub email: String,
    /// The organization joined.
    pub organization_name: String,
}
