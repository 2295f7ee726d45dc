//! The real OpenID provider (`tests/oidc/server.mjs`, the `oidc-provider` package) on a
//! loopback port, and the ways tests get tokens from it.

use serde_json::{Value, json};

use super::app::TestApp;

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
