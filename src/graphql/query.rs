//! Queries. Every admin field starts from `ctx.tenant()?`, which fails with
//! `UNAUTHENTICATED` for a request without a valid token; `invitationByToken` is public.

use async_graphql::{Context, ID, Object, Result};

use super::{
    ContextExt, loaders,
    types::{
        ApiToken, AuditEvent, AuditEventConnection, AuditEventConnectionFields, EmailCheck, Invitation,
        InvitationConnection, InvitationConnectionFields, InvitationFilterInput, Member, MemberConnection,
        MemberConnectionFields, MemberFilter, MemberOrder, Organization, Page, PublicInvitation, Role, SsoProvider,
        Viewer,
    },
};
use crate::{
    AppError, audit,
    identity::{
        api_tokens,
        sso::{self, SsoDomains},
    },
    invitations::{accept, list, rules, sheet},
    limits::{EMAILS_PER_CHECK, PAGE_DEFAULT, PAGE_MAX},
    members, pagination, roles,
};

#[derive(Default)]
pub struct Query;

/// What admins read (their organization's members, roles, invitations, SSO providers and
/// audit trail) and what invitees look up through their link.
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
    #[graphql(complexity = "first.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX) as usize * child_complexity + 1")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which members; all of them when omitted.")] filter: Option<MemberFilter>,
        #[graphql(desc = "The order; by creation, oldest first, when omitted.")] order_by: Option<MemberOrder>,
        #[graphql(desc = "How many members, 1 to 100; 50 when omitted.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page; the first page when omitted.")] after: Option<String>,
    ) -> Result<MemberConnection> {
        let tenant = ctx.tenant()?;
        let first = pagination::page_size(first)?;
        let filter = filter.unwrap_or_default().parse()?;
        let order: members::MemberOrder = order_by.unwrap_or_default().into();
        let after = after.map(|text| order.decode_cursor(&text)).transpose()?;
        let now = ctx.now();
        let parts = loaders::member_page_parts(ctx);
        let mut page = members::page(ctx.db(), &tenant, &filter, order, first, after.as_ref(), parts, now).await?;
        loaders::prime_member_page(ctx, &tenant, &mut page).await?;
        let fields = MemberConnectionFields { tenant, filter, now, total: page.total };
        Ok(MemberConnection(Page::new(page.members, after.is_some(), page.has_next_page, fields, |member| {
            (order.cursor_of(&member).encode(), Member(member))
        })))
    }

    /// One member by id; null when the id is not one of the organization's members.
    async fn member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's public id.")] id: ID,
    ) -> Result<Option<Member>> {
        Ok(ctx.tenant()?.find_member(ctx.db(), &id).await?.map(Member))
    }

    /// The organization's roles, by name.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        Ok(roles::list(ctx.db(), &ctx.tenant()?).await?.into_iter().map(Role).collect())
    }

    /// One role by id; null when the id is not one of the organization's roles.
    async fn role(&self, ctx: &Context<'_>, #[graphql(desc = "The role's public id.")] id: ID) -> Result<Option<Role>> {
        Ok(ctx.tenant()?.find_role(ctx.db(), &id).await?.map(Role))
    }

    /// Invitations, newest first (`first` 1..=100, default 50).
    #[graphql(complexity = "first.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX) as usize * child_complexity + 1")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which invitations; all of them when omitted.")] filter: Option<InvitationFilterInput>,
        #[graphql(desc = "How many invitations, 1 to 100; 50 when omitted.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page; the first page when omitted.")] after: Option<String>,
    ) -> Result<InvitationConnection> {
        let tenant = ctx.tenant()?;
        let first = pagination::page_size(first)?;
        let filter = filter.unwrap_or_default().parse()?;
        let now = ctx.now();
        let page = list::page(ctx.db(), &tenant, &filter, first, after.as_deref(), now).await?;
        let fields = InvitationConnectionFields { tenant, filter, now };
        Ok(InvitationConnection(Page::new(
            page.invitations,
            after.is_some(),
            page.has_next_page,
            fields,
            |invitation| (list::cursor_of(&invitation), Invitation(invitation)),
        )))
    }

    /// The sample invitation sheet: the header and one example row.
    async fn invitation_sheet_template(&self) -> String {
        let template = sheet::template();
        template.strip_prefix('\u{feff}').unwrap_or(&template).to_owned()
    }

    /// The sample invitation sheet as an `.xlsx` workbook, base64-encoded (decode it and save
    /// it as `invitation-links-template.xlsx`), with the organization's roles on a second
    /// worksheet, `Roles`, to copy their ids from. `GET /invitations/template.xlsx` answers
    /// the same file.
    async fn invitation_sheet_template_workbook(&self, ctx: &Context<'_>) -> Result<String> {
        let roles = roles::list(ctx.db(), &ctx.tenant()?).await?;
        let bytes = tokio::task::spawn_blocking(move || sheet::template_workbook(Some(&roles)))
            .await
            .map_err(|err| AppError::Internal(err.into()))??;
        Ok(base64::engine::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes))
    }

    /// Public: the invitation behind a link, for the invitee's page; null when the link is
    /// not one. Looking never uses the link up.
    async fn invitation_by_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token at the end of the invitation link (`inv_…`).")] token: String,
    ) -> Result<Option<PublicInvitation>> {
        let found = accept::look_up(ctx.db(), &token, &ctx.request().client, ctx.now()).await?;
        Ok(found.map(|found| PublicInvitation {
            email: found.invitation.email,
            organization_name: found.organization.name,
            status: found.status.into(),
            expires_at: found.invitation.expires_at,
            sso_required: found.sso.is_some(),
            sso_issuer_url: found.sso.as_ref().map(|p| p.issuer_url.clone()),
            sso_client_id: found.sso.map(|p| p.client_id),
        }))
    }

    /// The organization's admin API tokens, oldest first (revoked ones included).
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<Vec<ApiToken>> {
        let tenant = ctx.tenant()?;
        Ok(api_tokens::list(ctx.db(), &tenant).await?.into_iter().map(ApiToken).collect())
    }

    /// The organization's SSO providers.
    async fn sso_providers(&self, ctx: &Context<'_>) -> Result<Vec<SsoProvider>> {
        let tenant = ctx.tenant()?;
        Ok(sso::list(ctx.db(), &tenant).await?.into_iter().map(|(p, d)| SsoProvider(p, d)).collect())
    }

    /// Whether each address may be invited, under the organization's SSO rules (at most 1,000).
    async fn check_emails(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The addresses to check, at most 1,000.")] emails: Vec<String>,
    ) -> Result<Vec<EmailCheck>> {
        let tenant = ctx.tenant()?;
        if emails.len() > EMAILS_PER_CHECK {
            return Err(AppError::bad_input("emails", "check at most 1,000 addresses at a time").into());
        }
        let domains = SsoDomains::load(ctx.db(), &tenant).await?;
        let providers = sso::list(ctx.db(), &tenant).await?;
        let shown =
            |id: i64| providers.iter().find(|(p, _)| p.id == id).map(|(p, d)| SsoProvider(p.clone(), d.clone()));
        Ok(emails
            .into_iter()
            .map(|raw| {
                let check = rules::check_address(raw, &domains);
                EmailCheck {
                    sso_provider: check.provider.and_then(|provider| shown(provider.id)),
                    email: check.email,
                    valid: check.valid,
                    allowed: check.allowed,
                    reason: check.reason,
                }
            })
            .collect())
    }

    /// The organization's audit trail, newest first.
    #[graphql(complexity = "first.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX) as usize * child_complexity + 1")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many events, 1 to 100; 50 when omitted.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page; the first page when omitted.")] after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let tenant = ctx.tenant()?;
        let first = pagination::page_size(first)?;
        let page = audit::page(ctx.db(), &tenant, first, after.as_deref()).await?;
        let fields = AuditEventConnectionFields { tenant };
        Ok(AuditEventConnection(Page::new(page.events, after.is_some(), page.has_next_page, fields, |event| {
            (audit::cursor_of(&event), AuditEvent(event))
        })))
    }
}
