//! The outbox of invitation emails: one row per message muster was asked to send, written in
//! the same transaction as its invitation, so that neither exists without the other. Any node
//! sends what is due; the row is the only state a message has.
//!
//! `due_at` is when a node may next take the message: its next attempt while `queued`, the end
//! of the lease of the node sending it while `sending` (a node that dies mid-send leaves a
//! lease that expires, and another node takes the message over). One partial index on it finds
//! what is due without reading what was sent.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{m20261130_000001_create_core_tables::Organizations, m20261130_000002_create_invitations::Invitations};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailMessages::Table)
                    .col(big_pk_auto(MailMessages::Id))
                    .col(big_integer(MailMessages::OrganizationId))
                    // One message per invitation: a resend is a new invitation.
                    .col(big_integer_uniq(MailMessages::InvitationId))
                    // `queued`, `sending`, `sent`, `failed` or `cancelled`.
                    .col(string_len(MailMessages::Status, 16))
                    .col(integer(MailMessages::Attempts).default(0))
                    .col(timestamp_with_time_zone(MailMessages::DueAt))
                    // The link, sealed with MUSTER_SECRET_KEY for its invitation's token hash;
                    // erased once the message is sent, failed or cancelled.
                    .col(text_null(MailMessages::SealedLink))
                    // The mail server's last reply (or why it could not be reached).
                    .col(text_null(MailMessages::LastError))
                    .col(timestamp_with_time_zone_null(MailMessages::SentAt))
                    .col(timestamp_with_time_zone(MailMessages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailMessages::Table, MailMessages::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailMessages::Table, MailMessages::InvitationId)
                            .to(Invitations::Table, Invitations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // What is due, in the order it fell due: the only rows a sending node reads.
        db.execute_unprepared(
            "CREATE INDEX ix_mail_messages_due ON mail_messages (due_at) WHERE status IN ('queued', 'sending')",
        )
        .await?;
        // The deliveryStatus filter of an organization's invitations.
        db.execute_unprepared(
            "CREATE INDEX ix_mail_messages_organization_status ON mail_messages (organization_id, status, invitation_id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MailMessages::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum MailMessages {
    Table,
    Id,
    OrganizationId,
    InvitationId,
    Status,
    Attempts,
    DueAt,
    SealedLink,
    LastError,
    SentAt,
    CreatedAt,
}
