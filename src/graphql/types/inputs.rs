//! Input objects: what clients send, parsed into domain types by the resolvers before any
//! service sees them.

use async_graphql::{ID, InputObject, MaybeUndefined, Upload};

use super::enums::{DeliveryStatus, InvitationStatus, MemberOrderField, OrderDirection, SsoProviderKind, statuses};
use crate::{AppError, Result, domain::SearchText, invitations::list::InvitationFilter, members};

/// Public ids as plain strings.
pub fn ids(ids: &[ID]) -> Vec<String> {
    ids.iter().map(|id| id.0.clone()).collect()
}

/// Which members to list; every part is optional, parts combine with AND, values with OR.
#[derive(InputObject, Default)]
pub struct MemberFilter {
    /// Members whose invitation status is one of these.
    pub invitation_status: Option<Vec<InvitationStatus>>,
    /// Members holding any of these roles.
    pub role_ids: Option<Vec<ID>>,
    /// Members writing in one of these languages, as BCP 47 tags (`en`, `pt-BR`).
    pub languages: Option<Vec<String>>,
    /// Part of the email or the name, ignoring case.
    pub search: Option<String>,
}

impl MemberFilter {
    pub fn parse(self) -> Result<members::MemberFilter> {
        let role_ids = ids(&self.role_ids.unwrap_or_default());
        members::MemberFilter::parse(
            statuses(self.invitation_status),
            &role_ids,
            &self.languages.unwrap_or_default(),
            self.search.as_deref(),
        )
    }
}

/// The order of a members list.
#[derive(InputObject, Default)]
pub struct MemberOrder {
    /// What to order by.
    #[graphql(default)]
    pub field: MemberOrderField,
    /// Which way.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<MemberOrder> for members::MemberOrder {
    fn from(order: MemberOrder) -> Self {
        Self { field: order.field.into(), direction: order.direction.into() }
    }
}

/// Which invitations to list; parts combine with AND, statuses with OR.
#[derive(InputObject, Default)]
#[graphql(name = "InvitationFilter")]
pub struct InvitationFilterInput {
    /// Invitations whose status is one of these.
    pub status: Option<Vec<InvitationStatus>>,
    /// The invitations of one member.
    pub member_id: Option<ID>,
    /// Invitations issued by one sheet upload.
    pub batch_id: Option<ID>,
    /// Part of the invited address, ignoring case.
    pub search: Option<String>,
    /// Invitations whose email is in one of these states (invitations muster was not asked to
    /// send never match).
    pub delivery_status: Option<Vec<DeliveryStatus>>,
}

impl InvitationFilterInput {
    pub fn parse(self) -> Result<InvitationFilter> {
        let search =
            SearchText::parse(self.search.as_deref()).map_err(|err| AppError::bad_input("filter.search", err))?;
        Ok(InvitationFilter {
            statuses: statuses(self.status),
            member_id: self.member_id.map(|id| id.0),
            batch_id: self.batch_id.map(|id| id.0),
            search,
            delivery: self.delivery_status.map(|states| states.into_iter().map(Into::into).collect()),
        })
    }
}

/// A new role.
#[derive(InputObject)]
pub struct CreateRoleInput {
    /// 1 to 100 characters, unique in the organization ignoring case.
    pub name: String,
    /// What the role is for, up to 1,000 characters.
    pub description: Option<String>,
}

/// Changes to a role; what is left out stays as it is.
#[derive(InputObject)]
pub struct UpdateRoleInput {
    /// The new name: 1 to 100 characters, unique in the organization ignoring case.
    pub name: Option<String>,
    /// The new description; `null` removes it.
    pub description: MaybeUndefined<String>,
}

/// A new member.
#[derive(InputObject)]
pub struct CreateMemberInput {
    /// The address the member signs in with; unique in the organization ignoring case.
    pub email: String,
    /// The member's name, up to 200 characters.
    pub name: Option<String>,
    /// BCP 47 tag from the supported list; the first supported language when omitted.
    pub language: Option<String>,
    /// The member's roles (ids from the `roles` query).
    #[graphql(default)]
    pub role_ids: Vec<ID>,
}

/// Changes to a member; what is left out stays as it is.
#[derive(InputObject)]
pub struct UpdateMemberInput {
    /// The new address; unique in the organization ignoring case.
    pub email: Option<String>,
    /// The new name; `null` removes it.
    pub name: MaybeUndefined<String>,
    /// The new language, a BCP 47 tag from the supported list.
    pub language: Option<String>,
    /// Replaces the member's roles.
    pub role_ids: Option<Vec<ID>>,
}

/// One invitation, checked as a row of a sheet would be.
#[derive(InputObject)]
pub struct InviteMemberInput {
    /// The member to invite.
    pub member_id: ID,
    /// The address to invite; the member's address on file when omitted.
    pub email: Option<String>,
    /// The member's language when omitted.
    pub language: Option<String>,
    /// The member's current roles when omitted.
    pub role_ids: Option<Vec<ID>>,
    /// Days the link stays valid, 1 to 30; the configured default when omitted.
    pub expires_in_days: Option<i32>,
    /// muster emails the invitee their link, in the invitation's language (needs email
    /// delivery configured: `MUSTER_SMTP_URL`).
    #[graphql(default = false)]
    pub send: bool,
}

/// An invitation sheet (`Team Member ID,Email,Language,Role IDs`) and what to do with it.
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
    /// Days the links stay valid, 1 to 30; the configured default when omitted.
    pub expires_in_days: Option<i32>,
    /// muster emails each invitee their link, in the row's language (needs email delivery
    /// configured: `MUSTER_SMTP_URL`). The messages are queued with the invitations.
    #[graphql(default = false)]
    pub send: bool,
}

/// An SSO provider of the organization; one per issuer.
#[derive(InputObject)]
pub struct SsoProviderInput {
    /// What admins and invitees call it ("Acme SSO"), up to 200 characters.
    pub name: String,
    /// The issuer, https on a public host; discovery runs against it. Entra ID: the tenant's own
    /// (`https://login.microsoftonline.com/<tenant id>/v2.0`).
    pub issuer_url: String,
    /// What kind of provider it is; detected from the issuer when omitted. A known issuer
    /// (Google, Entra ID) keeps its own kind.
    pub kind: Option<SsoProviderKind>,
    /// The client id the provider issued to muster.
    pub client_id: String,
    /// Write-only: stored for the code flow, never shown. Omit to keep the one on file.
    pub client_secret: Option<String>,
    /// The mail domains whose people sign in with this provider (`acme.com`).
    pub domains: Vec<String>,
    /// Every invitation must go to one of the domains (else only a warning).
    #[graphql(default = true)]
    pub enforced: bool,
    /// Subdomains of the domains count too.
    #[graphql(default = false)]
    pub include_subdomains: bool,
}
