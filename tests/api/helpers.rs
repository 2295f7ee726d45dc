//! Spawning the app for a test, and talking to it.

use std::sync::atomic::{AtomicU64, Ordering};

use muster::{
    Application, Config, clock::Clock, db::StatementCounter, domain::Slug, identity::api_tokens, organizations,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

/// A database that exists for one test and is removed after it, even when the test fails.
pub enum TestDatabase {
    Sqlite { _dir: tempfile::TempDir, url: String },
    Postgres { admin_url: String, name: String, url: String },
}

impl TestDatabase {
    pub async fn new() -> Self {
        match std::env::var("MUSTER_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty()) {
            Some(server) => {
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
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("muster.db").display());
                Self::Sqlite { _dir: dir, url }
            }
        }
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

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// An admin token of the organization `acme`.
    pub token: String,
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub statements: StatementCounter,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    // Last: the database goes after the server has stopped.
    pub database: TestDatabase,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::defaults();
    config.database_url = Some(database_url.to_owned());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.database_max_connections = 5;
    config.cors_origins = vec!["http://admin.test".to_owned()];
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the app with configuration changes (admin JWTs, say).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let database = TestDatabase::new().await;
    let mut config = test_config(database.url());
    configure(&mut config);
    let (db, statements) = muster::db::connect(database.url(), config.database_max_connections).await.expect("connect");
    muster::db::migrate(&db).await.expect("migrate");
    let clock = Clock::default();
    // Bound first: links and SSO redirects need the public URL, which needs the port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().unwrap());
    config.public_url = address.clone();
    let app = Application::build_with(config, db.clone(), statements.clone(), clock.clone(), listener)
        .await
        .expect("build app");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let token = create_org(&db, "acme", "Acme Corp").await;
    TestApp { address, client: reqwest::Client::new(), token, db, clock, statements, shutdown: Some(stop), database }
}

/// Creates an organization and returns an admin token for it.
pub async fn create_org(db: &DatabaseConnection, slug: &str, name: &str) -> String {
    let now = Clock::default().now();
    let org = organizations::create(db, &Slug::parse(slug).unwrap(), name, now).await.expect("create org");
    let tenant = organizations::tenant_by_slug(db, &org.slug).await.unwrap();
    api_tokens::create(db, &tenant, "tests", now).await.unwrap().reveal().to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A GraphQL request as this app's `acme` admin.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(Some(&self.token), query, variables).await
    }

    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request =
            self.client.post(self.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 200, "GraphQL answers 200");
        response.json().await.expect("JSON")
    }

    /// `data`, asserting there were no errors.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let response = self.gql(query, variables).await;
        assert!(response.get("errors").is_none(), "unexpected errors: {response:#}");
        response["data"].clone()
    }

    pub async fn create_role(&self, name: &str) -> String {
        let data = self
            .ok("mutation($name: String!) { createRole(input: { name: $name }) { id } }", json!({ "name": name }))
            .await;
        data["createRole"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn create_member(&self, email: &str, name: Option<&str>, language: &str, roles: &[&str]) -> String {
        let data = self
            .ok(
                "mutation($input: CreateMemberInput!) { createMember(input: $input) { id } }",
                json!({ "input": { "email": email, "name": name, "language": language, "roleIds": roles } }),
            )
            .await;
        data["createMember"]["id"].as_str().unwrap().to_owned()
    }

    /// Creates `count` members `user{i}@example.com`, with the given roles.
    pub async fn create_members(&self, count: usize, roles: &[&str]) -> Vec<String> {
        let input: Vec<Value> = (0..count)
            .map(|i| json!({ "email": format!("user{i:05}@example.com"), "name": format!("User {i:05}"), "language": "en", "roleIds": roles }))
            .collect();
        let data = self
            .ok(
                "mutation($input: [CreateMemberInput!]!) { createMembers(input: $input) { id } }",
                json!({ "input": input }),
            )
            .await;
        data["createMembers"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect()
    }
}

/// The `extensions.code` of the first error.
pub fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

pub fn error_message(response: &Value) -> &str {
    response["errors"][0]["message"].as_str().unwrap_or_default()
}

const GENERATE: &str = "mutation($input: GenerateInvitationLinksInput!) {
  generateInvitationLinks(input: $input) {
    batchId issued csv
    rows { line memberId email language roleIds link expiresAt }
    errors { line column code message }
    warnings { line column code message }
  }
}";

impl TestApp {
    /// `POST /invitations/links` with a raw sheet.
    pub async fn post_sheet(&self, bytes: Vec<u8>, query: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/invitations/links{query}")))
            .bearer_auth(&self.token)
            .header("content-type", "text/csv")
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    /// `generateInvitationLinks` with the sheet as a string; returns the payload.
    pub async fn generate(&self, csv: &str, options: Value) -> Value {
        let mut input = json!({ "csv": csv });
        input.as_object_mut().unwrap().extend(options.as_object().cloned().unwrap_or_default());
        self.ok(GENERATE, json!({ "input": input })).await["generateInvitationLinks"].clone()
    }

    /// `generateInvitationLinks` with the sheet as a file (GraphQL multipart request spec).
    pub async fn upload_sheet(&self, bytes: Vec<u8>, file_name: &str) -> Value {
        let operations = json!({ "query": GENERATE, "variables": { "input": { "file": null } } });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", json!({ "0": ["variables.input.file"] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()).mime_str("text/csv").unwrap(),
            );
        let response: Value = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(response.get("errors").is_none(), "unexpected errors: {response:#}");
        response["data"]["generateInvitationLinks"].clone()
    }

    /// Accepts through the public mutation, without credentials.
    pub async fn accept(&self, token: &str) -> Value {
        self.gql_as(
            None,
            "mutation($token: String!) { acceptInvitation(token: $token) { memberId email organizationName } }",
            json!({ "token": token }),
        )
        .await
    }

    pub async fn member_status(&self, id: &str) -> String {
        let data = self.ok("query($id: ID!) { member(id: $id) { invitationStatus } }", json!({ "id": id })).await;
        data["member"]["invitationStatus"].as_str().unwrap().to_owned()
    }
}

/// The token at the end of an invitation link.
pub fn token_of(link: &str) -> String {
    link.rsplit_once("/invite/").expect("an invitation link").1.to_owned()
}

/// Reads a links sheet (UTF-8 with BOM) into rows of cells, header first.
pub fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// An organization to invite: three roles and `count` members (`person{i}@example.com`).
pub struct Fixture {
    pub roles: Vec<String>,
    pub members: Vec<String>,
}

pub async fn fixture(app: &TestApp, count: usize) -> Fixture {
    let roles =
        vec![app.create_role("Manager").await, app.create_role("Team Member").await, app.create_role("Viewer").await];
    let input: Vec<Value> = (0..count)
        .map(|i| json!({ "email": format!("person{i}@example.com"), "name": format!("Person {i}"), "language": "en" }))
        .collect();
    let data = app
        .ok(
            "mutation($input: [CreateMemberInput!]!) { createMembers(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    let members =
        data["createMembers"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect();
    Fixture { roles, members }
}

/// The real OpenID provider (`tests/oidc/server.mjs`, oidc-provider) on a loopback port,
/// stopped when dropped.
pub struct OidcProvider {
    pub issuer: String,
    client: reqwest::Client,
    _child: tokio::process::Child,
}

/// `npm ci` once per test run, so that `cargo test` works on a fresh checkout.
fn install_provider() -> std::path::PathBuf {
    static INSTALL: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    let mut installed = INSTALL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !*installed && !dir.join("node_modules/oidc-provider").exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .expect("npm, to install the test OpenID provider");
        assert!(status.success(), "npm ci in tests/oidc failed");
    }
    *installed = true;
    dir
}

impl OidcProvider {
    /// Starts a provider whose `muster` client may redirect to `redirect_uri`.
    pub async fn start(redirect_uri: &str) -> Self {
        use tokio::io::AsyncBufReadExt;
        let dir = install_provider();
        let mut child = tokio::process::Command::new("node")
            .arg("server.mjs")
            .args(["--redirect-uri", redirect_uri])
            .current_dir(dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node, to run the test OpenID provider");
        let stdout = child.stdout.take().unwrap();
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
            .await
            .expect("the provider starts within 30 s")
            .unwrap()
            .expect("the provider prints its issuer");
        let issuer = serde_json::from_str::<Value>(&line).unwrap()["issuer"].as_str().unwrap().to_owned();
        // Keep reading: a closed pipe would make the provider's next write fail.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { issuer, client: reqwest::Client::new(), _child: child }
    }

    /// An ID token for `account`, obtained the way a device would: CIBA, approved at once.
    pub async fn ciba_id_token(&self, client_id: &str, secret: &str, account: &str) -> String {
        let started: Value = self
            .client
            .post(format!("{}/backchannel", self.issuer))
            .basic_auth(client_id, Some(secret))
            .form(&[("scope", "openid email"), ("login_hint", account)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let request_id =
            started["auth_req_id"].as_str().unwrap_or_else(|| panic!("CIBA refused: {started}")).to_owned();
        for _ in 0..50 {
            let response: Value = self
                .client
                .post(format!("{}/token", self.issuer))
                .basic_auth(client_id, Some(secret))
                .form(&[("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", request_id.as_str())])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(token) = response["id_token"].as_str() {
                return token.to_owned();
            }
            assert_eq!(response["error"], "authorization_pending", "{response}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no ID token from CIBA");
    }

    /// A token the test script signs itself (key rotation and forged-token cases).
    pub async fn mint(&self, params: &[(&str, &str)]) -> String {
        self.client.get(format!("{}/test/mint", self.issuer)).query(params).send().await.unwrap().text().await.unwrap()
    }

    pub async fn publish_key_b(&self) {
        self.client.post(format!("{}/test/publish-b", self.issuer)).send().await.unwrap();
    }
}

impl TestApp {
    /// Configures the provider for `acme` with these domains.
    pub async fn configure_sso(&self, provider: &OidcProvider, domains: &[&str], enforced: bool) -> Value {
        self.gql(
            "mutation($input: SsoProviderInput!) { configureSsoProvider(input: $input) { id name issuerUrl clientId domains enforced hasClientSecret } }",
            json!({ "input": { "name": "Acme SSO", "issuerUrl": provider.issuer, "clientId": "muster", "clientSecret": "muster-secret", "domains": domains, "enforced": enforced } }),
        )
        .await
    }
}
