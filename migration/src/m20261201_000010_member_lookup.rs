//! A sheet's members looked up by id on SQLite: a unique index on `(organization_id,
//! public_id)`. A sheet's checks ask for the tenant's members whose public ids are among
//! 10,000 at a time; with only the unique index on `public_id`, SQLite's planner (without
//! statistics, as on an organization just imported) took the organization's index for a
//! handful of rows, and walked every member of the organization once per 10,000 ids. This index
//! answers both conditions of the lookup, so the planner takes it with or without statistics.
//! It costs only on inserts: SQLite rewrites an index when its columns change, and these never
//! do. PostgreSQL plans the lookup through its unique index on `public_id`, and needs none.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = "CREATE UNIQUE INDEX ux_members_org_public_id ON members (organization_id, public_id)";
        crate::only_on(manager, DatabaseBackend::Sqlite, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::only_on(manager, DatabaseBackend::Sqlite, "DROP INDEX ux_members_org_public_id").await
    }
}
