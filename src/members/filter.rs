//! Which members a list or an export shows, and in which order. The same filter serves the
//! `members` query and `GET /members.csv`, so the two always agree.

use chrono::{DateTime, Utc};
use entity::{member, member_role, role};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, QueryFilter, QueryOrder, Select,
    sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement},
};

use crate::{
    AppError, Result,
    db::contains,
    domain::{InvitationStatus, Language, PublicId, SearchText},
    pagination::Cursor,
    tenant::Tenant,
};

/// A parsed filter; every part is optional and the parts combine with AND, the values within
/// a part with OR.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub statuses: Vec<InvitationStatus>,
    pub role_ids: Vec<PublicId>,
    pub languages: Vec<Language>,
    pub search: Option<SearchText>,
}

impl MemberFilter {
    pub fn parse(
        statuses: Vec<InvitationStatus>,
        role_ids: &[String],
        languages: &[String],
        search: Option<&str>,
    ) -> Result<Self> {
        let role_ids = role_ids
            .iter()
            .map(|id| {
                PublicId::parse(id)
                    .ok_or_else(|| AppError::bad_input("filter.roleIds", format!("`{id}` is not a role id")))
            })
            .collect::<Result<_>>()?;
        let languages = languages
            .iter()
            .map(|tag| Language::parse_tag(tag).map_err(|err| AppError::bad_input("filter.languages", err)))
            .collect::<Result<_>>()?;
        let search = SearchText::parse(search).map_err(|err| AppError::bad_input("filter.search", err))?;
        Ok(Self { statuses, role_ids, languages, search })
    }

    /// The row ids of the tenant's roles this filter names.
    pub fn role_row_ids(&self, tenant: &Tenant) -> SelectStatement {
        Query::select()
            .column((role::Entity, role::Column::Id))
            .from(role::Entity)
            .and_where(Expr::col((role::Entity, role::Column::OrganizationId)).eq(tenant.organization_id()))
            .and_where(
                Expr::col((role::Entity, role::Column::PublicId))
                    .is_in(self.role_ids.iter().map(|id| id.as_str().to_owned())),
            )
            .to_owned()
    }

    /// The tenant's members that pass this filter at time `now`, in SQL for `backend`.
    pub fn select(&self, tenant: &Tenant, now: DateTime<Utc>, backend: DbBackend) -> Select<member::Entity> {
        let mut select = tenant.members();
        let (state, expires_at) = (member::Column::InvitationState, member::Column::InvitationExpiresAt);
        if let Some(statuses) = InvitationStatus::any_condition(&self.statuses, state, expires_at, now) {
            // Members in these statuses are never indexed (see migration 7), so a page walks the
            // organization until it finds them. Where the counters say there are none, one
            // look at them answers instead: both databases evaluate a condition that reads no
            // member once, before the walk.
            let any = Expr::expr(super::count::by_status(&self.statuses, tenant, now)).gt(0);
            select = select.filter(statuses).filter(any);
        }
        if !self.role_ids.is_empty() {
            // EXISTS probes `member_roles`' key for each member in the page's order, where an
            // IN (…) list of holders would first collect every holder of the roles.
            let holds = Query::select()
                .expr(Expr::val(1))
                .from(member_role::Entity)
                .and_where(
                    Expr::col((member_role::Entity, member_role::Column::MemberId))
                        .equals((member::Entity, member::Column::Id)),
                )
                .and_where(
                    Expr::col((member_role::Entity, member_role::Column::RoleId))
                        .in_subquery(self.role_row_ids(tenant)),
                )
                .to_owned();
            select = select.filter(Expr::exists(holds));
        }
        if !self.languages.is_empty() {
            select =
                select.filter(member::Column::Language.is_in(self.languages.iter().map(|l| l.as_str().to_owned())));
        }
        if let Some(search) = &self.search {
            if let Some(candidates) = sqlite_search_candidates(search, backend) {
                select = select.filter(member::Column::Id.in_subquery(candidates));
            }
            select = select.filter(
                Condition::any()
                    .add(member::Column::EmailKey.like(contains(search.as_str())))
                    .add(member::Column::NameKey.like(contains(search.as_str()))),
            );
        }
        select
    }
}

/// On SQLite, the members whose keys hold every trigram of `search` (the FTS5 index of
/// migration 8): a superset of the matches, which the `LIKE` beside it keeps exact. `None`
/// where it cannot help: PostgreSQL (its trigram indexes serve the `LIKE` itself), or a search
/// of fewer than 3 characters (no trigram to look up).
fn sqlite_search_candidates(search: &SearchText, backend: DbBackend) -> Option<SelectStatement> {
    if backend != DbBackend::Sqlite || search.as_str().chars().nth(2).is_none() {
        return None;
    }
    // One FTS5 phrase: the text in double quotes, its own double quotes doubled, so that no
    // character of it is read as query syntax.
    let phrase = format!("\"{}\"", search.as_str().replace('"', "\"\""));
    let candidates = Query::select()
        .expr(Expr::cust("rowid"))
        .from(Alias::new("members_search"))
        .and_where(Expr::cust_with_values("members_search MATCH ?", [phrase]))
        .to_owned();
    Some(candidates)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemberOrderField {
    /// When the member was added (ties broken by id): the default.
    #[default]
    CreatedAt,
    Email,
    /// Members without a name come first in ascending order.
    Name,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// The order of a members list: a field, then the row id to break ties.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemberOrder {
    pub field: MemberOrderField,
    pub direction: OrderDirection,
}

impl MemberOrder {
    /// The name cursors carry, so that a cursor is only read back in its own ordering.
    fn tag(&self) -> String {
        format!("{:?}_{:?}", self.field, self.direction)
    }

    fn key_column(&self) -> Option<member::Column> {
        match self.field {
            MemberOrderField::CreatedAt => None,
            MemberOrderField::Email => Some(member::Column::EmailKey),
            MemberOrderField::Name => Some(member::Column::NameKey),
        }
    }

    pub fn cursor_of(&self, member: &member::Model) -> Cursor {
        let key = match self.field {
            MemberOrderField::CreatedAt => String::new(),
            MemberOrderField::Email => member.email_key.clone(),
            MemberOrderField::Name => member.name_key.clone(),
        };
        Cursor { ordering: self.tag(), id: member.id, key }
    }

    pub fn decode_cursor(&self, text: &str) -> Result<Cursor> {
        Cursor::decode(text, &self.tag())
    }

    /// Orders `select` and, given a cursor, keeps only the rows after it. Ids grow with
    /// creation time, so `CREATED_AT` is the id order and needs no other key.
    pub fn apply(&self, mut select: Select<member::Entity>, after: Option<&Cursor>) -> Select<member::Entity> {
        let asc = self.direction == OrderDirection::Asc;
        if let Some(cursor) = after {
            let id_after = if asc { member::Column::Id.gt(cursor.id) } else { member::Column::Id.lt(cursor.id) };
            select = match self.key_column() {
                None => select.filter(id_after),
                Some(column) => {
                    let key_after = if asc { column.gt(cursor.key.clone()) } else { column.lt(cursor.key.clone()) };
                    select.filter(
                        Condition::any()
                            .add(key_after)
                            .add(Condition::all().add(column.eq(cursor.key.clone())).add(id_after)),
                    )
                }
            };
        }
        if let Some(column) = self.key_column() {
            select = if asc { select.order_by_asc(column) } else { select.order_by_desc(column) };
        }
        if asc { select.order_by_asc(member::Column::Id) } else { select.order_by_desc(member::Column::Id) }
    }
}
