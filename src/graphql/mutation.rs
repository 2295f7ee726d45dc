//! Mutations: parse the input into domain types, call one service, wrap the result.

use async_graphql::{Context, ID, MaybeUndefined, Object, Result};

use super::{
    ContextExt,
    types::{
        AcceptedInvitation, CreateMemberInput, CreateRoleInput, GenerateInvitationLinksInput,
        GenerateInvitationLinksPayload, Invitation, InvitationLink, InviteMemberInput, Member, RevokeBatchPayload,
        Role, SsoProvider, SsoProviderInput, UpdateMemberInput, UpdateRoleInput, ids,
    },
};
use crate::{
    AppError,
    domain::{DisplayName, Email},
    identity::{
        api_tokens,
        sso::{self, ProviderInput, SsoDomains},
    },
    invitations::{
        accept,
        lifecycle::{self, InviteRequest},
        rules::Rules,
        sheet::{self, SheetRequest},
    },
    members::{self, MemberChanges, MemberFields, NewMember},
    roles,
};

#[derive(Default)]
pub struct Mutation;

fn parse_member(ctx: &Context<'_>, field: &str, input: &CreateMemberInput) -> crate::Result<NewMember> {
    NewMember::parse(
        field,
        MemberFields {
            email: &input.email,
            name: input.name.as_deref(),
            language: input.language.as_deref(),
            role_ids: &ids(&input.role_ids),
        },
        &ctx.state().languages,
    )
}

fn parse_changes(ctx: &Context<'_>, input: UpdateMemberInput) -> crate::Result<MemberChanges> {
    let email = input.email.as_deref().map(Email::parse).transpose();
    let email = email.map_err(|err| AppError::bad_input("input.email", err))?;
    let name = match input.name {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(name) => Some(
            DisplayName::parse_optional(Some(&name))
                .map_err(|err| AppError::bad_input("input.name", format!("the name {err}")))?,
        ),
    };
    let language = input.language.as_deref().map(|tag| ctx.state().languages.parse(tag)).transpose();
    let language = language.map_err(|err| AppError::bad_input("input.language", err))?;
    Ok(MemberChanges { email, name, language, role_ids: input.role_ids.as_deref().map(ids) })
}

/// Reads the sheet of `generateInvitationLinks`: an upload or a string.
async fn sheet_bytes(
    ctx: &Context<'_>,
    input: &mut GenerateInvitationLinksInput,
) -> crate::Result<(Vec<u8>, Option<String>)> {
    match (input.file.take(), input.csv.take()) {
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
            Ok((bytes, file_name))
        }
        (None, Some(csv)) => Ok((csv.into_bytes(), None)),
        _ => Err(AppError::bad_input("input", "send the sheet as either `file` or `csv`")),
    }
}

/// What admins change (roles, members, invitations, SSO providers) and what invitees do:
/// accept.
#[Object]
impl Mutation {
    /// Creates a role.
    async fn create_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new role.")] input: CreateRoleInput,
    ) -> Result<Role> {
        let tenant = ctx.tenant()?;
        let name = roles::parse_name("input.name", &input.name)?;
        let description = roles::parse_description("input.description", input.description.as_deref())?;
        Ok(Role(roles::create(ctx.db(), &tenant, name, description, ctx.now()).await?))
    }

    /// Renames a role or changes its description.
    async fn update_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The role's public id.")] id: ID,
        #[graphql(desc = "What changes; what is left out stays as it is.")] input: UpdateRoleInput,
    ) -> Result<Role> {
        let tenant = ctx.tenant()?;
        let name = input.name.as_deref().map(|name| roles::parse_name("input.name", name)).transpose()?;
        let description = match input.description {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(text) => Some(roles::parse_description("input.description", Some(&text))?),
        };
        Ok(Role(roles::update(ctx.db(), &tenant, &id, name, description).await?))
    }

    /// Deletes a role; members keep their other roles. Returns the deleted id.
    async fn delete_role(&self, ctx: &Context<'_>, #[graphql(desc = "The role's public id.")] id: ID) -> Result<ID> {
        let tenant = ctx.tenant()?;
        Ok(ID(roles::delete(ctx.db(), &tenant, &id).await?))
    }

    /// Adds a member, not yet invited.
    async fn create_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new member.")] input: CreateMemberInput,
    ) -> Result<Member> {
        let tenant = ctx.tenant()?;
        let new = parse_member(ctx, "input", &input)?;
        Ok(Member(members::create(ctx.db(), &tenant, new, ctx.now()).await?))
    }

    /// Creates up to 5,000 members at once: all of them, or none when any input is wrong.
    async fn create_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new members; errors name one as `input[3]`.")] input: Vec<CreateMemberInput>,
    ) -> Result<Vec<Member>> {
        let tenant = ctx.tenant()?;
        if input.is_empty() {
            return Err(AppError::bad_input("input", "send at least one member").into());
        }
        let news = input
            .iter()
            .enumerate()
            .map(|(index, item)| parse_member(ctx, &format!("input[{index}]"), item))
            .collect::<crate::Result<Vec<_>>>()?;
        let created =
            members::create_many(ctx.db(), &tenant, news, ctx.now(), |index| format!("input[{index}]")).await?;
        Ok(created.into_iter().map(Member).collect())
    }

    /// Changes a member's address, name, language or roles.
    async fn update_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's public id.")] id: ID,
        #[graphql(desc = "What changes; what is left out stays as it is.")] input: UpdateMemberInput,
    ) -> Result<Member> {
        let tenant = ctx.tenant()?;
        let changes = parse_changes(ctx, input)?;
        Ok(Member(members::update(ctx.db(), &tenant, &id, changes, ctx.now()).await?))
    }

    /// Deletes a member and their invitations. Returns the deleted id.
    async fn delete_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's public id.")] id: ID,
    ) -> Result<ID> {
        let tenant = ctx.tenant()?;
        Ok(ID(members::delete(ctx.db(), &tenant, &id).await?))
    }

    /// Invites one member (same checks as a sheet row); a pending invitation's link is revoked.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who to invite, and what the invitation says.")] input: InviteMemberInput,
    ) -> Result<InvitationLink> {
        let (caller, state) = (ctx.caller()?, ctx.state());
        let domains = SsoDomains::load(ctx.db(), &caller.tenant).await?;
        let rules = Rules { languages: &state.languages, sso: &domains, now: ctx.now() };
        let request = InviteRequest {
            member_id: input.member_id.0,
            email: input.email,
            language: input.language,
            role_ids: input.role_ids.as_deref().map(ids),
            expires_in_days: input.expires_in_days,
            send: input.send,
        };
        let outbox = state.outbox.as_deref();
        let (invitation, link) =
            lifecycle::invite_member(ctx.db(), caller, &state.links, outbox, &rules, request).await?;
        Ok(InvitationLink { invitation: Invitation(invitation), link })
    }

    /// Reads an invitation sheet, checks every row and, unless anything is wrong (or
    /// `skipInvalidRows`), issues every link in one go. Sheet problems are data, not errors.
    async fn generate_invitation_links(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet, and what to do with it.")] mut input: GenerateInvitationLinksInput,
    ) -> Result<GenerateInvitationLinksPayload> {
        let (caller, state) = (ctx.caller()?, ctx.state());
        let (bytes, file_name) = sheet_bytes(ctx, &mut input).await?;
        let request = SheetRequest {
            bytes,
            dry_run: input.dry_run,
            skip_invalid_rows: input.skip_invalid_rows,
            expires_in_days: input.expires_in_days,
            file_name,
            send: input.send,
        };
        let outbox = state.outbox.as_deref();
        let report = sheet::generate_links(
            ctx.db(),
            &state.early_issuing,
            caller,
            &state.links,
            &state.languages,
            outbox,
            request,
            ctx.now(),
        )
        .await?;
        Ok(GenerateInvitationLinksPayload(report))
    }

    /// Revokes an invitation: its link stops working.
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation's public id.")] id: ID,
    ) -> Result<Invitation> {
        let caller = ctx.caller()?;
        Ok(Invitation(lifecycle::revoke(ctx.db(), caller, &id, ctx.now()).await?))
    }

    /// Takes back one upload (`batchId` from `generateInvitationLinks`): every invitation of it
    /// whose link still works is revoked, in one transaction, with one audit event. Accepted
    /// invitations stay accepted; taking a batch back twice is harmless.
    async fn revoke_batch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The upload's batch id.")] batch_id: ID,
    ) -> Result<RevokeBatchPayload> {
        let caller = ctx.caller()?;
        let revoked = lifecycle::revoke_batch(ctx.db(), caller, &batch_id, ctx.now()).await?;
        Ok(RevokeBatchPayload {
            batch_id: ID(revoked.batch_id),
            revoked: revoked.revoked as i32,
            cancelled_messages: revoked.cancelled_messages as i32,
        })
    }

    /// A new link for the same member, address, language and roles; the old link stops working.
    async fn resend_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The public id of the invitation to send again.")] id: ID,
        #[graphql(
            desc = "muster emails the new link to the invitee (needs email delivery configured).",
            default = false
        )]
        send: bool,
    ) -> Result<InvitationLink> {
        let (caller, state) = (ctx.caller()?, ctx.state());
        let domains = SsoDomains::load(ctx.db(), &caller.tenant).await?;
        let rules = Rules { languages: &state.languages, sso: &domains, now: ctx.now() };
        let outbox = state.outbox.as_deref();
        let (invitation, link) = lifecycle::resend(ctx.db(), caller, &state.links, outbox, &rules, &id, send).await?;
        Ok(InvitationLink { invitation: Invitation(invitation), link })
    }

    /// Public: accepts the invitation behind a link, once. Any refusal is the same
    /// `INVALID_INVITATION` error.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token at the end of the invitation link (`inv_…`).")] token: String,
        #[graphql(
            desc = "An ID token from the organization's SSO provider, where the invited address is in its domains."
        )]
        id_token: Option<String>,
    ) -> Result<AcceptedInvitation> {
        let client = &ctx.request().client;
        let oidc = &ctx.state().oidc;
        let accepted = accept::accept(ctx.db(), oidc, &token, client, id_token.as_deref(), ctx.now()).await?;
        Ok(AcceptedInvitation {
            member_id: ID(accepted.member_id),
            email: accepted.email,
            organization_name: accepted.organization_name,
        })
    }

    /// Adds or replaces (same issuer) an SSO provider, after checking its discovery document.
    async fn configure_sso_provider(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The provider; one per issuer.")] input: SsoProviderInput,
    ) -> Result<SsoProvider> {
        let caller = ctx.caller()?;
        let input = ProviderInput {
            name: input.name,
            issuer_url: input.issuer_url,
            kind: input.kind.map(Into::into),
            client_id: input.client_id,
            client_secret: input.client_secret,
            domains: input.domains,
            enforced: input.enforced,
            include_subdomains: input.include_subdomains,
        };
        let state = ctx.state();
        let clients = (state.oidc.as_ref(), state.secrets.as_deref());
        let (provider, domains) = sso::configure(ctx.db(), clients, caller, input, ctx.now()).await?;
        Ok(SsoProvider(provider, domains))
    }

    /// Revokes the organization's API tokens of this name, at once on every node (the token of
    /// this very request too, if it has that name). Returns how many were revoked.
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's name, as `apiTokens` shows it.")] name: String,
    ) -> Result<i32> {
        let caller = ctx.caller()?;
        let revoked = api_tokens::revoke(ctx.db(), &caller.tenant, &name, &caller.name, ctx.now()).await?;
        if revoked == 0 {
            return Err(AppError::NotFound("API token").into());
        }
        Ok(revoked as i32)
    }

    /// Removes an SSO provider and its domains. Returns the removed id.
    async fn remove_sso_provider(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The provider's public id.")] id: ID,
    ) -> Result<ID> {
        let caller = ctx.caller()?;
        Ok(ID(sso::remove(ctx.db(), caller, &id, ctx.now()).await?))
    }
}
