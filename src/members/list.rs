//! Reading members for lists and exports: a page in an order, a count, and the relations a
//! page shows, each in one statement for the whole page.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{member, member_role, role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{MemberFilter, MemberOrder};
use crate::{Result, pagination::Cursor, tenant::Tenant};

/// One page of members in `order`, after `after`.
pub struct MemberPage {
    pub members: Vec<member::Model>,
    pub has_next_page: bool,
}

#[tracing::instrument(skip(db, filter))]
pub async fn page(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: &MemberFilter,
    order: MemberOrder,
    first: u64,
    after: Option<&Cursor>,
    now: DateTime<Utc>,
) -> Result<MemberPage> {
    // One row more than asked tells whether another page follows.
    let mut members = order.apply(filter.select(tenant, now), after).limit(first + 1).all(db).await?;
    let has_next_page = members.len() as u64 > first;
    members.truncate(first as usize);
    Ok(MemberPage { members, has_next_page })
}

pub async fn count(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: &MemberFilter,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(filter.select(tenant, now).count(db).await?)
}

/// The roles of each of these members, by name, in one statement.
pub async fn roles_of(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    member_ids: &[i64],
) -> Result<HashMap<i64, Vec<role::Model>>> {
    let rows = member_role::Entity::find()
        .find_also_related(role::Entity)
        .filter(member_role::Column::MemberId.is_in(member_ids.iter().copied()))
        .filter(role::Column::OrganizationId.eq(tenant.organization_id()))
        .order_by_asc(role::Column::NameKey)
        .order_by_asc(role::Column::Id)
        .all(db)
        .await?;
    let mut roles: HashMap<i64, Vec<role::Model>> = HashMap::new();
    for (link, role) in rows {
        if let Some(role) = role {
            roles.entry(link.member_id).or_default().push(role);
        }
    }
    Ok(roles)
}

/// The tenant's members with these row ids, by row id (for invitations' `member`).
pub async fn by_ids(db: &impl ConnectionTrait, tenant: &Tenant, ids: &[i64]) -> Result<HashMap<i64, member::Model>> {
    Ok(tenant
        .members()
        .filter(member::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|member| (member.id, member))
        .collect())
}
