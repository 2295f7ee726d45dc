//! SSO providers by kind (Entra ID, Google Workspace, Okta, Auth0, Keycloak, any other): what
//! proves an address differs by provider. Existing providers keep no kind (`NULL`): muster
//! detects theirs from the issuer, as it does for a provider configured without one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SsoProviders::Table)
                    .add_column(string_len_null(SsoProviders::Kind, 16))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(SsoProviders::Table).drop_column(SsoProviders::Kind).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SsoProviders {
    Table,
    Kind,
}
