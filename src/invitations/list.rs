//! Reading invitations for the API: filtered pages and counts, and the relations an invitation
//! shows (its member's latest, its batch, the roles it grants).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{DeliveryState, invitation, invitation_batch, member, role};
use sea_orm::{
    ColumnTrait, ConnectionTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    sea_query::{Expr, ExprTrait, Func},
};

use crate::{
    Result,
    db::contains,
    domain::{InvitationStatus, SearchText},
    mail::outbox,
    pagination::Cursor,
    roles,
    tenant::Tenant,
};

/// Which invitations to list; parts combine with AND, statuses with OR.
#[derive(Debug, Default, Clone)]
pub struct InvitationFilter {
    pub statuses: Vec<InvitationStatus>,
    /// A member's public id.
    pub member_id: Option<String>,
    /// A sheet upload's public id.
    pub batch_id: Option<String>,
    /// Part of the invited address, ignoring case.
    pub search: Option<SearchText>,
    /// Invitations whose email is in one of these states.
    pub delivery: Option<Vec<DeliveryState>>,
}

const ORDERING: &str = "NEWEST";

pub struct InvitationPage {
    pub invitations: Vec<invitation::Model>,
    pub has_next_page: bool,
}

impl InvitationFilter {
    /// The tenant's invitations that pass this filter at time `now`.
    fn select(&self, tenant: &Tenant, now: DateTime<Utc>) -> Select<invitation::Entity> {
        let mut select = tenant.invitations();
        let (state, expires_at) = (invitation::Column::Status, invitation::Column::ExpiresAt);
        if let Some(statuses) = InvitationStatus::any_condition(&self.statuses, state, expires_at, now) {
            select = select.filter(statuses);
        }
        // Public ids to row ids inside the statement, through the tenant's own rows.
        if let Some(id) = &self.member_id {
            let member = tenant.members().select_only().column(member::Column::Id);
            let member = member.filter(member::Column::PublicId.eq(id.as_str())).into_query();
            select = select.filter(invitation::Column::MemberId.in_subquery(member));
        }
        if let Some(id) = &self.batch_id {
            let batch = tenant.invitation_batches().select_only().column(invitation_batch::Column::Id);
            let batch = batch.filter(invitation_batch::Column::PublicId.eq(id.as_str())).into_query();
            select = select.filter(invitation::Column::BatchId.in_subquery(batch));
        }
        if let Some(search) = &self.search {
            let email = Expr::expr(Func::lower(Expr::col(invitation::Column::Email)));
            select = select.filter(email.like(contains(search.as_str())));
        }
        if let Some(states) = &self.delivery {
            select = select.filter(invitation::Column::Id.in_subquery(outbox::invitations_in(tenant, states)));
        }
        select
    }
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
    let mut select = filter.select(tenant, now);
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
    Ok(filter.select(tenant, now).count(db).await?)
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

/// Batches' public ids by row id.
pub async fn batch_public_ids(db: &impl ConnectionTrait, tenant: &Tenant, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let batches = tenant
        .invitation_batches()
        .select_only()
        .columns([invitation_batch::Column::Id, invitation_batch::Column::PublicId])
        .filter(invitation_batch::Column::Id.is_in(ids.iter().copied()))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?;
    Ok(batches.into_iter().collect())
}

/// The roles an invitation grants that still exist, in the order it names them.
pub async fn granted_roles(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    invitation: &invitation::Model,
) -> Result<Vec<role::Model>> {
    let granted = &invitation.role_ids.0;
    let mut found = roles::by_ids(db, tenant, granted).await?;
    Ok(granted.iter().filter_map(|id| found.remove(id)).collect())
}
