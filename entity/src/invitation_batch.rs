use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitation_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub organization_id: i64,
    /// Who issued the sheet (token name or admin subject).
    pub created_by: String,
    pub file_name: Option<String>,
    /// Rows read from the sheet (blank lines not counted).
    pub row_count: i32,
    pub issued_count: i32,
    /// Rows left out because they had errors (with `skipInvalidRows`).
    pub skipped_count: i32,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
