//! The GraphQL faces of domain enums (async-graphql's `remote` derives the conversions, so the
//! two cannot drift).

use async_graphql::Enum;

/// Where an invitation stands — or a member, through their latest invitation. EXPIRED is
/// derived from the expiry and the current time, never stored.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::InvitationStatus")]
pub enum InvitationStatus {
    /// Never invited.
    NotInvited,
    /// Holds a link that can still be accepted.
    Pending,
    /// Accepted an invitation: a full member.
    Accepted,
    /// The latest link ran out before it was accepted.
    Expired,
    /// The latest link was revoked.
    Revoked,
}

/// What a members list is ordered by; ties are broken by id, so pages never overlap.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "crate::members::MemberOrderField")]
pub enum MemberOrderField {
    /// When the member was added (ties broken by id): the default.
    #[default]
    CreatedAt,
    /// The email address, ignoring case.
    Email,
    /// Members without a name come first in ascending order.
    Name,
}

/// Which way a list is ordered.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "crate::members::OrderDirection")]
pub enum OrderDirection {
    /// Smallest first (A to Z, oldest first): the default.
    #[default]
    Asc,
    /// Largest first (Z to A, newest first).
    Desc,
}

/// What kind of identity provider an SSO provider is: it says how an ID token proves that the
/// person signing in owns the invited address.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::SsoProviderKind")]
pub enum SsoProviderKind {
    /// Any OpenID provider: the address is `email`, and `email_verified` must be true.
    Generic,
    /// Microsoft Entra ID, one tenant (its own issuer): a token's `tid` must be that tenant; the
    /// address is `email` with `xms_edov: true`, else the sign-in name (`preferred_username`).
    Entra,
    /// Google Workspace: `email_verified` must be true and `hd` one of the provider's domains (a
    /// consumer Google account has no `hd`).
    Google,
    /// Okta: `email`, with `email_verified`.
    Okta,
    /// Auth0: `email`, with `email_verified`.
    #[graphql(name = "AUTH0")]
    Auth0,
    /// Keycloak: `email`, with `email_verified`.
    Keycloak,
}

/// Where an invitation's email stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::DeliveryState")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt, or for the next one after a temporary failure
    /// (`nextAttemptAt`).
    Queued,
    /// A node is sending it now.
    Sending,
    /// The mail server accepted it (`sentAt`).
    Sent,
    /// Refused for good (`lastError` holds the server's reply), or still failing after 8
    /// attempts over about a day.
    Failed,
    /// Not sent: its invitation was revoked, replaced, accepted or expired first.
    Cancelled,
}

/// A list of domain statuses from their GraphQL faces.
pub fn statuses(list: Option<Vec<InvitationStatus>>) -> Vec<crate::domain::InvitationStatus> {
    list.unwrap_or_default().into_iter().map(Into::into).collect()
}
