//! The upload flow: read the sheet, check every row, and — only when nothing is wrong, or
//! when asked to skip bad rows — issue the links and write the links sheet.

use chrono::SecondsFormat;

use super::{
    issue::{self, BatchInfo, IssueRequest},
    link,
    policy::EmailPolicy,
    validate::{self, Rules},
};
use crate::{
    AppError, Result,
    graphql::Services,
    identity::Caller,
    sheets::{self, CsvOut, SheetProblem},
};

pub const TEMPLATE_HEADER: [&str; 4] = ["Team Member ID", "Email", "Language", "Role IDs"];
pub const LINKS_HEADER: [&str; 6] =
    ["Team Member ID", "Email", "Language", "Role IDs", "Invitation Link", "Expires At"];

/// The sample sheet: the header and one example row (with two roles in one cell).
pub fn template() -> String {
    let mut out = CsvOut::with_header(&TEMPLATE_HEADER);
    out.row(["NBq0Nvg34", "ana.silva@example.com", "en", "NBq0Nvg34,E9bMO7zx5"]);
    String::from_utf8(out.take()).unwrap_or_default()
}

#[derive(Debug, Clone, Default)]
pub struct SheetOptions {
    pub dry_run: bool,
    pub skip_invalid_rows: bool,
    pub expires_in_days: Option<i32>,
    pub file_name: Option<String>,
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
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Default)]
pub struct SheetReport {
    pub batch_id: Option<String>,
    pub issued: usize,
    pub rows: Vec<ReportRow>,
    pub errors: Vec<SheetProblem>,
    pub warnings: Vec<SheetProblem>,
    /// The links sheet (UTF-8 with BOM), when anything was issued.
    pub csv: Option<Vec<u8>>,
}

#[tracing::instrument(skip_all, fields(bytes = bytes.len(), dry_run = options.dry_run, skip = options.skip_invalid_rows))]
pub async fn generate_links(
    services: &Services,
    caller: &Caller,
    policy: &dyn EmailPolicy,
    bytes: Vec<u8>,
    options: SheetOptions,
) -> Result<SheetReport> {
    let now = services.clock.now();
    let expires_at = super::expiry(&services.config, options.expires_in_days, now)?;
    let tenant = caller.tenant;
    let started = std::time::Instant::now();
    let read = tokio::task::spawn_blocking(move || sheets::reader::read(&bytes))
        .await
        .map_err(|err| AppError::Internal(err.into()))?;
    let read = match read {
        Ok(read) => read,
        Err(errors) => return Ok(SheetReport { errors, ..Default::default() }),
    };
    let row_count = read.rows.len();
    let rules = Rules { languages: &services.languages, policy, now };
    let read_ms = started.elapsed().as_millis() as u64;
    // The links' secrets are made while the rows are checked; dropped if nothing is issued.
    let secrets = (!options.dry_run).then(|| issue::SecretsInAdvance::start(row_count));
    let mut checked = validate::check(&services.db, &tenant, read.rows, &rules).await?;
    let checked_ms = started.elapsed().as_millis() as u64;
    let mut warnings = read.warnings;
    warnings.append(&mut checked.warnings);

    // Each row moves into the report; the rows that can be issued keep their index.
    let mut indexes = Vec::new();
    let mut candidates = Vec::new();
    let mut rows = Vec::with_capacity(checked.rows.len());
    for (index, row) in checked.rows.into_iter().enumerate() {
        if let Some(candidate) = row.candidate {
            indexes.push(index);
            candidates.push(candidate);
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
    let mut report = SheetReport { errors: checked.errors, warnings, rows, ..Default::default() };
    let blocked = !report.errors.is_empty() && !options.skip_invalid_rows;
    if options.dry_run || blocked {
        return Ok(report);
    }
    if candidates.is_empty() {
        return Ok(report);
    }
    let request = IssueRequest {
        created_by: caller.name.clone(),
        expires_at,
        batch: Some(BatchInfo {
            file_name: options.file_name.clone(),
            row_count,
            skipped_count: row_count - candidates.len(),
        }),
    };
    let secrets = match secrets {
        Some(secrets) => secrets.take(candidates.len()).await?,
        None => issue::secrets(candidates.len()).await?,
    };
    let mut token_hashes = Vec::with_capacity(secrets.len());
    for (index, secret) in indexes.iter().zip(secrets) {
        let row = &mut report.rows[*index];
        row.link = Some(link(&services.config, secret.token.reveal()));
        row.expires_at = Some(expires_at);
        token_hashes.push(secret.hash);
    }

    // The links sheet is written (on another core) while the database inserts; it is dropped
    // if they fail. The rows go to the blocking task and come back, rather than being copied.
    let rows = std::mem::take(&mut report.rows);
    let links_sheet = tokio::task::spawn_blocking(move || (links_sheet(&rows), rows));
    let issued = issue::issue(&services.db, &tenant, &candidates, &request, &token_hashes, now).await;
    let (csv, rows) = links_sheet.await.map_err(|err| AppError::Internal(err.into()))?;
    report.rows = rows;
    let (batch, issued) = issued?;
    report.csv = Some(csv);
    report.issued = issued.len();
    report.batch_id = batch.map(|batch| batch.public_id);
    crate::audit::record(
        &services.db,
        tenant.organization_id(),
        &caller.name,
        crate::audit::action::INVITATIONS_ISSUED,
        report.batch_id.as_deref(),
        serde_json::json!({ "rows": row_count, "issued": report.issued, "skipped": row_count - report.issued, "fileName": options.file_name }),
        now,
    )
    .await;
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
