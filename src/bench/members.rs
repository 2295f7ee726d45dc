//! `muster bench members`: every shape of the members page an admin frontend asks for, at the
//! size of a real organization. Seeds N members through the API (roles, a mix of languages and
//! states), then, shape by shape, times single-client requests (p50, p99) and measures the
//! throughput of C connections for S seconds. `--against <binary>` measures another build the
//! same way, on a database it migrated itself, and prints the ratios: every claim comes from
//! one run on one machine.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::db;

use super::{
    FreshDatabase,
    api::{self, Api},
    server::{self, Server},
};

#[derive(Debug, clap::Args)]
pub struct MembersArgs {
    /// Members in the organization.
    #[arg(long, default_value_t = 100_000)]
    pub members: usize,
    /// A PostgreSQL server (`postgres://user@host:port`) to run on, in fresh databases made and
    /// dropped for the run. Default: fresh SQLite files.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Another muster binary (an older build, say) to measure the same way.
    #[arg(long)]
    pub against: Option<PathBuf>,
    /// Connections for the throughput figure (at most 256).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub connections: u16,
    /// Seconds of throughput per shape (at most 60).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub seconds: u64,
    /// Single-client requests per shape, for p50 and p99.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub samples: u64,
    /// Only the shapes whose name contains this.
    #[arg(long)]
    pub only: Option<String>,
}

/// A members page as frontends ask for it.
struct Shape {
    name: &'static str,
    query: String,
    variables: Value,
}

const NODES: &str = "nodes { id email name invitationStatus roles { id name } }";

fn page(nodes: &str, count: bool) -> String {
    let total = if count { "totalCount" } else { "" };
    format!(
        "query($filter: MemberFilter, $orderBy: MemberOrder) {{ members(first: 50, filter: $filter, orderBy: $orderBy) {{ {total} {nodes} pageInfo {{ endCursor hasNextPage }} }} }}"
    )
}

fn shapes(role: &str) -> Vec<Shape> {
    let shape = |name, nodes: &str, count, variables| Shape { name, query: page(nodes, count), variables };
    let latest = "nodes { id email name invitationStatus roles { id name } latestInvitation { status expiresAt } }";
    let counted_roles = "nodes { id email name roles { id name memberCount } }";
    vec![
        shape("first page", NODES, false, json!({})),
        shape("first page + count", NODES, true, json!({})),
        shape("pending + count", NODES, true, json!({ "filter": { "invitationStatus": ["PENDING"] } })),
        shape(
            "pending|not invited + latest + count",
            latest,
            true,
            json!({ "filter": { "invitationStatus": ["PENDING", "NOT_INVITED"] } }),
        ),
        shape("revoked + count", NODES, true, json!({ "filter": { "invitationStatus": ["REVOKED"] } })),
        shape("role + count", NODES, true, json!({ "filter": { "roleIds": [role] } })),
        shape("language + count", NODES, true, json!({ "filter": { "languages": ["fr"] } })),
        shape(
            "status+role+language + count",
            NODES,
            true,
            json!({ "filter": { "invitationStatus": ["ACCEPTED"], "roleIds": [role], "languages": ["de"] } }),
        ),
        shape("search + count", NODES, true, json!({ "filter": { "search": "member4242" } })),
        shape("search by name + count", NODES, true, json!({ "filter": { "search": "ber 777" } })),
        shape("email order + count", NODES, true, json!({ "orderBy": { "field": "EMAIL", "direction": "ASC" } })),
        shape("name order desc", NODES, false, json!({ "orderBy": { "field": "NAME", "direction": "DESC" } })),
        shape("roles' member counts + count", counted_roles, true, json!({})),
        Shape { name: "viewer (trivial)", query: "{ viewer { name } }".into(), variables: json!({}) },
    ]
}

#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    p50: Duration,
    p99: Duration,
    per_second: f64,
    errors: u64,
}

pub async fn run(args: MembersArgs) -> anyhow::Result<()> {
    let mut results = Vec::new();
    for (label, binary) in server::builds(args.against.as_deref())? {
        let database = FreshDatabase::create(args.postgres.as_deref()).await?;
        let measured = measure(&args, &binary, &database).await;
        database.remove().await;
        eprintln!("{label} measured");
        results.push(measured?);
    }
    let backend = if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    println!(
        "{backend}, {} members; single client: p50/p99 of {} requests; throughput: {} connections for {} s",
        args.members, args.samples, args.connections, args.seconds
    );
    print_table(&results);
    Ok(())
}

fn print_table(results: &[Vec<(&'static str, Figures)>]) {
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    let mut header = format!("{:<38} {:>8} {:>8} {:>8}", "shape", "p50 ms", "p99 ms", "req/s");
    if results.len() > 1 {
        header
            .push_str(&format!(" | {:>8} {:>8} {:>8} | {:>7} {:>7}", "p50 ms", "p99 ms", "req/s", "p50 ÷", "req/s ×"));
    }
    println!("{header}");
    for (i, (name, this)) in results[0].iter().enumerate() {
        let mut line = format!("{name:<38} {:>8} {:>8} {:>8.0}", ms(this.p50), ms(this.p99), this.per_second);
        if let Some((_, other)) = results.get(1).and_then(|other| other.get(i)) {
            let faster = other.p50.as_secs_f64() / this.p50.as_secs_f64().max(1e-9);
            let more = this.per_second / other.per_second.max(1e-9);
            line.push_str(&format!(
                " | {:>8} {:>8} {:>8.0} | {faster:>7.1} {more:>7.1}",
                ms(other.p50),
                ms(other.p99),
                other.per_second
            ));
        }
        let errors = this.errors + results.get(1).and_then(|o| o.get(i)).map_or(0, |(_, o)| o.errors);
        if errors > 0 {
            line.push_str(&format!("   {errors} errors"));
        }
        println!("{line}");
    }
}

/// Starts `binary` on a fresh database, seeds it through the API, and measures every shape.
async fn measure(
    args: &MembersArgs,
    binary: &Path,
    database: &FreshDatabase,
) -> anyhow::Result<Vec<(&'static str, Figures)>> {
    let server = Server::start(binary, &database.url)?;
    let token = server.bootstrap_token.clone().ok_or_else(|| anyhow::anyhow!("no admin token printed"))?;
    let api = Api::new(&server.address, &token)?;
    let started = Instant::now();
    let seeded = api::seed(&api, args.members).await?;
    let states = api::invite_some(&api, &seeded).await?;
    let (conn, _) = db::connect(&database.url, db::Settings::default()).await?;
    database.settle(&conn).await?;
    eprintln!(
        "{}: seeded {} members in {:.0} s ({states})",
        binary.display(),
        args.members,
        started.elapsed().as_secs_f64()
    );
    let mut figures = Vec::new();
    for shape in shapes(&seeded.role_ids[0]) {
        if args.only.as_deref().is_some_and(|only| !shape.name.contains(only)) {
            continue;
        }
        let measured = measure_shape(&api, &shape, args).await?;
        eprintln!(
            "  {:<38} p50 {:?} p99 {:?} {:.0} req/s",
            shape.name, measured.p50, measured.p99, measured.per_second
        );
        figures.push((shape.name, measured));
    }
    Ok(figures)
}

async fn measure_shape(api: &Api, shape: &Shape, args: &MembersArgs) -> anyhow::Result<Figures> {
    // Warm: plans cached, connections open.
    for _ in 0..10 {
        api.query(&shape.query, shape.variables.clone(), true).await?;
    }
    let mut latencies = Vec::with_capacity(args.samples as usize);
    for _ in 0..args.samples {
        let sent = Instant::now();
        api.query(&shape.query, shape.variables.clone(), true).await?;
        latencies.push(sent.elapsed());
    }
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    let (done, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let lanes: Vec<_> = (0..args.connections)
        .map(|_| {
            let (api, query, variables) = (api.clone(), shape.query.clone(), shape.variables.clone());
            let (done, errors) = (done.clone(), errors.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    let counter =
                        if api.query(&query, variables.clone(), true).await.is_ok() { &done } else { &errors };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for lane in lanes {
        lane.await?;
    }
    let per_second = done.load(Ordering::Relaxed) as f64 / args.seconds as f64;
    Ok(Figures { p50: at(0.5), p99: at(0.99), per_second, errors: errors.load(Ordering::Relaxed) })
}
