//! The outbox in the database: every statement on `mail_messages`. A message is queued in the
//! transaction that issues its invitation; a node *claims* what is due (`sending`, with a
//! lease), and records the outcome only if it still holds the claim, so that a node whose
//! lease ran out (it was stopped, or stalled) cannot overwrite what another node did since.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{DeliveryState, invitation, mail_message};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Statement,
    Value,
    sea_query::{Expr, Func},
};

use crate::{Result, tenant::Tenant};

/// Attempts a message gets before it is `FAILED`: the first, and seven retries.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a node holds a message it took: past it (the node died, say), another node takes
/// the message over. Far longer than one attempt can take (the SMTP timeout is a minute).
pub const LEASE: Duration = Duration::minutes(5);
/// Waits after each failed attempt: the first retry within a minute, the last about a day
/// after the first attempt (23 h 26 min), for a server that is down or greylisting.
const BACKOFF_SECS: [i64; (MAX_ATTEMPTS - 1) as usize] = [45, 300, 1_200, 3_600, 7_200, 18_000, 54_000];
/// The longest reply kept in `last_error`.
const ERROR_CHARS: usize = 500;

/// When to try again after failed attempt number `attempt` (1-based), or `None` when that was
/// the last.
pub fn next_attempt(attempt: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let wait = BACKOFF_SECS.get(usize::try_from(attempt).ok()?.checked_sub(1)?)?;
    Some(now + Duration::seconds(*wait))
}

/// Queues one message per invitation, inside the transaction that inserted them: `rows` are
/// `[token hash, sealed link]`, found back by the token hash (unique, indexed).
pub async fn queue(
    db: &impl ConnectionTrait,
    organization_id: i64,
    rows: &[(&str, &str)],
    now: DateTime<Utc>,
) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO mail_messages (organization_id, invitation_id, status, attempts, due_at, sealed_link, created_at) \
             SELECT $1, i.id, $2, 0, $3, r->>1, $4 FROM jsonb_array_elements($5::jsonb) AS rows(r) \
             JOIN invitations i ON i.token_hash = r->>0"
        }
        _ => {
            "INSERT INTO mail_messages (organization_id, invitation_id, status, attempts, due_at, sealed_link, created_at) \
             SELECT ?, i.id, ?, 0, ?, rows.value->>1, ? FROM json_each(?) AS rows \
             JOIN invitations i ON i.token_hash = rows.value->>0"
        }
    };
    let rows = serde_json::to_string(rows).map_err(|err| crate::AppError::Internal(err.into()))?;
    let values: [Value; 5] =
        [organization_id.into(), DeliveryState::Queued.into(), now.into(), now.into(), rows.into()];
    let queued = db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    Ok(queued.rows_affected())
}

/// Whose messages to cancel.
#[derive(Debug, Clone, Copy)]
pub enum Cancel<'a> {
    /// One invitation's.
    Invitation(i64),
    /// These members' invitations (whose links were just revoked, to be replaced).
    OfMembers(&'a [i64]),
    /// Every invitation of one sheet upload.
    Batch(i64),
}

/// Cancels the messages not yet sent of some invitations, and erases their links. A message a
/// node is sending now is left to finish (its link is revoked: it leads nowhere); one whose
/// sender's lease ran out is cancelled like a queued one. Called after the invitations are
/// updated, in the same transaction: every transaction locks an invitation before its message,
/// so that two of them never wait for each other.
pub async fn cancel(db: &impl ConnectionTrait, tenant: &Tenant, scope: Cancel<'_>, now: DateTime<Utc>) -> Result<u64> {
    let invitations = tenant.invitations().select_only().column(invitation::Column::Id);
    let invitations = match scope {
        Cancel::Invitation(id) => invitations.filter(invitation::Column::Id.eq(id)),
        Cancel::OfMembers(members) => {
            // Most organizations never had muster send anything: then there is nothing to look for.
            if members.is_empty() || !has_unsent(db, tenant, now).await? {
                return Ok(0);
            }
            invitations.filter(crate::db::in_json_list(
                db.get_database_backend(),
                invitation::Column::MemberId,
                members,
            ))
        }
        Cancel::Batch(batch) => invitations.filter(invitation::Column::BatchId.eq(batch)),
    };
    let cancelled = mail_message::Entity::update_many()
        .col_expr(mail_message::Column::Status, Expr::value(DeliveryState::Cancelled))
        .col_expr(mail_message::Column::SealedLink, Expr::value(Option::<String>::None))
        .col_expr(mail_message::Column::DueAt, Expr::value(now))
        .filter(mail_message::Column::OrganizationId.eq(tenant.organization_id()))
        .filter(cancellable(now))
        .filter(mail_message::Column::InvitationId.in_subquery(invitations.into_query()))
        .exec(db)
        .await?;
    Ok(cancelled.rows_affected)
}

/// Queued, or taken by a node whose lease has run out.
fn cancellable(now: DateTime<Utc>) -> Condition {
    Condition::any().add(mail_message::Column::Status.eq(DeliveryState::Queued)).add(
        Condition::all()
            .add(mail_message::Column::Status.eq(DeliveryState::Sending))
            .add(mail_message::Column::DueAt.lte(now)),
    )
}

/// Whether the tenant has any message not yet sent.
async fn has_unsent(db: &impl ConnectionTrait, tenant: &Tenant, now: DateTime<Utc>) -> Result<bool> {
    any(db, tenant, cancellable(now)).await
}

/// Whether any message of the tenant's meets `condition` (reading one id at most).
async fn any(db: &impl ConnectionTrait, tenant: &Tenant, condition: Condition) -> Result<bool> {
    let any = tenant.mail_messages().filter(condition).select_only().column(mail_message::Column::Id);
    Ok(any.into_tuple::<i64>().one(db).await?.is_some())
}

/// Whether any message is due: read first, so that an idle node's look every second writes
/// nothing (on SQLite, a write takes the database's one write lock, even when it changes no row).
pub async fn any_due(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<bool> {
    // The statuses are written out, not bound: both databases use a partial index only when
    // the query's condition names its very terms.
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT id FROM mail_messages WHERE status IN ('queued', 'sending') AND due_at <= $1 LIMIT 1"
        }
        _ => "SELECT id FROM mail_messages WHERE status IN ('queued', 'sending') AND due_at <= ? LIMIT 1",
    };
    let found = db.query_one_raw(Statement::from_sql_and_values(backend, sql, [now.into()])).await?;
    Ok(found.is_some())
}

/// A message a node has taken, for the attempt numbered `attempts`.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub organization_id: i64,
    pub invitation_id: i64,
    pub attempts: i32,
    pub sealed_link: Option<String>,
}

/// Takes up to `limit` messages that are due (queued and due, or held by a node whose lease
/// ran out), oldest first, until `lease_until`. On PostgreSQL, rows another node is taking at
/// the same moment are skipped (`FOR UPDATE SKIP LOCKED`), so two nodes never take one
/// message; on SQLite the statement is one write, and writes take turns.
pub async fn claim(
    db: &impl ConnectionTrait,
    limit: u64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Vec<Claimed>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            // Materialized, so that the planner cannot run the locking subquery again per row
            // (and take more than `limit`).
            "WITH due AS MATERIALIZED (SELECT id FROM mail_messages \
             WHERE status IN ('queued', 'sending') AND due_at <= $2 \
             ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             UPDATE mail_messages m SET status = 'sending', attempts = m.attempts + 1, due_at = $1 \
             FROM due WHERE m.id = due.id \
             RETURNING m.id, m.organization_id, m.invitation_id, m.attempts, m.sealed_link"
        }
        _ => {
            "UPDATE mail_messages SET status = 'sending', attempts = attempts + 1, due_at = ? \
             WHERE id IN (SELECT id FROM mail_messages WHERE status IN ('queued', 'sending') AND due_at <= ? \
             ORDER BY due_at, id LIMIT ?) \
             RETURNING id, organization_id, invitation_id, attempts, sealed_link"
        }
    };
    let values: [Value; 3] = [lease_until.into(), now.into(), (limit as i64).into()];
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let mut claimed = rows
        .iter()
        .map(|row| {
            Ok(Claimed {
                id: row.try_get_by_index(0)?,
                organization_id: row.try_get_by_index(1)?,
                invitation_id: row.try_get_by_index(2)?,
                attempts: row.try_get_by_index(3)?,
                sealed_link: row.try_get_by_index(4)?,
            })
        })
        .collect::<std::result::Result<Vec<_>, sea_orm::DbErr>>()?;
    claimed.sort_by_key(|message| message.id);
    Ok(claimed)
}

/// The message as this node took it: still `sending`, at the same attempt. Every write of a
/// taken message carries this condition, so that a node whose hold ran out changes nothing.
fn held(message: &Claimed) -> Condition {
    Condition::all()
        .add(mail_message::Column::Id.eq(message.id))
        .add(mail_message::Column::Status.eq(DeliveryState::Sending))
        .add(mail_message::Column::Attempts.eq(message.attempts))
}

/// Extends this node's hold on a message until `until`, just before it is sent; `false` when
/// the node no longer holds it (its lease ran out and another node took it over, or it was
/// cancelled): then it must not be sent.
pub async fn renew(db: &impl ConnectionTrait, message: &Claimed, until: DateTime<Utc>) -> Result<bool> {
    let renewed = mail_message::Entity::update_many()
        .col_expr(mail_message::Column::DueAt, Expr::value(until))
        .filter(held(message))
        .exec(db)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Sent,
    /// A temporary failure: try again at this time.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    Failed {
        error: String,
    },
    /// The invitation is no longer pending: its message is not needed.
    Cancelled,
}

/// Records how an attempt ended, if this node still holds the message (the same attempt, in
/// `sending`). Answers whether it did.
pub async fn finish(
    db: &impl ConnectionTrait,
    message: &Claimed,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<bool> {
    let erase = Expr::value(Option::<String>::None);
    let update = mail_message::Entity::update_many();
    let update = match outcome {
        Outcome::Sent => update
            .col_expr(mail_message::Column::Status, Expr::value(DeliveryState::Sent))
            .col_expr(mail_message::Column::SentAt, Expr::value(now))
            .col_expr(mail_message::Column::DueAt, Expr::value(now))
            .col_expr(mail_message::Column::SealedLink, erase),
        Outcome::Retry { error, at } => update
            .col_expr(mail_message::Column::Status, Expr::value(DeliveryState::Queued))
            .col_expr(mail_message::Column::DueAt, Expr::value(*at))
            .col_expr(mail_message::Column::LastError, Expr::value(clip(error))),
        Outcome::Failed { error } => update
            .col_expr(mail_message::Column::Status, Expr::value(DeliveryState::Failed))
            .col_expr(mail_message::Column::DueAt, Expr::value(now))
            .col_expr(mail_message::Column::LastError, Expr::value(clip(error)))
            .col_expr(mail_message::Column::SealedLink, erase),
        Outcome::Cancelled => update
            .col_expr(mail_message::Column::Status, Expr::value(DeliveryState::Cancelled))
            .col_expr(mail_message::Column::DueAt, Expr::value(now))
            .col_expr(mail_message::Column::SealedLink, erase),
    };
    let done = update.filter(held(message)).exec(db).await?;
    Ok(done.rows_affected == 1)
}

/// Gives back messages taken but not begun (the node is stopping, or the server is failing),
/// due at `due_at`, their attempt not counted.
pub async fn release(db: &impl ConnectionTrait, messages: &[Claimed], due_at: DateTime<Utc>) -> Result<()> {
    for message in messages {
        mail_message::Entity::update_many()
            .col_expr(mail_message::Column::Status, Expr::value(DeliveryState::Queued))
            .col_expr(mail_message::Column::DueAt, Expr::value(due_at))
            .col_expr(mail_message::Column::Attempts, Expr::value(message.attempts - 1))
            .filter(held(message))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A mail server's reply, on one line and bounded.
fn clip(error: &str) -> String {
    let line = error.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(ERROR_CHARS) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line,
    }
}

/// The messages of these invitations of the tenant, by invitation row id.
pub async fn of_invitations(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    invitation_ids: &[i64],
) -> Result<HashMap<i64, mail_message::Model>> {
    let found = tenant
        .mail_messages()
        .filter(mail_message::Column::InvitationId.is_in(invitation_ids.iter().copied()))
        .all(db)
        .await?;
    Ok(found.into_iter().map(|message| (message.invitation_id, message)).collect())
}

/// Whether muster ever queued a message of the tenant's.
pub async fn any_of(db: &impl ConnectionTrait, tenant: &Tenant) -> Result<bool> {
    any(db, tenant, Condition::all()).await
}

/// Where the email of each member's latest invitation stands, for those muster was asked to
/// send, by member row id.
pub async fn latest_of_members(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    member_ids: &[i64],
) -> Result<HashMap<i64, DeliveryState>> {
    if member_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let latest = tenant
        .invitations()
        .select_only()
        .expr(Func::max(Expr::col(invitation::Column::Id)))
        .filter(crate::db::in_json_list(db.get_database_backend(), invitation::Column::MemberId, member_ids))
        .group_by(invitation::Column::MemberId)
        .into_query();
    let rows: Vec<(i64, DeliveryState)> = tenant
        .mail_messages()
        .select_only()
        .column_as(Expr::col((invitation::Entity, invitation::Column::MemberId)), "member_id")
        .column(mail_message::Column::Status)
        .join(sea_orm::JoinType::InnerJoin, sea_orm::RelationTrait::def(&mail_message::Relation::Invitation))
        .filter(mail_message::Column::InvitationId.in_subquery(latest))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The tenant's invitations whose message is in one of these states (a subquery).
pub fn invitations_in(tenant: &Tenant, states: &[DeliveryState]) -> sea_orm::sea_query::SelectStatement {
    tenant
        .mail_messages()
        .select_only()
        .column(mail_message::Column::InvitationId)
        .filter(mail_message::Column::Status.is_in(states.iter().copied()))
        .into_query()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn retries_back_off_over_about_a_day() {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let mut at = start;
        let mut attempts = 1;
        while let Some(next) = next_attempt(attempts, at) {
            at = next;
            attempts += 1;
        }
        assert_eq!(attempts, MAX_ATTEMPTS);
        assert!(next_attempt(1, start).unwrap() - start <= Duration::minutes(1), "the first retry within a minute");
        let span = at - start;
        assert!(span > Duration::hours(20) && span < Duration::hours(26), "{span}");
        assert_eq!(next_attempt(0, start), None);
    }

    #[test]
    fn replies_are_kept_on_one_bounded_line() {
        assert_eq!(clip("451 4.7.1 Try\r\n again later"), "451 4.7.1 Try again later");
        let long = "x".repeat(2_000);
        assert_eq!(clip(&long).chars().count(), ERROR_CHARS + 1);
    }
}
