use sea_orm::entity::prelude::*;

use crate::InvitationState;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub organization_id: i64,
    pub email: String,
    /// `email` lower-cased whole: uniqueness per organization and search ignore case.
    pub email_key: String,
    pub name: Option<String>,
    /// `name` lower-cased, or '' without a name: the sort key for ordering by name.
    pub name_key: String,
    pub language: String,
    /// The state of the member's latest invitation; with `invitation_expires_at`, what
    /// `muster::domain::InvitationStatus` is derived from.
    pub invitation_state: InvitationState,
    pub invitation_expires_at: Option<ChronoDateTimeUtc>,
    pub accepted_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    /// The SSO identity (`sub`) that accepted the member's invitation, and its provider.
    pub sso_subject: Option<String>,
    pub sso_provider_id: Option<i64>,
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
