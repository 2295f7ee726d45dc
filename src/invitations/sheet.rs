//! The upload flow: read the sheet, check every row, and — only when nothing is wrong, or
//! when asked to skip bad rows — issue the links and write the links sheet.

use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::DatabaseConnection;

use super::{
    LinkSettings,
    issue::{self, BatchInfo, IssueRequest, SecretsInAdvance},
    rules::{Candidate, Rules},
    validate::{self, Checked},
};
use crate::{
    AppError, Result,
    audit::{self, Action, Event},
    domain::SupportedLanguages,
    identity::{Caller, sso::SsoDomains},
    mail::{self, Outbox},
    sheets::{
        self, CsvOut, SheetProblem,
        xlsx_out::{Cell, XlsxOut},
    },
    tenant::Tenant,
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
pub async fn generate_links(
    db: &DatabaseConnection,
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
    let report = generate(db, caller, links, languages, outbox, request, now).await;
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

async fn generate(
    db: &DatabaseConnection,
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
    let read = tokio::task::spawn_blocking(move || sheets::reader::read(&bytes))
        .await
        .map_err(|err| AppError::Internal(err.into()))?;
    let read = match read {
        Ok(read) => read,
        Err(errors) => return Ok(SheetReport { errors, ..Default::default() }),
    };
    let row_count = read.rows.len();
    let read_ms = started.elapsed().as_millis() as u64;
    // The links' secrets are made while the rows are checked; dropped if nothing is issued.
    let secrets = (!request.dry_run).then(|| SecretsInAdvance::start(row_count));
    let sso = SsoDomains::load(db, &caller.tenant).await?;
    let rules = Rules { languages, sso: &sso, now };
    let checked = validate::check(db, &caller.tenant, read.rows, &rules).await?;
    let checked_ms = started.elapsed().as_millis() as u64;
    let (mut report, issuable) = report_of(checked, read.warnings);
    if let Some(place) = &read.place {
        report.errors.iter_mut().chain(report.warnings.iter_mut()).for_each(|problem| place.locate(problem));
    }
    let blocked = !report.errors.is_empty() && !request.skip_invalid_rows;
    if request.dry_run || blocked || issuable.candidates.is_empty() {
        return Ok(report);
    }
    let batch = BatchInfo {
        file_name: request.file_name.clone(),
        row_count,
        skipped_count: row_count - issuable.candidates.len(),
    };
    let issue = IssueRequest {
        created_by: caller.name.clone(),
        issued_at: now,
        expires_at,
        batch: Some(batch),
        sealed_links: None,
    };
    issue_rows(db, &caller.tenant, links, outbox, &mut report, issuable, secrets, issue).await?;
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

/// Each checked row moves into the report; the rows that can be issued keep their index.
fn report_of(checked: Checked, mut warnings: Vec<SheetProblem>) -> (SheetReport, Issuable) {
    let mut issuable = Issuable { candidates: Vec::new(), indexes: Vec::new() };
    let mut rows = Vec::with_capacity(checked.rows.len());
    for (index, row) in checked.rows.into_iter().enumerate() {
        if let Some(candidate) = row.candidate {
            issuable.indexes.push(index);
            issuable.candidates.push(candidate);
        }
        rows.push(ReportRow {
            line: row.line,
            member_id: row.member_id,
            email: row.email,
            language: row.language,
            role_ids: row.role_ids,
            link: None,
            expires_at: None,
        });
    }
    warnings.extend(checked.warnings);
    (SheetReport { errors: checked.errors, warnings, rows, ..Default::default() }, issuable)
}

/// Issues the issuable rows, puts each one's link into the report, and writes the links sheet.
#[allow(clippy::too_many_arguments)]
async fn issue_rows(
    db: &DatabaseConnection,
    tenant: &Tenant,
    links: &LinkSettings,
    outbox: Option<&Outbox>,
    report: &mut SheetReport,
    issuable: Issuable,
    secrets: Option<SecretsInAdvance>,
    mut request: IssueRequest,
) -> Result<()> {
    let count = issuable.candidates.len();
    let secrets = match secrets {
        Some(secrets) => secrets.take(count).await?,
        None => issue::secrets(count).await?,
    };
    let mut token_hashes = Vec::with_capacity(count);
    let mut sealed_links = outbox.map(|_| Vec::with_capacity(count));
    for (index, secret) in issuable.indexes.iter().zip(secrets) {
        let row = &mut report.rows[*index];
        let link = links.link(secret.token.reveal());
        if let (Some(outbox), Some(sealed)) = (outbox, sealed_links.as_mut()) {
            sealed.push(outbox.seal(&link, &secret.hash));
        }
        row.link = Some(link);
        row.expires_at = Some(request.expires_at);
        token_hashes.push(secret.hash);
    }
    request.sealed_links = sealed_links;
    let request = &request;
    // The links sheet is written (on another core) while the database inserts; it is dropped
    // if they fail. The rows go to the blocking task and come back, rather than being copied.
    let rows = std::mem::take(&mut report.rows);
    let links_sheet = tokio::task::spawn_blocking(move || (links_sheet(&rows), rows));
    let issued = issue::issue(db, tenant, &issuable.candidates, request, &token_hashes).await;
    let (csv, rows) = links_sheet.await.map_err(|err| AppError::Internal(err.into()))?;
    report.rows = rows;
    let (batch, issued) = issued?;
    report.csv = Some(csv);
    report.issued = issued.len();
    report.batch_id = batch.map(|batch| batch.public_id);
    if let Some(outbox) = outbox {
        report.queued = issued.len();
        outbox.wake();
    }
    Ok(())
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
