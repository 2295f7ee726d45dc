//! Benchmarks, each on a fresh database of its own (a SQLite file, or a database made on the
//! PostgreSQL server given with `--postgres` and dropped after), printing figures:
//! - `muster bench invitations`: one sheet of N rows through `POST /invitations/links`, end
//!   to end ([`invitations`]);
//! - `muster bench mail`: one sheet sent by muster (`send=true`), every message delivered to
//!   a local SMTP sink ([`mail`], [`smtp_sink`]);
//! - `muster bench load`: a minute of admins paging through members at 64 connections against
//!   a separate muster process, with its memory over time ([`load`]);
//! - `muster bench members`: every members page shape, single client and under load, against
//!   another build when asked ([`members`]);
//! - `muster bench sheet`: reading a sheet into rows alone, from CSV and from a workbook, no
//!   database ([`sheet`]).
//!
//! [`seed`] fills an organization through the services, [`api`] through the API (any build);
//! [`server`] runs a muster binary in a process of its own.

pub mod api;
pub mod floor;
pub mod invitations;
pub mod load;
pub mod mail;
pub mod members;
pub mod seed;
pub mod server;
pub mod sheet;
pub mod smtp_sink;

use anyhow::Context as _;
use sea_orm::ConnectionTrait;

pub use invitations::InvitationsArgs;
pub use load::LoadArgs;
pub use mail::MailArgs;
pub use members::MembersArgs;
pub use sheet::SheetArgs;

/// A database made for one run, and removed after it.
pub struct FreshDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(std::path::PathBuf),
    Postgres { admin: sea_orm::DatabaseConnection, name: String },
}

impl FreshDatabase {
    /// On the PostgreSQL server `postgres` (`postgres://user@host:port`), or a SQLite file.
    pub async fn create(postgres: Option<&str>) -> anyhow::Result<Self> {
        match postgres {
            Some(server) => {
                let server = server.trim_end_matches('/').to_owned();
                let name = format!("muster_bench_{}", uuid::Uuid::new_v4().simple());
                let mut options = sea_orm::ConnectOptions::new(format!("{server}/postgres"));
                options.sqlx_logging(false);
                let admin = sea_orm::Database::connect(options).await.context("PostgreSQL server")?;
                admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
                Ok(Self { url: format!("{server}/{name}"), cleanup: Cleanup::Postgres { admin, name } })
            }
            None => {
                let dir = std::env::temp_dir().join(format!("muster-bench-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir)?;
                let url = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
                Ok(Self { url, cleanup: Cleanup::Sqlite(dir) })
            }
        }
    }

    pub fn backend(&self) -> &'static str {
        if self.url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" }
    }

    /// As a production database would be after loading: statistics on the tables just filled
    /// and, on PostgreSQL, vacuumed (hint bits set, so that timed requests do not write them).
    pub async fn settle(&self, conn: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
        let sql = if self.backend() == "PostgreSQL" { "VACUUM ANALYZE" } else { "ANALYZE" };
        conn.execute_unprepared(sql).await?;
        Ok(())
    }

    pub async fn remove(self) {
        match self.cleanup {
            Cleanup::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin, name } => {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
            }
        }
    }
}

/// Linux: resets the peak resident set size of a process (`self`, or a pid of this user), so
/// the next reading covers only what follows (writing 5 to clear_refs).
fn reset_peak_memory(process: &str) {
    let _ = std::fs::write(format!("/proc/{process}/clear_refs"), "5");
}

/// A memory figure (`VmHWM:`, `VmRSS:`) of a process (`self`, or a pid) from
/// `/proc/<pid>/status` (Linux), in MB.
fn memory_mb(process: &str, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn mb(figure: Option<f64>) -> String {
    figure.map_or_else(|| "unknown".to_owned(), |mb| format!("{mb:.0} MB"))
}
