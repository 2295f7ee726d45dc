//! GraphQL types. Output types wrap a stored row rather than deriving on the entity, so the API
//! can differ from storage (public ids out, internal ids kept in); enums and inputs mirror the
//! domain's, which know nothing of GraphQL.

mod connection;
mod enums;
mod identity;
mod inputs;
mod invitation;
mod member;
mod organization;
mod role;
mod sheet;

pub use connection::Page;
pub use enums::{DeliveryStatus, InvitationStatus, MemberOrderField, OrderDirection, SsoProviderKind};
pub use identity::{ApiToken, AuditEvent, AuditEventConnection, AuditEventConnectionFields, EmailCheck, SsoProvider};
pub use inputs::{
    CreateMemberInput, CreateRoleInput, GenerateInvitationLinksInput, InvitationFilterInput, InviteMemberInput,
    MemberFilter, MemberOrder, SsoProviderInput, UpdateMemberInput, UpdateRoleInput, ids,
};
pub use invitation::{
    AcceptedInvitation, Invitation, InvitationConnection, InvitationConnectionFields, InvitationLink, PublicInvitation,
};
pub use member::{Member, MemberConnection, MemberConnectionFields};
pub use organization::{Organization, Viewer};
pub use role::Role;
pub use sheet::{GenerateInvitationLinksPayload, RevokeBatchPayload, SheetProblem, SheetRow};
