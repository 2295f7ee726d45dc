//! SSO providers and their domains, the short-lived state of the OpenID code flow, the audit
//! trail, and the link from a member to the SSO identity that accepted for them.
//!
//! A domain routes to one organization: `sso_domains.domain` is unique across all of them.
//! Flow state lives here, not in a node's memory, so that any node can finish a flow another
//! began.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261130_000001_create_core_tables::{Members, Organizations},
    m20261130_000002_create_invitations::Invitations,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SsoProviders::Table)
                    .col(big_pk_auto(SsoProviders::Id))
                    .col(string_len_uniq(SsoProviders::PublicId, 9))
                    .col(big_integer(SsoProviders::OrganizationId))
                    .col(string_len(SsoProviders::Name, 200))
                    .col(string_len(SsoProviders::IssuerUrl, 500))
                    .col(string_len(SsoProviders::ClientId, 500))
                    // Write-only through the API: never returned, never logged.
                    .col(text_null(SsoProviders::ClientSecret))
                    .col(boolean(SsoProviders::Enforced))
                    .col(boolean(SsoProviders::IncludeSubdomains))
                    // The provider's discovery document and keys, shared by every node.
                    .col(text_null(SsoProviders::Metadata))
                    .col(text_null(SsoProviders::Jwks))
                    .col(timestamp_with_time_zone_null(SsoProviders::FetchedAt))
                    .col(timestamp_with_time_zone(SsoProviders::CreatedAt))
                    .col(timestamp_with_time_zone(SsoProviders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SsoProviders::Table, SsoProviders::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sso_providers_org_issuer")
                    .table(SsoProviders::Table)
                    .col(SsoProviders::OrganizationId)
                    .col(SsoProviders::IssuerUrl)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SsoDomains::Table)
                    .col(string_len(SsoDomains::Domain, 253).primary_key())
                    .col(big_integer(SsoDomains::ProviderId))
                    .col(big_integer(SsoDomains::OrganizationId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SsoDomains::Table, SsoDomains::ProviderId)
                            .to(SsoProviders::Table, SsoProviders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sso_domains_provider")
                    .table(SsoDomains::Table)
                    .col(SsoDomains::ProviderId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SsoFlows::Table)
                    // SHA-256 of the `state` parameter.
                    .col(string_len(SsoFlows::StateHash, 64).primary_key())
                    .col(big_integer(SsoFlows::InvitationId))
                    .col(big_integer(SsoFlows::ProviderId))
                    .col(string_len(SsoFlows::PkceVerifier, 200))
                    .col(string_len(SsoFlows::Nonce, 200))
                    .col(timestamp_with_time_zone(SsoFlows::CreatedAt))
                    .col(timestamp_with_time_zone(SsoFlows::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SsoFlows::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SsoFlows::Table, SsoFlows::InvitationId)
                            .to(Invitations::Table, Invitations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SsoFlows::Table, SsoFlows::ProviderId)
                            .to(SsoProviders::Table, SsoProviders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(big_integer(AuditEvents::OrganizationId))
                    .col(string_len(AuditEvents::Actor, 200))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(string_len_null(AuditEvents::Target, 200))
                    .col(text(AuditEvents::Details))
                    .col(timestamp_with_time_zone(AuditEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditEvents::Table, AuditEvents::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_events_org")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OrganizationId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter().table(Members::Table).add_column(string_len_null(MemberSso::SsoSubject, 255)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Members::Table).add_column(big_integer_null(MemberSso::SsoProviderId)).to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Members::Table).drop_column(MemberSso::SsoProviderId).to_owned())
            .await?;
        manager.alter_table(Table::alter().table(Members::Table).drop_column(MemberSso::SsoSubject).to_owned()).await?;
        for table in [
            AuditEvents::Table.into_iden(),
            SsoFlows::Table.into_iden(),
            SsoDomains::Table.into_iden(),
            SsoProviders::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SsoProviders {
    Table,
    Id,
    PublicId,
    OrganizationId,
    Name,
    IssuerUrl,
    ClientId,
    ClientSecret,
    Enforced,
    IncludeSubdomains,
    Metadata,
    Jwks,
    FetchedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SsoDomains {
    Table,
    Domain,
    ProviderId,
    OrganizationId,
}

#[derive(DeriveIden)]
enum SsoFlows {
    Table,
    StateHash,
    InvitationId,
    ProviderId,
    PkceVerifier,
    Nonce,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OrganizationId,
    Actor,
    Action,
    Target,
    Details,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MemberSso {
    SsoSubject,
    SsoProviderId,
}
