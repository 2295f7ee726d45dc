//! `muster bench load`: a minute of admins paging through a large organization. Seeds N
//! members (through the services, then through the API: a sheet for 60 %, 20 % accepted, 3 %
//! revoked), starts `muster serve` as a process of its own, and drives the members page (a
//! status or role filter, roles, the latest invitation, `totalCount`, following the cursor
//! for up to ten pages) from C connections for S seconds. Prints throughput, p50/p99 and
//! errors for the first 15 s and for the whole run, with the server's resident memory at both
//! marks. Loopback only, bounded in time and connections.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::{clock::Clock, db};

use super::{
    FreshDatabase,
    api::{Api, invite_some},
    mb, memory_mb, seed,
    server::Server,
};

#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Members in the organization.
    #[arg(long, default_value_t = 100_000)]
    pub members: usize,
    /// Connections driving requests at once (at most 256).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub connections: u16,
    /// How long to drive them, in seconds (at most 600).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(16..=600))]
    pub seconds: u64,
    /// A PostgreSQL server (`postgres://user@host:port`) to run on, in a fresh database made
    /// and dropped for the run. Default: a fresh SQLite file.
    #[arg(long)]
    pub postgres: Option<String>,
}

/// The first mark, where memory is read the first time (the goal: within 10 % at the end).
const MARK: Duration = Duration::from_secs(15);

const PAGE: &str = "query Page($after: String, $filter: MemberFilter) {
  members(first: 50, after: $after, filter: $filter) {
    totalCount
    nodes { id email name language invitationStatus roles { id name } latestInvitation { status expiresAt } }
    pageInfo { endCursor hasNextPage }
  }
}";

pub async fn run(args: LoadArgs) -> anyhow::Result<()> {
    let database = FreshDatabase::create(args.postgres.as_deref()).await?;
    let result = measure(&args, &database).await;
    database.remove().await;
    result
}

async fn measure(args: &LoadArgs, database: &FreshDatabase) -> anyhow::Result<()> {
    let (conn, _) = db::connect_migrated(&database.url, db::Settings::default()).await?;
    let started = Instant::now();
    let seeded = seed::organization(&conn, "bench", args.members, Clock::default().now()).await?;
    let server = Server::start(&std::env::current_exe()?, &database.url)?;
    let api = Api::new(&server.address, &seeded.token)?;
    let states = invite_some(&api, &seeded).await?;
    database.settle(&conn).await?;
    eprintln!(
        "seeded {} members on {} in {:.0} s ({states})",
        args.members,
        database.backend(),
        started.elapsed().as_secs_f64()
    );

    let run = Arc::new(Run { started: Instant::now(), until: Duration::from_secs(args.seconds) });
    let drivers: Vec<_> = (0..args.connections)
        .map(|connection| tokio::spawn(drive(api.clone(), seeded.role_ids.clone(), run.clone(), connection)))
        .collect();
    tokio::time::sleep(MARK).await;
    let memory_at_mark = memory_mb(&server.pid(), "VmRSS:");
    let mut samples = Vec::new();
    for driver in drivers {
        samples.extend(driver.await?);
    }
    let memory_at_end = memory_mb(&server.pid(), "VmRSS:");

    println!("database          {} ({} members, {})", database.backend(), args.members, states);
    println!("load              {} connections for {} s, members pages of 50", args.connections, args.seconds);
    println!("window            requests   req/s     p50      p99      max   errors   muster RSS");
    let early: Vec<Sample> = samples.iter().filter(|s| s.at < MARK).copied().collect();
    println!("{}", Figures::of(&early, MARK).line("0-15 s", memory_at_mark));
    println!("{}", Figures::of(&samples, run.until).line("whole run", memory_at_end));
    if let (Some(mark), Some(end)) = (memory_at_mark, memory_at_end) {
        println!("memory            {:+.1} % from the 15 s mark to the end", (end - mark) / mark * 100.0);
    }
    Ok(())
}

struct Run {
    started: Instant,
    until: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    /// When the request was answered, from the start of the run.
    at: Duration,
    latency: Duration,
    ok: bool,
}

/// One connection's requests until the run ends: a filter in turn, following the cursor for
/// up to ten pages, then the next filter.
async fn drive(api: Api, role_ids: Vec<String>, run: Arc<Run>, connection: u16) -> Vec<Sample> {
    let filters = [
        json!({ "invitationStatus": ["PENDING"] }),
        json!({ "invitationStatus": ["ACCEPTED", "REVOKED"] }),
        json!({ "roleIds": [role_ids[usize::from(connection) % role_ids.len()]] }),
        json!({ "invitationStatus": ["NOT_INVITED"], "languages": ["fr", "de"] }),
        Value::Null,
    ];
    let mut samples = Vec::new();
    let (mut filter, mut page, mut after) = (usize::from(connection) % filters.len(), 0, Value::Null);
    while run.started.elapsed() < run.until {
        let sent = Instant::now();
        let answer = api.query(PAGE, json!({ "after": after, "filter": filters[filter] }), true).await;
        samples.push(Sample { at: run.started.elapsed(), latency: sent.elapsed(), ok: answer.is_ok() });
        let next = answer.ok().map(|data| data["members"]["pageInfo"].clone());
        match next {
            Some(info) if info["hasNextPage"] == true && page < 9 => {
                after = info["endCursor"].clone();
                page += 1;
            }
            _ => {
                (filter, page, after) = ((filter + 1) % filters.len(), 0, Value::Null);
            }
        }
    }
    samples
}

struct Figures {
    requests: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
    errors: usize,
}

impl Figures {
    fn of(samples: &[Sample], window: Duration) -> Self {
        let mut latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
        latencies.sort_unstable();
        let at =
            |q: f64| latencies.get(((latencies.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or_default();
        Self {
            requests: samples.len(),
            per_second: samples.len() as f64 / window.as_secs_f64(),
            p50: at(0.50),
            p99: at(0.99),
            max: latencies.last().copied().unwrap_or_default(),
            errors: samples.iter().filter(|s| !s.ok).count(),
        }
    }

    fn line(&self, window: &str, memory: Option<f64>) -> String {
        let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
        format!(
            "{window:<17} {:>8} {:>7.0} {:>8} {:>8} {:>8} {:>8}   {}",
            self.requests,
            self.per_second,
            ms(self.p50),
            ms(self.p99),
            ms(self.max),
            self.errors,
            mb(memory)
        )
    }
}
