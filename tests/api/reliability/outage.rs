//! The database going away under a running muster: PostgreSQL stopped and started again (a
//! cluster of the test's own), a SQLite file locked by another writer or opened read-only.
//! Every answer comes promptly, with a code; nothing panics; muster recovers by itself.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{
    Parts, TestApp, TestDatabase, cluster::Cluster, create_org, error_code, error_message, spawn_app_on, start,
    test_config,
};

/// Asks `/readyz` until it answers `status` (each answer within 3 s), for at most `limit`.
async fn readiness_becomes(app: &TestApp, status: u16, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let asked = Instant::now();
        let response = app.client.get(app.url("/readyz")).timeout(Duration::from_secs(5)).send().await.unwrap();
        assert!(asked.elapsed() < Duration::from_secs(3), "/readyz took {:?}", asked.elapsed());
        if response.status() == status {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "/readyz did not answer {status} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const MEMBERS: &str = "{ members { totalCount } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_is_a_prompt_503_and_muster_recovers_by_itself() {
    let cluster = Cluster::start();
    let app = spawn_app_on(TestDatabase::on_server(&cluster.server_url()).await, |_| {}).await;
    readiness_becomes(&app, 200, Duration::from_secs(5)).await;
    app.create_role("Before").await;

    cluster.down();
    let noticed = readiness_becomes(&app, 503, Duration::from_secs(5)).await;
    println!("/readyz answered 503 {noticed:?} after PostgreSQL stopped");
    for _ in 0..3 {
        let asked = Instant::now();
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&app.token)
            .json(&json!({ "query": MEMBERS }))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        assert!(asked.elapsed() < Duration::from_secs(3), "answered in {:?}", asked.elapsed());
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "5");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), Some("UNAVAILABLE"), "{body}");
    }
    let sheet = app.post_sheet(b"Team Member ID,Email,Language,Role IDs\r\n".to_vec(), "").await;
    assert_eq!(sheet.status(), 503);
    assert_eq!(sheet.json::<Value>().await.unwrap()["error"]["code"], "UNAVAILABLE");
    let page = app.client.get(app.url("/invite/some-link")).send().await.unwrap();
    assert_eq!(page.status(), 503);
    assert!(page.text().await.unwrap().contains("Nothing was accepted"), "an invitee gets a page");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200, "the process itself is alive");

    cluster.up();
    let recovered = readiness_becomes(&app, 200, Duration::from_secs(15)).await;
    println!("/readyz answered 200 {recovered:?} after PostgreSQL started again");
    app.create_role("After").await;
    assert_eq!(app.ok(MEMBERS, json!({})).await["members"]["totalCount"], 0);
}

/// A node that has served nothing yet, its pool empty: whether its watchdog or the request
/// meets the stopped database first, the answer is prompt and coded (the pool's timeouts are
/// short), never a hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_reaching_a_stopped_postgres_fails_fast_with_a_code() {
    let cluster = Cluster::start();
    let app = spawn_app_on(TestDatabase::on_server(&cluster.server_url()).await, |_| {}).await;
    let node = app.another_node().await;
    cluster.down();
    // The other node has not served a request yet: its watchdog may not have run.
    let asked = Instant::now();
    let response = app
        .client
        .post(node.url("/graphql"))
        .bearer_auth(&app.token)
        .json(&json!({ "query": MEMBERS }))
        .send()
        .await
        .unwrap();
    assert!(asked.elapsed() < Duration::from_secs(6), "answered in {:?}", asked.elapsed());
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("UNAVAILABLE"), "{body}");
}

#[tokio::test]
async fn a_locked_sqlite_file_is_a_coded_error_and_reads_go_on() {
    let app = spawn_app_on(TestDatabase::sqlite(), |config| config.database_lock_timeout_ms = 300).await;
    app.create_role("Before").await;
    // Another writer (another process, a backup tool) holds the file's write lock.
    let other = sea_orm::Database::connect(app.database.url()).await.unwrap();
    let holder = sea_orm::TransactionTrait::begin(&other).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&holder, "UPDATE organizations SET name = name").await.unwrap();

    let asked = Instant::now();
    let refused = app.gql("mutation { createRole(input: { name: \"During\" }) { id } }", json!({})).await;
    assert!(asked.elapsed() < Duration::from_secs(3), "answered in {:?}", asked.elapsed());
    assert_eq!(error_code(&refused), Some("UNAVAILABLE"), "{refused}");
    assert!(error_message(&refused).contains("locked"), "{refused}");
    assert_eq!(app.ok(MEMBERS, json!({})).await["members"]["totalCount"], 0, "reads go on");

    holder.rollback().await.unwrap();
    app.create_role("After").await;
}

#[tokio::test]
async fn a_read_only_sqlite_file_is_a_coded_error() {
    let database = TestDatabase::sqlite();
    let config = test_config(database.url());
    let (writer, _) = muster::db::connect_migrated(database.url(), config.database_settings()).await.unwrap();
    let token = create_org(&writer, "acme", "Acme Corp").await;
    // The file as a read-only mount or a replica opens it; the writer stays open, keeping the
    // write-ahead log's index that readers need.
    let read_only = database.url().replace("mode=rwc", "mode=ro");
    let (db, statements) = muster::db::connect(&read_only, config.database_settings()).await.unwrap();
    let app = start(Parts { database, config, db, statements, token }).await;

    let refused = app.gql("mutation { createRole(input: { name: \"Manager\" }) { id } }", json!({})).await;
    assert_eq!(error_code(&refused), Some("UNAVAILABLE"), "{refused}");
    assert!(error_message(&refused).contains("takes no changes"), "{refused}");
    assert_eq!(app.ok(MEMBERS, json!({})).await["members"]["totalCount"], 0, "reads go on");
    drop(writer);
}
