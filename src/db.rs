//! The database: connecting (SQLite, the embedded default, or PostgreSQL), migrating, and the
//! few SQL helpers every service shares (lists as one JSON parameter, substring patterns).

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ColumnTrait, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
    sea_query::{BinOper, Expr, LikeExpr, SimpleExpr},
    sqlx::{
        self,
        sqlite::{SqliteJournalMode, SqliteSynchronous},
    },
};

/// Counts the SQL statements a connection runs: tests use it to prove that a page of members
/// costs the same number of statements whatever its size.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The longest a PostgreSQL statement may run.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a statement may run inside [`long_statements`].
pub const LONG_STATEMENT_TIMEOUT: Duration = Duration::from_secs(300);

/// Lets the statements of this transaction run up to [`LONG_STATEMENT_TIMEOUT`] on PostgreSQL
/// (issuing 200,000 invitations); SQLite has no statement timeout.
pub async fn long_statements(txn: &impl sea_orm::ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        let sql = format!("SET LOCAL statement_timeout = '{}s'", LONG_STATEMENT_TIMEOUT.as_secs());
        txn.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// Begins a transaction that writes. On SQLite it takes the file's write lock at `BEGIN`
/// (`IMMEDIATE`), waiting up to the lock timeout for another writer: a deferred transaction
/// that read first could not wait at its first write (its snapshot would be stale) and would
/// fail at once with "database is locked" whenever two admins write together.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    let immediate = db.get_database_backend() == DbBackend::Sqlite;
    let mode = immediate.then_some(SqliteTransactionMode::Immediate);
    db.begin_with_options(TransactionOptions { sqlite_transaction_mode: mode, ..Default::default() }).await
}

/// How to connect: the pool's size, which statements count as slow, how long a SQLite writer
/// waits for another's lock.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub max_connections: u32,
    /// Statements slower than this are logged at `warn`, with the start of their SQL (never
    /// their values, which may hold personal data).
    pub slow_statement: Duration,
    /// SQLite: how long a write waits for the file's lock before answering `UNAVAILABLE`.
    pub lock_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self { max_connections: 10, slow_statement: Duration::from_millis(500), lock_timeout: Duration::from_secs(10) }
    }
}

/// How long a request waits for a connection from the pool, or for a new one to open: short,
/// so that a database gone away is a prompt `UNAVAILABLE`, not a request hanging.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn connect(url: &str, settings: Settings) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(settings.max_connections.max(1))
        .min_connections(0)
        .connect_timeout(CONNECT_TIMEOUT)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .sqlx_logging(false)
        // WAL lets readers go on while one writer writes; foreign keys are off in SQLite unless
        // asked for; a writer waits for the lock (a while) rather than failing at once.
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(settings.lock_timeout)
        })
        // No statement holds a connection (and its locks) for ever; issuing a sheet, the one
        // long job, raises its own limit (`long_statements`).
        .map_sqlx_postgres_opts(|opts| {
            opts.options([("statement_timeout", format!("{}s", STATEMENT_TIMEOUT.as_secs()))])
        });
    let mut db = Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact(url)))?;
    let counter = StatementCounter::default();
    let count = counter.0.clone();
    let slow = settings.slow_statement;
    db.set_metric_callback(move |info| {
        count.fetch_add(1, Ordering::Relaxed);
        if info.elapsed > slow {
            // The start of the SQL says which statement it is; bulk ones run to many kilobytes.
            let sql: String = info.statement.sql.chars().take(160).collect();
            tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, sql = %sql, "slow statement");
        }
    });
    Ok((db, counter))
}

/// What went wrong with a database, as far as the client is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// The database is not answering (down, restarting, unreachable): try again shortly.
    Unavailable,
    /// It takes no writes now (a read-only file or replica).
    ReadOnly,
    /// SQLite: the file stayed locked by another writer (or process) past the lock timeout.
    Locked,
    /// Another request holds what this one needs (a lock, a deadlock, a serialization
    /// failure): try again.
    Contention,
    /// A statement ran past its time.
    TimedOut,
    /// Anything else: muster's own bug, logged.
    Other,
}

/// Sorts a database error into what the client is told.
pub fn trouble(err: &sea_orm::DbErr) -> Trouble {
    use sea_orm::{DbErr, RuntimeErr};
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return Trouble::Unavailable,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return Trouble::Other,
    };
    match sqlx.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_) => Trouble::Unavailable,
        sqlx::Error::Database(db) => match db.code().as_deref().unwrap_or_default() {
            // PostgreSQL: deadlock, serialization failure, lock not available.
            "40P01" | "40001" | "55P03" => Trouble::Contention,
            "57014" => Trouble::TimedOut,
            "25006" => Trouble::ReadOnly,
            // Shutting down, cannot connect now, connection exceptions.
            code if code.starts_with("57P") || code.starts_with("08") => Trouble::Unavailable,
            // SQLite (primary result code, then extended): busy, locked; read-only.
            code => match code.parse::<i32>().map(|code| code & 0xff) {
                Ok(5 | 6) => Trouble::Locked,
                Ok(8) => Trouble::ReadOnly,
                _ => Trouble::Other,
            },
        },
        _ => Trouble::Other,
    }
}

/// Whether the database answers, as a watchdog on this node sees it: requests that need the
/// database are refused at once (503) while it does not, instead of each waiting for a
/// connection that will not come, and `/readyz` tells the load balancer. The watchdog asks on
/// a connection of its own: a pool busy with slow requests is not a database gone away.
#[derive(Debug, Clone)]
pub struct Availability {
    down: Arc<std::sync::atomic::AtomicBool>,
    probe: DatabaseConnection,
}

/// How often the watchdog asks, and how long it waits for an answer.
const WATCH_EVERY: Duration = Duration::from_secs(1);
const PING_TIMEOUT: Duration = Duration::from_secs(2);

impl Availability {
    /// Opens the watchdog's own connection (when first used) to the database at `url`.
    pub async fn connect(url: &str, settings: Settings) -> anyhow::Result<Self> {
        let (probe, _) = connect(url, Settings { max_connections: 1, ..settings }).await?;
        Ok(Self { down: Arc::default(), probe })
    }

    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// Asks the database now; records and answers whether it answered.
    pub async fn check(&self) -> bool {
        let up = matches!(tokio::time::timeout(PING_TIMEOUT, self.probe.ping()).await, Ok(Ok(())));
        let was_down = self.down.swap(!up, Ordering::Relaxed);
        match (was_down, up) {
            (false, false) => tracing::error!("the database stopped answering"),
            (true, true) => tracing::info!("the database answers again"),
            _ => {}
        }
        up
    }

    /// Checks every second until the task is dropped.
    pub fn watch(&self) -> tokio::task::JoinHandle<()> {
        let availability = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(WATCH_EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                availability.check().await;
            }
        })
    }
}

/// Applies the migrations not yet applied.
///
/// On a connection of its own, closed after: SQLite connections that were open while a
/// migration changed a table's columns could answer rows of the old shape (seen with
/// `ALTER TABLE … ADD COLUMN` under load), so the pool that serves is opened afterwards.
pub async fn migrate(url: &str, settings: Settings) -> anyhow::Result<()> {
    let (db, _) = connect(url, Settings { max_connections: 1, ..settings }).await?;
    let applied = Migrator::up(&db, None).await.context("applying migrations");
    db.close().await.ok();
    applied
}

/// Applies the pending migrations, then connects the pool that serves.
pub async fn connect_migrated(url: &str, settings: Settings) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    migrate(url, settings).await?;
    connect(url, settings).await
}

/// A database URL fit for a log line: the password replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `column IN (…)` over a list sent as one JSON array parameter, not one parameter per value.
/// Bulk paths look up and update tens of thousands of rows: with a parameter each, the
/// statement text, its binding and (on PostgreSQL) its planning grow with the list; with one
/// JSON parameter they stay constant, and a statement can take any number of values.
pub fn in_json_list<T: JsonListItem>(backend: DbBackend, column: impl ColumnTrait, values: &[T]) -> SimpleExpr {
    let list = serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned());
    let subquery = match backend {
        DbBackend::Postgres => format!("SELECT value{} FROM jsonb_array_elements_text($1::jsonb)", T::PG_CAST),
        _ => "SELECT value FROM json_each(?)".to_owned(),
    };
    // `IN` puts the right side in parentheses, which makes this a subquery (twice would make
    // it a scalar: the first value only).
    let values = Expr::cust_with_values(subquery, [list]);
    sea_orm::sea_query::ExprTrait::binary(Expr::col(column.as_column_ref()), BinOper::In, values)
}

/// `LIKE` pattern for text containing `text`, where `%`, `_` and `\` are meant literally
/// (searches of members and invitations alike).
pub fn contains(text: &str) -> LikeExpr {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    LikeExpr::new(pattern).escape('\\')
}

/// What [`in_json_list`] can send: PostgreSQL reads JSON elements as text, so numbers are cast.
pub trait JsonListItem: serde::Serialize {
    const PG_CAST: &'static str;
}

impl JsonListItem for i64 {
    const PG_CAST: &'static str = "::bigint";
}

impl JsonListItem for String {
    const PG_CAST: &'static str = "";
}

#[cfg(test)]
mod tests {
    use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait};

    #[test]
    fn lists_travel_as_one_json_parameter() {
        let query = |backend| {
            entity::member::Entity::find()
                .filter(super::in_json_list(backend, entity::member::Column::Id, &[3_i64, 5]))
                .build(backend)
        };
        let sqlite = query(DbBackend::Sqlite);
        assert!(sqlite.sql.ends_with(r#"WHERE "members"."id" IN (SELECT value FROM json_each(?))"#), "{}", sqlite.sql);
        assert_eq!(sqlite.values.unwrap().0, vec![sea_orm::Value::from("[3,5]")]);
        let postgres = query(DbBackend::Postgres);
        assert!(
            postgres.sql.ends_with(r#"IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb))"#),
            "{}",
            postgres.sql
        );
    }

    #[test]
    fn the_list_parameter_takes_its_place_among_the_others() {
        let postgres = entity::member::Entity::find()
            .filter(entity::member::Column::OrganizationId.eq(7))
            .filter(super::in_json_list(DbBackend::Postgres, entity::member::Column::PublicId, &["a".to_owned()]))
            .build(DbBackend::Postgres);
        assert!(postgres.sql.ends_with(r#""members"."organization_id" = $1 AND "members"."public_id" IN (SELECT value FROM jsonb_array_elements_text($2::jsonb))"#), "{}", postgres.sql);
        assert_eq!(postgres.values.unwrap().0, vec![sea_orm::Value::from(7), sea_orm::Value::from(r#"["a"]"#)]);
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://muster.db?mode=rwc"), "sqlite://muster.db?mode=rwc");
    }
}

/// What the query-plan tests start from.
#[cfg(test)]
pub(crate) mod testing {
    use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

    /// A migrated SQLite file in a directory of its own (kept as long as the `TempDir`),
    /// holding organization 1 with `members` members as one just imported, with no statistics:
    /// `m00000000`, `m00000001`… with the languages en, fr, de and es in turn, the first fifth
    /// accepted and the rest not invited.
    pub(crate) async fn imported_organization(members: u32) -> (tempfile::TempDir, DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("imported.db").display());
        let (db, _) = super::connect_migrated(&url, super::Settings::default()).await.unwrap();
        let insert = format!(
            "INSERT INTO organizations (id, slug, name, created_at) VALUES (1, 'acme', 'Acme', '2026-12-01T00:00:00Z');
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last})
             INSERT INTO members (public_id, organization_id, email, email_key, name_key, language, invitation_state,
                                  created_at, updated_at)
             SELECT printf('m%08d', i), 1, 'm' || i || '@x.example', 'm' || i || '@x.example', '',
                    CASE i % 4 WHEN 0 THEN 'en' WHEN 1 THEN 'fr' WHEN 2 THEN 'de' ELSE 'es' END,
                    CASE WHEN i < {accepted} THEN 'accepted' ELSE 'not_invited' END,
                    '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z' FROM n;",
            last = members - 1,
            accepted = members / 5,
        );
        db.execute_unprepared(&insert).await.unwrap();
        (dir, db)
    }

    /// What SQLite's planner does with `statement`: the detail of each step, in order.
    pub(crate) async fn query_plan(db: &DatabaseConnection, statement: &Statement) -> Vec<String> {
        let explain = Statement { sql: format!("EXPLAIN QUERY PLAN {}", statement.sql), ..statement.clone() };
        let plan = db.query_all_raw(explain).await.unwrap();
        plan.iter().map(|row| row.try_get("", "detail").unwrap()).collect()
    }
}

#[cfg(test)]
mod trouble_tests {
    use std::sync::Arc;

    use sea_orm::{DbErr, RuntimeErr, sqlx};

    use super::{Trouble, trouble};

    fn sqlx_error(err: sqlx::Error) -> DbErr {
        DbErr::Exec(RuntimeErr::SqlxError(Arc::new(err)))
    }

    #[test]
    fn a_database_that_does_not_answer_is_unavailable() {
        assert_eq!(trouble(&DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)), Trouble::Unavailable);
        assert_eq!(trouble(&sqlx_error(sqlx::Error::PoolTimedOut)), Trouble::Unavailable);
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(trouble(&sqlx_error(sqlx::Error::Io(refused))), Trouble::Unavailable);
    }

    #[test]
    fn anything_else_is_muster_s_own() {
        assert_eq!(trouble(&DbErr::Custom("a bug".into())), Trouble::Other);
        assert_eq!(trouble(&sqlx_error(sqlx::Error::RowNotFound)), Trouble::Other);
    }
}
