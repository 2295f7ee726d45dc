use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub organization_id: i64,
    pub name: String,
    /// `name` lower-cased: role names are unique per organization, ignoring case.
    pub name_key: String,
    pub description: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    /// How many members hold the role: kept by the database's triggers on `member_roles`.
    pub member_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::member_role::Entity")]
    MemberRole,
}

impl Related<super::member_role::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MemberRole.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
