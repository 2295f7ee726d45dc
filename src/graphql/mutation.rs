//! Mutations: parse the input into domain types, call one service, wrap the result.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, Upload};

use super::{
    ContextExt,
    types::{
        AcceptedInvitation, GenerateInvitationLinksPayload, Invitation, InvitationLink, Member, Role, SsoProvider,
    },
};
use crate::{
    AppError, audit,
    domain::Email,
    identity::sso::{self, ProviderInput},
    invitations::{
        self, accept,
        lifecycle::{self, InviteRequest},
        sheet::{self, SheetOptions},
    },
    members::{self, MemberChanges, MemberFields, NewMember},
    roles::{self, RoleName},
};

#[derive(Default)]
pub struct Mutation;

#[derive(InputObject)]
pub struct CreateRoleInput {
    pub name: String,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateRoleInput {
    pub name: Option<String>,
    /// `null` removes the description.
    pub description: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateMemberInput {
    pub email: String,
    pub name: Option<String>,
    /// BCP 47 tag from the supported list; the first supported language when omitted.
    pub language: Option<String>,
    #[graphql(default)]
    pub role_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct UpdateMemberInput {
    pub email: Option<String>,
    /// `null` removes the name.
    pub name: MaybeUndefined<String>,
    pub language: Option<String>,
    /// Replaces the member's roles.
    pub role_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct InviteMemberInput {
    pub member_id: ID,
    /// The address to invite; the member's address on file when omitted.
    pub email: Option<String>,
    /// The member's language when omitted.
    pub language: Option<String>,
    /// The member's current roles when omitted.
    pub role_ids: Option<Vec<ID>>,
    /// 1..=30; the configured default when omitted.
    pub expires_in_days: Option<i32>,
}

#[derive(InputObject)]
pub struct GenerateInvitationLinksInput {
    /// The sheet as a file (GraphQL multipart request).
    pub file: Option<Upload>,
    /// The sheet as text, instead of `file`.
    pub csv: Option<String>,
    /// Check everything and issue nothing.
    #[graphql(default = false)]
    pub dry_run: bool,
    /// Issue the rows without errors even when others have some.
    #[graphql(default = false)]
    pub skip_invalid_rows: bool,
    /// 1..=30; the configured default when omitted.
    pub expires_in_days: Option<i32>,
}

#[derive(InputObject)]
pub struct SsoProviderInput {
    pub name: String,
    /// https (plain http only on loopback hosts); discovery runs against it.
    pub issuer_url: String,
    pub client_id: String,
    /// Write-only: stored for the code flow, never shown. Omit to keep the one on file.
    pub client_secret: Option<String>,
    pub domains: Vec<String>,
    /// Every invitation must go to one of the domains (else only a warning).
    #[graphql(default = true)]
    pub enforced: bool,
    /// Subdomains of the domains count too.
    #[graphql(default = false)]
    pub include_subdomains: bool,
}

fn ids(ids: &[ID]) -> Vec<String> {
    ids.iter().map(|id| id.0.clone()).collect()
}

fn parse_member(ctx: &Context<'_>, field: &str, input: &CreateMemberInput) -> crate::Result<NewMember> {
    NewMember::parse(
        field,
        MemberFields {
            email: &input.email,
            name: input.name.as_deref(),
            language: input.language.as_deref(),
            role_ids: &ids(&input.role_ids),
        },
        &ctx.services().languages,
    )
}

#[Object]
impl Mutation {
    async fn create_role(&self, ctx: &Context<'_>, input: CreateRoleInput) -> Result<Role> {
        let tenant = ctx.tenant()?;
        let name = RoleName::parse("input.name", &input.name)?;
        let description = roles::parse_description("input.description", input.description.as_deref())?;
        let role = roles::create(ctx.db(), &tenant, name, description, ctx.services().clock.now()).await?;
        Ok(Role(role))
    }

    async fn update_role(&self, ctx: &Context<'_>, id: ID, input: UpdateRoleInput) -> Result<Role> {
        let tenant = ctx.tenant()?;
        let name = input.name.as_deref().map(|name| RoleName::parse("input.name", name)).transpose()?;
        let description = match input.description {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(text) => Some(roles::parse_description("input.description", Some(&text))?),
        };
        Ok(Role(roles::update(ctx.db(), &tenant, &id, name, description).await?))
    }

    /// Deletes a role; members keep their other roles. Returns the deleted id.
    async fn delete_role(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let tenant = ctx.tenant()?;
        Ok(ID(roles::delete(ctx.db(), &tenant, &id).await?))
    }

    async fn create_member(&self, ctx: &Context<'_>, input: CreateMemberInput) -> Result<Member> {
        let tenant = ctx.tenant()?;
        let new = parse_member(ctx, "input", &input)?;
        Ok(Member(members::create(ctx.db(), &tenant, new, ctx.services().clock.now()).await?))
    }

    /// Creates up to 5,000 members at once: all of them, or none when any input is wrong.
    async fn create_members(&self, ctx: &Context<'_>, input: Vec<CreateMemberInput>) -> Result<Vec<Member>> {
        let tenant = ctx.tenant()?;
        if input.is_empty() {
            return Err(AppError::bad_input("input", "send at least one member").into());
        }
        let news = input
            .iter()
            .enumerate()
            .map(|(index, item)| parse_member(ctx, &format!("input[{index}]"), item))
            .collect::<crate::Result<Vec<_>>>()?;
        let created = members::create_many(ctx.db(), &tenant, news, ctx.services().clock.now(), |index| {
            format!("input[{index}]")
        })
        .await?;
        Ok(created.into_iter().map(Member).collect())
    }

    async fn update_member(&self, ctx: &Context<'_>, id: ID, input: UpdateMemberInput) -> Result<Member> {
        let tenant = ctx.tenant()?;
        let services = ctx.services();
        let changes = MemberChanges {
            email: input
                .email
                .as_deref()
                .map(|email| Email::parse(email).map_err(|err| AppError::bad_input("input.email", err)))
                .transpose()?,
            name: match input.name {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(name) => Some(members::parse_name("input.name", Some(&name))?),
            },
            language: input
                .language
                .as_deref()
                .map(|tag| services.languages.parse(tag).map_err(|err| AppError::bad_input("input.language", err)))
                .transpose()?,
            role_ids: input.role_ids.as_deref().map(ids),
        };
        Ok(Member(members::update(ctx.db(), &tenant, &id, changes, services.clock.now()).await?))
    }

    /// Deletes a member and their invitations. Returns the deleted id.
    async fn delete_member(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let tenant = ctx.tenant()?;
        Ok(ID(members::delete(ctx.db(), &tenant, &id).await?))
    }

    /// Invites one member (same checks as a sheet row); a pending invitation's link is revoked.
    async fn invite_member(&self, ctx: &Context<'_>, input: InviteMemberInput) -> Result<InvitationLink> {
        let caller = ctx.caller()?;
        let policy = invitations::policy_for(ctx.db(), &caller.tenant).await?;
        let request = InviteRequest {
            member_id: input.member_id.0,
            email: input.email,
            language: input.language,
            role_ids: input.role_ids.as_deref().map(ids),
            expires_in_days: input.expires_in_days,
        };
        let (invitation, link) = lifecycle::invite_member(ctx.services(), caller, policy.as_ref(), request).await?;
        Ok(InvitationLink { invitation: Invitation(invitation), link })
    }

    /// Reads an invitation sheet, checks every row and, unless anything is wrong (or
    /// `skipInvalidRows`), issues every link in one go. Sheet problems are data, not errors.
    async fn generate_invitation_links(
        &self,
        ctx: &Context<'_>,
        input: GenerateInvitationLinksInput,
    ) -> Result<GenerateInvitationLinksPayload> {
        let caller = ctx.caller()?;
        let (bytes, file_name) = match (input.file, input.csv) {
            (Some(file), None) => {
                let upload = file.value(ctx).map_err(|err| AppError::bad_input("input.file", err))?;
                let file_name = Some(upload.filename.clone());
                let bytes = tokio::task::spawn_blocking(move || {
                    use std::io::Read;
                    let mut bytes = Vec::new();
                    upload.into_read().read_to_end(&mut bytes).map(|_| bytes)
                })
                .await
                .map_err(|err| AppError::Internal(err.into()))?
                .map_err(|err| AppError::Internal(err.into()))?;
                (bytes, file_name)
            }
            (None, Some(csv)) => (csv.into_bytes(), None),
            _ => return Err(AppError::bad_input("input", "send the sheet as either `file` or `csv`").into()),
        };
        let policy = invitations::policy_for(ctx.db(), &caller.tenant).await?;
        let options = SheetOptions {
            dry_run: input.dry_run,
            skip_invalid_rows: input.skip_invalid_rows,
            expires_in_days: input.expires_in_days,
            file_name,
        };
        let report = sheet::generate_links(ctx.services(), caller, policy.as_ref(), bytes, options).await?;
        Ok(GenerateInvitationLinksPayload(report))
    }

    /// Revokes an invitation: its link stops working.
    async fn revoke_invitation(&self, ctx: &Context<'_>, id: ID) -> Result<Invitation> {
        let caller = ctx.caller()?;
        Ok(Invitation(lifecycle::revoke(ctx.services(), caller, &id).await?))
    }

    /// A new link for the same member, address, language and roles; the old link stops working.
    async fn resend_invitation(&self, ctx: &Context<'_>, id: ID) -> Result<InvitationLink> {
        let caller = ctx.caller()?;
        let policy = invitations::policy_for(ctx.db(), &caller.tenant).await?;
        let (invitation, link) = lifecycle::resend(ctx.services(), caller, policy.as_ref(), &id).await?;
        Ok(InvitationLink { invitation: Invitation(invitation), link })
    }

    /// Public: accepts the invitation behind a link, once. Any refusal is the same
    /// `INVALID_INVITATION` error.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        token: String,
        id_token: Option<String>,
    ) -> Result<AcceptedInvitation> {
        let accepted = accept::accept(ctx.services(), &token, &ctx.request().client, id_token.as_deref()).await?;
        Ok(AcceptedInvitation {
            member_id: ID(accepted.member_id),
            email: accepted.email,
            organization_name: accepted.organization_name,
        })
    }

    /// Adds or replaces (same issuer) an SSO provider, after checking its discovery document.
    async fn configure_sso_provider(&self, ctx: &Context<'_>, input: SsoProviderInput) -> Result<SsoProvider> {
        let caller = ctx.caller()?;
        let now = ctx.services().clock.now();
        let input = ProviderInput {
            name: input.name,
            issuer_url: input.issuer_url,
            client_id: input.client_id,
            client_secret: input.client_secret,
            domains: input.domains,
            enforced: input.enforced,
            include_subdomains: input.include_subdomains,
        };
        let (provider, domains) = sso::configure(ctx.db(), &caller.tenant, input, now).await?;
        audit::record(
            ctx.db(),
            caller.tenant.organization_id(),
            &caller.name,
            audit::action::SSO_PROVIDER_CONFIGURED,
            Some(&provider.public_id),
            serde_json::json!({ "issuer": provider.issuer_url, "domains": domains, "enforced": provider.enforced }),
            now,
        )
        .await;
        Ok(SsoProvider(provider, domains))
    }

    /// Removes an SSO provider and its domains. Returns the removed id.
    async fn remove_sso_provider(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let caller = ctx.caller()?;
        let provider = sso::remove(ctx.db(), &caller.tenant, &id).await?;
        audit::record(
            ctx.db(),
            caller.tenant.organization_id(),
            &caller.name,
            audit::action::SSO_PROVIDER_REMOVED,
            Some(&provider.public_id),
            serde_json::json!({ "issuer": provider.issuer_url }),
            ctx.services().clock.now(),
        )
        .await;
        Ok(ID(provider.public_id))
    }
}
