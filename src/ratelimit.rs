//! Fixed-window counters kept in the database, so that every API node behind a load balancer
//! counts the same attempts: failed invitation look-ups and acceptances, per client network.
//!
//! A failure is counted and checked in one statement (an upsert that returns the new count),
//! so concurrent requests can neither slip past the limit nor lose a count, on any node.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use entity::rate_limit;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, TryGetable, Value};

use crate::Result;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Attempts allowed within one window.
    pub max: i32,
    pub window: Duration,
}

/// Failed invitation look-ups or acceptances allowed per client network.
pub const INVITATION_FAILURES: Limit = Limit { max: 10, window: Duration::minutes(10) };

/// Where a request comes from, as limits count it: an IPv4 address, or an IPv6 /64 (one
/// customer's network: a host there can take any of its 2^64 addresses).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientNetwork(String);

impl ClientNetwork {
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(v4.to_string()),
                None => {
                    let s = v6.segments();
                    Self(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
                }
            },
        }
    }

    /// For requests whose peer is not known (not over TCP): one shared network.
    pub fn unknown() -> Self {
        Self("unknown".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ClientNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Counts one attempt for `key` (a new window when the last one is over) and answers, from
/// the same statement, whether `key` is now past its limit: `Some(wait)` until its window ends.
pub async fn count(db: &impl ConnectionTrait, key: &str, limit: Limit, now: DateTime<Utc>) -> Result<Option<Duration>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.count + 1 END, \
               window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
             RETURNING count, window_start"
        }
        _ => {
            "INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN rate_limits.window_start <= ?3 THEN 1 ELSE rate_limits.count + 1 END, \
               window_start = CASE WHEN rate_limits.window_start <= ?3 THEN ?2 ELSE rate_limits.window_start END \
             RETURNING count, window_start"
        }
    };
    let values: [Value; 3] = [key.into(), now.into(), (now - limit.window).into()];
    let row = db.query_one_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let Some(row) = row else { return Ok(None) };
    let count = i32::try_get(&row, "", "count").map_err(sea_orm::DbErr::from)?;
    let window_start = DateTime::<Utc>::try_get(&row, "", "window_start").map_err(sea_orm::DbErr::from)?;
    // Old windows are of no use to anyone; the index on window_start keeps this cheap.
    rate_limit::Entity::delete_many()
        .filter(rate_limit::Column::WindowStart.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok((count > limit.max).then(|| (window_start + limit.window - now).max(Duration::seconds(1))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_addresses_and_ipv6_prefixes() {
        let net = |text: &str| ClientNetwork::of(text.parse().unwrap()).0;
        assert_eq!(net("203.0.113.7"), "203.0.113.7");
        assert_eq!(net("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(net("2001:db8:1:2:bbbb::9"), net("2001:db8:1:2:aaaa::1"), "one /64, one network");
        assert_ne!(net("2001:db8:1:3::1"), net("2001:db8:1:2::1"));
        assert_eq!(net("::ffff:203.0.113.7"), "203.0.113.7");
    }
}
