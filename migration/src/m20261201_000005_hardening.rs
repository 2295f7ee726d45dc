//! What facing the internet needs of the schema:
//! - SSO domains are unique within one organization, not across all of them: an organization
//!   cannot squat another's domain, and a refusal never tells that another organization has
//!   it. The table is rebuilt with the key `(organization_id, domain)` (SQLite cannot change a
//!   primary key in place); going down keeps, for each domain, the oldest organization's.
//! - API tokens can be revoked: `revoked_at`, checked on every request by every node.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the table is rebuilt whole or not at all, on one
    /// connection (another of the pool may not see the old table gone yet).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild_domains(manager, true).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(ApiTokens::Table).drop_column(ApiTokens::RevokedAt).to_owned())
            .await?;
        rebuild_domains(manager, false).await
    }
}

/// Moves `sso_domains` into a table keyed by `(organization_id, domain)` (`per_organization`)
/// or by `domain` alone.
async fn rebuild_domains(manager: &SchemaManager<'_>, per_organization: bool) -> Result<(), DbErr> {
    let mut table = Table::create();
    table
        .table(Rebuilt::Table)
        .col(string_len(SsoDomains::Domain, 253))
        .col(big_integer(SsoDomains::ProviderId))
        .col(big_integer(SsoDomains::OrganizationId))
        .foreign_key(
            ForeignKey::create()
                .from(Rebuilt::Table, SsoDomains::ProviderId)
                .to(SsoProviders::Table, SsoProviders::Id)
                .on_delete(ForeignKeyAction::Cascade),
        );
    if per_organization {
        table.primary_key(Index::create().col(SsoDomains::OrganizationId).col(SsoDomains::Domain));
    } else {
        table.primary_key(Index::create().col(SsoDomains::Domain));
    }
    manager.create_table(table.to_owned()).await?;
    let keep = if per_organization {
        ""
    } else {
        " WHERE NOT EXISTS (SELECT 1 FROM sso_domains o WHERE o.domain = d.domain AND o.organization_id < d.organization_id)"
    };
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "INSERT INTO sso_domains_rebuilt (domain, provider_id, organization_id) \
             SELECT d.domain, d.provider_id, d.organization_id FROM sso_domains d{keep}"
        ))
        .await?;
    manager.drop_table(Table::drop().table(SsoDomains::Table).to_owned()).await?;
    manager.rename_table(Table::rename().table(Rebuilt::Table, SsoDomains::Table).to_owned()).await?;
    manager
        .create_index(
            Index::create()
                .name("ix_sso_domains_provider")
                .table(SsoDomains::Table)
                .col(SsoDomains::ProviderId)
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden)]
enum Rebuilt {
    #[sea_orm(iden = "sso_domains_rebuilt")]
    Table,
}

#[derive(DeriveIden)]
enum SsoDomains {
    Table,
    Domain,
    ProviderId,
    OrganizationId,
}

#[derive(DeriveIden)]
enum SsoProviders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    RevokedAt,
}
