//! Substring search of members on SQLite: a full-text index of the email and name keys with
//! FTS5's trigram tokenizer (in the SQLite that muster links), kept by triggers. A search of 3
//! characters or more reads the members whose keys hold its trigrams instead of the whole
//! organization; shorter ones still read the organization, as trigrams cannot find them.
//! PostgreSQL has its trigram indexes since the previous migration (`pg_trgm`).
//!
//! The index holds no copy of the keys (`content='members'`): it reads them from `members`
//! when rebuilt, and the triggers hand it the old keys to forget.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE VIRTUAL TABLE members_search USING fts5(
    email_key, name_key, content='members', content_rowid='id', tokenize='trigram'
);
INSERT INTO members_search (members_search) VALUES ('rebuild');
CREATE TRIGGER members_searched_insert AFTER INSERT ON members BEGIN
    INSERT INTO members_search (rowid, email_key, name_key) VALUES (NEW.id, NEW.email_key, NEW.name_key);
END;
CREATE TRIGGER members_searched_update AFTER UPDATE OF email_key, name_key ON members BEGIN
    INSERT INTO members_search (members_search, rowid, email_key, name_key)
        VALUES ('delete', OLD.id, OLD.email_key, OLD.name_key);
    INSERT INTO members_search (rowid, email_key, name_key) VALUES (NEW.id, NEW.email_key, NEW.name_key);
END;
CREATE TRIGGER members_searched_delete AFTER DELETE ON members BEGIN
    INSERT INTO members_search (members_search, rowid, email_key, name_key)
        VALUES ('delete', OLD.id, OLD.email_key, OLD.name_key);
END;
"#;

const DOWN: &str = r#"
DROP TRIGGER members_searched_insert;
DROP TRIGGER members_searched_update;
DROP TRIGGER members_searched_delete;
DROP TABLE members_search;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::only_on(manager, DatabaseBackend::Sqlite, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::only_on(manager, DatabaseBackend::Sqlite, DOWN).await
    }
}
