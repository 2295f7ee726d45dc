//! The floor a sheet's issuing is measured against: the same rows written the cheapest way the
//! database has, into bare tables (no index, no key, no check). PostgreSQL: `COPY` of the
//! invitations (each with its role ids) and of the (invitation, role) pairs; SQLite (in the
//! process, no transfer at all): the engine making the same rows itself, `INSERT … SELECT`.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};

const BARE_TABLES: &str = "
CREATE TABLE floor_invitations (public_id varchar(9), organization_id bigint, member_id bigint,
    email varchar(254), language varchar(35), token_hash varchar(64), status varchar(16),
    created_by varchar(200), created_at timestamp with time zone, expires_at timestamp with time zone,
    role_ids text);
CREATE TABLE floor_roles (invitation bigint, role_id bigint);";

const DROP_TABLES: &str = "DROP TABLE floor_invitations; DROP TABLE floor_roles;";

/// Writes `rows` invitations with two roles each, as a sheet issues them; answers how long.
pub async fn measure(conn: &DatabaseConnection, rows: usize) -> anyhow::Result<Duration> {
    conn.execute_unprepared(BARE_TABLES).await?;
    let measured = match conn.get_database_backend() {
        DbBackend::Postgres => copy(conn, rows).await,
        _ => inserts(conn, rows).await,
    };
    conn.execute_unprepared(DROP_TABLES).await?;
    measured
}

/// One invitation row as CSV, shaped like what muster writes (ids, a 64-hex hash, the time).
fn invitation_csv(i: usize) -> String {
    format!(
        "inv{i:06},1,{i},member{i}@bench.example,en,{:064x},pending,bench,2026-12-01 00:00:00+00,2026-12-08 00:00:00+00,\"[{},{}]\"\n",
        i as u128 * 0x9e37_79b9_7f4a_7c15,
        i % 3 + 1,
        (i + 1) % 3 + 1
    )
}

async fn copy(conn: &DatabaseConnection, rows: usize) -> anyhow::Result<Duration> {
    let invitations: String = (0..rows).map(invitation_csv).collect();
    let roles: String = (0..rows).map(|i| format!("{i},{}\n{i},{}\n", i % 3 + 1, (i + 1) % 3 + 1)).collect();
    let mut connection = conn.get_postgres_connection_pool().acquire().await?;
    let started = Instant::now();
    let mut copy = connection.copy_in_raw("COPY floor_invitations FROM STDIN (FORMAT csv)").await?;
    copy.send(invitations.as_bytes()).await?;
    copy.finish().await?;
    let mut copy = connection.copy_in_raw("COPY floor_roles FROM STDIN (FORMAT csv)").await?;
    copy.send(roles.as_bytes()).await?;
    copy.finish().await?;
    Ok(started.elapsed())
}

/// SQLite runs in the process: the cheapest write is the engine making the rows itself, one
/// `INSERT … SELECT` over a counter per table, in one transaction.
async fn inserts(conn: &DatabaseConnection, rows: usize) -> anyhow::Result<Duration> {
    let counter = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)";
    let invitations = format!(
        "INSERT INTO floor_invitations {counter} SELECT printf('inv%06d', i), 1, i, 'member' || i || '@bench.example', \
         'en', printf('%064x', i * 2654435761), 'pending', 'bench', '2026-12-01 00:00:00+00', \
         '2026-12-08 00:00:00+00', printf('[%d,%d]', i % 3 + 1, (i + 1) % 3 + 1) FROM n"
    );
    let roles = format!(
        "INSERT INTO floor_roles {counter} SELECT i, i % 3 + 1 FROM n UNION ALL SELECT i, (i + 1) % 3 + 1 FROM n"
    );
    let started = Instant::now();
    let txn = conn.begin().await?;
    for sql in [invitations, roles] {
        txn.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, sql, [(rows as i64).into()])).await?;
    }
    txn.commit().await?;
    Ok(started.elapsed())
}
