//! The upload flow: read the sheet, check every row, and — only when nothing is wrong, or
//! when asked to skip bad rows — issue the links and write the links sheet.

use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use sea_orm::DatabaseConnection;
use tokio::sync::OwnedSemaphorePermit;

use super::{
    LinkSettings,
    issue::{self, BatchInfo, EarlyIssuing, IssueChunk, IssueRequest, Issuer},
    rules::{Candidate, Rules},
    validate::{Checked, LookedUp, SheetChecks},
};
use crate::{
    AppError, Result,
    audit::{self, Action, Event},
    domain::SupportedLanguages,
    error::joined,
    identity::{Caller, sso::SsoDomains},
    mail::{self, Outbox},
    sheets::{
        self, CsvOut, RawRow, SheetProblem,
        xlsx_out::{Cell, XlsxOut},
    },
};

pub const TEMPLATE_HEADER: [&str; 4] = ["Team Member ID", "Email", "Language", "Role IDs"];
pub const LINKS_HEADER: [&str; 6] =
    ["Team Member ID", "Email", "Language", "Role IDs", "Invitation Link", "Expires At"];

/// The example row of the sample sheet (two roles in one cell).
const TEMPLATE_EXAMPLE: [&str; 4] = ["NBq0Nvg34", "ana.silva@example.com", "en", "NBq0Nvg34,E9bMO7zx5"];
pub const TEMPLATE_WORKSHEET: &str = "Invitation Links";
pub const ROLES_WORKSHEET: &str = "Roles";
const ROLES_HEADER: [&str; 4] = ["Role ID", "Name", "Description", "Members"];

/// The sample sheet: the header and one example row.
pub fn template() -> String {
    let mut out = CsvOut::with_header(&TEMPLATE_HEADER);
    out.row(TEMPLATE_EXAMPLE);
    String::from_utf8(out.take()).unwrap_or_default()
}

/// The sample sheet as a workbook; with the organization's roles on a second worksheet when
/// there is an organization to list them for, so their ids can be copied from there.
pub fn template_workbook(roles: Option<&[entity::role::Model]>) -> Result<Vec<u8>> {
    let mut out = XlsxOut::new(TEMPLATE_WORKSHEET, &TEMPLATE_HEADER).map_err(workbook_failed)?;
    out.row(&TEMPLATE_EXAMPLE.map(Cell::Text)).map_err(workbook_failed)?;
    if let Some(roles) = roles {
        out.add_sheet(ROLES_WORKSHEET, &ROLES_HEADER).map_err(workbook_failed)?;
        for role in roles {
            let members = role.member_count.to_string();
            let description = role.description.as_deref().unwrap_or_default();
            out.row(&[
                Cell::Text(&role.public_id),
                Cell::Text(&role.name),
                Cell::Text(description),
                Cell::Text(&members),
            ])
            .map_err(workbook_failed)?;
        }
    }
    out.finish().map_err(workbook_failed)
}

pub fn workbook_failed(err: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::Error::new(err).context("writing a workbook"))
}

/// An uploaded sheet and what to do with it.
#[derive(Debug, Clone, Default)]
pub struct SheetRequest {
    pub bytes: Vec<u8>,
    /// Check everything and issue nothing.
    pub dry_run: bool,
    /// Issue the rows without errors even when others have some.
    pub skip_invalid_rows: bool,
    pub expires_in_days: Option<i32>,
    pub file_name: Option<String>,
    /// muster emails each invitee their link (queued with the invitations).
    pub send: bool,
}

/// A row of the report: what was read and, when issued, the link.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub line: u32,
    pub member_id: String,
    pub email: String,
    pub language: String,
    pub role_ids: Vec<String>,
    pub link: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
pub struct SheetReport {
    pub batch_id: Option<String>,
    pub issued: usize,
    pub rows: Vec<ReportRow>,
    pub errors: Vec<SheetProblem>,
    pub warnings: Vec<SheetProblem>,
    /// Messages queued to send the links (0 unless asked to send).
    pub queued: usize,
    /// The links sheet (UTF-8 with BOM), when anything was issued.
    pub csv: Option<Vec<u8>>,
}

/// The rows that can be issued, and where each sits in the report.
struct Issuable {
    candidates: Vec<Candidate>,
    indexes: Vec<usize>,
}

#[tracing::instrument(skip_all, fields(bytes = request.bytes.len(), dry_run = request.dry_run, skip = request.skip_invalid_rows))]
#[allow(clippy::too_many_arguments)]
pub async fn generate_links(
    db: &DatabaseConnection,
    early: &EarlyIssuing,
    caller: &Caller,
    links: &LinkSettings,
    languages: &SupportedLanguages,
    outbox: Option<&Outbox>,
    request: SheetRequest,
    now: DateTime<Utc>,
) -> Result<SheetReport> {
    let started = Instant::now();
    let dry_run = request.dry_run;
    let outbox = mail::sending(request.send, outbox)?;
    let report = generate(db, early, caller, links, languages, outbox, request, now).await;
    count_sheet(report.as_ref(), dry_run, started);
    report
}

/// The sheet's figures for operators: its outcome, its rows, how long it took.
fn count_sheet(report: std::result::Result<&SheetReport, &AppError>, dry_run: bool, started: Instant) {
    let outcome = match report {
        Err(_) => "failed",
        Ok(report) if report.issued > 0 => "issued",
        Ok(report) if report.rows.is_empty() && !report.errors.is_empty() => "unreadable",
        Ok(_) if dry_run => "dry_run",
        Ok(_) => "refused",
    };
    metrics::counter!("muster_sheets_total", "outcome" => outcome).increment(1);
    if let Ok(report) = report {
        metrics::histogram!("muster_sheet_rows").record(report.rows.len() as f64);
    }
    metrics::histogram!("muster_sheet_duration_seconds").record(started.elapsed().as_secs_f64());
}

#[allow(clippy::too_many_arguments)]
async fn generate(
    db: &DatabaseConnection,
    early: &EarlyIssuing,
    caller: &Caller,
    links: &LinkSettings,
    languages: &SupportedLanguages,
    outbox: Option<&Outbox>,
    request: SheetRequest,
    now: DateTime<Utc>,
) -> Result<SheetReport> {
    let expires_at = links.expiry(request.expires_in_days, now)?;
    let started = Instant::now();
    let bytes = request.bytes;
    let read = joined(tokio::task::spawn_blocking(move || sheets::reader::read(&bytes)).await).await?;
    let read = match read {
        Ok(read) => read,
        Err(errors) => return Ok(SheetReport { errors, ..Default::default() }),
    };
    let row_count = read.rows.len();
    let read_ms = started.elapsed().as_millis() as u64;
    let sso = SsoDomains::load(db, &caller.tenant).await?;
    let rules = Rules { languages, sso: &sso, now };
    let mut checks = SheetChecks::new(db, &caller.tenant, &rules).await?;
    let mut report = SheetReport { rows: Vec::with_capacity(row_count), warnings: read.warnings, ..Default::default() };
    // The rows that pass are issued while the rows below them are checked (see
    // [`issue::Issuer`]); nothing of it is committed unless every row passed, or bad rows are
    // to be skipped.
    let start_issuer = |place| {
        let batch = BatchInfo { file_name: request.file_name.clone(), row_count, skipped_count: 0 };
        let issue = IssueRequest {
            created_by: caller.name.clone(),
            issued_at: now,
            expires_at,
            batch: Some(batch),
            sealed_links: None,
        };
        Issuer::start(db.clone(), caller.tenant, issue, place)
    };
    let begun = (!request.dry_run).then(|| early.try_place()).flatten().map(|place| start_issuer(Some(place)));
    let mut handover = Handover { open: !request.dry_run, issuer: begun, waiting: Vec::new(), handed: 0 };
    // Chunks are looked up by tasks of their own. A dry run looks up two at a time: the
    // database finds one chunk's members while muster reads the other's and checks the chunk
    // before them (100,000 rows on PostgreSQL: 0.77-0.91 s against 0.96-1.38 s one chunk
    // after the other). While issuing, the inserts set the pace, and a lookup ahead of them
    // only takes a core from them (three runs each: 2.33-2.87 s one at a time, 2.61-3.15 s
    // two): one at a time.
    let ahead = if handover.open { 1 } else { 2 };
    let mut rows = read.rows.into_iter();
    let chunks = std::iter::from_fn(|| Some(rows.by_ref().take(issue::CHUNK).collect::<Vec<RawRow>>()))
        .take_while(|chunk| !chunk.is_empty());
    let tenant = caller.tenant;
    let mut looked_up = futures::stream::iter(chunks)
        .map(|rows| {
            let db = db.clone();
            tokio::spawn(async move { LookedUp::fetch(&db, &tenant, rows).await })
        })
        .buffered(ahead);
    while let Some(chunk) = looked_up.next().await {
        let chunk = joined(chunk).await??;
        let issuable = report.add(checks.check(chunk));
        if !report.errors.is_empty() && !request.skip_invalid_rows {
            // Nothing will be issued; the rest of the sheet is checked to report every problem.
            handover.close();
        }
        if handover.open && !issuable.candidates.is_empty() {
            let chunk = links_for(links, outbox, expires_at, &mut report, issuable).await?;
            if !handover.hand(chunk).await {
                break; // The issuing failed: its commit says why.
            }
        }
    }
    let checked_ms = started.elapsed().as_millis() as u64;
    if let Some(place) = &read.place {
        report.errors.iter_mut().chain(report.warnings.iter_mut()).for_each(|problem| place.locate(problem));
    }
    if !handover.open || handover.handed == 0 {
        report.forget_links();
        return Ok(report);
    }
    let skipped = row_count - handover.handed;
    let issuer = handover.into_issuer(start_issuer).await;
    commit_links(issuer, skipped, outbox, &mut report).await?;
    let details = serde_json::json!({ "rows": row_count, "issued": report.issued, "skipped": row_count - report.issued, "queued": report.queued, "fileName": request.file_name });
    let event = Event::new(Action::InvitationsIssued, report.batch_id.as_deref(), details);
    audit::record(db, &caller.tenant, &caller.name, event, now).await;
    tracing::info!(
        batch = ?report.batch_id,
        issued = report.issued,
        skipped = row_count - report.issued,
        read_ms,
        checked_ms,
        issued_ms = started.elapsed().as_millis() as u64,
        "invitation links issued"
    );
    Ok(report)
}

/// Where a sheet's rows that can be issued go, a chunk at a time, as they are checked: to an
/// issuing begun early, or kept for one that begins once the checks are done (no place was
/// free for an early one).
struct Handover {
    /// Whether anything is to be issued: not for a dry run, nor once a row has a problem that
    /// is not to be skipped.
    open: bool,
    issuer: Option<Issuer>,
    waiting: Vec<IssueChunk>,
    /// Rows handed over.
    handed: usize,
}

impl Handover {
    /// Nothing will be issued: an issuing begun early rolls back now.
    fn close(&mut self) {
        (self.open, self.issuer) = (false, None);
        self.waiting.clear();
    }

    /// `false` when the issuing already failed.
    async fn hand(&mut self, chunk: IssueChunk) -> bool {
        self.handed += chunk.candidates.len();
        match &self.issuer {
            Some(issuer) => issuer.send(chunk).await,
            None => {
                self.waiting.push(chunk);
                true
            }
        }
    }

    /// The issuing, with every chunk handed to it.
    async fn into_issuer(self, start: impl FnOnce(Option<OwnedSemaphorePermit>) -> Issuer) -> Issuer {
        let issuer = self.issuer.unwrap_or_else(|| start(None));
        for chunk in self.waiting {
            if !issuer.send(chunk).await {
                break;
            }
        }
        issuer
    }
}

/// Commits the issuing and puts its outcome and the links sheet into the report. The links
/// sheet is written (on another core) while the last chunk is inserted; it is dropped if the
/// issuing fails. The rows go to the blocking task and come back, rather than being copied.
async fn commit_links(issuer: Issuer, skipped: usize, outbox: Option<&Outbox>, report: &mut SheetReport) -> Result<()> {
    let rows = std::mem::take(&mut report.rows);
    let links_sheet = tokio::task::spawn_blocking(move || (links_sheet(&rows), rows));
    let issued = issuer.commit(skipped).await;
    let (csv, rows) = joined(links_sheet.await).await?;
    report.rows = rows;
    let issued = issued?;
    report.csv = Some(csv);
    report.issued = issued.count;
    report.batch_id = issued.batch.map(|batch| batch.public_id);
    if let Some(outbox) = outbox {
        report.queued = issued.count;
        outbox.wake();
    }
    Ok(())
}

impl SheetReport {
    /// Moves a chunk's checked rows into the report: answers those that can be issued, with
    /// where each sits in the report.
    fn add(&mut self, checked: Checked) -> Issuable {
        let mut issuable = Issuable { candidates: Vec::new(), indexes: Vec::new() };
        for row in checked.rows {
            if let Some(candidate) = row.candidate {
                issuable.indexes.push(self.rows.len());
                issuable.candidates.push(candidate);
            }
            self.rows.push(ReportRow {
                line: row.line,
                member_id: row.member_id,
                email: row.email,
                language: row.language,
                role_ids: row.role_ids,
                link: None,
                expires_at: None,
            });
        }
        self.errors.extend(checked.errors);
        self.warnings.extend(checked.warnings);
        issuable
    }

    /// Takes back the links of rows handed to an issuing that will not commit.
    fn forget_links(&mut self) {
        for row in &mut self.rows {
            row.link = None;
            row.expires_at = None;
        }
    }
}

/// Makes a chunk's links: each row's link goes into the report, its token's hash (and, when
/// muster sends the invitations, the sealed link) to the issuing.
async fn links_for(
    links: &LinkSettings,
    outbox: Option<&Outbox>,
    expires_at: DateTime<Utc>,
    report: &mut SheetReport,
    issuable: Issuable,
) -> Result<IssueChunk> {
    let count = issuable.candidates.len();
    let secrets = issue::secrets(count).await?;
    let mut token_hashes = Vec::with_capacity(count);
    let mut sealed_links = outbox.map(|_| Vec::with_capacity(count));
    for (index, secret) in issuable.indexes.iter().zip(secrets) {
        let row = &mut report.rows[*index];
        let link = links.link(secret.token.reveal());
        if let (Some(outbox), Some(sealed)) = (outbox, sealed_links.as_mut()) {
            sealed.push(outbox.seal(&link, &secret.hash));
        }
        row.link = Some(link);
        row.expires_at = Some(expires_at);
        token_hashes.push(secret.hash);
    }
    Ok(IssueChunk { candidates: issuable.candidates, token_hashes, sealed_links })
}

/// The links sheet as a workbook: the issued rows, links clickable, expiry a date.
pub fn links_workbook(rows: &[ReportRow]) -> Result<Vec<u8>> {
    let mut out = XlsxOut::new(TEMPLATE_WORKSHEET, &LINKS_HEADER).map_err(workbook_failed)?;
    for row in rows {
        let (Some(link), Some(expires_at)) = (&row.link, row.expires_at) else { continue };
        let role_ids = row.role_ids.join(",");
        out.row(&[
            Cell::Text(&row.member_id),
            Cell::Text(&row.email),
            Cell::Text(&row.language),
            Cell::Text(&role_ids),
            Cell::Link(link),
            Cell::Date(expires_at),
        ])
        .map_err(workbook_failed)?;
    }
    out.finish().map_err(workbook_failed)
}

/// The links sheet: the issued rows, each with its link and expiry.
fn links_sheet(rows: &[ReportRow]) -> Vec<u8> {
    let mut out = CsvOut::with_header(&LINKS_HEADER);
    for row in rows {
        let (Some(link), Some(expires_at)) = (&row.link, row.expires_at) else { continue };
        let role_ids = row.role_ids.join(",");
        let expires_at = expires_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        out.row([
            row.member_id.as_str(),
            row.email.as_str(),
            row.language.as_str(),
            role_ids.as_str(),
            link.as_str(),
            expires_at.as_str(),
        ]);
    }
    out.take()
}
