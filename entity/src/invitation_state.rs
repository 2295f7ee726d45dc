//! The one vocabulary of invitation states, stored as the words today's rows hold. A member's
//! `invitation_state` is the state of their latest invitation (`not_invited` before the
//! first); an invitation's `status` is its own (never `not_invited`). EXPIRED is not stored:
//! it is a pending state past its expiry, derived at read time (`muster::domain::InvitationStatus`).

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InvitationState {
    /// A member never invited.
    #[sea_orm(string_value = "not_invited")]
    NotInvited,
    /// A link that can be accepted until it expires.
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    /// Revoked by an admin, or replaced by a newer link.
    #[sea_orm(string_value = "revoked")]
    Revoked,
}
