//! GraphQL output types. Each wraps a stored row rather than deriving on the entity, so the
//! API can differ from storage (public ids out, internal ids kept in).

mod identity;
mod invitation;
mod member;
mod organization;
mod role;

pub use identity::{AuditEvent, EmailCheck, SsoProvider};
pub use invitation::{
    AcceptedInvitation, GenerateInvitationLinksPayload, Invitation, InvitationConnection, InvitationConnectionFields,
    InvitationLink, PublicInvitation,
};
pub use member::{Member, MemberConnection, MemberConnectionFields};
pub use organization::{Organization, Viewer};
pub use role::Role;
