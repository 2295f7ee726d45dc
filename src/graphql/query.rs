//! Queries. Every admin field starts from `ctx.tenant()?`, which fails with
//! `UNAUTHENTICATED` for a request without a valid token.

use async_graphql::{Context, ID, InputObject, Object, ObjectType, OutputType, Result, connection::Edge};

use super::{
    ContextExt, loaders,
    types::{
        AuditEvent, EmailCheck, Invitation, InvitationConnection, InvitationConnectionFields, Member, MemberConnection,
        MemberConnectionFields, Organization, PublicInvitation, Role, SsoProvider, Viewer,
    },
};
use crate::{
    audit,
    domain::Email,
    identity::sso::{self, SsoPolicy},
    invitations::{
        accept,
        lifecycle::{self, InvitationFilter},
        policy::{EmailPolicy, Verdict},
        sheet,
    },
    members::{self, InvitationStatus, MemberFilter, MemberOrder},
    pagination, roles,
};
use async_graphql::connection::{Connection, EmptyFields};

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
    #[graphql(
        complexity = "first.unwrap_or(pagination::DEFAULT_FIRST).clamp(1, pagination::MAX_FIRST) as usize * child_complexity + 1"
    )]
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
        let fields = MemberConnectionFields { tenant, filter, now };
        Ok(connection(page.members, after.is_some(), page.has_next_page, fields, |member| {
            (order.cursor_of(&member).encode(), Member(member))
        }))
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
    #[graphql(
        complexity = "first.unwrap_or(pagination::DEFAULT_FIRST).clamp(1, pagination::MAX_FIRST) as usize * child_complexity + 1"
    )]
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
        let fields = InvitationConnectionFields { tenant, filter, now };
        Ok(connection(page.invitations, after.is_some(), page.has_next_page, fields, |invitation| {
            (lifecycle::cursor_of(&invitation), Invitation(invitation))
        }))
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
            sso_required: found.sso.is_some(),
            sso_issuer_url: found.sso.as_ref().map(|p| p.issuer_url.clone()),
            sso_client_id: found.sso.map(|p| p.client_id),
        }))
    }

    /// The organization's SSO providers.
    async fn sso_providers(&self, ctx: &Context<'_>) -> Result<Vec<SsoProvider>> {
        let tenant = ctx.tenant()?;
        Ok(sso::list(ctx.db(), &tenant).await?.into_iter().map(|(p, d)| SsoProvider(p, d)).collect())
    }

    /// Whether each address may be invited, under the organization's SSO rules (at most 1,000).
    async fn check_emails(&self, ctx: &Context<'_>, emails: Vec<String>) -> Result<Vec<EmailCheck>> {
        let tenant = ctx.tenant()?;
        if emails.len() > 1_000 {
            return Err(crate::AppError::bad_input("emails", "check at most 1,000 addresses at a time").into());
        }
        let policy = SsoPolicy::load(ctx.db(), &tenant).await?;
        let providers = sso::list(ctx.db(), &tenant).await?;
        Ok(emails
            .into_iter()
            .map(|raw| match Email::parse(&raw) {
                Err(err) => EmailCheck {
                    email: raw,
                    valid: false,
                    allowed: false,
                    sso_provider: None,
                    reason: Some(format!("the email {err}")),
                },
                Ok(email) => {
                    let provider = policy.provider_for(&email).and_then(|found| {
                        providers.iter().find(|(p, _)| p.id == found.id).map(|(p, d)| SsoProvider(p.clone(), d.clone()))
                    });
                    let (allowed, reason) = match policy.check(&email) {
                        Verdict::Allowed => (true, None),
                        Verdict::Warning { message, .. } => (true, Some(message)),
                        Verdict::Refused { message, .. } => (false, Some(message)),
                    };
                    EmailCheck { email: email.into_inner(), valid: true, allowed, sso_provider: provider, reason }
                }
            })
            .collect())
    }

    /// The organization's audit trail, newest first.
    #[graphql(
        complexity = "first.unwrap_or(pagination::DEFAULT_FIRST).clamp(1, pagination::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, AuditEvent, AuditEventConnectionFields, EmptyFields>> {
        let tenant = ctx.tenant()?;
        let first = pagination::page_size(first)?;
        let page = audit::page(ctx.db(), &tenant, first, after.as_deref()).await?;
        let fields = AuditEventConnectionFields { tenant };
        Ok(connection(page.events, after.is_some(), page.has_next_page, fields, |event| {
            (audit::cursor_of(&event), AuditEvent(event))
        }))
    }
}

/// A page of rows as a Relay connection: `edge` makes each row's cursor and node.
fn connection<Row, Node: OutputType, Fields: ObjectType>(
    rows: Vec<Row>,
    has_previous_page: bool,
    has_next_page: bool,
    fields: Fields,
    edge: impl Fn(Row) -> (String, Node),
) -> Connection<String, Node, Fields, EmptyFields> {
    let mut connection = Connection::with_additional_fields(has_previous_page, has_next_page, fields);
    connection.edges.extend(rows.into_iter().map(|row| {
        let (cursor, node) = edge(row);
        Edge::new(cursor, node)
    }));
    connection
}

pub struct AuditEventConnectionFields {
    tenant: crate::tenant::Tenant,
}

#[Object]
impl AuditEventConnectionFields {
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(audit::count(ctx.db(), &self.tenant).await? as i32)
    }
}
