//! The real OpenID provider (`tests/oidc/server.mjs`, the `oidc-provider` package) on a
//! loopback port, and the ways tests get tokens from it.

use serde_json::{Value, json};

use super::app::{TestApp, spawn_app, spawn_app_with};

/// An app that takes admin JWTs from a fresh test provider: audience `muster-admin`, the
/// organization's slug in the `org` claim.
pub async fn app_with_admin_issuer() -> (TestApp, OidcProvider) {
    let provider = OidcProvider::start("http://127.0.0.1/unused").await;
    let issuer = provider.issuer.clone();
    let app = spawn_app_with(|config| {
        config.admin_issuer = Some(issuer);
        config.admin_audience = Some("muster-admin".into());
        config.admin_org_claim = Some("org".into());
    })
    .await;
    (app, provider)
}

/// An app whose organization `acme` signs in with a fresh test provider (domain `acme.test`).
pub async fn app_with_provider(enforced: bool) -> (TestApp, OidcProvider) {
    let app = spawn_app().await;
    let provider = OidcProvider::start(&app.url("/sso/callback")).await;
    let response = app.configure_sso(&provider, &["ACME.test"], enforced).await;
    assert!(response.get("errors").is_none(), "{response}");
    (app, provider)
}

/// The real OpenID provider (`tests/oidc/server.mjs`, oidc-provider) on a loopback port,
/// stopped when dropped.
pub struct OidcProvider {
    pub issuer: String,
    client: reqwest::Client,
    _child: tokio::process::Child,
}

impl OidcProvider {
    /// Starts a provider whose `muster` client may redirect to `redirect_uri`.
    pub async fn start(redirect_uri: &str) -> Self {
        Self::start_shaped(redirect_uri, "generic").await
    }

    /// Starts a provider shaped like a kind of real one (`entra`, `google`, `okta`, `auth0`,
    /// `keycloak`): its issuer, discovery document and ID tokens' claims (see `server.mjs`).
    pub async fn start_shaped(redirect_uri: &str, shape: &str) -> Self {
        use tokio::io::AsyncBufReadExt;
        let dir = super::node::installed("tests/oidc", "oidc-provider");
        let mut child = tokio::process::Command::new("node")
            .arg("server.mjs")
            .args(["--redirect-uri", redirect_uri, "--shape", shape])
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
            .post(format!("{}/backchannel", self.issuer.trim_end_matches('/')))
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
                .post(format!("{}/token", self.issuer.trim_end_matches('/')))
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
        self.client
            .get(format!("{}/test/mint", self.origin()))
            .query(params)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// How many times the discovery document and the keys were fetched.
    pub async fn fetches(&self) -> (u64, u64) {
        let counts: Value =
            self.client.get(format!("{}/test/fetches", self.origin())).send().await.unwrap().json().await.unwrap();
        (counts["discovery"].as_u64().unwrap(), counts["jwks"].as_u64().unwrap())
    }

    pub async fn publish_key_b(&self) {
        self.client.post(format!("{}/test/publish-b", self.origin())).send().await.unwrap();
    }

    /// Signs `account` in at the provider the way a person does in a browser (`browser` keeps
    /// cookies): from the authorization URL muster sent them to, its login form, then its
    /// consent form. Answers the last response: the provider's redirect back, followed.
    pub async fn sign_in(
        &self,
        browser: &reqwest::Client,
        authorization_url: &str,
        account: &str,
    ) -> reqwest::Response {
        let login = browser.get(authorization_url).send().await.unwrap().text().await.unwrap();
        let consent = browser
            .post(self.form_action(&login))
            .form(&[("prompt", "login"), ("login", account), ("password", "anything")])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        browser.post(self.form_action(&consent)).form(&[("prompt", "consent")]).send().await.unwrap()
    }

    /// The absolute address the first form on one of the provider's pages posts to.
    fn form_action(&self, html: &str) -> String {
        let start = html.find("action=\"").expect("a form") + 8;
        let end = html[start..].find('"').unwrap() + start;
        let action = html[start..end].replace("&amp;", "&");
        if action.starts_with("http") { action } else { format!("{}{action}", self.origin()) }
    }

    /// `http://127.0.0.1:PORT`: where the issuer's host serves, whatever the issuer's path.
    pub fn origin(&self) -> String {
        let url = reqwest::Url::parse(&self.issuer).unwrap();
        format!("{}://{}:{}", url.scheme(), url.host_str().unwrap(), url.port_or_known_default().unwrap())
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
