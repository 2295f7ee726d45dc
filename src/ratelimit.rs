//! Fixed-window counters kept in the database, so that every API node behind a load balancer
//! counts the same attempts. Used to slow down guessing of invitation links.

use chrono::{DateTime, Duration, Utc};
use entity::rate_limit;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait},
};

use crate::Result;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Attempts allowed within one window.
    pub max: i32,
    pub window: Duration,
}

/// Failed invitation look-ups or acceptances allowed per client.
pub const INVITATION_FAILURES: Limit = Limit { max: 10, window: Duration::minutes(10) };

/// Whether `key` has used up its attempts in the current window.
pub async fn is_blocked(db: &impl ConnectionTrait, key: &str, limit: Limit, now: DateTime<Utc>) -> Result<bool> {
    let row = rate_limit::Entity::find_by_id(key.to_owned()).one(db).await?;
    Ok(row.is_some_and(|row| row.window_start > now - limit.window && row.count >= limit.max))
}

/// Counts one attempt for `key`: a new window when the last one is over. Two statements that
/// are each atomic, so concurrent nodes never lose a count.
pub async fn record(db: &impl ConnectionTrait, key: &str, limit: Limit, now: DateTime<Utc>) -> Result<()> {
    rate_limit::Entity::insert(rate_limit::ActiveModel {
        key: Set(key.to_owned()),
        window_start: Set(now),
        count: Set(0),
    })
    .on_conflict_do_nothing_on([rate_limit::Column::Key])
    .exec(db)
    .await?;
    let window_over = Expr::col(rate_limit::Column::WindowStart).lte(now - limit.window);
    rate_limit::Entity::update_many()
        .col_expr(
            rate_limit::Column::Count,
            Expr::case(window_over.clone(), 1).finally(Expr::col(rate_limit::Column::Count).add(1)).into(),
        )
        .col_expr(
            rate_limit::Column::WindowStart,
            Expr::case(window_over, now).finally(Expr::col(rate_limit::Column::WindowStart)).into(),
        )
        .filter(rate_limit::Column::Key.eq(key))
        .exec(db)
        .await?;
    // Old windows are of no use to anyone; the index on window_start keeps this cheap.
    rate_limit::Entity::delete_many()
        .filter(rate_limit::Column::WindowStart.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}
