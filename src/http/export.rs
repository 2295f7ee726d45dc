//! `GET /members.csv`: the members export, with the same filters as the `members` query.
//! Rows stream out a page at a time, so an organization of any size exports in bounded memory.

use axum::{
    body::Body,
    extract::{RawQuery, State},
    http::header,
    response::{IntoResponse, Response},
};
use futures::stream;

use super::Admin;
use crate::{
    AppError, Result,
    app::AppState,
    members::{self, InvitationStatus, MemberFilter, MemberOrder},
    pagination::Cursor,
    sheets::CsvOut,
};

pub const HEADER: [&str; 8] =
    ["Team Member ID", "Name", "Email", "Language", "Role IDs", "Roles", "Pending Invitations", "Created At"];

/// Members per database round trip while exporting.
const PAGE: u64 = 1_000;

pub async fn members_csv(
    State(state): State<AppState>,
    Admin(caller): Admin,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let filter = parse_filter(query.as_deref().unwrap_or_default())?;
    let services = state.services.clone();
    let tenant = caller.tenant;
    // One instant for the whole export, so EXPIRED means the same on the first and last row.
    let now = services.clock.now();
    let order = MemberOrder::default();

    struct Progress {
        out: CsvOut,
        after: Option<Cursor>,
        done: bool,
    }
    let start = Progress { out: CsvOut::with_header(&HEADER), after: None, done: false };
    let body = stream::unfold(start, move |mut progress| {
        let services = services.clone();
        let filter = filter.clone();
        async move {
            if progress.done {
                return None;
            }
            let page = members::page(&services.db, &tenant, &filter, order, PAGE, progress.after.as_ref(), now).await;
            let page = match page {
                Ok(page) => page,
                Err(err) => return Some((Err(export_failed(err)), Progress { done: true, ..progress })),
            };
            let ids: Vec<i64> = page.members.iter().map(|member| member.id).collect();
            let mut roles = match members::roles_of(&services.db, &tenant, &ids).await {
                Ok(roles) => roles,
                Err(err) => return Some((Err(export_failed(err)), Progress { done: true, ..progress })),
            };
            for member in &page.members {
                let member_roles = roles.remove(&member.id).unwrap_or_default();
                let role_ids = member_roles.iter().map(|role| role.public_id.as_str()).collect::<Vec<_>>().join(",");
                let role_names = member_roles.iter().map(|role| role.name.as_str()).collect::<Vec<_>>().join(", ");
                let created_at = member.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                progress.out.row([
                    member.public_id.as_str(),
                    member.name.as_deref().unwrap_or_default(),
                    member.email.as_str(),
                    member.language.as_str(),
                    role_ids.as_str(),
                    role_names.as_str(),
                    InvitationStatus::of(member, now).label(),
                    created_at.as_str(),
                ]);
            }
            progress.after = page.members.last().map(|member| order.cursor_of(member));
            progress.done = !page.has_next_page;
            let chunk = progress.out.take();
            Some((Ok::<_, std::io::Error>(chunk), progress))
        }
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

fn export_failed(err: AppError) -> std::io::Error {
    tracing::error!(error = %err, "members export failed mid-way");
    std::io::Error::other("members export failed")
}

/// Reads `invitationStatus`, `roleId`, `language` and `search`; each may repeat, and a value
/// may also list several, comma-separated.
fn parse_filter(query: &str) -> Result<MemberFilter> {
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
            other => {
                return Err(AppError::bad_input(
                    other,
                    "is not a filter of this export; use invitationStatus, roleId, language or search",
                ));
            }
        }
    }
    MemberFilter::parse(statuses, &role_ids, &languages, search.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repeated_and_comma_separated_parameters() {
        let filter = parse_filter(
            "invitationStatus=NOT_INVITED&invitationStatus=pending,Expired&language=pt_br&search=%20Ana%20",
        )
        .unwrap();
        assert_eq!(
            filter.statuses,
            vec![InvitationStatus::NotInvited, InvitationStatus::Pending, InvitationStatus::Expired]
        );
        assert_eq!(filter.languages[0].as_str(), "pt-BR");
        assert_eq!(filter.search.as_deref(), Some("ana"));
        assert!(parse_filter("status=PENDING").is_err());
        assert!(parse_filter("invitationStatus=WAITING").is_err());
    }
}
