//! Where an invitation's email stands, stored as these words.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryState {
    /// Waiting for its first attempt, or for its next one after a temporary failure.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Taken by a node, which holds it until `due_at` (its lease).
    #[sea_orm(string_value = "sending")]
    Sending,
    /// The mail server accepted it.
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Refused for good (a 5xx reply), or temporary failures past the last attempt.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Its invitation was revoked, replaced, accepted or expired before it was sent.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}
