//! Issuing 100,000 invitations in seconds: what the bulk path writes per row, cut down.
//!
//! - An invitation's roles move from one `invitation_roles` row per role (two foreign-key
//!   checks each: on PostgreSQL, more than a second per 100,000 invitations) into a
//!   `role_ids` column on the invitation, a JSON array of role row ids. The roles are the
//!   intent of the invitation; acceptance grants those that still exist in the organization,
//!   as the cascade did when a role was deleted.
//! - Members lose two indexes: `(organization_id, public_id)` repeated the unique index on
//!   `public_id`, and `(organization_id, invitation_state)` made every change of state a
//!   non-HOT update on PostgreSQL (a new entry in each index of the table). On PostgreSQL the
//!   members table also leaves half of each page free, so that marking a whole sheet of
//!   members pending rewrites each row in place, on its own page (measured: 36 ms per 10,000
//!   members instead of 126 ms).
//! - On PostgreSQL an invitation references its member by `(organization_id, member_id)`: one
//!   foreign-key check per row instead of two (member, organization), and the database itself
//!   now refuses an invitation whose organization is not its member's. SQLite keeps its two
//!   keys: changing them means rebuilding the table there, and its checks are cheap.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

use crate::{
    m20261130_000001_create_core_tables::{Members, Roles},
    m20261130_000002_create_invitations::{InvitationRoles, Invitations},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        let db = manager.get_connection();
        manager
            .alter_table(
                Table::alter().table(Invitations::Table).add_column(text(RoleIds::RoleIds).default("[]")).to_owned(),
            )
            .await?;
        db.execute_unprepared(if postgres {
            "UPDATE invitations SET role_ids = COALESCE((SELECT json_agg(role_id ORDER BY role_id)::text \
             FROM invitation_roles WHERE invitation_id = invitations.id), '[]')"
        } else {
            "UPDATE invitations SET role_ids = COALESCE((SELECT json_group_array(role_id) FROM \
             (SELECT role_id FROM invitation_roles WHERE invitation_id = invitations.id ORDER BY role_id)), '[]')"
        })
        .await?;
        manager.drop_table(Table::drop().table(InvitationRoles::Table).to_owned()).await?;

        for name in ["ix_members_org_public_id", "ix_members_org_state"] {
            manager.drop_index(Index::drop().name(name).table(Members::Table).to_owned()).await?;
        }
        if postgres {
            db.execute_unprepared("ALTER TABLE members SET (fillfactor = 50)").await?;
            db.execute_unprepared("ALTER TABLE members ADD CONSTRAINT ux_members_org_id UNIQUE (organization_id, id)")
                .await?;
            db.execute_unprepared(
                "ALTER TABLE invitations DROP CONSTRAINT invitations_member_id_fkey, \
                 DROP CONSTRAINT invitations_organization_id_fkey, \
                 ADD CONSTRAINT invitations_member_fkey FOREIGN KEY (organization_id, member_id) \
                 REFERENCES members (organization_id, id) ON DELETE CASCADE",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        let db = manager.get_connection();
        if postgres {
            db.execute_unprepared(
                "ALTER TABLE invitations DROP CONSTRAINT invitations_member_fkey, \
                 ADD CONSTRAINT invitations_member_id_fkey FOREIGN KEY (member_id) \
                 REFERENCES members (id) ON DELETE CASCADE, \
                 ADD CONSTRAINT invitations_organization_id_fkey FOREIGN KEY (organization_id) \
                 REFERENCES organizations (id) ON DELETE CASCADE",
            )
            .await?;
            db.execute_unprepared("ALTER TABLE members DROP CONSTRAINT ux_members_org_id").await?;
            db.execute_unprepared("ALTER TABLE members RESET (fillfactor)").await?;
        }
        for (name, cols) in [
            ("ix_members_org_state", [Members::OrganizationId, Members::InvitationState]),
            ("ix_members_org_public_id", [Members::OrganizationId, Members::PublicId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Members::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }

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
        // Only roles that still exist, in the invitation's organization: the column has no
        // foreign key, the table has.
        db.execute_unprepared(if postgres {
            "INSERT INTO invitation_roles (invitation_id, role_id) SELECT i.id, r.value::bigint \
             FROM invitations i, json_array_elements_text(i.role_ids::json) r \
             WHERE r.value::bigint IN (SELECT id FROM roles WHERE organization_id = i.organization_id) \
             ON CONFLICT DO NOTHING"
        } else {
            "INSERT OR IGNORE INTO invitation_roles (invitation_id, role_id) SELECT i.id, r.value \
             FROM invitations i, json_each(i.role_ids) r \
             WHERE r.value IN (SELECT id FROM roles WHERE organization_id = i.organization_id)"
        })
        .await?;
        manager.alter_table(Table::alter().table(Invitations::Table).drop_column(RoleIds::RoleIds).to_owned()).await
    }
}

/// The new column of `invitations`.
#[derive(DeriveIden)]
enum RoleIds {
    RoleIds,
}
