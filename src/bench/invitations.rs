//! `muster bench invitations`: times a sheet of N rows through `POST /invitations/links`,
//! end to end (upload, reading, checks, issuing, the links sheet back), on a fresh database
//! where N members were just created through the API: at once, as an admin who imports the
//! organization and then uploads its sheet, or after `ANALYZE` with `--analyze`. muster serves
//! from a process of its own, so that the peak memory printed is its own. Prints rows per
//! second, peak memory, and the ratio to the floor: the same rows written into bare tables the
//! cheapest way the database has ([`super::floor`]). `--against <binary>` measures another
//! build the same way, on a database it migrated and was seeded through itself.
//! `--format xlsx` uploads the same rows as an Excel workbook, and also times reading the
//! rows alone, from the workbook and from the CSV, in this process.

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use crate::{db, sheets::SheetFormat};

use super::{
    FreshDatabase, api, mb, memory_mb, reset_peak_memory,
    server::{self, Server},
};

#[derive(Debug, clap::Args)]
pub struct InvitationsArgs {
    /// Members seeded and rows in the sheet.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// A PostgreSQL server (`postgres://user@host:port`) to run on, in a fresh database made
    /// and dropped for the run. Default: a fresh SQLite file.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Analyze (and on PostgreSQL vacuum) the seeded tables before the sheet, as a database
    /// some time after its import would be.
    #[arg(long)]
    pub analyze: bool,
    /// What the sheet is uploaded as: `csv`, or `xlsx` (a workbook as Excel saves it, shared
    /// strings and all).
    #[arg(long, value_enum, default_value_t = SheetFormat::Csv)]
    pub format: SheetFormat,
    /// Check the sheet and issue nothing (`dryRun=true`): times the checks alone.
    #[arg(long)]
    pub dry_run: bool,
    /// Another muster binary to measure the same way, after this one.
    #[arg(long)]
    pub against: Option<PathBuf>,
}

/// What one build's run measured.
struct Run {
    seconds: f64,
    floor_seconds: f64,
    /// muster's peak resident memory during the request, and before it, in MB.
    peak: Option<f64>,
    resident_before: Option<f64>,
    sheet_bytes: usize,
    received_bytes: usize,
}

pub async fn run(args: InvitationsArgs) -> anyhow::Result<()> {
    let (mut runs, mut reading) = (Vec::new(), None);
    for (label, binary) in server::builds(args.against.as_deref())? {
        let database = FreshDatabase::create(args.postgres.as_deref()).await?;
        let measured = measure(&args, &binary, &database).await;
        database.remove().await;
        let (run, sheets) = measured?;
        reading = reading.or(sheets);
        runs.push((label, run));
    }
    let backend = if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    let statistics = if args.analyze { "analyzed after seeding" } else { "fresh: the sheet right after the import" };
    println!("database          {backend} ({statistics})");
    let counted = if args.dry_run { "rows checked" } else { "rows issued" };
    println!("{counted:<18}{}", args.rows);
    let first = &runs[0].1;
    println!(
        "sheet             {:.1} MB in, {:.1} MB out",
        first.sheet_bytes as f64 / 1e6,
        first.received_bytes as f64 / 1e6
    );
    let floor_how = if backend == "PostgreSQL" { "COPY" } else { "INSERT … SELECT made by the engine" };
    println!("floor             {floor_how} of the same rows into bare tables, timed in each run");
    println!("build             end to end      rows/s      floor   × floor   peak (muster's own; before)");
    for (label, run) in &runs {
        println!(
            "{label:<17} {:>8.2} s {:>11.0} {:>8.2} s {:>8.1}×   {} ({})",
            run.seconds,
            args.rows as f64 / run.seconds,
            run.floor_seconds,
            run.seconds / run.floor_seconds,
            mb(run.peak),
            mb(run.resident_before)
        );
    }
    if let [(_, this), (_, other)] = runs.as_slice() {
        println!("this build is {:.2}× as fast end to end", other.seconds / this.seconds);
    }
    if let Some((csv, workbook)) = reading {
        print_reading(csv.as_bytes(), &workbook)?;
    }
    Ok(())
}

/// Seeds `database` through `binary` serving it, sends it the sheet of all its members, and
/// times the floor on the same database.
async fn measure(
    args: &InvitationsArgs,
    binary: &Path,
    database: &FreshDatabase,
) -> anyhow::Result<(Run, Option<(String, bytes::Bytes)>)> {
    let server = Server::start(binary, &database.url)?;
    let token = server.bootstrap_token.clone().ok_or_else(|| anyhow::anyhow!("no admin token printed"))?;
    let seeding = Instant::now();
    let seeded = api::seed(&api::Api::new(&server.address, &token)?, args.rows).await?;
    let (conn, _) = db::connect(&database.url, db::Settings::default()).await?;
    if args.analyze {
        database.settle(&conn).await?;
    }
    eprintln!("{}: seeded {} members in {:.1} s", binary.display(), args.rows, seeding.elapsed().as_secs_f64());
    let csv = seeded.sheet(0..args.rows);
    let (sheet, csv) = match args.format {
        SheetFormat::Csv => (bytes::Bytes::from(csv.into_bytes()), None),
        SheetFormat::Xlsx => (bytes::Bytes::from(workbook_of(&csv)?), Some(csv)),
    };

    reset_peak_memory(&server.pid());
    let resident_before = memory_mb(&server.pid(), "VmRSS:");
    let started = Instant::now();
    let mut response = reqwest::Client::new()
        .post(format!(
            "{}/invitations/links?fileName=bench.csv{}",
            server.address,
            if args.dry_run { "&dryRun=true" } else { "" }
        ))
        .bearer_auth(&seeded.token)
        .body(sheet.clone())
        .send()
        .await?;
    let status = response.status();
    // The links sheet is read as it comes and only its lines counted.
    let (mut received_bytes, mut lines, mut refusal) = (0, 0, Vec::new());
    while let Some(chunk) = response.chunk().await? {
        received_bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        if status != 200 && refusal.len() < 2000 {
            refusal.extend_from_slice(&chunk);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let peak = memory_mb(&server.pid(), "VmHWM:");
    drop(server);
    anyhow::ensure!(status == 200, "the sheet was refused ({status}): {}", String::from_utf8_lossy(&refusal));
    // Every line ends with a newline (CRLF); the first is the header. A dry run answers its
    // report instead.
    let links = lines.saturating_sub(1);
    anyhow::ensure!(args.dry_run || links == args.rows, "expected {} links, got {links}", args.rows);
    let floor_seconds = super::floor::measure(&conn, args.rows).await?.as_secs_f64();
    let run = Run { seconds, floor_seconds, peak, resident_before, sheet_bytes: sheet.len(), received_bytes };
    Ok((run, csv.map(|csv| (csv, sheet))))
}

/// Reading the rows alone, from the workbook and from the same rows as CSV.
pub fn print_reading(csv: &[u8], workbook: &[u8]) -> anyhow::Result<()> {
    let (from_csv, from_workbook) = (reading_time(csv)?, reading_time(workbook)?);
    println!(
        "reading alone     {:.0} ms from the workbook, {:.0} ms from the same rows as CSV: {:.2}× (best of 5)",
        from_workbook * 1e3,
        from_csv * 1e3,
        from_workbook / from_csv
    );
    Ok(())
}

/// The CSV's rows as a workbook the way Excel saves one: every text cell a shared string.
pub fn workbook_of(csv: &str) -> anyhow::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Invitation Links")?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv.as_bytes());
    for (row, record) in reader.records().enumerate() {
        for (column, cell) in record?.iter().enumerate() {
            sheet.write_string(row as u32, column as u16, cell)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

/// The best of five readings of a sheet into rows, in seconds.
fn reading_time(bytes: &[u8]) -> anyhow::Result<f64> {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let read =
            crate::sheets::reader::read(bytes).map_err(|problems| anyhow::anyhow!("unreadable: {problems:?}"))?;
        best = best.min(started.elapsed().as_secs_f64());
        drop(read);
    }
    Ok(best)
}
