//! Organizations, their admin API tokens, members, roles and the roles of each member.
//!
//! Every tenant-owned row carries `organization_id`; uniqueness that users rely on is enforced
//! here, by the database, so that two API nodes racing each other cannot break it:
//! one email per organization (case-insensitively, through `email_key`), one role name per
//! organization (through `name_key`), globally unique public ids and token hashes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Sort keys compare byte by byte on both databases, so that keyset pagination and
        // ordering agree everywhere (PostgreSQL would otherwise use the locale's collation).
        let byte_order = |mut column: ColumnDef| {
            if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
                column.extra("COLLATE \"C\"");
            }
            column
        };
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(big_pk_auto(Organizations::Id))
                    .col(string_len_uniq(Organizations::Slug, 64))
                    .col(string_len(Organizations::Name, 200))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(big_pk_auto(ApiTokens::Id))
                    .col(big_integer(ApiTokens::OrganizationId))
                    .col(string_len(ApiTokens::Name, 200))
                    // SHA-256 of the token, hex: the token itself is shown once and never stored.
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(big_pk_auto(Roles::Id))
                    .col(string_len_uniq(Roles::PublicId, 9))
                    .col(big_integer(Roles::OrganizationId))
                    .col(string_len(Roles::Name, 100))
                    .col(byte_order(string_len(Roles::NameKey, 100)))
                    .col(text_null(Roles::Description))
                    .col(timestamp_with_time_zone(Roles::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Roles::Table, Roles::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_roles_org_name_key")
                    .table(Roles::Table)
                    .col(Roles::OrganizationId)
                    .col(Roles::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Members::Table)
                    .col(big_pk_auto(Members::Id))
                    .col(string_len_uniq(Members::PublicId, 9))
                    .col(big_integer(Members::OrganizationId))
                    .col(string_len(Members::Email, 254))
                    // The whole address lower-cased: uniqueness and search are case-insensitive.
                    .col(byte_order(string_len(Members::EmailKey, 254)))
                    .col(string_len_null(Members::Name, 200))
                    // Lower-cased name, '' when there is none: a total order for keyset paging.
                    .col(byte_order(string_len(Members::NameKey, 200)))
                    .col(string_len(Members::Language, 35))
                    // Where the member stands with invitations, kept in step by the invitation
                    // service so that filtering and exporting by status is one indexed query:
                    // `not_invited`, `pending`, `accepted` or `revoked`. A pending invitation whose
                    // `invitation_expires_at` has passed reads as EXPIRED.
                    .col(string_len(Members::InvitationState, 16).default("not_invited"))
                    .col(timestamp_with_time_zone_null(Members::InvitationExpiresAt))
                    .col(timestamp_with_time_zone_null(Members::AcceptedAt))
                    .col(timestamp_with_time_zone(Members::CreatedAt))
                    .col(timestamp_with_time_zone(Members::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ux_members_org_email_key", vec![Members::OrganizationId, Members::EmailKey]),
            ("ix_members_org_name_key", vec![Members::OrganizationId, Members::NameKey, Members::Id]),
            ("ix_members_org_state", vec![Members::OrganizationId, Members::InvitationState]),
            // Sheets look members up by public id within the organization, thousands at a time.
            ("ix_members_org_public_id", vec![Members::OrganizationId, Members::PublicId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Members::Table);
            for col in cols {
                index.col(col);
            }
            if name.starts_with("ux_") {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(MemberRoles::Table)
                    .col(big_integer(MemberRoles::MemberId))
                    .col(big_integer(MemberRoles::RoleId))
                    .primary_key(Index::create().col(MemberRoles::MemberId).col(MemberRoles::RoleId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberRoles::Table, MemberRoles::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberRoles::Table, MemberRoles::RoleId)
                            .to(Roles::Table, Roles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_member_roles_role")
                    .table(MemberRoles::Table)
                    .col(MemberRoles::RoleId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MemberRoles::Table.into_iden(),
            Members::Table.into_iden(),
            Roles::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum Organizations {
    Table,
    Id,
    Slug,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    OrganizationId,
    Name,
    TokenHash,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Roles {
    Table,
    Id,
    PublicId,
    OrganizationId,
    Name,
    NameKey,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Members {
    Table,
    Id,
    PublicId,
    OrganizationId,
    Email,
    EmailKey,
    Name,
    NameKey,
    Language,
    InvitationState,
    InvitationExpiresAt,
    AcceptedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MemberRoles {
    Table,
    MemberId,
    RoleId,
}
