//! The real server on port 0 against a fresh database, and an HTTP client that talks to it
//! as the organization `acme`'s admin (GraphQL, sheets, the invitee's side).

use muster::{Application, Config, clock::Clock, db::StatementCounter};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use super::{database::TestDatabase, fixtures::create_org};

pub struct TestApp {
    pub address: String,
    /// `http://…` of the metrics listener, when the test asked for one.
    pub metrics: Option<String>,
    pub client: reqwest::Client,
    /// An admin token of the organization `acme`.
    pub token: String,
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub statements: StatementCounter,
    /// The configuration it runs with.
    pub config: Config,
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
    // The test OpenID provider runs on loopback.
    config.sso_allow_loopback = true;
    config.secret_key = Some(muster::secrets::SecretKey::generate());
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the app with configuration changes (admin JWTs, say).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on(TestDatabase::new().await, configure).await
}

/// Spawns the app on a database the test made, with configuration changes.
pub async fn spawn_app_on(database: TestDatabase, configure: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = test_config(database.url());
    configure(&mut config);
    let (db, statements) =
        muster::db::connect_migrated(database.url(), config.database_settings()).await.expect("migrate and connect");
    let token = create_org(&db, "acme", "Acme Corp").await;
    start(Parts { database, config, db, statements, token }).await
}

/// What an app is started from: its database (migrated, with `acme`), configuration and
/// connection, and `acme`'s admin token.
pub struct Parts {
    pub database: TestDatabase,
    pub config: Config,
    pub db: DatabaseConnection,
    pub statements: StatementCounter,
    pub token: String,
}

/// Starts an app from its parts (a test that needs a connection of its own kind, say).
pub async fn start(parts: Parts) -> TestApp {
    let Parts { database, mut config, db, statements, token } = parts;
    let clock = Clock::default();
    // Bound first: links and SSO redirects need the public URL, which needs the port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().unwrap());
    config.public_url = address.clone();
    let app = Application::build_with(config.clone(), db.clone(), statements.clone(), clock.clone(), listener)
        .await
        .expect("build app");
    let metrics = app.metrics_address().map(|address| format!("http://{address}"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    TestApp { address, metrics, client, token, db, clock, statements, config, shutdown: Some(stop), database }
}

/// Another node of an app: its own pool, listener and caches, on the same database, with the
/// same configuration (its public URL too, as behind a load balancer) and the same clock.
pub struct Node {
    pub address: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Node {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl TestApp {
    pub async fn another_node(&self) -> Node {
        let (db, statements) =
            muster::db::connect(self.database.url(), self.config.database_settings()).await.expect("connect");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let app = Application::build_with(self.config.clone(), db, statements, self.clock.clone(), listener)
            .await
            .expect("build node");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        Node { address, _shutdown: stop }
    }
}

impl TestApp {
    /// The one value a SQL query selects, read straight from the database.
    pub async fn scalar<T: sea_orm::TryGetable>(&self, sql: &str, column: &str) -> T {
        use sea_orm::ConnectionTrait;
        let statement = sea_orm::Statement::from_string(self.db.get_database_backend(), sql);
        let row = self.db.query_one_raw(statement).await.unwrap().expect("a row");
        row.try_get::<T>("", column).unwrap()
    }

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
        let input = (0..count)
            .map(|i| json!({ "email": format!("user{i:05}@example.com"), "name": format!("User {i:05}"), "language": "en", "roleIds": roles }))
            .collect();
        self.create_members_from(input).await
    }

    /// `createMembers` with these inputs, 5,000 per call (the most one takes): the new
    /// members' ids, in order.
    pub async fn create_members_from(&self, input: Vec<Value>) -> Vec<String> {
        let mut ids = Vec::with_capacity(input.len());
        for chunk in input.chunks(5_000) {
            let data = self
                .ok(
                    "mutation($input: [CreateMemberInput!]!) { createMembers(input: $input) { id } }",
                    json!({ "input": chunk }),
                )
                .await;
            ids.extend(data["createMembers"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()));
        }
        ids
    }
}

const GENERATE: &str = "mutation($input: GenerateInvitationLinksInput!) {
  generateInvitationLinks(input: $input) {
    batchId issued csv
    rows { line memberId email language roleIds link expiresAt }
    errors { line column code message cell }
    warnings { line column code message cell }
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
