//! Queries. Every admin field starts from `ctx.tenant()?`, which fails with
//! `UNAUTHENTICATED` for a request without a valid token.

use async_graphql::{Context, ID, InputObject, Object, Result, connection::Edge};

use super::{
    ContextExt, loaders,
    types::{
        Invitation, InvitationConnection, InvitationConnectionFields, Member, MemberConnection, MemberConnectionFields,
        Organization, PublicInvitation, Role, Viewer,
    },
};
use crate::{
    invitations::{
        accept,
        lifecycle::{self, InvitationFilter},
        sheet,
    },
    members::{self, InvitationStatus, MemberFilter, MemberOrder},
    pagination, roles,
};

#[derive(Default)]
pub struct Query;

/// Which members to list; every part is optional, parts combine with AND, values with OR.
#[derive(InputObject, Default)]
#[graphql(name = "MemberFilter")]
pub struct MemberFilterInput {
    pub invitation_status: Option<Vec<InvitationStatus>>,
    /// Members holding any of these roles.
    pub role_ids: Option<Vec<ID>>,
    /// BCP 47 tags.
    pub languages: Option<Vec<String>>,
    /// Part of the email or the name, ignoring case.
    pub search: Option<String>,
}

impl MemberFilterInput {
    pub fn parse(self) -> crate::Result<MemberFilter> {
        let role_ids: Vec<String> = self.role_ids.unwrap_or_default().into_iter().map(|id| id.0).collect();
        MemberFilter::parse(
            self.invitation_status.unwrap_or_default(),
            &role_ids,
            &self.languages.unwrap_or_default(),
            self.search.as_deref(),
        )
    }
}

/// Which invitations to list; parts combine with AND, statuses with OR.
#[derive(InputObject, Default)]
#[graphql(name = "InvitationFilter")]
pub struct InvitationFilterInput {
    pub status: Option<Vec<InvitationStatus>>,
    pub member_id: Option<ID>,
    /// Invitations issued by one sheet upload.
    pub batch_id: Option<ID>,
    /// Part of the invited address, ignoring case.
    pub search: Option<String>,
}

#[Object]
impl Query {
    /// The caller and its organization.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer> {
        let caller = ctx.caller()?;
        let organization = caller.tenant.organization(ctx.db()).await?;
        Ok(Viewer { name: caller.name.clone(), organization: Organization(organization) })
    }

    /// The caller's organization.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        Ok(Organization(ctx.tenant()?.organization(ctx.db()).await?))
    }

    /// The organization's members, a page at a time (`first` 1..=100, default 50).
    #[graphql(complexity = "first.unwrap_or(pagination::DEFAULT_FIRST).clamp(1, pagination::MAX_FIRST) as usize * child_complexity + 1")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        filter: Option<MemberFilterInput>,
        order_by: Option<MemberOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MemberConnection> {
        let tenant = ctx.tenant()?;
        let first = pagination::page_size(first)?;
        let filter = filter.unwrap_or_default().parse()?;
        let order = order_by.unwrap_or_default();
        let after = after.map(|text| order.decode_cursor(&text)).transpose()?;
        let now = ctx.services().clock.now();
        let page = members::page(ctx.db(), &tenant, &filter, order, first, after.as_ref(), now).await?;
        let ids: Vec<i64> = page.members.iter().map(|member| member.id).collect();
        loaders::prime_member_page(ctx, &tenant, &ids).await?;
        let mut connection = MemberConnection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            MemberConnectionFields { tenant, filter, now },
        );
        connection.edges.extend(
            page.members
                .into_iter()
                .map(|member| Edge::new(order.cursor_of(&member).encode(), Member(member))),
        );
        Ok(connection)
    }

    /// One member by id; null when the id is not one of the organization's members.
    async fn member(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Member>> {
        Ok(ctx.tenant()?.find_member(ctx.db(), &id).await?.map(Member))
    }

    /// The organization's roles, by name.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        Ok(roles::list(ctx.db(), &ctx.tenant()?).await?.into_iter().map(Role).collect())
    }

    /// One role by id; null when the id is not one of the organization's roles.
    async fn role(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Role>> {
        Ok(ctx.tenant()?.find_role(ctx.db(), &id).await?.map(Role))
    }

    /// Invitations, newest first (`first` 1..=100, default 50).
    #[graphql(complexity = "first.unwrap_or(pagination::DEFAULT_FIRST).clamp(1, pagination::MAX_FIRST) as usize * child_complexity + 1")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        filter: Option<InvitationFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<InvitationConnection> {
        let tenant = ctx.tenant()?;
        let first = pagination::page_size(first)?;
        let input = filter.unwrap_or_default();
        let filter = InvitationFilter {
            statuses: input.status.unwrap_or_default(),
            member_id: input.member_id.map(|id| id.0),
            batch_id: input.batch_id.map(|id| id.0),
            search: input.search,
        };
        let now = ctx.services().clock.now();
        let page = lifecycle::page(ctx.db(), &tenant, &filter, first, after.as_deref(), now).await?;
        let mut connection = InvitationConnection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            InvitationConnectionFields { tenant, filter, now },
        );
        connection.edges.extend(
            page.invitations
                .into_iter()
                .map(|invitation| Edge::new(lifecycle::cursor_of(&invitation), Invitation(invitation))),
        );
        Ok(connection)
    }

    /// The sample invitation sheet: the header and one example row.
    async fn invitation_sheet_template(&self) -> String {
        let template = sheet::template();
        template.strip_prefix('\u{feff}').unwrap_or(&template).to_owned()
    }

    /// Public: the invitation behind a link, for the invitee's page; null when the link is
    /// not one. Looking never uses the link up.
    async fn invitation_by_token(&self, ctx: &Context<'_>, token: String) -> Result<Option<PublicInvitation>> {
        let found = accept::look_up(ctx.services(), &token, &ctx.request().client).await?;
        Ok(found.map(|found| PublicInvitation {
            email: found.invitation.email,
            organization_name: found.organization.name,
            status: found.status,
            expires_at: found.invitation.expires_at,
            sso_required: false,
            sso_issuer_url: None,
            sso_client_id: None,
        }))
    }
}
