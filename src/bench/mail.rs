//! `muster bench mail`: one sheet of N rows uploaded with `send=true` on a fresh database, and
//! every message delivered to a local SMTP sink ([`super::smtp_sink`]). Prints the time to
//! queue (the upload), the time until the sink has every message and the outbox records them
//! all sent, messages per second, and memory. `--rate` sets `MUSTER_MAIL_RATE` (0, the
//! default here: no limit).

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use super::{FreshDatabase, mb, memory_mb, reset_peak_memory, seed, smtp_sink::Sink};
use crate::{Application, Config, clock::Clock, db};

#[derive(Debug, clap::Args)]
pub struct MailArgs {
    /// Members seeded, rows in the sheet, and so messages sent.
    #[arg(long, default_value_t = 10_000)]
    pub messages: usize,
    /// A PostgreSQL server (`postgres://user@host:port`) to run on, in a fresh database made
    /// and dropped for the run. Default: a fresh SQLite file.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Messages per second the node sends at most (`MUSTER_MAIL_RATE`); 0 for no limit.
    #[arg(long, default_value_t = 0)]
    pub rate: u32,
    /// Nodes sending (each its own pool and sender, on the same database).
    #[arg(long, default_value_t = 1)]
    pub nodes: usize,
}

pub async fn run(args: MailArgs) -> anyhow::Result<()> {
    let database = FreshDatabase::create(args.postgres.as_deref()).await?;
    let result = measure(&args, &database).await;
    database.remove().await;
    result
}

async fn measure(args: &MailArgs, database: &FreshDatabase) -> anyhow::Result<()> {
    let backend = database.backend();
    let (conn, statements) = db::connect_migrated(&database.url, db::Settings::default()).await?;
    let clock = Clock::default();
    let seeded = seed::organization(&conn, "bench", args.messages, clock.now()).await?;
    database.settle(&conn).await?;
    let sheet = seeded.sheet(0..args.messages);
    let sink = Sink::start().await?;

    let mut config = Config::defaults();
    config.database_url = Some(database.url.clone());
    config.listen = "127.0.0.1:0".parse()?;
    config.smtp_url = Some(format!("smtp://127.0.0.1:{}?tls=none", sink.port));
    config.mail_from = Some("Bench Invitations <invites@bench.example>".to_owned());
    config.mail_rate = args.rate;
    config.secret_key = Some(crate::secrets::SecretKey::generate());
    let mut stops = Vec::new();
    let mut address = None;
    for node in 0..args.nodes.max(1) {
        let (node_conn, node_statements) = match node {
            0 => (conn.clone(), statements.clone()),
            _ => db::connect(&database.url, db::Settings::default()).await?,
        };
        let listener = crate::app::bind(&config).await?;
        let app = Application::build_with(config.clone(), node_conn, node_statements, clock.clone(), listener).await?;
        address.get_or_insert(app.address());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        stops.push((stop, server));
    }
    let address = address.expect("one node at least");

    reset_peak_memory("self");
    let resident_before = memory_mb("self", "VmRSS:");
    let started = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("http://{address}/invitations/links?send=true&fileName=bench.csv"))
        .bearer_auth(&seeded.token)
        .body(sheet)
        .send()
        .await?;
    let status = response.status();
    let body = response.bytes().await?;
    anyhow::ensure!(status == 200, "the sheet was refused ({status}): {}", String::from_utf8_lossy(&body));
    let queued = started.elapsed();
    let wanted = args.messages as u64;
    let limit = Duration::from_secs(600);
    while sink.received() < wanted || sent(&conn).await? < wanted {
        anyhow::ensure!(started.elapsed() < limit, "{} of {wanted} messages after {limit:?}", sink.received());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = started.elapsed();
    for (stop, server) in stops {
        let _ = stop.send(());
        let _ = server.await;
    }
    let sending = (delivered - queued).as_secs_f64();
    let rate = if args.rate == 0 { "off".to_owned() } else { format!("{} a second per node", args.rate) };
    println!("database          {backend}");
    println!("messages          {wanted} (one sheet, send=true), {} node(s), rate limit {rate}", args.nodes.max(1));
    println!(
        "queued            {:.2} s (the upload: invitations and their messages, one transaction)",
        queued.as_secs_f64()
    );
    println!("all sent          {:.2} s after the upload began; sending took {sending:.2} s", delivered.as_secs_f64());
    println!("throughput        {:.0} messages/s while sending", wanted as f64 / sending.max(f64::EPSILON));
    println!("received by sink  {}", sink.received());
    println!(
        "peak memory       {} (muster, the client and the sink, from the upload on; {} resident before it)",
        mb(memory_mb("self", "VmHWM:")),
        mb(resident_before)
    );
    Ok(())
}

/// Messages the outbox records as sent.
async fn sent(conn: &DatabaseConnection) -> anyhow::Result<u64> {
    let sql = "SELECT COUNT(*) FROM mail_messages WHERE status = 'sent'";
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
    Ok(row.map(|row| row.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0) as u64)
}
