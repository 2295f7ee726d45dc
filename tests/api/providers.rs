//! SSO with the identity providers organizations really use: tokens shaped like each one's
//! (issuer, discovery document, claims), from the real test provider, accepted where that
//! provider's real users would be and refused where an impostor would be.

use serde_json::{Value, json};

use crate::helpers::{OidcProvider, TestApp, error_code, error_message, spawn_app, token_of};

/// An app whose organization `acme` signs in with a provider of this shape, of this kind
/// (`null`: detected from the issuer).
async fn app_with(shape: &str, kind: Value) -> (TestApp, OidcProvider) {
    let app = spawn_app().await;
    let provider = OidcProvider::start_shaped(&app.url("/sso/callback"), shape).await;
    let response = app
        .gql(
            "mutation($input: SsoProviderInput!) { configureSsoProvider(input: $input) { kind } }",
            json!({ "input": { "name": "Acme SSO", "issuerUrl": provider.issuer, "clientId": "muster",
                                "clientSecret": "muster-secret", "domains": ["acme.test"], "kind": kind } }),
        )
        .await;
    assert!(response.get("errors").is_none(), "{shape}: {response}");
    (app, provider)
}

/// Invites `email` (a new member) and returns the link's token.
async fn invite(app: &TestApp, email: &str) -> String {
    let role = app.create_role(&format!("Role for {email}")).await;
    let member = app.create_member(email, None, "en", &[&role]).await;
    let data =
        app.ok("mutation($id: ID!) { inviteMember(input: { memberId: $id }) { link } }", json!({ "id": member })).await;
    token_of(data["inviteMember"]["link"].as_str().unwrap())
}

async fn accept(app: &TestApp, token: &str, id_token: &str) -> Value {
    app.gql_as(
        None,
        "mutation($t: String!, $i: String) { acceptInvitation(token: $t, idToken: $i) { email } }",
        json!({ "t": token, "i": id_token }),
    )
    .await
}

/// What the audit trail says of the latest acceptance or refusal.
async fn last_verdict(app: &TestApp) -> (String, Value) {
    let trail = app.ok("{ auditEvents(first: 100) { nodes { action details } } }", json!({})).await;
    let event = trail["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "invitation.accepted" || e["action"] == "invitation.refused")
        .unwrap()
        .clone();
    (event["action"].as_str().unwrap().to_owned(), event["details"].clone())
}

/// One case: `account` at the provider accepts an invitation for `invited`; `Ok(rule)` when it
/// must be accepted by that rule, `Err(reason)` when refused for that reason.
async fn case(app: &TestApp, provider: &OidcProvider, invited: &str, account: &str, outcome: Result<&str, &str>) {
    let token = invite(app, invited).await;
    let id_token = provider.ciba_id_token("muster", "muster-secret", account).await;
    let response = accept(app, &token, &id_token).await;
    let (action, details) = last_verdict(app).await;
    match outcome {
        Ok(rule) => {
            assert!(response.get("errors").is_none(), "{account} should be accepted: {response}");
            assert_eq!((action.as_str(), &details["rule"]), ("invitation.accepted", &json!(rule)), "{account}");
        }
        Err(reason) => {
            assert_eq!(error_code(&response), Some("INVALID_INVITATION"), "{account} should be refused: {response}");
            assert_eq!((action.as_str(), &details["reason"]), ("invitation.refused", &json!(reason)), "{account}");
        }
    }
}

#[tokio::test]
async fn email_verified_providers() {
    for (shape, kind, detected) in [
        ("generic", json!(null), "GENERIC"),
        ("okta", json!("OKTA"), "OKTA"),
        ("auth0", json!("AUTH0"), "AUTH0"),
        ("keycloak", json!(null), "KEYCLOAK"),
    ] {
        let (app, provider) = app_with(shape, kind).await;
        let listed = app.ok("{ ssoProviders { kind } }", json!({})).await;
        assert_eq!(listed["ssoProviders"][0]["kind"], detected, "{shape}");
        case(&app, &provider, "ana@acme.test", "ana", Ok("email_verified")).await;
        case(&app, &provider, "eve@acme.test", "eve", Err("the provider has not verified the token's email")).await;
        case(&app, &provider, "bob@acme.test", "ana", Err("the token's address is not the invited one")).await;
    }
}

#[tokio::test]
async fn entra_id() {
    let (app, provider) = app_with("entra", json!("ENTRA")).await;
    case(&app, &provider, "ana@acme.test", "upn", Ok("entra_upn")).await;
    case(&app, &provider, "bob@acme.test", "edov", Ok("entra_xms_edov")).await;
    // An email Entra has not verified (no xms_edov) does not count: the UPN does, and it is not
    // the invited address.
    case(&app, &provider, "ana.b@acme.test", "email-only", Err("the token's address is not the invited one")).await;
    case(&app, &provider, "ana.c@acme.test", "other-tenant", Err("a user of another Entra tenant (tid)")).await;
    case(&app, &provider, "ana.d@acme.test", "upn-outside", Err("the token's address is not the invited one")).await;
}

#[tokio::test]
async fn entra_providers_are_one_tenants() {
    let app = spawn_app().await;
    for issuer in
        ["https://login.microsoftonline.com/common/v2.0", "https://login.microsoftonline.com/organizations/v2.0"]
    {
        let response = app
            .gql(
                "mutation($input: SsoProviderInput!) { configureSsoProvider(input: $input) { id } }",
                json!({ "input": { "name": "Entra", "issuerUrl": issuer, "clientId": "muster", "domains": ["acme.test"] } }),
            )
            .await;
        assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
        assert!(error_message(&response).contains("your tenant's own"), "{}", error_message(&response));
    }
}

#[tokio::test]
async fn google_workspace() {
    let (app, provider) = app_with("google", json!("GOOGLE")).await;
    case(&app, &provider, "ana@acme.test", "workspace", Ok("google_hd")).await;
    case(&app, &provider, "ana.b@acme.test", "consumer", Err("a Google account outside any Workspace (no hd)")).await;
    case(&app, &provider, "ana.c@acme.test", "other-workspace", Err("a Google account of another Workspace (hd)"))
        .await;
}

#[tokio::test]
async fn google_tokens_may_name_the_issuer_without_its_scheme() {
    let (app, provider) = app_with("google", json!("GOOGLE")).await;
    let token = invite(&app, "ana@acme.test").await;
    let scheme_less = provider.issuer.split_once("://").unwrap().1.to_owned();
    let minted = provider.mint(&[("sub", "workspace"), ("iss", &scheme_less)]).await;
    let response = accept(&app, &token, &minted).await;
    assert!(response.get("errors").is_none(), "{response}");

    // Only Google's: another kind's token must name its issuer as configured.
    let (app, provider) = app_with("generic", json!(null)).await;
    let token = invite(&app, "ana@acme.test").await;
    let scheme_less = provider.issuer.split_once("://").unwrap().1.to_owned();
    let minted = provider.mint(&[("sub", "ana"), ("iss", &scheme_less)]).await;
    assert_eq!(error_code(&accept(&app, &token, &minted).await), Some("INVALID_INVITATION"));
}

#[tokio::test]
async fn the_code_flow_applies_the_same_rules() {
    let (app, provider) = app_with("entra", json!("ENTRA")).await;
    let token = invite(&app, "ana@acme.test").await;
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let start = no_redirects.get(app.url(&format!("/invite/{token}/sso"))).send().await.unwrap();
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{}/auth?", provider.issuer)), "{location}");
    let page = provider.sign_in(&browser, &location, "upn").await.text().await.unwrap();
    assert!(page.contains("accepted"), "{page}");
    assert_eq!(last_verdict(&app).await.1["rule"], "entra_upn");
}
