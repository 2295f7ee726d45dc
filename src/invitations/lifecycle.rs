//! One invitation at a time: invite a member, revoke a link, resend it; and the lists and
//! relations the API shows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{invitation, member};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, ExprTrait, LikeExpr},
};

use super::{
    issue::{self, IssueRequest},
    link,
    policy::EmailPolicy,
    state,
    validate::{self, Rules},
};
use crate::{
    AppError, Result, audit,
    graphql::Services,
    identity::Caller,
    members::{InvitationStatus, status::state as member_state},
    pagination::Cursor,
    sheets::{RawRow, codes, columns},
    tenant::Tenant,
};

/// What `inviteMember` asks; what it leaves out comes from the member as they are.
#[derive(Debug, Default)]
pub struct InviteRequest {
    pub member_id: String,
    pub email: Option<String>,
    pub language: Option<String>,
    pub role_ids: Option<Vec<String>>,
    pub expires_in_days: Option<i32>,
}

/// Invites one member, with the same checks as a sheet row; revokes the link they held.
#[tracing::instrument(skip_all, fields(member = %request.member_id))]
pub async fn invite_member(
    services: &Services,
    caller: &Caller,
    policy: &dyn EmailPolicy,
    request: InviteRequest,
) -> Result<(invitation::Model, String)> {
    let db = &services.db;
    let tenant = caller.tenant;
    let now = services.clock.now();
    let expires_at = super::expiry(&services.config, request.expires_in_days, now)?;
    let member = tenant.member(db, &request.member_id).await?;
    let role_ids = match request.role_ids {
        Some(ids) => ids,
        None => crate::members::roles_of(db, &tenant, &[member.id])
            .await?
            .remove(&member.id)
            .unwrap_or_default()
            .into_iter()
            .map(|role| role.public_id)
            .collect(),
    };
    let row = RawRow {
        line: 0,
        member_id: member.public_id.clone(),
        email: request.email.unwrap_or_else(|| member.email.clone()).trim().to_owned(),
        language: request.language.unwrap_or_else(|| member.language.clone()).trim().to_owned(),
        role_ids,
    };
    let rules = Rules { languages: &services.languages, policy, now };
    let mut checked = validate::check(db, &tenant, vec![row], &rules).await?;
    if let Some(problem) = checked.errors.first() {
        let field = match problem.column.as_deref() {
            Some(columns::EMAIL) => "input.email",
            Some(columns::LANGUAGE) => "input.language",
            Some(columns::ROLE_IDS) => "input.roleIds",
            _ => "input.memberId",
        };
        return Err(match problem.code {
            codes::ALREADY_ACCEPTED | codes::EMAIL_TAKEN => AppError::Conflict(format!("{field}: {}", problem.message)),
            _ => AppError::bad_input(field, &problem.message),
        });
    }
    let Some(candidate) = checked.rows.pop().and_then(|row| row.candidate) else {
        return Err(AppError::Internal(anyhow::anyhow!("a row without errors has a candidate")));
    };
    let request = IssueRequest { created_by: caller.name.clone(), expires_at, batch: None };
    let secret = issue::secrets(1).await?.pop().ok_or_else(|| AppError::Internal(anyhow::anyhow!("no secret")))?;
    let (_, mut issued) = issue::issue(db, &tenant, &[candidate], &request, &[secret.hash], now).await?;
    let issued = issued.pop().ok_or_else(|| AppError::Internal(anyhow::anyhow!("nothing issued")))?;
    let invitation = tenant.invitation(db, &issued).await?;
    tracing::info!(invitation = %invitation.public_id, "invitation issued");
    audit::record(
        db,
        tenant.organization_id(),
        &caller.name,
        audit::action::INVITATION_ISSUED,
        Some(&invitation.public_id),
        serde_json::json!({ "member": member.public_id }),
        now,
    )
    .await;
    Ok((invitation, link(&services.config, secret.token.reveal())))
}

/// Revokes an invitation: its link stops working. Revoking twice is harmless.
#[tracing::instrument(skip(services, caller))]
pub async fn revoke(services: &Services, caller: &Caller, id: &str) -> Result<invitation::Model> {
    let tenant = &caller.tenant;
    let now = services.clock.now();
    let txn = services.db.begin().await?;
    let found = tenant.invitation(&txn, id).await?;
    match found.status.as_str() {
        state::ACCEPTED => {
            return Err(AppError::Conflict("this invitation was accepted; to remove access, delete the member".into()));
        }
        state::REVOKED => return Ok(found),
        _ => {}
    }
    issue::revoke_pending_of(&txn, tenant, &[found.member_id], now).await?;
    // The member's state follows their latest invitation, which this one is: a member has at
    // most one pending invitation, and it is always their newest.
    member::Entity::update_many()
        .col_expr(member::Column::InvitationState, Expr::value(member_state::REVOKED))
        .col_expr(member::Column::InvitationExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(member::Column::UpdatedAt, Expr::value(now))
        .filter(member::Column::Id.eq(found.member_id))
        .filter(member::Column::InvitationState.eq(member_state::PENDING))
        .exec(&txn)
        .await?;
    let revoked = tenant.invitation(&txn, id).await?;
    txn.commit().await?;
    tracing::info!(invitation = %revoked.public_id, "invitation revoked");
    audit::record(
        &services.db,
        tenant.organization_id(),
        &caller.name,
        audit::action::INVITATION_REVOKED,
        Some(&revoked.public_id),
        serde_json::json!({}),
        now,
    )
    .await;
    Ok(revoked)
}

/// A new link for the same member, address, language and roles; the old link stops working.
#[tracing::instrument(skip(services, caller, policy))]
pub async fn resend(
    services: &Services,
    caller: &Caller,
    policy: &dyn EmailPolicy,
    id: &str,
) -> Result<(invitation::Model, String)> {
    let tenant = caller.tenant;
    let old = tenant.invitation(&services.db, id).await?;
    if old.status == state::ACCEPTED {
        return Err(AppError::Conflict("this invitation was already accepted".into()));
    }
    let member =
        member::Entity::find_by_id(old.member_id).one(&services.db).await?.ok_or(AppError::NotFound("member"))?;
    // The roles it granted that still exist.
    let granted = super::granted_role_ids(&old);
    let mut roles = crate::roles::by_ids(&services.db, &tenant, &granted).await?;
    let role_ids = granted.iter().filter_map(|id| roles.remove(id)).map(|role| role.public_id).collect();
    let request = InviteRequest {
        member_id: member.public_id,
        email: Some(old.email.clone()),
        language: Some(old.language.clone()),
        role_ids: Some(role_ids),
        expires_in_days: None,
    };
    let (invitation, link) = invite_member(services, caller, policy, request).await?;
    audit::record(
        &services.db,
        tenant.organization_id(),
        &caller.name,
        audit::action::INVITATION_RESENT,
        Some(&old.public_id),
        serde_json::json!({ "newInvitation": invitation.public_id }),
        services.clock.now(),
    )
    .await;
    Ok((invitation, link))
}

/// Which invitations to list.
#[derive(Debug, Default, Clone)]
pub struct InvitationFilter {
    pub statuses: Vec<InvitationStatus>,
    pub member_id: Option<String>,
    pub batch_id: Option<String>,
    pub search: Option<String>,
}

const ORDERING: &str = "NEWEST";

pub struct InvitationPage {
    pub invitations: Vec<invitation::Model>,
    pub has_next_page: bool,
}

fn select(db_filter: &InvitationFilter, tenant: &Tenant, now: DateTime<Utc>) -> sea_orm::Select<invitation::Entity> {
    let mut select = tenant.invitations();
    if !db_filter.statuses.is_empty() {
        let mut any = Condition::any();
        for status in &db_filter.statuses {
            let is = |value: &str| invitation::Column::Status.eq(value);
            any = any.add(match status {
                InvitationStatus::Accepted => Condition::all().add(is(state::ACCEPTED)),
                InvitationStatus::Revoked => Condition::all().add(is(state::REVOKED)),
                InvitationStatus::Pending => {
                    Condition::all().add(is(state::PENDING)).add(invitation::Column::ExpiresAt.gt(now))
                }
                InvitationStatus::Expired => {
                    Condition::all().add(is(state::PENDING)).add(invitation::Column::ExpiresAt.lte(now))
                }
                // An invitation is never "not invited".
                InvitationStatus::NotInvited => Condition::all().add(invitation::Column::Id.lt(0)),
            });
        }
        select = select.filter(any);
    }
    if let Some(member_id) = &db_filter.member_id {
        let members = sea_orm::sea_query::Query::select()
            .column(member::Column::Id)
            .from(member::Entity)
            .and_where(member::Column::OrganizationId.eq(tenant.organization_id()))
            .and_where(member::Column::PublicId.eq(member_id.as_str()))
            .to_owned();
        select = select.filter(invitation::Column::MemberId.in_subquery(members));
    }
    if let Some(batch_id) = &db_filter.batch_id {
        let batches = sea_orm::sea_query::Query::select()
            .column(entity::invitation_batch::Column::Id)
            .from(entity::invitation_batch::Entity)
            .and_where(entity::invitation_batch::Column::OrganizationId.eq(tenant.organization_id()))
            .and_where(entity::invitation_batch::Column::PublicId.eq(batch_id.as_str()))
            .to_owned();
        select = select.filter(invitation::Column::BatchId.in_subquery(batches));
    }
    if let Some(search) = db_filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let escaped = crate::members::filter::escape_like(&search.to_lowercase());
        select = select.filter(
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(invitation::Column::Email)))
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    select
}

/// A page of invitations, newest first.
pub async fn page(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: &InvitationFilter,
    first: u64,
    after: Option<&str>,
    now: DateTime<Utc>,
) -> Result<InvitationPage> {
    let mut select = select(filter, tenant, now);
    if let Some(after) = after {
        let cursor = Cursor::decode(after, ORDERING)?;
        select = select.filter(invitation::Column::Id.lt(cursor.id));
    }
    let mut invitations = select.order_by_desc(invitation::Column::Id).limit(first + 1).all(db).await?;
    let has_next_page = invitations.len() as u64 > first;
    invitations.truncate(first as usize);
    Ok(InvitationPage { invitations, has_next_page })
}

pub fn cursor_of(invitation: &invitation::Model) -> String {
    Cursor { ordering: ORDERING.into(), id: invitation.id, key: String::new() }.encode()
}

pub async fn count(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: &InvitationFilter,
    now: DateTime<Utc>,
) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(select(filter, tenant, now).count(db).await?)
}

/// The newest invitation of each of these members.
pub async fn latest_of_members(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    member_ids: &[i64],
) -> Result<HashMap<i64, invitation::Model>> {
    let rows = tenant
        .invitations()
        .filter(invitation::Column::MemberId.is_in(member_ids.iter().copied()))
        .order_by_desc(invitation::Column::Id)
        .all(db)
        .await?;
    let mut latest = HashMap::new();
    for row in rows {
        latest.entry(row.member_id).or_insert(row);
    }
    Ok(latest)
}

/// Members by row id (for invitations' `member`).
pub async fn members_by_id(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    ids: &[i64],
) -> Result<HashMap<i64, member::Model>> {
    Ok(tenant
        .members()
        .filter(member::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect())
}

/// Batches' public ids by row id.
pub async fn batch_public_ids(db: &impl ConnectionTrait, tenant: &Tenant, ids: &[i64]) -> Result<HashMap<i64, String>> {
    use entity::invitation_batch;
    Ok(invitation_batch::Entity::find()
        .filter(invitation_batch::Column::OrganizationId.eq(tenant.organization_id()))
        .filter(invitation_batch::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b.public_id))
        .collect())
}
