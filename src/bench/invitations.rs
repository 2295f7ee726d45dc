//! `muster bench invitations`: times a sheet of N rows through `POST /invitations/links`,
//! end to end (upload, reading, checks, issuing, the links sheet back), on a fresh database
//! seeded with N members: at once, as an admin who imports the organization and then uploads
//! its sheet (the database has no statistics on the new rows yet), or after `ANALYZE` with
//! `--analyze`. Prints rows per second and peak memory, and the ratio to the floor: the same
//! rows written into bare tables the cheapest way the database has ([`super::floor`]).
//! `--format xlsx` uploads the same rows as an Excel workbook, and also times reading the
//! rows alone, from the workbook and from the CSV, in this process.

use std::time::Instant;

use crate::{Application, Config, clock::Clock, db, sheets::SheetFormat};

use super::{FreshDatabase, mb, memory_mb, reset_peak_memory, seed};

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
}

pub async fn run(args: InvitationsArgs) -> anyhow::Result<()> {
    let database = FreshDatabase::create(args.postgres.as_deref()).await?;
    let result = measure(&args, &database).await;
    database.remove().await;
    result
}

async fn measure(args: &InvitationsArgs, database: &FreshDatabase) -> anyhow::Result<()> {
    let backend = database.backend();
    let (conn, statements) = db::connect_migrated(&database.url, db::Settings::default()).await?;
    let floor_conn = conn.clone();
    let clock = Clock::default();
    let seeding = Instant::now();
    let seeded = seed::organization(&conn, "bench", args.rows, clock.now()).await?;
    if args.analyze {
        database.settle(&conn).await?;
    }
    eprintln!("seeded {} members on {backend} in {:.1} s", args.rows, seeding.elapsed().as_secs_f64());
    // One copy of the sheet in the client, shared with the request (and the CSV kept beside the
    // workbook only to time reading both): the peak memory is muster's, not copies made here.
    let csv = seeded.sheet(0..args.rows);
    let (sheet, csv) = match args.format {
        SheetFormat::Csv => (bytes::Bytes::from(csv.into_bytes()), None),
        SheetFormat::Xlsx => (bytes::Bytes::from(workbook_of(&csv)?), Some(csv)),
    };
    let sheet_bytes = sheet.len();

    let mut config = Config::defaults();
    config.database_url = Some(database.url.clone());
    config.listen = "127.0.0.1:0".parse()?;

    let listener = crate::app::bind(&config).await?;
    let app = Application::build_with(config, conn, statements.clone(), clock, listener).await?;
    let address = app.address();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));

    reset_peak_memory();
    let resident_before = memory_mb("self", "VmRSS:");
    let before_statements = statements.get();
    let started = Instant::now();
    let mut response = reqwest::Client::new()
        .post(format!("http://{address}/invitations/links?fileName=bench.csv"))
        .bearer_auth(&seeded.token)
        .body(sheet.clone())
        .send()
        .await?;
    let status = response.status();
    // The links sheet is read as it comes and only its lines counted, so that the peak memory
    // is muster's (with the sheet the client sent), not a copy of the answer held here.
    let (mut received, mut lines, mut refusal) = (0, 0, Vec::new());
    while let Some(chunk) = response.chunk().await? {
        received += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        if status != 200 && refusal.len() < 2000 {
            refusal.extend_from_slice(&chunk);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let statements_used = statements.get() - before_statements;
    let _ = stop.send(());
    let _ = server.await;
    anyhow::ensure!(status == 200, "the sheet was refused ({status}): {}", String::from_utf8_lossy(&refusal));
    // Every line ends with a newline (CRLF); the first is the header.
    let links = lines - 1;
    anyhow::ensure!(links == args.rows, "expected {} links, got {links}", args.rows);

    let floor = super::floor::measure(&floor_conn, args.rows).await?;
    let statistics = if args.analyze { "analyzed after seeding" } else { "fresh: no statistics on the new rows" };
    println!("database          {backend} ({statistics})");
    println!("rows issued       {}", args.rows);
    println!("sheet             {:.1} MB in, {:.1} MB out", sheet_bytes as f64 / 1e6, received as f64 / 1e6);
    println!("end to end        {elapsed:.2} s");
    println!("throughput        {:.0} rows/s", args.rows as f64 / elapsed);
    println!("SQL statements    {statements_used}");
    let floor_how = if backend == "PostgreSQL" { "COPY" } else { "INSERT … SELECT made by the engine" };
    println!(
        "floor             {:.2} s ({floor_how} of the same rows into bare tables): {:.1}× the floor",
        floor.as_secs_f64(),
        elapsed / floor.as_secs_f64()
    );
    println!(
        "peak memory       {} (muster and this client, during the request; {} resident before it)",
        mb(memory_mb("self", "VmHWM:")),
        mb(resident_before)
    );
    if let Some(csv) = csv {
        print_reading(csv.as_bytes(), &sheet)?;
    }
    Ok(())
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
