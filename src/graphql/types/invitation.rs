use async_graphql::{
    Context, ID, Object, Result, SimpleObject,
    connection::{Connection, EmptyFields},
};
use chrono::{DateTime, Utc};
use entity::invitation;

use super::{Member, Role};
use crate::{
    AppError,
    graphql::{ContextExt, loaders::load_failed},
    invitations::{
        self,
        lifecycle::{self, InvitationFilter},
        sheet::{ReportRow, SheetReport},
    },
    members::InvitationStatus,
    sheets::{SheetProblem as Problem, UTF8_BOM},
    tenant::Tenant,
};

/// One personal invitation link sent to a member (the link itself is only ever returned when
/// issued; muster keeps a hash of it).
pub struct Invitation(pub invitation::Model);

#[Object]
impl Invitation {
    async fn id(&self) -> ID {
        ID(self.0.public_id.clone())
    }

    async fn member(&self, ctx: &Context<'_>) -> Result<Member> {
        let member = ctx.loaders()?.members.load_one(self.0.member_id).await.map_err(load_failed)?;
        Ok(Member(member.ok_or(AppError::NotFound("member"))?))
    }

    /// The address invited: the one the invitee must sign in with.
    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn language(&self) -> &str {
        &self.0.language
    }

    /// The roles the member gets on accepting (those that still exist), by name.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        let ids = invitations::granted_role_ids(&self.0);
        let mut roles: Vec<_> = ctx.loaders()?.roles.load_many(ids).await.map_err(load_failed)?.into_values().collect();
        roles.sort_by(|a, b| a.name_key.cmp(&b.name_key).then(a.id.cmp(&b.id)));
        Ok(roles.into_iter().map(Role).collect())
    }

    /// EXPIRED is computed from `expiresAt` and the current time.
    async fn status(&self, ctx: &Context<'_>) -> InvitationStatus {
        invitations::status_of(&self.0, ctx.services().clock.now())
    }

    /// The sheet upload this invitation came from; null for single invitations.
    async fn batch_id(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        let Some(batch) = self.0.batch_id else { return Ok(None) };
        Ok(ctx.loaders()?.batches.load_one(batch).await.map_err(load_failed)?.map(ID))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at
    }

    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// A freshly issued invitation and its link, shown this once.
#[derive(SimpleObject)]
pub struct InvitationLink {
    pub invitation: Invitation,
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
        Ok(lifecycle::count(ctx.db(), &self.tenant, &self.filter, self.now).await? as i32)
    }
}

pub type InvitationConnection = Connection<String, Invitation, InvitationConnectionFields, EmptyFields>;

/// A row of the sheet as read, with its link when one was issued.
pub struct SheetRow(pub ReportRow);

#[Object]
impl SheetRow {
    /// The line in the spreadsheet (the header is line 1).
    async fn line(&self) -> i32 {
        self.0.line as i32
    }
    async fn member_id(&self) -> ID {
        ID(self.0.member_id.clone())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn role_ids(&self) -> Vec<ID> {
        self.0.role_ids.iter().cloned().map(ID).collect()
    }
    async fn link(&self) -> Option<&str> {
        self.0.link.as_deref()
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
}

/// What is wrong with a line of the sheet (an error) or what was done to read it (a warning).
#[derive(SimpleObject)]
pub struct SheetProblem {
    /// The line in the spreadsheet (the header is line 1); 0 for the sheet as a whole.
    pub line: i32,
    pub column: Option<String>,
    /// A stable code, such as `UNKNOWN_MEMBER` or `MISSING_COLUMN`.
    pub code: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl From<Problem> for SheetProblem {
    fn from(problem: Problem) -> Self {
        Self {
            line: problem.line as i32,
            column: problem.column,
            code: problem.code.to_owned(),
            message: problem.message,
        }
    }
}

/// The outcome of a sheet: the batch, what was issued, every problem, and the links sheet.
pub struct GenerateInvitationLinksPayload(pub SheetReport);

#[Object]
impl GenerateInvitationLinksPayload {
    async fn batch_id(&self) -> Option<ID> {
        self.0.batch_id.clone().map(ID)
    }
    /// How many links were issued (0 on a dry run, or when any row has an error and
    /// `skipInvalidRows` is not set).
    async fn issued(&self) -> i32 {
        self.0.issued as i32
    }
    async fn rows(&self) -> Vec<SheetRow> {
        self.0.rows.iter().cloned().map(SheetRow).collect()
    }
    async fn errors(&self) -> Vec<SheetProblem> {
        self.0.errors.iter().cloned().map(SheetProblem::from).collect()
    }
    async fn warnings(&self) -> Vec<SheetProblem> {
        self.0.warnings.iter().cloned().map(SheetProblem::from).collect()
    }
    /// The links sheet (`Team Member ID,Email,Language,Role IDs,Invitation Link,Expires At`),
    /// when anything was issued. Save it with a UTF-8 BOM for Excel (`GET`-free clients can
    /// use `POST /invitations/links`, which answers the file itself).
    async fn csv(&self) -> Option<String> {
        let bytes = self.0.csv.as_deref()?;
        Some(String::from_utf8_lossy(bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)).into_owned())
    }
}

/// An invitation as its invitee sees it, through the link.
#[derive(SimpleObject)]
pub struct PublicInvitation {
    pub email: String,
    pub organization_name: String,
    pub status: InvitationStatus,
    pub expires_at: DateTime<Utc>,
    /// Accepting needs an ID token from the organization's SSO provider.
    pub sso_required: bool,
    pub sso_issuer_url: Option<String>,
    pub sso_client_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct AcceptedInvitation {
    pub member_id: ID,
    pub email: String,
    pub organization_name: String,
}
