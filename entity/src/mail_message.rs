use sea_orm::entity::prelude::*;

use crate::DeliveryState;

/// An invitation's email, in the outbox until it is sent (or given up).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    #[sea_orm(unique)]
    pub invitation_id: i64,
    pub status: DeliveryState,
    /// Attempts begun, the one under way included.
    pub attempts: i32,
    /// `queued`: when the next attempt may begin; `sending`: when the lease of the node
    /// sending it ends (then another node may take it over).
    pub due_at: ChronoDateTimeUtc,
    /// The link, sealed for the invitation's token hash; `None` once no longer needed.
    pub sealed_link: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::invitation::Entity",
        from = "Column::InvitationId",
        to = "super::invitation::Column::Id",
        on_delete = "Cascade"
    )]
    Invitation,
}

impl ActiveModelBehavior for ActiveModel {}
