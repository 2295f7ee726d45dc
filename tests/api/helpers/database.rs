//! A database for one test: a new SQLite file, or a new PostgreSQL database when
//! `MUSTER_TEST_POSTGRES_URL` is set; removed after the test, even when it fails.

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::ConnectionTrait;

/// A database that exists for one test and is removed after it, even when the test fails.
pub enum TestDatabase {
    Sqlite { _dir: tempfile::TempDir, url: String },
    Postgres { admin_url: String, name: String, url: String },
}

impl TestDatabase {
    pub async fn new() -> Self {
        match std::env::var("MUSTER_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty()) {
            Some(server) => Self::on_server(&server).await,
            None => Self::sqlite(),
        }
    }

    /// A fresh SQLite file.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("muster.db").display());
        Self::Sqlite { _dir: dir, url }
    }

    /// A fresh database on the PostgreSQL server at `server` (`postgres://user@host:port`).
    pub async fn on_server(server: &str) -> Self {
        let server = server.trim_end_matches('/').to_owned();
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "muster_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            uuid::Uuid::new_v4().simple()
        );
        let admin_url = format!("{server}/postgres");
        let admin = sea_orm::Database::connect(&admin_url).await.expect("PostgreSQL for tests");
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
        admin.close().await.ok();
        let url = format!("{server}/{name}");
        Self::Postgres { admin_url, name, url }
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name, .. } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a thread with its own runtime may block.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async move {
                    if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                        let _ =
                            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                        admin.close().await.ok();
                    }
                });
            })
            .join();
        }
    }
}
