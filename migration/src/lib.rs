//! The database schema of muster, as sea-orm migrations. Each migration has an `up` and a `down`;
//! the same code runs on SQLite (the embedded default) and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261130_000001_create_core_tables;
mod m20261130_000002_create_invitations;
mod m20261130_000003_create_identity;
mod m20261130_000004_bulk_issue;
mod m20261201_000005_hardening;
mod m20261201_000006_provider_kinds;
mod m20261201_000007_member_pages;
mod m20261201_000008_member_search;
mod m20261201_000009_mail_outbox;
mod m20261201_000010_member_lookup;
mod m20261201_000011_invitation_inserts;
mod m20261201_000012_member_state_by_language;
mod m20261206_000013_invitation_members;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_000001_create_core_tables::Migration),
            Box::new(m20261130_000002_create_invitations::Migration),
            Box::new(m20261130_000003_create_identity::Migration),
            Box::new(m20261130_000004_bulk_issue::Migration),
            Box::new(m20261201_000005_hardening::Migration),
            Box::new(m20261201_000006_provider_kinds::Migration),
            Box::new(m20261201_000007_member_pages::Migration),
            Box::new(m20261201_000008_member_search::Migration),
            Box::new(m20261201_000009_mail_outbox::Migration),
            Box::new(m20261201_000010_member_lookup::Migration),
            Box::new(m20261201_000011_invitation_inserts::Migration),
            Box::new(m20261201_000012_member_state_by_language::Migration),
            Box::new(m20261206_000013_invitation_members::Migration),
        ]
    }
}

/// Runs `sql` on `backend` only: for migrations that change one database's schema, where the
/// other needs nothing (it has no such feature, or no such cost).
pub(crate) async fn only_on(
    manager: &SchemaManager<'_>,
    backend: sea_orm_migration::sea_orm::DatabaseBackend,
    sql: &str,
) -> Result<(), DbErr> {
    if manager.get_database_backend() == backend {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}
