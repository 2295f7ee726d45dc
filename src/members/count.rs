//! How many members pass a filter, as one scalar expression: the page statement carries it as
//! a column (the page and its count in one round trip), and `count` selects it alone. The
//! cheapest source answers each kind of filter:
//! - by status only, or no filter: the counters the database keeps per organization and
//!   stored state (`member_counts`), a few rows whatever the organization's size. Stored
//!   `pending` is split into PENDING and EXPIRED by counting the pending invitations that have
//!   run out (an index range): a member is pending exactly when holding one pending invitation,
//!   with the same expiry (both are written together);
//! - by one role only: the role's counter (`roles.member_count`), kept the same way; by
//!   several: distinct holders in `member_roles (role_id, member_id)`, an index alone;
//! - anything else: the filtered members themselves, through the indexes the filter allows.

use chrono::{DateTime, Utc};
use entity::{InvitationState, invitation, member_count, member_role, role};
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, Func, SelectStatement},
};

use super::MemberFilter;
use crate::{domain::InvitationStatus, tenant::Tenant};

/// The number of the tenant's members that pass `filter` at `now`, as a scalar subquery.
pub fn count_expr(filter: &MemberFilter, tenant: &Tenant, now: DateTime<Utc>, backend: DbBackend) -> Expr {
    let by_status_only = filter.role_ids.is_empty() && filter.languages.is_empty() && filter.search.is_none();
    if by_status_only {
        return by_status(&filter.statuses, tenant, now);
    }
    let by_roles_only = filter.statuses.is_empty() && filter.languages.is_empty() && filter.search.is_none();
    if by_roles_only {
        return by_roles(filter, tenant);
    }
    let filtered = filter.select(tenant, now, backend).select_only().expr(Func::count(Expr::cust("*"))).into_query();
    scalar(filtered)
}

/// Members holding any of the filter's roles. One role: its counter (`roles.member_count`);
/// several: the distinct holders in `member_roles (role_id, member_id)`, an index alone (a
/// member may hold more than one of them).
fn by_roles(filter: &MemberFilter, tenant: &Tenant) -> Expr {
    if let [role_id] = filter.role_ids.as_slice() {
        let counter = tenant
            .roles()
            .select_only()
            .column(role::Column::MemberCount)
            .filter(role::Column::PublicId.eq(role_id.as_str()))
            .into_query();
        // An unknown role holds nobody.
        return Func::coalesce([scalar(counter), Expr::val(0)]).into();
    }
    let holders = member_role::Entity::find()
        .select_only()
        .expr(Func::count_distinct(Expr::col(member_role::Column::MemberId)))
        .filter(member_role::Column::RoleId.in_subquery(filter.role_row_ids(tenant)))
        .into_query();
    scalar(holders)
}

/// Members in any of these statuses (everyone for none), from the counters.
pub(super) fn by_status(statuses: &[InvitationStatus], tenant: &Tenant, now: DateTime<Utc>) -> Expr {
    let wants = |status| statuses.is_empty() || statuses.contains(&status);
    let (pending, expired) = (wants(InvitationStatus::Pending), wants(InvitationStatus::Expired));
    let mut stored: Vec<InvitationState> = [
        (InvitationStatus::NotInvited, InvitationState::NotInvited),
        (InvitationStatus::Accepted, InvitationState::Accepted),
        (InvitationStatus::Revoked, InvitationState::Revoked),
    ]
    .into_iter()
    .filter(|(status, _)| wants(*status))
    .map(|(_, state)| state)
    .collect();
    if pending || expired {
        stored.push(InvitationState::Pending);
    }
    let counted = counters(tenant, &stored);
    // Stored `pending` holds both PENDING and EXPIRED: take out the part not asked for.
    match (pending, expired) {
        (true, false) => counted.sub(run_out(tenant, now)),
        (false, true) => counted.sub(counters(tenant, &[InvitationState::Pending])).add(run_out(tenant, now)),
        _ => counted,
    }
}

/// The sum of the tenant's counters for these stored states.
fn counters(tenant: &Tenant, states: &[InvitationState]) -> Expr {
    // SUM of a BIGINT is a NUMERIC on PostgreSQL; the count is read back as a BIGINT.
    let sum = Func::coalesce([Func::sum(Expr::col(member_count::Column::Members)).into(), Expr::val(0)]);
    let total = tenant
        .member_counts()
        .select_only()
        .expr(Func::cast_as(sum, Alias::new("BIGINT")))
        .filter(member_count::Column::State.is_in(states.iter().copied()))
        .into_query();
    scalar(total)
}

/// Members whose pending invitation has run out at `now` (EXPIRED).
fn run_out(tenant: &Tenant, now: DateTime<Utc>) -> Expr {
    let expired = tenant
        .invitations()
        .select_only()
        .expr(Func::count(Expr::cust("*")))
        .filter(invitation::Column::Status.eq(InvitationState::Pending))
        .filter(invitation::Column::ExpiresAt.lte(now))
        .into_query();
    scalar(expired)
}

fn scalar(query: SelectStatement) -> Expr {
    Expr::SubQuery(None, Box::new(query.into()))
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::Query;

    use super::*;

    fn sql(filter: &MemberFilter) -> String {
        let tenant = Tenant::new(7);
        let statement = Query::select().expr(count_expr(filter, &tenant, Utc::now(), DbBackend::Postgres)).to_owned();
        DbBackend::Postgres.build(&statement).sql
    }

    #[test]
    fn each_filter_is_counted_from_its_cheapest_source() {
        let everyone = sql(&MemberFilter::default());
        assert!(everyone.contains("FROM \"member_counts\"") && !everyone.contains("FROM \"members\""), "{everyone}");
        let pending = sql(&MemberFilter { statuses: vec![InvitationStatus::Pending], ..Default::default() });
        assert!(pending.contains("\"member_counts\"") && pending.contains("\"invitations\""), "{pending}");
        let role = MemberFilter::parse(Vec::new(), &["abcdefghi".into()], &[], None).unwrap();
        let role = sql(&role);
        assert!(role.contains("\"member_count\" FROM \"roles\"") && !role.contains("FROM \"members\""), "{role}");
        let roles = MemberFilter::parse(Vec::new(), &["abcdefghi".into(), "bcdefghij".into()], &[], None).unwrap();
        assert!(sql(&roles).contains("COUNT(DISTINCT"));
        let language = MemberFilter::parse(Vec::new(), &[], &["fr".into()], None).unwrap();
        assert!(sql(&language).contains("FROM \"members\""));
    }

    #[test]
    fn sqlite_searches_of_three_characters_or_more_read_the_trigram_index() {
        let sql = |search: &str, backend: DbBackend| {
            let filter = MemberFilter::parse(Vec::new(), &[], &[], Some(search)).unwrap();
            let statement = Query::select().expr(count_expr(&filter, &Tenant::new(7), Utc::now(), backend)).to_owned();
            backend.build(&statement).sql
        };
        assert!(sql("ana", DbBackend::Sqlite).contains("members_search MATCH ?"));
        assert!(!sql("an", DbBackend::Sqlite).contains("members_search"), "no trigram in two characters");
        assert!(!sql("ana", DbBackend::Postgres).contains("members_search"), "PostgreSQL has pg_trgm");
    }

    #[test]
    fn a_status_page_is_guarded_by_its_count() {
        let filter = MemberFilter { statuses: vec![InvitationStatus::Revoked], ..Default::default() };
        let page = filter.select(&Tenant::new(7), Utc::now(), DbBackend::Postgres).build(DbBackend::Postgres).sql;
        assert!(page.contains("FROM \"member_counts\"") && page.ends_with(") > $6"), "{page}");
        let page = MemberFilter::default().select(&Tenant::new(7), Utc::now(), DbBackend::Postgres);
        assert!(!page.build(DbBackend::Postgres).sql.contains("member_counts"), "no status, no guard");
    }

    /// On SQLite, status with language is counted from an index alone (migration 12), even on
    /// an organization just imported (no statistics).
    #[tokio::test]
    async fn sqlite_counts_status_and_language_from_an_index_alone() {
        use sea_orm::ConnectionTrait;

        let (_dir, db) = crate::db::testing::imported_organization(20_000).await;
        let filter = MemberFilter::parse(vec![InvitationStatus::Accepted], &[], &["de".into()], None).unwrap();
        let count =
            Query::select().expr(count_expr(&filter, &Tenant::new(1), Utc::now(), DbBackend::Sqlite)).to_owned();
        let query = DbBackend::Sqlite.build(&count);
        let plan = crate::db::testing::query_plan(&db, &query).await;
        let through_index =
            "COVERING INDEX ix_members_org_language_state (organization_id=? AND language=? AND invitation_state=?)";
        assert!(plan.iter().any(|step| step.contains(through_index)), "{plan:?}");
        let counted = db.query_one_raw(query);
        let counted: i64 = counted.await.unwrap().unwrap().try_get_by_index(0).unwrap();
        assert_eq!(counted, 1_000, "the accepted members whose language is de");
    }
}
