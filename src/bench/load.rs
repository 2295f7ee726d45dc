//! `muster bench load`: a minute of admins paging through a large organization. Seeds N
//! members (through the services, then through the API: a sheet for 60 %, 20 % accepted, 3 %
//! revoked), starts `muster serve` as a process of its own, and drives the members page (a
//! status or role filter, roles, the latest invitation, `totalCount`, following the cursor
//! for up to ten pages) from C connections for S seconds. Prints throughput, p50/p99 and
//! errors for the first 15 s and for the whole run, with the server's resident memory at both
//! marks. Loopback only, bounded in time and connections.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::{clock::Clock, db};

use super::{FreshDatabase, mb, memory_mb, seed};

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
    let (conn, _) = db::connect(&database.url, db::Settings::default()).await?;
    db::migrate(&conn).await?;
    let started = Instant::now();
    let seeded = seed::organization(&conn, "bench", args.members, Clock::default().now()).await?;
    let server = Server::start(&database.url)?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let api = Api { client: client.clone(), address: server.address.clone(), token: seeded.token.clone() };
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

/// Invitations in several states, made through the API as admins and invitees make them.
async fn invite_some(api: &Api, seeded: &seed::Seeded) -> anyhow::Result<String> {
    let members = seeded.member_ids.len();
    let invited = members * 6 / 10;
    let sheet = seeded.sheet(0..invited);
    let response = api
        .client
        .post(format!("{}/invitations/links?fileName=load.csv", api.address))
        .bearer_auth(&api.token)
        .body(sheet)
        .send()
        .await?;
    anyhow::ensure!(response.status() == 200, "the seed sheet was refused: {}", response.text().await?);
    let links = response.text().await?;
    let tokens: Vec<String> = links
        .lines()
        .skip(1)
        .filter_map(|line| line.split("/invite/").nth(1))
        .map(|rest| rest.split('"').next().unwrap_or(rest).to_owned())
        .collect();
    let accepted = &tokens[..members / 5];
    let accept = "mutation($t: String!) { acceptInvitation(token: $t) { memberId } }";
    api.each(accepted, 32, |token| (accept, json!({ "t": token })), false).await?;
    let revoked = pending_invitation_ids(api, members * 3 / 100).await?;
    let revoke = "mutation($id: ID!) { revokeInvitation(id: $id) { id } }";
    api.each(&revoked, 32, |id| (revoke, json!({ "id": id })), true).await?;
    Ok(format!("{invited} invited, {} accepted, {} revoked", accepted.len(), revoked.len()))
}

async fn pending_invitation_ids(api: &Api, count: usize) -> anyhow::Result<Vec<String>> {
    let query = "query($after: String) { members(first: 100, after: $after, filter: { invitationStatus: [PENDING] }) {
        nodes { latestInvitation { id } } pageInfo { endCursor } } }";
    let mut ids = Vec::with_capacity(count);
    let mut after = Value::Null;
    while ids.len() < count {
        let data = api.query(query, json!({ "after": after }), true).await?;
        let page = &data["members"];
        let nodes = page["nodes"].as_array().context("a members page")?;
        anyhow::ensure!(!nodes.is_empty(), "fewer pending invitations than {count}");
        ids.extend(nodes.iter().filter_map(|node| node["latestInvitation"]["id"].as_str().map(str::to_owned)));
        after = page["pageInfo"]["endCursor"].clone();
    }
    ids.truncate(count);
    Ok(ids)
}

#[derive(Clone)]
struct Api {
    client: reqwest::Client,
    address: String,
    token: String,
}

impl Api {
    async fn query(&self, query: &str, variables: Value, admin: bool) -> anyhow::Result<Value> {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if admin {
            request = request.bearer_auth(&self.token);
        }
        let body: Value = request.send().await?.json().await?;
        anyhow::ensure!(body.get("errors").is_none(), "{}", body["errors"]);
        Ok(body["data"].clone())
    }

    /// Runs one operation per item, `width` at a time.
    async fn each(
        &self,
        items: &[String],
        width: usize,
        operation: impl Fn(&str) -> (&'static str, Value),
        admin: bool,
    ) -> anyhow::Result<()> {
        for chunk in items.chunks(width) {
            let calls = chunk.iter().map(|item| {
                let (query, variables) = operation(item);
                self.query(query, variables, admin)
            });
            for result in futures::future::join_all(calls).await {
                result?;
            }
        }
        Ok(())
    }
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

/// `muster serve` in a process of its own, so that its memory is its own; killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(database_url: &str) -> anyhow::Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("serve")
            .env("MUSTER_DATABASE_URL", database_url)
            .env("MUSTER_LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting muster serve")?;
        let stdout = child.stdout.take().context("its output")?;
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let Some(line) = lines.next() else { anyhow::bail!("muster serve stopped before it listened") };
            if let Some(rest) = line?.strip_prefix("muster is serving GraphiQL at ") {
                break rest.trim_end_matches("/graphql").to_owned();
            }
        };
        // Its output is read to the end, so that it never waits on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self { child, address })
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
