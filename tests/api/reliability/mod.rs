//! Bad days: the database going away ([`outage`]), muster killed mid-work ([`kill`]), admins
//! racing each other ([`races`]), several nodes on one database ([`nodes`]), shutting down
//! ([`shutdown`]), and the figures operators watch ([`metrics`]). After each fault the data
//! must still tell one story: [`assert_consistent`].

mod kill;
mod metrics;
mod nodes;
mod outage;
mod races;
mod shutdown;

use muster::{bench::seed, clock::Clock};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tokio::task::JoinHandle;

use crate::helpers::{TestDatabase, process::MusterProcess};

/// One count from the database.
pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let statement = Statement::from_string(db.get_database_backend(), sql);
    let row = db.query_one_raw(statement).await.expect("query").expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

/// What holds whatever happened: a member holds at most one pending invitation; a member is
/// pending exactly when holding one, and accepted exactly when holding an accepted one; every
/// batch holds all the invitations it counts (a batch exists only if its sheet committed); the
/// counters the database keeps (members by state, holders by role) agree with the rows.
/// Answers the number of pending invitations.
pub async fn assert_consistent(db: &DatabaseConnection) -> i64 {
    let doubles = count(
        db,
        "SELECT COUNT(*) FROM (SELECT member_id FROM invitations WHERE status = 'pending' \
         GROUP BY member_id HAVING COUNT(*) > 1) doubles",
    )
    .await;
    assert_eq!(doubles, 0, "members holding two pending invitations");
    for state in ["pending", "accepted"] {
        let disagreeing = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM members m WHERE (m.invitation_state = '{state}') <> \
                 EXISTS (SELECT 1 FROM invitations i WHERE i.member_id = m.id AND i.status = '{state}')"
            ),
        )
        .await;
        assert_eq!(disagreeing, 0, "members whose state disagrees with their {state} invitation");
    }
    let partial = count(
        db,
        "SELECT COUNT(*) FROM invitation_batches b \
         WHERE b.issued_count <> (SELECT COUNT(*) FROM invitations i WHERE i.batch_id = b.id)",
    )
    .await;
    assert_eq!(partial, 0, "batches holding fewer invitations than they issued");
    let miscounted = count(
        db,
        "SELECT COUNT(*) FROM (SELECT organization_id, invitation_state, COUNT(*) AS n FROM members \
         GROUP BY organization_id, invitation_state) m FULL JOIN member_counts c \
         ON c.organization_id = m.organization_id AND c.state = m.invitation_state \
         WHERE COALESCE(m.n, 0) <> COALESCE(c.members, 0)",
    )
    .await;
    assert_eq!(miscounted, 0, "the database's member counters disagree with the members");
    let roles_miscounted = count(
        db,
        "SELECT COUNT(*) FROM roles r WHERE r.member_count <> (SELECT COUNT(*) FROM member_roles mr WHERE mr.role_id = r.id)",
    )
    .await;
    assert_eq!(roles_miscounted, 0, "roles' member counts disagree with their holders");
    count(db, "SELECT COUNT(*) FROM invitations WHERE status = 'pending'").await
}

/// A number in `0..bound` that differs from run to run (printed by the tests that use it).
pub fn random_below(bound: u64) -> u64 {
    (uuid::Uuid::new_v4().as_u128() % u128::from(bound.max(1))) as u64
}

/// A fresh database with the organization `acme` and `members` members (`seed`), migrated.
async fn seeded(members: usize) -> (TestDatabase, DatabaseConnection, seed::Seeded) {
    let database = TestDatabase::new().await;
    let (db, _) = muster::db::connect_migrated(database.url(), muster::db::Settings::default()).await.unwrap();
    let seeded = seed::organization(&db, "acme", members, Clock::default().now()).await.unwrap();
    (database, db, seeded)
}

/// Uploads a sheet in a task of its own: the client stays connected whatever the test does
/// meanwhile (a client that leaves would itself end the request).
fn upload(muster: &MusterProcess, token: &str, sheet: String) -> JoinHandle<reqwest::Result<(u16, Vec<u8>)>> {
    upload_to(muster, "/invitations/links?fileName=all.csv", token, sheet)
}

fn upload_to(
    muster: &MusterProcess,
    path: &str,
    token: &str,
    sheet: String,
) -> JoinHandle<reqwest::Result<(u16, Vec<u8>)>> {
    let request =
        reqwest::Client::new().post(muster.url(path)).bearer_auth(token).header("content-type", "text/csv").body(sheet);
    tokio::spawn(async move {
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok((status, response.bytes().await?.to_vec()))
    })
}
