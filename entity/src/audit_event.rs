use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    /// Who did it: a token's name, an admin's subject, or `invitee`.
    pub actor: String,
    pub action: String,
    /// The public id of what it was done to.
    pub target: Option<String>,
    /// JSON object with the particulars; never a token or a secret.
    pub details: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
