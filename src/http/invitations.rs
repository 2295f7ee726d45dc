//! The sheet routes: the sample sheet, and the upload that answers the links sheet itself
//! (for tools that would rather POST a file than speak GraphQL).

use axum::{
    Json,
    body::Body,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{Admin, HttpState};
use crate::{
    Result,
    invitations::sheet::{self, SheetReport, SheetRequest},
    limits::SHEET_BYTES as MAX_BYTES,
    sheets::{Code, SheetFormat, SheetProblem},
};

#[derive(Debug, Deserialize)]
pub struct FormatParam {
    #[serde(default)]
    format: SheetFormat,
}

/// `GET /invitations/template.csv` (or `?format=xlsx`).
pub async fn template(
    state: State<HttpState>,
    admin: Option<Admin>,
    Query(params): Query<FormatParam>,
) -> Result<Response> {
    match params.format {
        SheetFormat::Csv => Ok(csv_response(sheet::template().into_bytes(), "invitation-links-template.csv")),
        SheetFormat::Xlsx => template_xlsx(state, admin).await,
    }
}

/// `GET /invitations/template.xlsx`: with an admin's token, the organization's roles are on a
/// second worksheet.
pub async fn template_xlsx(State(state): State<HttpState>, admin: Option<Admin>) -> Result<Response> {
    let roles = match admin {
        Some(Admin(caller)) => Some(crate::roles::list(&state.app.db, &caller.tenant).await?),
        None => None,
    };
    let bytes = tokio::task::spawn_blocking(move || sheet::template_workbook(roles.as_deref()))
        .await
        .map_err(|err| crate::AppError::Internal(err.into()))??;
    Ok(xlsx_response(bytes, "invitation-links-template.xlsx"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinksParams {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    skip_invalid_rows: bool,
    expires_in_days: Option<i32>,
    file_name: Option<String>,
    /// What the links sheet is answered as.
    #[serde(default)]
    format: SheetFormat,
    /// muster emails each invitee their link.
    #[serde(default)]
    send: bool,
}

/// `POST /invitations/links`: the sheet as the raw body. 200 with the links sheet; 422 with
/// the report when nothing could be issued; a dry run answers the report (200 when clean).
pub async fn links(
    State(state): State<HttpState>,
    Admin(caller): Admin,
    Query(params): Query<LinksParams>,
    body: Body,
) -> Result<Response> {
    // One byte more than allowed tells a sheet that is too large from one that just fits.
    let bytes = match axum::body::to_bytes(body, MAX_BYTES + 1).await {
        Ok(bytes) => bytes.to_vec(),
        Err(_) => {
            let problem = SheetProblem::sheet(
                Code::TooLarge,
                format!("the sheet is larger than {} MB: split it into several sheets", MAX_BYTES / 1_048_576),
            );
            return Ok(report_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SheetReport { errors: vec![problem], ..Default::default() },
            ));
        }
    };
    let request = SheetRequest {
        bytes,
        dry_run: params.dry_run,
        skip_invalid_rows: params.skip_invalid_rows,
        expires_in_days: params.expires_in_days,
        file_name: params.file_name,
        send: params.send,
    };
    let app = &state.app;
    let outbox = app.outbox.as_deref();
    let mut report = sheet::generate_links(
        &app.db,
        &app.early_issuing,
        &caller,
        &app.links,
        &app.languages,
        outbox,
        request,
        app.now(),
    )
    .await?;
    let issued = report.csv.take();
    let body = match (issued, params.format) {
        (Some(csv), SheetFormat::Csv) => Some(csv_response(csv, "invitation-links.csv")),
        (Some(_), SheetFormat::Xlsx) => {
            let rows = std::mem::take(&mut report.rows);
            let (bytes, rows) = tokio::task::spawn_blocking(move || (sheet::links_workbook(&rows), rows))
                .await
                .map_err(|err| crate::AppError::Internal(err.into()))?;
            report.rows = rows;
            Some(xlsx_response(bytes?, "invitation-links.xlsx"))
        }
        (None, _) => None,
    };
    Ok(match body {
        Some(mut response) => {
            let headers = response.headers_mut();
            for (name, value) in [
                ("x-muster-issued", report.issued),
                ("x-muster-errors", report.errors.len()),
                ("x-muster-warnings", report.warnings.len()),
            ] {
                headers.insert(name, HeaderValue::from(value));
            }
            if let Some(batch) = report.batch_id.as_deref().and_then(|id| HeaderValue::from_str(id).ok()) {
                headers.insert("x-muster-batch-id", batch);
            }
            response
        }
        None if report.errors.is_empty() => report_response(StatusCode::OK, &report),
        None => report_response(StatusCode::UNPROCESSABLE_ENTITY, &report),
    })
}

fn report_response(status: StatusCode, report: &SheetReport) -> Response {
    let body = serde_json::json!({
        "issued": report.issued,
        "rows": report.rows.len(),
        "errors": report.errors,
        "warnings": report.warnings,
    });
    (status, Json(body)).into_response()
}

pub fn xlsx_response(bytes: Vec<u8>, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, crate::sheets::xlsx_out::CONTENT_TYPE.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from(bytes),
    )
        .into_response()
}

fn csv_response(bytes: Vec<u8>, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from(bytes),
    )
        .into_response()
}
