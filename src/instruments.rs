//! The figures muster publishes for operators, in Prometheus' text format, on a listen address
//! of their own (`MUSTER_METRICS_LISTEN`): never on the public one, where they would tell the
//! internet how busy every organization is. Services count what they do through the `metrics`
//! facade (as they log through `tracing`); without a listen address nothing is recorded.
//!
//! | metric | labels | what |
//! | --- | --- | --- |
//! | `muster_http_requests_total` | `route`, `method`, `status` | requests answered |
//! | `muster_http_request_duration_seconds` | `route` | how long they took (histogram) |
//! | `muster_http_requests_in_flight` | | requests under way on this node |
//! | `muster_http_refused_total` | `reason` (`overloaded`, `database_down`, `timeout`) | refused by the guard |
//! | `muster_graphql_fields_total` | `field`, `type` | root fields run (bounded by the schema) |
//! | `muster_sheets_total` | `outcome` (`issued`, `refused`, `dry_run`, `unreadable`, `failed`) | sheets uploaded |
//! | `muster_sheet_rows` | | rows per sheet (histogram) |
//! | `muster_sheet_duration_seconds` | | from bytes to links sheet (histogram) |
//! | `muster_invitations_issued_total` | | links issued |
//! | `muster_invitations_accepted_total` | `rule` (`link`, or the SSO rule: `email_verified`, `google_hd`, …) | acceptances, by what admitted them |
//! | `muster_invitations_refused_total` | `reason` (`unknown_link`, `expired`, `revoked`, `sso_required`, `token_signature`, `outside_domains`, …) | refused look-ups and acceptances, by muster's reason |
//! | `muster_rate_limited_total` | | look-ups and acceptances refused as over the limit |
//! | `muster_mail_messages_total` | `outcome` (`sent`, `retry`, `failed`, `cancelled`) | attempts at invitation emails by this node, by how they ended |
//! | `muster_db_connections` | `state` (`in_use`, `idle`) | the pool, read when scraped |
//! | `muster_db_available` | | 1 while the database answers the watchdog, else 0 |
//!
//! (sqlx does not tell how many requests wait for a connection; `in_flight` against `in_use`
//! shows the queue.)

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::db::Availability;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Seconds: from a fast page to a 200,000-row sheet.
const DURATION_BUCKETS: [f64; 14] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0];
/// Rows of a sheet.
const ROW_BUCKETS: [f64; 8] = [1.0, 10.0, 100.0, 1_000.0, 10_000.0, 50_000.0, 100_000.0, 200_000.0];

/// The process's recorder, installed on first use (once per process: tests run several
/// applications in one).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Suffix("duration_seconds".into()),
                &DURATION_BUCKETS,
            )
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full("muster_sheet_rows".into()),
                    &ROW_BUCKETS,
                )
            })
            .expect("bucket bounds are not empty");
        builder.install_recorder().expect("one recorder per process")
    })
}

/// Whether figures are being kept (a metrics listen address is configured): what costs work
/// to count is skipped otherwise.
pub fn enabled() -> bool {
    HANDLE.get().is_some()
}

/// The text Prometheus scrapes, with the pool and the database's availability read now.
pub fn render(db: &DatabaseConnection, availability: &Availability) -> String {
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
    };
    metrics::gauge!("muster_db_connections", "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!("muster_db_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("muster_db_available").set(if availability.is_down() { 0.0 } else { 1.0 });
    handle().render()
}
