//! Cheaper invitation inserts on PostgreSQL, where a sheet of 100,000 rows spent most of its
//! time in what each new invitation row costs beyond the row itself. Measured in `psql` on
//! 100,000 members (2 cores, PostgreSQL 15, vacuumed between runs), one `INSERT … SELECT` of
//! 100,000 invitations: 1.74–1.85 s before, 1.35–1.40 s after.
//! - The token hash is found through a hash index rather than a unique b-tree. Every new hash
//!   lands at a random place in a b-tree of 64-character keys; a hash index stores a 4-byte
//!   code per row. A link is only ever looked up by equality, and two tokens of 256 random
//!   bits do not meet, so the uniqueness the b-tree enforced was never what kept links apart.
//!   (Measured alone: 1.57–1.59 s instead of 1.74–1.85.)
//! - The batch an invitation names is checked once per statement rather than once per row.
//!   A foreign key runs a lookup and a row lock of the batch for each invitation: 100,000 of
//!   them on the same batch row. The triggers below keep what the key guaranteed: an
//!   invitation never names a batch that does not exist (the batches named are locked as the
//!   key locked them, against a delete meanwhile), and deleting a batch leaves its invitations
//!   with no batch (`ON DELETE SET NULL`), as before.
//!
//! SQLite keeps its unique index and its key: it has no hash index, its key checks are cheap,
//! and changing a key there means rebuilding the table.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
ALTER TABLE invitations DROP CONSTRAINT invitations_token_hash_key;
CREATE INDEX ix_invitations_token_hash ON invitations USING hash (token_hash);
ALTER TABLE invitations DROP CONSTRAINT invitations_batch_id_fkey;

-- The batches that new invitations name exist, and stay until this transaction ends.
CREATE FUNCTION muster_invitation_batches_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named bigint;
    found bigint;
BEGIN
    SELECT count(DISTINCT batch_id) INTO named FROM new_rows;
    IF named = 0 THEN
        RETURN NULL;
    END IF;
    SELECT count(*) INTO found FROM (
        SELECT 1 FROM invitation_batches WHERE id IN (SELECT batch_id FROM new_rows) FOR KEY SHARE
    ) locked;
    IF found < named THEN
        RAISE EXCEPTION 'an invitation names a batch that does not exist'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'invitations_batch_fkey', TABLE = 'invitations';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invitations_batch_inserted AFTER INSERT ON invitations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION muster_invitation_batches_exist();

-- An invitation moved to another batch: the same check, for the rows whose batch changed
-- (muster never does this; the database still refuses a batch that does not exist).
CREATE FUNCTION muster_invitation_batch_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM invitation_batches WHERE id = NEW.batch_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'an invitation names a batch that does not exist'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'invitations_batch_fkey', TABLE = 'invitations';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invitations_batch_changed AFTER UPDATE OF batch_id ON invitations FOR EACH ROW
    WHEN (NEW.batch_id IS NOT NULL AND NEW.batch_id IS DISTINCT FROM OLD.batch_id)
    EXECUTE FUNCTION muster_invitation_batch_exists();

-- A batch deleted: its invitations keep no batch. A batch's id never changes.
CREATE FUNCTION muster_invitation_batches_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE invitations SET batch_id = NULL WHERE batch_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER invitation_batches_deleted AFTER DELETE ON invitation_batches
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION muster_invitation_batches_deleted();
CREATE FUNCTION muster_invitation_batch_id_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a batch keeps its id'
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'invitations_batch_fkey', TABLE = 'invitation_batches';
END $$;
CREATE TRIGGER invitation_batches_id_kept BEFORE UPDATE OF id ON invitation_batches FOR EACH ROW
    WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION muster_invitation_batch_id_kept();
"#;

const DOWN: &str = r#"
DROP TRIGGER invitation_batches_id_kept ON invitation_batches;
DROP FUNCTION muster_invitation_batch_id_kept();
DROP TRIGGER invitation_batches_deleted ON invitation_batches;
DROP FUNCTION muster_invitation_batches_deleted();
DROP TRIGGER invitations_batch_changed ON invitations;
DROP FUNCTION muster_invitation_batch_exists();
DROP TRIGGER invitations_batch_inserted ON invitations;
DROP FUNCTION muster_invitation_batches_exist();
ALTER TABLE invitations ADD CONSTRAINT invitations_batch_id_fkey FOREIGN KEY (batch_id)
    REFERENCES invitation_batches (id) ON DELETE SET NULL;
DROP INDEX ix_invitations_token_hash;
ALTER TABLE invitations ADD CONSTRAINT invitations_token_hash_key UNIQUE (token_hash);
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
