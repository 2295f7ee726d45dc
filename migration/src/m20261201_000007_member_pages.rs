//! Members pages at the size of a real organization (100,000 members and more):
//! - `member_counts`: how many members each organization has in each stored invitation state,
//!   kept exact by triggers in the same transaction as every insert, state change and delete.
//!   A count by status (or of everyone) is then a few rows, not a scan of the organization.
//!   Triggers rather than service code: no path that writes members can forget them. An index
//!   on the state instead would make marking a sheet's members pending a non-HOT update on
//!   PostgreSQL, rewriting every index of every row (measured 4.5 times slower).
//! - `roles.member_count`: how many members hold the role, kept the same way by triggers on
//!   `member_roles` (whose rows are only ever inserted and deleted).
//! - which pending invitations have run out, for the split of stored `pending` into PENDING
//!   and EXPIRED: a partial index on invitations (organization, expiry) of pending ones.
//! - the default order on SQLite: `(organization_id, id)` (PostgreSQL has it as a unique key).
//!   Without it SQLite's planner may read the organization through another index and sort it.
//! - the language filter, in the default order: `(organization_id, language, id)`.
//! - the role filter and role counts: `member_roles (role_id, member_id)` replaces `(role_id)`.
//! - substring search on PostgreSQL: trigram indexes on the email and name keys (`pg_trgm`,
//!   from the server's contrib). Where the extension cannot be created, search keeps working
//!   by reading the organization's members, and the migration says so.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The counters, filled from the rows already there; the triggers that keep them follow.
const COUNTERS: &str = r#"
CREATE TABLE member_counts (
    organization_id bigint NOT NULL,
    state varchar(16) NOT NULL,
    members bigint NOT NULL,
    PRIMARY KEY (organization_id, state)
);
INSERT INTO member_counts (organization_id, state, members)
    SELECT organization_id, invitation_state, count(*) FROM members GROUP BY organization_id, invitation_state;
ALTER TABLE roles ADD COLUMN member_count bigint NOT NULL DEFAULT 0;
UPDATE roles SET member_count = (SELECT count(*) FROM member_roles WHERE member_roles.role_id = roles.id);
"#;

const POSTGRES_COUNTS: &str = r#"
-- One statement, whatever the number of rows it changed: the rows before (-1 each) and after
-- (+1 each) are summed by organization and state. Counter rows are updated in key order, so
-- two transactions never wait on each other's counters crosswise.
CREATE FUNCTION muster_count_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO member_counts AS c (organization_id, state, members)
            SELECT organization_id, invitation_state, count(*) FROM new_rows
            GROUP BY organization_id, invitation_state ORDER BY organization_id, invitation_state
        ON CONFLICT (organization_id, state) DO UPDATE SET members = c.members + EXCLUDED.members;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO member_counts AS c (organization_id, state, members)
            SELECT organization_id, invitation_state, -count(*) FROM old_rows
            GROUP BY organization_id, invitation_state ORDER BY organization_id, invitation_state
        ON CONFLICT (organization_id, state) DO UPDATE SET members = c.members + EXCLUDED.members;
    ELSE
        INSERT INTO member_counts AS c (organization_id, state, members)
            SELECT organization_id, state, sum(delta) FROM (
                SELECT organization_id, invitation_state AS state, -1 AS delta FROM old_rows
                UNION ALL
                SELECT organization_id, invitation_state, 1 FROM new_rows
            ) AS moved
            GROUP BY organization_id, state HAVING sum(delta) <> 0 ORDER BY organization_id, state
        ON CONFLICT (organization_id, state) DO UPDATE SET members = c.members + EXCLUDED.members;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER members_counted_insert AFTER INSERT ON members
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION muster_count_members();
CREATE TRIGGER members_counted_update AFTER UPDATE ON members
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION muster_count_members();
CREATE TRIGGER members_counted_delete AFTER DELETE ON members
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION muster_count_members();
"#;

const POSTGRES_ROLE_COUNTS: &str = r#"
-- The roles' rows are locked in id order first: two acceptances granting the same roles
-- then never wait on each other crosswise (a deadlock), whatever order the update visits them.
CREATE FUNCTION muster_count_role_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM roles WHERE id IN (SELECT role_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
        UPDATE roles SET member_count = roles.member_count + held.n
        FROM (SELECT role_id, count(*) AS n FROM new_rows GROUP BY role_id) AS held WHERE roles.id = held.role_id;
    ELSE
        PERFORM 1 FROM roles WHERE id IN (SELECT role_id FROM old_rows) ORDER BY id FOR NO KEY UPDATE;
        UPDATE roles SET member_count = roles.member_count - held.n
        FROM (SELECT role_id, count(*) AS n FROM old_rows GROUP BY role_id) AS held WHERE roles.id = held.role_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER member_roles_counted_insert AFTER INSERT ON member_roles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION muster_count_role_members();
CREATE TRIGGER member_roles_counted_delete AFTER DELETE ON member_roles
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION muster_count_role_members();
"#;

const POSTGRES_SEARCH: &str = r#"
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'pg_trgm cannot be created here (%): member search will read the organization''s members', SQLERRM;
END $$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX ix_members_email_trgm ON members USING gin (email_key gin_trgm_ops);
        CREATE INDEX ix_members_name_trgm ON members USING gin (name_key gin_trgm_ops);
    END IF;
END $$;
"#;

// PostgreSQL has it already: the unique (organization_id, id) that invitations reference.
const SQLITE_ORDER: &str = "CREATE INDEX ix_members_org_id ON members (organization_id, id);";

const SQLITE_COUNTS: &str = r#"
CREATE TRIGGER members_counted_insert AFTER INSERT ON members BEGIN
    INSERT INTO member_counts (organization_id, state, members) VALUES (NEW.organization_id, NEW.invitation_state, 1)
    ON CONFLICT (organization_id, state) DO UPDATE SET members = members + 1;
END;
CREATE TRIGGER members_counted_update AFTER UPDATE OF invitation_state ON members
WHEN OLD.invitation_state IS NOT NEW.invitation_state BEGIN
    UPDATE member_counts SET members = members - 1
    WHERE organization_id = OLD.organization_id AND state = OLD.invitation_state;
    INSERT INTO member_counts (organization_id, state, members) VALUES (NEW.organization_id, NEW.invitation_state, 1)
    ON CONFLICT (organization_id, state) DO UPDATE SET members = members + 1;
END;
CREATE TRIGGER members_counted_delete AFTER DELETE ON members BEGIN
    UPDATE member_counts SET members = members - 1
    WHERE organization_id = OLD.organization_id AND state = OLD.invitation_state;
END;
"#;

const SQLITE_ROLE_COUNTS: &str = r#"
CREATE TRIGGER member_roles_counted_insert AFTER INSERT ON member_roles BEGIN
    UPDATE roles SET member_count = member_count + 1 WHERE id = NEW.role_id;
END;
CREATE TRIGGER member_roles_counted_delete AFTER DELETE ON member_roles BEGIN
    UPDATE roles SET member_count = member_count - 1 WHERE id = OLD.role_id;
END;
"#;

const INDEXES: &str = r#"
CREATE INDEX ix_members_org_language ON members (organization_id, language, id);
CREATE INDEX ix_member_roles_role_member ON member_roles (role_id, member_id);
DROP INDEX ix_member_roles_role;
CREATE INDEX ix_invitations_org_pending_expiry ON invitations (organization_id, expires_at) WHERE status = 'pending';
"#;

const DROP_INDEXES: &str = r#"
DROP INDEX ix_invitations_org_pending_expiry;
CREATE INDEX ix_member_roles_role ON member_roles (role_id);
DROP INDEX ix_member_roles_role_member;
DROP INDEX ix_members_org_language;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(INDEXES).await?;
        db.execute_unprepared(COUNTERS).await?;
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(POSTGRES_COUNTS).await?;
                db.execute_unprepared(POSTGRES_ROLE_COUNTS).await?;
                db.execute_unprepared(POSTGRES_SEARCH).await?;
            }
            _ => {
                db.execute_unprepared(SQLITE_ORDER).await?;
                db.execute_unprepared(SQLITE_COUNTS).await?;
                db.execute_unprepared(SQLITE_ROLE_COUNTS).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        for (trigger, table) in [
            ("members_counted_insert", "members"),
            ("members_counted_update", "members"),
            ("members_counted_delete", "members"),
            ("member_roles_counted_insert", "member_roles"),
            ("member_roles_counted_delete", "member_roles"),
        ] {
            let on = if postgres { format!(" ON {table}") } else { String::new() };
            db.execute_unprepared(&format!("DROP TRIGGER {trigger}{on}")).await?;
        }
        if postgres {
            db.execute_unprepared(
                "DROP FUNCTION muster_count_members(); DROP FUNCTION muster_count_role_members(); \
                 DROP INDEX IF EXISTS ix_members_email_trgm; DROP INDEX IF EXISTS ix_members_name_trgm;",
            )
            .await?;
        } else {
            db.execute_unprepared("DROP INDEX ix_members_org_id").await?;
        }
        db.execute_unprepared("DROP TABLE member_counts").await?;
        db.execute_unprepared("ALTER TABLE roles DROP COLUMN member_count").await?;
        db.execute_unprepared(DROP_INDEXES).await?;
        Ok(())
    }
}
