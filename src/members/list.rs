//! Reading members for lists and exports: a page in an order with, in the same statement, its
//! count and its members' role ids; and the relations a page shows, one statement each.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{member, member_role, role};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
    sea_query::{Alias, Expr, Query},
};

use super::{MemberFilter, MemberOrder, count::count_expr};
use crate::{Result, pagination::Cursor, tenant::Tenant};

/// What a page statement carries besides its members, when the query shows them: the count
/// over all pages, and each member's role row ids. One round trip instead of three.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageParts {
    pub total: bool,
    pub role_ids: bool,
}

/// One page of members in `order`, after `after`.
pub struct MemberPage {
    pub members: Vec<member::Model>,
    pub has_next_page: bool,
    /// How many members pass the filter over all pages, when asked for and the page has a row
    /// to carry it (an empty page past the end does not: [`count`] it apart).
    pub total: Option<u64>,
    /// Each member's role row ids, when asked for.
    pub role_ids: Option<HashMap<i64, Vec<i64>>>,
}

#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip(db, filter))]
pub async fn page(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: &MemberFilter,
    order: MemberOrder,
    first: u64,
    after: Option<&Cursor>,
    parts: PageParts,
    now: DateTime<Utc>,
) -> Result<MemberPage> {
    let backend = db.get_database_backend();
    // One row more than asked tells whether another page follows.
    let mut select = order.apply(filter.select(tenant, now, backend), after).limit(first + 1);
    if parts.role_ids {
        select = select.expr_as(role_ids_of_each(backend), "role_ids");
    }
    if parts.total {
        select = select.expr_as(count_expr(filter, tenant, now, backend), "total");
    }
    let rows = db.query_all_raw(select.build(backend)).await?;
    let mut page = MemberPage {
        members: Vec::with_capacity(rows.len()),
        has_next_page: rows.len() as u64 > first,
        total: None,
        role_ids: parts.role_ids.then(HashMap::new),
    };
    for row in rows.iter().take(first as usize) {
        let member = member::Model::from_query_result(row, "")?;
        if parts.total {
            page.total = Some(row.try_get::<i64>("", "total")?.max(0) as u64);
        }
        if let Some(role_ids) = &mut page.role_ids {
            let listed: Option<String> = row.try_get("", "role_ids")?;
            let ids = listed.iter().flat_map(|text| text.split(',')).filter_map(|id| id.trim().parse().ok()).collect();
            role_ids.insert(member.id, ids);
        }
        page.members.push(member);
    }
    Ok(page)
}

/// Each member's role row ids, comma-separated (NULL for none), beside the member's row.
fn role_ids_of_each(backend: DbBackend) -> Expr {
    Expr::cust(match backend {
        DbBackend::Postgres => {
            "(SELECT string_agg(CAST(role_id AS TEXT), ',') FROM member_roles WHERE member_roles.member_id = members.id)"
        }
        _ => "(SELECT group_concat(role_id) FROM member_roles WHERE member_roles.member_id = members.id)",
    })
}

/// How many of the tenant's members pass `filter` at `now` (see [`super::count`]).
pub async fn count(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: &MemberFilter,
    now: DateTime<Utc>,
) -> Result<u64> {
    let backend = db.get_database_backend();
    let statement = Query::select().expr_as(count_expr(filter, tenant, now, backend), Alias::new("total")).to_owned();
    let row = db.query_one_raw(backend.build(&statement)).await?;
    let total = match row {
        Some(row) => row.try_get::<i64>("", "total")?,
        None => 0,
    };
    Ok(total.max(0) as u64)
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

/// The roles of a page's members, by member row id, from the role ids the page statement
/// carried ([`PageParts::role_ids`]): one statement for the page's distinct roles. Each
/// member's roles are in the order [`roles_of`] gives them (by name, then id); a member
/// without roles has no entry. Empty when the page did not carry role ids.
pub async fn page_roles(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    page: &mut MemberPage,
) -> Result<HashMap<i64, Vec<role::Model>>> {
    let Some(role_ids) = page.role_ids.take() else { return Ok(HashMap::new()) };
    let mut wanted: Vec<i64> = role_ids.values().flatten().copied().collect();
    wanted.sort_unstable();
    wanted.dedup();
    let roles = crate::roles::by_ids(db, tenant, &wanted).await?;
    let held_by = |ids: Vec<i64>| {
        let mut held: Vec<role::Model> = ids.iter().filter_map(|id| roles.get(id).cloned()).collect();
        held.sort_by(|a, b| (&a.name_key, a.id).cmp(&(&b.name_key, b.id)));
        held
    };
    Ok(role_ids.into_iter().map(|(member, ids)| (member, held_by(ids))).collect())
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
