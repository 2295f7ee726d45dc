//! `GET /members.csv`: the members export, with the same filters as the `members` query.
//! Rows stream out a page at a time, so an organization of any size exports in bounded memory.

use axum::{
    body::Body,
    extract::{RawQuery, State},
    http::header,
    response::{IntoResponse, Response},
};
use futures::stream;

use super::{Admin, HttpState, invitations::xlsx_response};
use crate::{
    AppError, Result,
    domain::InvitationStatus,
    members::{MemberFilter, export::Export},
    sheets::SheetFormat,
};

pub async fn members_csv(
    State(state): State<HttpState>,
    Admin(caller): Admin,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let (filter, format) = parse_filter(query.as_deref().unwrap_or_default())?;
    if format == SheetFormat::Xlsx {
        return members_workbook(state, caller, filter).await;
    }
    let export = Export::new(state.app.db.clone(), caller.tenant, filter, state.app.now());
    let body = stream::unfold(export, |mut export| async move {
        let chunk = export.next_chunk().await?;
        Some((chunk.map_err(export_failed), export))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"members.csv\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// `GET /members.xlsx`: the same export as a workbook.
pub async fn members_xlsx(
    State(state): State<HttpState>,
    Admin(caller): Admin,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let (filter, _) = parse_filter(query.as_deref().unwrap_or_default())?;
    members_workbook(state, caller, filter).await
}

async fn members_workbook(state: HttpState, caller: crate::identity::Caller, filter: MemberFilter) -> Result<Response> {
    let bytes = Export::workbook(state.app.db.clone(), caller.tenant, filter, state.app.now()).await?;
    Ok(xlsx_response(bytes, "members.xlsx"))
}

fn export_failed(err: AppError) -> std::io::Error {
    tracing::error!(error = %err, "members export failed mid-way");
    std::io::Error::other("members export failed")
}

/// Reads `invitationStatus`, `roleId`, `language` and `search`; each may repeat, and a value
/// may also list several, comma-separated. `format` is `csv` (the default) or `xlsx`.
fn parse_filter(query: &str) -> Result<(MemberFilter, SheetFormat)> {
    let mut format = SheetFormat::Csv;
    let mut statuses = Vec::new();
    let mut role_ids = Vec::new();
    let mut languages = Vec::new();
    let mut search: Option<String> = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let values = || value.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        match key.as_ref() {
            "invitationStatus" => {
                for text in values() {
                    let status = InvitationStatus::parse_param(&text).ok_or_else(|| {
                        AppError::bad_input(
                            "invitationStatus",
                            format!("`{text}` is not a status; use NOT_INVITED, PENDING, ACCEPTED, EXPIRED or REVOKED"),
                        )
                    })?;
                    statuses.push(status);
                }
            }
            "roleId" => role_ids.extend(values()),
            "language" => languages.extend(values()),
            "search" => search = Some(value.into_owned()),
            "format" => {
                format =
                    SheetFormat::parse(&value).ok_or_else(|| AppError::bad_input("format", "is `csv` or `xlsx`"))?;
            }
            other => {
                return Err(AppError::bad_input(
                    other,
                    "is not a filter of this export; use invitationStatus, roleId, language, search or format",
                ));
            }
        }
    }
    Ok((MemberFilter::parse(statuses, &role_ids, &languages, search.as_deref())?, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repeated_and_comma_separated_parameters() {
        let (filter, format) = parse_filter(
            "invitationStatus=NOT_INVITED&invitationStatus=pending,Expired&language=pt_br&search=%20Ana%20",
        )
        .unwrap();
        assert_eq!(format, SheetFormat::Csv);
        assert_eq!(parse_filter("format=xlsx").unwrap().1, SheetFormat::Xlsx);
        assert!(parse_filter("format=pdf").is_err());
        assert_eq!(
            filter.statuses,
            vec![InvitationStatus::NotInvited, InvitationStatus::Pending, InvitationStatus::Expired]
        );
        assert_eq!(filter.languages[0].as_str(), "pt-BR");
        assert_eq!(filter.search.as_ref().map(|s| s.as_str()), Some("ana"));
        assert!(parse_filter("status=PENDING").is_err());
        assert!(parse_filter("invitationStatus=WAITING").is_err());
    }
}
