//! Invitations and what they need: the batches sheets are issued in, the roles each
//! invitation grants, and the shared rate-limit counters that every API node reads.
//!
//! "A member has at most one pending invitation" is enforced by a partial unique index, so
//! that two nodes issuing at once cannot both leave a live link behind.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261130_000001_create_core_tables::{Members, Organizations, Roles};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InvitationBatches::Table)
                    .col(big_pk_auto(InvitationBatches::Id))
                    .col(string_len_uniq(InvitationBatches::PublicId, 9))
                    .col(big_integer(InvitationBatches::OrganizationId))
                    .col(string_len(InvitationBatches::CreatedBy, 200))
                    .col(string_len_null(InvitationBatches::FileName, 255))
                    .col(integer(InvitationBatches::RowCount))
                    .col(integer(InvitationBatches::IssuedCount))
                    .col(integer(InvitationBatches::SkippedCount))
                    .col(timestamp_with_time_zone(InvitationBatches::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InvitationBatches::Table, InvitationBatches::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(big_pk_auto(Invitations::Id))
                    .col(string_len_uniq(Invitations::PublicId, 9))
                    .col(big_integer(Invitations::OrganizationId))
                    .col(big_integer(Invitations::MemberId))
                    .col(big_integer_null(Invitations::BatchId))
                    .col(string_len(Invitations::Email, 254))
                    .col(string_len(Invitations::Language, 35))
                    // SHA-256 of the link's token, hex: the token itself is never stored.
                    .col(string_len_uniq(Invitations::TokenHash, 64))
                    // `pending`, `accepted` or `revoked`; EXPIRED is `pending` past `expires_at`.
                    .col(string_len(Invitations::Status, 16))
                    .col(string_len(Invitations::CreatedBy, 200))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                    .col(timestamp_with_time_zone_null(Invitations::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::BatchId)
                            .to(InvitationBatches::Table, InvitationBatches::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_invitations_member", vec![Invitations::MemberId, Invitations::Id]),
            ("ix_invitations_org", vec![Invitations::OrganizationId, Invitations::Id]),
            ("ix_invitations_batch", vec![Invitations::BatchId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Invitations::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // Same SQL on SQLite and PostgreSQL: both have partial indexes.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_invitations_one_pending ON invitations (member_id) WHERE status = 'pending'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InvitationRoles::Table)
                    .col(big_integer(InvitationRoles::InvitationId))
                    .col(big_integer(InvitationRoles::RoleId))
                    .primary_key(Index::create().col(InvitationRoles::InvitationId).col(InvitationRoles::RoleId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InvitationRoles::Table, InvitationRoles::InvitationId)
                            .to(Invitations::Table, Invitations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(InvitationRoles::Table, InvitationRoles::RoleId)
                            .to(Roles::Table, Roles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .col(string_len(RateLimits::Key, 200).primary_key())
                    .col(timestamp_with_time_zone(RateLimits::WindowStart))
                    .col(integer(RateLimits::Count))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rate_limits_window")
                    .table(RateLimits::Table)
                    .col(RateLimits::WindowStart)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RateLimits::Table.into_iden(),
            InvitationRoles::Table.into_iden(),
            Invitations::Table.into_iden(),
            InvitationBatches::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum InvitationBatches {
    Table,
    Id,
    PublicId,
    OrganizationId,
    CreatedBy,
    FileName,
    RowCount,
    IssuedCount,
    SkippedCount,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Invitations {
    Table,
    Id,
    PublicId,
    OrganizationId,
    MemberId,
    BatchId,
    Email,
    Language,
    TokenHash,
    Status,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
pub(crate) enum InvitationRoles {
    Table,
    InvitationId,
    RoleId,
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    WindowStart,
    Count,
}
