//! Mutations: parse the input into domain types, call one service, wrap the result.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::{
    ContextExt,
    types::{Member, Role},
};
use crate::{
    AppError,
    domain::Email,
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
        let created =
            members::create_many(ctx.db(), &tenant, news, ctx.services().clock.now(), |index| format!("input[{index}]"))
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
}
