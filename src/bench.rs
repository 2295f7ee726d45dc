//! `muster bench invitations`: times a sheet of N rows through `POST /invitations/links`,
//! end to end (upload, reading, checks, issuing, the links sheet back), on a fresh database
//! seeded with N members. Prints rows per second and peak memory.

use std::time::Instant;

use anyhow::Context as _;
use sea_orm::ConnectionTrait;

use crate::{
    Application, Config,
    clock::Clock,
    db,
    domain::{DisplayName, Email, RoleName, Slug, SupportedLanguages},
    identity::api_tokens,
    limits::MEMBERS_PER_CALL,
    members::{self, NewMember},
    organizations, roles,
};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Members seeded and rows in the sheet.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// A PostgreSQL server (`postgres://user@host:port`) to run on, in a fresh database made
    /// and dropped for the run. Default: a fresh SQLite file.
    #[arg(long)]
    pub postgres: Option<String>,
}

pub async fn invitations(args: BenchArgs) -> anyhow::Result<()> {
    let (url, cleanup) = match &args.postgres {
        Some(server) => {
            let server = server.trim_end_matches('/').to_owned();
            let name = format!("muster_bench_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(format!("{server}/postgres")).await.context("PostgreSQL server")?;
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
            (format!("{server}/{name}"), Cleanup::Postgres { admin, name })
        }
        None => {
            let dir = tempfile_dir()?;
            (format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()), Cleanup::Sqlite(dir))
        }
    };
    let result = run(&args, &url).await;
    cleanup.run().await;
    result
}

async fn run(args: &BenchArgs, url: &str) -> anyhow::Result<()> {
    let backend = if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    let (conn, statements) = db::connect(url, db::Settings::default()).await?;
    db::migrate(&conn).await?;
    let clock = Clock::default();
    let seeding = Instant::now();
    let seeded = seed(&conn, args.rows, clock.now()).await?;
    // As a production database would be: statistics on the tables just filled and, on
    // PostgreSQL, vacuumed (hint bits set, so the timed request does not write them), with
    // no autovacuum of the fresh rows starting during the measurement.
    conn.execute_unprepared(if backend == "PostgreSQL" { "VACUUM ANALYZE" } else { "ANALYZE" }).await?;
    eprintln!("seeded {} members on {backend} in {:.1} s", args.rows, seeding.elapsed().as_secs_f64());
    let sheet = seeded.sheet();
    let sheet_bytes = sheet.len();

    let mut config = Config::defaults();
    config.database_url = Some(url.to_owned());
    config.listen = "127.0.0.1:0".parse()?;
    let listener = crate::app::bind(&config).await?;
    let app = Application::build_with(config, conn, statements.clone(), clock, listener).await?;
    let address = app.address();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));

    reset_peak_memory();
    let resident_before = resident_memory();
    let before_statements = statements.get();
    let started = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("http://{address}/invitations/links?fileName=bench.csv"))
        .bearer_auth(&seeded.token)
        .body(sheet.into_bytes())
        .send()
        .await?;
    let status = response.status();
    let body = response.bytes().await?;
    let elapsed = started.elapsed().as_secs_f64();
    let statements_used = statements.get() - before_statements;
    let _ = stop.send(());
    let _ = server.await;
    anyhow::ensure!(
        status == 200,
        "the sheet was refused ({status}): {}",
        String::from_utf8_lossy(&body[..body.len().min(2000)])
    );
    let links = body.split(|b| *b == b'\n').filter(|line| !line.is_empty()).count() - 1;
    anyhow::ensure!(links == args.rows, "expected {} links, got {links}", args.rows);

    println!("database          {backend}");
    println!("rows issued       {}", args.rows);
    println!("sheet             {:.1} MB in, {:.1} MB out", sheet_bytes as f64 / 1e6, body.len() as f64 / 1e6);
    println!("end to end        {elapsed:.2} s");
    println!("throughput        {:.0} rows/s", args.rows as f64 / elapsed);
    println!("SQL statements    {statements_used}");
    println!(
        "peak memory       {} (process, during the request; {} resident before it)",
        peak_memory().unwrap_or_else(|| "unknown".into()),
        resident_before.unwrap_or_else(|| "unknown".into())
    );
    Ok(())
}

/// An organization to invite: its admin token, three roles and the members' public ids.
struct Seeded {
    token: String,
    role_ids: Vec<String>,
    member_ids: Vec<String>,
}

async fn seed(
    conn: &sea_orm::DatabaseConnection,
    rows: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Seeded> {
    let org = organizations::create(conn, &Slug::parse("bench")?, &DisplayName::parse("Bench")?, now).await?;
    let tenant = organizations::tenant_by_slug(conn, &org.slug).await?;
    let token = api_tokens::create(conn, &tenant, &DisplayName::parse("bench")?, "muster bench", now).await?;
    let languages = SupportedLanguages::new(vec![crate::domain::Language::parse_tag("en")?]);
    let mut role_ids = Vec::new();
    for name in ["Manager", "Team Member", "Viewer"] {
        role_ids.push(roles::create(conn, &tenant, RoleName::parse(name)?, None, now).await?.public_id);
    }
    let mut member_ids = Vec::with_capacity(rows);
    for start in (0..rows).step_by(MEMBERS_PER_CALL) {
        let news = (start..(start + MEMBERS_PER_CALL).min(rows))
            .map(|i| {
                Ok(NewMember {
                    email: Email::parse(&format!("member{i}@bench.example"))?,
                    name: Some(DisplayName::parse(&format!("Member {i}"))?),
                    language: languages.default_language().clone(),
                    role_ids: Vec::new(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let created = members::create_many(conn, &tenant, news, now, |i| format!("member[{i}]")).await?;
        member_ids.extend(created.into_iter().map(|m| m.public_id));
    }
    Ok(Seeded { token: token.reveal().to_owned(), role_ids, member_ids })
}

impl Seeded {
    /// A sheet inviting every member, with two roles each.
    fn sheet(&self) -> String {
        let mut sheet = String::from("Team Member ID,Email,Language,Role IDs\r\n");
        for (i, id) in self.member_ids.iter().enumerate() {
            let (first, second) = (&self.role_ids[i % 3], &self.role_ids[(i + 1) % 3]);
            sheet.push_str(&format!("{id},member{i}@bench.example,en,\"{first},{second}\"\r\n"));
        }
        sheet
    }
}

enum Cleanup {
    Sqlite(std::path::PathBuf),
    Postgres { admin: sea_orm::DatabaseConnection, name: String },
}

impl Cleanup {
    async fn run(self) {
        match self {
            Self::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Self::Postgres { admin, name } => {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
            }
        }
    }
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("muster-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Linux: resets the process's peak resident set size, so the next reading covers only what
/// follows (writing 5 to clear_refs).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_memory() -> Option<String> {
    status_field("VmHWM:")
}

fn resident_memory() -> Option<String> {
    status_field("VmRSS:")
}

/// A memory figure of this process from `/proc/self/status` (Linux), in MB.
fn status_field(name: &str) -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(name))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.0} MB", kb / 1024.0))
}
