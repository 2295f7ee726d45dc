//! On PostgreSQL, the member each new invitation names is checked once per statement rather
//! than once per row. The foreign key from an invitation to its member ran, for each row, a
//! lookup and a lock of that member through the server's interface for SQL run inside it:
//! for a sheet of 100,000 rows, 100,000 of them. One statement over the inserted rows does the
//! same lookups and locks in one plan. Measured in `psql` on 100,000 members (2 cores,
//! PostgreSQL 15, vacuumed between runs), the members marked and then 100,000 invitations
//! inserted in one transaction, as muster does: the insert took 1.39–1.44 s with the key,
//! 1.08–1.17 s with the check below, 0.97–0.99 s with no check at all.
//!
//! The triggers keep what the key guaranteed, as migration 11 did for batches:
//! - an invitation names a member of its own organization (`(organization_id, member_id)`),
//!   locked as the key locked it (`FOR KEY SHARE`), so that a delete meanwhile waits for the
//!   insert's transaction and then takes the new invitations with it;
//! - deleting members deletes their invitations (`ON DELETE CASCADE`), and with them what
//!   hangs on those (mail, sign-in flows) through their own keys;
//! - a member named by invitations keeps its id and organization (the key's `NO ACTION`).
//!
//! SQLite keeps its key: its checks are cheap, and changing a key there means rebuilding the
//! table.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
ALTER TABLE invitations DROP CONSTRAINT invitations_member_fkey;

-- The members that new invitations name exist in the invitations' organization, and stay
-- until this transaction ends. The lock sits in the probe, so only rows found are locked, and
-- a member this transaction has already updated (the sheet marks its members first) is
-- locked already, at no cost.
CREATE FUNCTION muster_invitation_members_exist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM new_rows n WHERE NOT EXISTS (
        SELECT 1 FROM members m WHERE m.organization_id = n.organization_id AND m.id = n.member_id
        FOR KEY SHARE OF m
    );
    IF FOUND THEN
        RAISE EXCEPTION 'an invitation names a member that is not in its organization'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'invitations_member_fkey', TABLE = 'invitations';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invitations_member_inserted AFTER INSERT ON invitations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION muster_invitation_members_exist();

-- An invitation moved to another member or organization (muster never does this): the same
-- check, for the rows whose member changed.
CREATE FUNCTION muster_invitation_member_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM members WHERE organization_id = NEW.organization_id AND id = NEW.member_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'an invitation names a member that is not in its organization'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'invitations_member_fkey', TABLE = 'invitations';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invitations_member_changed AFTER UPDATE OF organization_id, member_id ON invitations FOR EACH ROW
    WHEN ((NEW.organization_id, NEW.member_id) IS DISTINCT FROM (OLD.organization_id, OLD.member_id))
    EXECUTE FUNCTION muster_invitation_member_exists();

-- Members deleted: their invitations go too (through `ix_invitations_member`).
CREATE FUNCTION muster_invitation_members_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM invitations WHERE member_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER members_invitations_deleted AFTER DELETE ON members
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION muster_invitation_members_deleted();

-- A member named by invitations keeps its id and organization.
CREATE FUNCTION muster_invited_member_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM invitations WHERE member_id = OLD.id) THEN
        RAISE EXCEPTION 'a member with invitations keeps its id and organization'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'invitations_member_fkey', TABLE = 'members';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER members_invited_kept BEFORE UPDATE OF id, organization_id ON members FOR EACH ROW
    WHEN ((NEW.id, NEW.organization_id) IS DISTINCT FROM (OLD.id, OLD.organization_id))
    EXECUTE FUNCTION muster_invited_member_kept();
"#;

const DOWN: &str = r#"
DROP TRIGGER members_invited_kept ON members;
DROP FUNCTION muster_invited_member_kept();
DROP TRIGGER members_invitations_deleted ON members;
DROP FUNCTION muster_invitation_members_deleted();
DROP TRIGGER invitations_member_changed ON invitations;
DROP FUNCTION muster_invitation_member_exists();
DROP TRIGGER invitations_member_inserted ON invitations;
DROP FUNCTION muster_invitation_members_exist();
ALTER TABLE invitations ADD CONSTRAINT invitations_member_fkey FOREIGN KEY (organization_id, member_id)
    REFERENCES members (organization_id, id) ON DELETE CASCADE;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::only_on(manager, DatabaseBackend::Postgres, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::only_on(manager, DatabaseBackend::Postgres, DOWN).await
    }
}
