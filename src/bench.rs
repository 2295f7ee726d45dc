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
    domain::{Email, Slug, SupportedLanguages},
    identity::api_tokens,
    members::{self, NewMember},
    organizations,
    roles::{self, RoleName},
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
    let (conn, statements) = db::connect(url, 10).await?;
    db::migrate(&conn).await?;
    let clock = Clock::default();
    let now = clock.now();
    let org = organizations::create(&conn, &Slug::parse("bench").map_err(anyhow::Error::msg)?, "Bench", now).await?;
    let tenant = organizations::tenant_by_slug(&conn, &org.slug).await?;
    let token = api_tokens::create(&conn, &tenant, "bench", now).await?.reveal().to_owned();
    let languages =
        SupportedLanguages::new(vec![crate::domain::Language::parse_tag("en").map_err(anyhow::Error::msg)?]);
    let mut role_ids = Vec::new();
    for name in ["Manager", "Team Member", "Viewer"] {
        role_ids.push(roles::create(&conn, &tenant, RoleName::parse("name", name)?, None, now).await?.public_id);
    }

    let seeding = Instant::now();
    let mut member_ids = Vec::with_capacity(args.rows);
    for start in (0..args.rows).step_by(members::MAX_BATCH) {
        let news = (start..(start + members::MAX_BATCH).min(args.rows))
            .map(|i| {
                Ok(NewMember {
                    email: Email::parse(&format!("member{i}@bench.example")).map_err(anyhow::Error::msg)?,
                    name: Some(format!("Member {i}")),
                    language: languages.default_language().clone(),
                    role_ids: Vec::new(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let created = members::create_many(&conn, &tenant, news, now, |i| format!("member[{i}]")).await?;
        member_ids.extend(created.into_iter().map(|m| m.public_id));
    }
    // As a production database would be: statistics on the tables just filled and, on
    // PostgreSQL, vacuumed (hint bits set, so the timed request does not write them), with
    // no autovacuum of the fresh rows starting during the measurement.
    conn.execute_unprepared(if backend == "PostgreSQL" { "VACUUM ANALYZE" } else { "ANALYZE" }).await?;
    eprintln!("seeded {} members on {backend} in {:.1} s", args.rows, seeding.elapsed().as_secs_f64());

    let mut sheet = String::from("Team Member ID,Email,Language,Role IDs\r\n");
    for (i, id) in member_ids.iter().enumerate() {
        sheet.push_str(&format!(
            "{id},member{i}@bench.example,en,\"{},{}\"\r\n",
            role_ids[i % 3],
            role_ids[(i + 1) % 3]
        ));
    }
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
        .bearer_auth(&token)
        .body(sheet.into_bytes())
        .send()
        .await?;
    let status = response.status();
    let body = response.bytes().await?;
    let elapsed = started.elapsed().as_secs_f64();
    let statements_used = statements.get() - before_statements;
    anyhow::ensure!(
        status == 200,
        "the sheet was refused ({status}): {}",
        String::from_utf8_lossy(&body[..body.len().min(2000)])
    );
    let links = body.split(|b| *b == b'\n').filter(|line| !line.is_empty()).count() - 1;
    anyhow::ensure!(links == args.rows, "expected {} links, got {links}", args.rows);

    let _ = stop.send(());
    let _ = server.await;
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
