//! Checking a sheet's rows against the organization before anything is issued. Every row is
//! checked in one pass and every problem reported, with its line and column; the lookups are
//! a few bulk statements, whatever the number of rows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::member;
use futures::{StreamExt, TryStreamExt};
use sea_orm::{ConnectionTrait, FromQueryResult, QueryFilter, QuerySelect};

use super::policy::{EmailPolicy, Verdict};
use crate::{
    Result,
    domain::{Email, EmailError, Language, PublicId, SupportedLanguages},
    members::{InvitationStatus, status::state as member_state},
    sheets::{RawRow, SheetProblem, codes, columns},
    tenant::Tenant,
};

/// Values per lookup (sent as one JSON parameter): bounds the rows a statement returns.
const LOOKUP_CHUNK: usize = 10_000;

/// What a row is checked against.
pub struct Rules<'a> {
    pub languages: &'a SupportedLanguages,
    pub policy: &'a dyn EmailPolicy,
    pub now: DateTime<Utc>,
}

/// What the checks need of a member: a few columns rather than the whole row, since a sheet
/// may name 200,000 of them.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MemberRef {
    pub id: i64,
    pub public_id: String,
    pub email: String,
    pub email_key: String,
    pub name: Option<String>,
    pub invitation_state: String,
    pub invitation_expires_at: Option<DateTime<Utc>>,
}

impl MemberRef {
    fn status(&self, now: DateTime<Utc>) -> InvitationStatus {
        InvitationStatus::from_state(&self.invitation_state, self.invitation_expires_at, now)
    }
}

/// A row that passed every check: what to issue (only what issuing needs: a sheet may hold
/// 200,000 of them).
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The member's row id.
    pub member_id: i64,
    /// Whether the member held a pending invitation when checked (issuing revokes it).
    pub held_pending: bool,
    pub email: Email,
    pub language: Language,
    /// Row ids of the roles to grant, in the sheet's order.
    pub role_ids: Vec<i64>,
}

/// One row of the sheet as checked, in sheet order.
#[derive(Debug, Clone)]
pub struct CheckedRow {
    pub line: u32,
    pub member_id: String,
    /// The parsed address where it parsed, else the cell as written.
    pub email: String,
    pub language: String,
    pub role_ids: Vec<String>,
    pub candidate: Option<Candidate>,
}

#[derive(Debug, Default)]
pub struct Checked {
    pub rows: Vec<CheckedRow>,
    pub errors: Vec<SheetProblem>,
    pub warnings: Vec<SheetProblem>,
}

#[tracing::instrument(skip_all, fields(rows = raw_rows.len()))]
pub async fn check(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    raw_rows: Vec<RawRow>,
    rules: &Rules<'_>,
) -> Result<Checked> {
    let member_ids: Vec<String> =
        raw_rows.iter().filter_map(|row| PublicId::parse(&row.member_id)).map(PublicId::into_inner).collect();
    let mut by_id: HashMap<String, MemberRef> = members_where(db, tenant, member::Column::PublicId, member_ids)
        .await?
        .into_iter()
        .map(|member| (member.public_id.clone(), member))
        .collect();
    // Each Email cell parsed once, for the lookup below and the row's checks.
    let emails: Vec<std::result::Result<Email, EmailError>> =
        raw_rows.iter().map(|row| Email::parse(&row.email)).collect();
    // Whose address each row's email is, asked only where it is not the row's member's own
    // (a sheet filled from the members export asks for none).
    let email_keys: Vec<String> = raw_rows
        .iter()
        .zip(&emails)
        .filter_map(|(row, email)| {
            let key = email.as_ref().ok()?.key();
            let own = by_id.get(row.member_id.as_str()).is_some_and(|member| member.email_key == key);
            (!own).then_some(key)
        })
        .collect();
    let by_email: HashMap<String, MemberRef> = members_where(db, tenant, member::Column::EmailKey, email_keys)
        .await?
        .into_iter()
        .map(|member| (member.email_key.clone(), member))
        .collect();
    let roles: HashMap<String, i64> =
        crate::roles::list(db, tenant).await?.into_iter().map(|role| (role.public_id, role.id)).collect();
    tracing::debug!(members = by_id.len(), addresses = by_email.len(), "sheet lookups done");

    let mut checked = Checked::default();
    // Each member's first line, and who it named there (for later lines naming them again).
    let mut first_line_of_member: HashMap<String, (u32, Option<i64>)> = HashMap::new();
    let mut first_line_of_email: HashMap<String, u32> = HashMap::new();
    for (raw, parsed_email) in raw_rows.into_iter().zip(emails) {
        let line = raw.line;
        let mut errors = Vec::new();
        let error = |errors: &mut Vec<SheetProblem>, column: &str, code: &'static str, message: String| {
            errors.push(SheetProblem::new(line, Some(column), code, message));
        };
        let warn = |warnings: &mut Vec<SheetProblem>, column: &str, code: &'static str, message: String| {
            warnings.push(SheetProblem::new(line, Some(column), code, message));
        };

        // Team Member ID. `identified` is who the row names, even when it cannot be invited;
        // `member` is set only when it can.
        let identified = match first_line_of_member.get(&raw.member_id) {
            Some((_, named)) => *named,
            None => by_id.get(raw.member_id.as_str()).map(|member| member.id),
        };
        let member = if raw.member_id.is_empty() {
            error(
                &mut errors,
                columns::MEMBER_ID,
                codes::MISSING_VALUE,
                "the Team Member ID is empty; copy it from the members export".into(),
            );
            None
        } else if let Some((first, _)) = first_line_of_member.get(&raw.member_id) {
            error(
                &mut errors,
                columns::MEMBER_ID,
                codes::DUPLICATE_MEMBER,
                format!(
                    "member `{}` is already on line {first}; the first line stands, remove this one",
                    raw.member_id
                ),
            );
            None
        } else {
            first_line_of_member.insert(raw.member_id.clone(), (line, identified));
            // The member moves into the row that names it first; a later row naming it again
            // stops at the duplicate check above.
            match by_id.remove(raw.member_id.as_str()) {
                None => {
                    error(
                        &mut errors,
                        columns::MEMBER_ID,
                        codes::UNKNOWN_MEMBER,
                        format!(
                            "`{}` is not a team member of this organization; copy the id from the members export",
                            raw.member_id
                        ),
                    );
                    None
                }
                Some(member) if member.status(rules.now) == InvitationStatus::Accepted => {
                    error(
                        &mut errors,
                        columns::MEMBER_ID,
                        codes::ALREADY_ACCEPTED,
                        format!("{} has already accepted an invitation; remove this line", describe(&member)),
                    );
                    None
                }
                Some(member) => Some(member),
            }
        };

        // Email
        let email = if raw.email.is_empty() {
            error(
                &mut errors,
                columns::EMAIL,
                codes::MISSING_VALUE,
                "the Email is empty; write the address the member signs in with".into(),
            );
            None
        } else {
            match parsed_email {
                Err(err) => {
                    error(&mut errors, columns::EMAIL, codes::INVALID_EMAIL, format!("the email {err}"));
                    None
                }
                Ok(email) => {
                    let key = email.key();
                    if let Some(first) = first_line_of_email.get(&key) {
                        error(
                            &mut errors,
                            columns::EMAIL,
                            codes::DUPLICATE_EMAIL,
                            format!("`{email}` is already on line {first}; each member needs their own address"),
                        );
                        None
                    } else {
                        first_line_of_email.insert(key.clone(), line);
                        // Only a row that names a member can tell that the address is someone else's.
                        let owner =
                            identified.and_then(|row_member| by_email.get(&key).filter(|owner| owner.id != row_member));
                        if let Some(owner) = owner {
                            error(
                                &mut errors,
                                columns::EMAIL,
                                codes::EMAIL_TAKEN,
                                format!(
                                    "`{email}` is the email of another member, {}; use this member's own address",
                                    describe(owner)
                                ),
                            );
                            None
                        } else {
                            match rules.policy.check(&email) {
                                Verdict::Allowed => Some(email),
                                Verdict::Refused { code, message } => {
                                    error(&mut errors, columns::EMAIL, code, message);
                                    None
                                }
                                Verdict::Warning { code, message } => {
                                    warn(&mut checked.warnings, columns::EMAIL, code, message);
                                    Some(email)
                                }
                            }
                        }
                    }
                }
            }
        };

        // Language
        let language = if raw.language.is_empty() {
            let supported = rules.languages.tags().iter().map(Language::as_str).collect::<Vec<_>>().join(", ");
            error(
                &mut errors,
                columns::LANGUAGE,
                codes::MISSING_VALUE,
                format!("the Language is empty; write one of {supported}"),
            );
            None
        } else {
            match rules.languages.parse(&raw.language) {
                Err(err) => {
                    error(&mut errors, columns::LANGUAGE, codes::UNSUPPORTED_LANGUAGE, format!("the language {err}"));
                    None
                }
                Ok(language) => {
                    if language.as_str() != raw.language {
                        warn(
                            &mut checked.warnings,
                            columns::LANGUAGE,
                            codes::CONVERTED,
                            format!("`{}` read as `{language}`", raw.language),
                        );
                    }
                    Some(language)
                }
            }
        };

        // Role IDs
        let mut row_roles = Vec::new();
        if raw.role_ids.is_empty() {
            error(
                &mut errors,
                columns::ROLE_IDS,
                codes::MISSING_VALUE,
                "the Role IDs are empty; give at least one role id from the roles list, several separated by commas"
                    .into(),
            );
        } else {
            let unknown: Vec<String> =
                raw.role_ids.iter().filter(|id| !roles.contains_key(id.as_str())).map(|id| format!("`{id}`")).collect();
            if unknown.is_empty() {
                row_roles = raw.role_ids.iter().filter_map(|id| roles.get(id.as_str()).copied()).collect();
            } else {
                error(
                    &mut errors,
                    columns::ROLE_IDS,
                    codes::UNKNOWN_ROLE,
                    format!(
                        "{} {} not a role of this organization; copy role ids from the roles list",
                        unknown.join(", "),
                        if unknown.len() == 1 { "is" } else { "are" }
                    ),
                );
            }
        }

        let candidate = match (errors.is_empty(), member, email, language) {
            (true, Some(member), Some(email), Some(language)) => {
                if email.key() != member.email_key {
                    warn(
                        &mut checked.warnings,
                        columns::EMAIL,
                        codes::EMAIL_CHANGED,
                        format!(
                            "the member's email on file is `{}`; the invitation goes to `{email}`, the address they must sign in with",
                            member.email
                        ),
                    );
                }
                // Pending or expired: either way a pending row that issuing revokes.
                let held_pending = member.invitation_state == member_state::PENDING;
                if member.status(rules.now) == InvitationStatus::Pending {
                    warn(
                        &mut checked.warnings,
                        columns::MEMBER_ID,
                        codes::REISSUE,
                        format!("{} already has a pending invitation; issuing revokes its link", describe(&member)),
                    );
                }
                Some(Candidate { member_id: member.id, held_pending, email, language, role_ids: row_roles })
            }
            _ => None,
        };
        checked.errors.append(&mut errors);
        let language = candidate.as_ref().map(|c| c.language.to_string()).unwrap_or(raw.language);
        let email = candidate.as_ref().map(|c| c.email.to_string()).unwrap_or(raw.email);
        checked.rows.push(CheckedRow {
            line,
            member_id: raw.member_id,
            email,
            language,
            role_ids: raw.role_ids,
            candidate,
        });
    }
    tracing::debug!("rows checked");
    Ok(checked)
}

fn describe(member: &MemberRef) -> String {
    match &member.name {
        Some(name) => format!("{name} (`{}`)", member.public_id),
        None => format!("`{}` ({})", member.public_id, member.email),
    }
}

/// The tenant's members whose `column` (public id or email key) is one of `values`: only the
/// columns the checks use. Two chunks are looked up at a time, on two connections: the
/// database finds one while muster reads the other's rows.
async fn members_where(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    column: member::Column,
    mut values: Vec<String>,
) -> Result<Vec<MemberRef>> {
    values.sort_unstable();
    values.dedup();
    let backend = db.get_database_backend();
    let queries: Vec<_> = values
        .chunks(LOOKUP_CHUNK)
        .map(|chunk| {
            tenant
                .members()
                .select_only()
                .columns([
                    member::Column::Id,
                    member::Column::PublicId,
                    member::Column::Email,
                    member::Column::EmailKey,
                    member::Column::Name,
                    member::Column::InvitationState,
                    member::Column::InvitationExpiresAt,
                ])
                .filter(crate::db::in_json_list(backend, column, chunk))
                .into_model::<MemberRef>()
        })
        .collect();
    let mut results = futures::stream::iter(queries.into_iter().map(|query| query.all(db))).buffer_unordered(2);
    let mut found = Vec::with_capacity(values.len());
    while let Some(rows) = results.try_next().await? {
        found.extend(rows);
    }
    Ok(found)
}
