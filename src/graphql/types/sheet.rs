//! The outcome of an invitation sheet: its rows, its problems, the links sheet.

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    invitations::sheet::{ReportRow, SheetReport, links_workbook},
    sheets::{SheetProblem as Problem, UTF8_BOM},
};

pub struct SheetRow(pub ReportRow);

/// A row of the sheet as read, with its link when one was issued.
#[Object]
impl SheetRow {
    /// The line in the spreadsheet (the header is line 1).
    async fn line(&self) -> i32 {
        self.0.line as i32
    }
    /// The Team Member ID cell.
    async fn member_id(&self) -> ID {
        ID(self.0.member_id.clone())
    }
    /// The address, as read (trimmed, the domain in lower case where it is one).
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The language, in canonical case where it is supported.
    async fn language(&self) -> &str {
        &self.0.language
    }
    /// The role ids of the Role IDs cell.
    async fn role_ids(&self) -> Vec<ID> {
        self.0.role_ids.iter().cloned().map(ID).collect()
    }
    /// The invitation link, when one was issued for this row.
    async fn link(&self) -> Option<&str> {
        self.0.link.as_deref()
    }
    /// When the link expires, when one was issued.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
}

/// What is wrong with a line of the sheet (an error) or what was done to read it (a warning).
#[derive(SimpleObject)]
pub struct SheetProblem {
    /// The line in the spreadsheet (the header is line 1); 0 for the sheet as a whole.
    pub line: i32,
    /// The column, by its header (`Email`); null for the sheet or line as a whole.
    pub column: Option<String>,
    /// A stable code, such as `UNKNOWN_MEMBER` or `MISSING_COLUMN`.
    pub code: String,
    /// What is wrong and how to fix it.
    pub message: String,
    /// In a workbook (.xlsx, .ods, .xls), the worksheet and the cell as the spreadsheet names
    /// them (`Invitation Links!B7`), or the worksheet alone for the sheet as a whole; null
    /// for a CSV.
    pub cell: Option<String>,
}

impl From<&Problem> for SheetProblem {
    fn from(problem: &Problem) -> Self {
        Self {
            line: problem.line as i32,
            column: problem.column.map(|column| column.header().to_owned()),
            code: problem.code.as_str().to_owned(),
            message: problem.message.clone(),
            cell: problem.cell.clone(),
        }
    }
}

pub struct GenerateInvitationLinksPayload(pub SheetReport);

/// The outcome of a sheet: the batch, what was issued, every problem, and the links sheet.
#[Object]
impl GenerateInvitationLinksPayload {
    /// The upload's id, to find its invitations (`invitations(filter: { batchId })`); null
    /// when nothing was issued.
    async fn batch_id(&self) -> Option<ID> {
        self.0.batch_id.clone().map(ID)
    }
    /// How many links were issued (0 on a dry run, or when any row has an error and
    /// `skipInvalidRows` is not set).
    async fn issued(&self) -> i32 {
        self.0.issued as i32
    }
    /// How many emails were queued to send the links (0 unless `send: true`).
    async fn queued(&self) -> i32 {
        self.0.queued as i32
    }
    /// Every row read, in sheet order.
    async fn rows(&self) -> Vec<SheetRow> {
        self.0.rows.iter().cloned().map(SheetRow).collect()
    }
    /// What stops rows (or the sheet) from being issued.
    async fn errors(&self) -> Vec<SheetProblem> {
        self.0.errors.iter().map(SheetProblem::from).collect()
    }
    /// What was converted to read the sheet, or will happen on issuing; nothing that stops it.
    async fn warnings(&self) -> Vec<SheetProblem> {
        self.0.warnings.iter().map(SheetProblem::from).collect()
    }
    /// The links sheet (`Team Member ID,Email,Language,Role IDs,Invitation Link,Expires At`),
    /// when anything was issued. Save it with a UTF-8 BOM for Excel (`GET`-free clients can
    /// use `POST /invitations/links`, which answers the file itself).
    async fn csv(&self) -> Option<String> {
        let bytes = self.0.csv.as_deref()?;
        Some(String::from_utf8_lossy(bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)).into_owned())
    }
    /// The same links sheet as an `.xlsx` workbook, base64-encoded (decode it and save it as
    /// `invitation-links.xlsx`): links clickable, expiry a date, every other cell text. Made
    /// only when asked for; null when nothing was issued. `POST /invitations/links?format=xlsx`
    /// answers the file itself.
    async fn workbook(&self) -> async_graphql::Result<Option<String>> {
        if self.0.csv.is_none() {
            return Ok(None);
        }
        let rows = self.0.rows.clone();
        let bytes = tokio::task::spawn_blocking(move || links_workbook(&rows))
            .await
            .map_err(|err| crate::AppError::Internal(err.into()))??;
        Ok(Some(base64::engine::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)))
    }
}

/// What taking back an upload did.
#[derive(SimpleObject)]
pub struct RevokeBatchPayload {
    /// The upload taken back.
    pub batch_id: ID,
    /// How many invitations were revoked: those whose link still worked. Accepted, expired
    /// and already revoked ones are left as they are.
    pub revoked: i32,
    /// How many of the upload's emails were not sent yet, and now will not be.
    pub cancelled_messages: i32,
}
