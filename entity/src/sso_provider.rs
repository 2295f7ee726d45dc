use sea_orm::entity::prelude::*;

use crate::SsoProviderKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_providers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub organization_id: i64,
    pub name: String,
    pub issuer_url: String,
    /// What proves an address at this provider; `None` for providers configured before kinds
    /// existed, whose kind is detected from the issuer.
    pub kind: Option<SsoProviderKind>,
    pub client_id: String,
    /// Write-only: never returned by the API nor logged.
    pub client_secret: Option<String>,
    pub enforced: bool,
    pub include_subdomains: bool,
    /// The discovery document, as JSON.
    pub metadata: Option<String>,
    /// The provider's signing keys (JWKS), as JSON.
    pub jwks: Option<String>,
    pub fetched_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
