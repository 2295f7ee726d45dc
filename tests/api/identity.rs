//! SSO and admin identity against a real OpenID provider (oidc-provider, `tests/oidc/`):
//! provider configuration, the domain check, acceptance with ID tokens and through the code
//! flow, admin JWTs, and the audit trail. Run only these with `cargo test --test api identity`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Duration;
use entity::member;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{
    OidcProvider, TestApp, app_with_provider, error_code, error_message, fixture, spawn_app, token_of,
};

/// Invites `email` (a new member) and returns the link's token.
async fn invite(app: &TestApp, email: &str) -> String {
    let role = app.create_role(&format!("Role for {email}")).await;
    let member = app.create_member(email, None, "en", &[&role]).await;
    let data =
        app.ok("mutation($id: ID!) { inviteMember(input: { memberId: $id }) { link } }", json!({ "id": member })).await;
    token_of(data["inviteMember"]["link"].as_str().unwrap())
}

async fn accept_with(app: &TestApp, token: &str, id_token: Option<&str>) -> Value {
    app.gql_as(
        None,
        "mutation($t: String!, $id: String) { acceptInvitation(token: $t, idToken: $id) { memberId email } }",
        json!({ "t": token, "id": id_token }),
    )
    .await
}

#[tokio::test]
async fn providers_are_checked_by_discovery() {
    let app = spawn_app().await;
    let provider = OidcProvider::start(&app.url("/sso/callback")).await;
    let configure = |issuer: String, domains: Vec<&'static str>| {
        let app = &app;
        async move {
            app.gql(
                "mutation($input: SsoProviderInput!) { configureSsoProvider(input: $input) { id domains } }",
                json!({ "input": { "name": "X", "issuerUrl": issuer, "clientId": "muster", "domains": domains } }),
            )
            .await
        }
    };
    let other_host = provider.issuer.replace("127.0.0.1", "localhost");
    for (issuer, hint) in [
        (other_host, "names another issuer"),
        ("http://127.0.0.1:9".to_owned(), "cannot reach"),
        (app.address.clone(), "not an OpenID provider"),
        ("http://sso.example.com".to_owned(), "https"),
    ] {
        let response = configure(issuer.clone(), vec!["acme.test"]).await;
        assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{issuer}: {response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], "input.issuerUrl");
        assert!(error_message(&response).contains(hint), "{issuer}: {}", error_message(&response));
    }
    let response = configure(provider.issuer.clone(), vec!["gmail.com"]).await;
    assert!(error_message(&response).contains("public mail service"), "{response}");

    let data = app.configure_sso(&provider, &["Acme.TEST", "bücher.test"], true).await;
    assert!(data.get("errors").is_none(), "{data}");
    let configured = &data["data"]["configureSsoProvider"];
    assert_eq!(configured["domains"], json!(["acme.test", "xn--bcher-kva.test"]));
    assert_eq!(configured["hasClientSecret"], true);
    assert!(!data.to_string().contains("muster-secret"), "the secret is write-only");

    // A domain is unique within one organization; another organization may list it too (it
    // cannot squat acme's), and nothing tells either that the other exists.
    let other = crate::helpers::create_org(&app.db, "globex", "Globex").await;
    let response = app
        .gql_as(
            Some(&other),
            "mutation($input: SsoProviderInput!) { configureSsoProvider(input: $input) { id domains } }",
            json!({ "input": { "name": "G", "issuerUrl": provider.issuer, "clientId": "muster", "domains": ["acme.test"] } }),
        )
        .await;
    assert_eq!(response["data"]["configureSsoProvider"]["domains"], json!(["acme.test"]), "{response}");
    let another_provider = OidcProvider::start(&app.url("/sso/callback")).await;
    let second = configure(another_provider.issuer.clone(), vec!["acme.test"]).await;
    assert_eq!(error_code(&second), Some("CONFLICT"), "{second}");
    assert!(!second.to_string().to_lowercase().contains("globex"), "{second}");

    let listed = app.ok("{ ssoProviders { id issuerUrl domains enforced } }", json!({})).await;
    assert_eq!(listed["ssoProviders"].as_array().unwrap().len(), 1);
    let id = listed["ssoProviders"][0]["id"].as_str().unwrap().to_owned();
    let removed = app.ok("mutation($id: ID!) { removeSsoProvider(id: $id) }", json!({ "id": id })).await;
    assert_eq!(removed["removeSsoProvider"], id.as_str());
    assert_eq!(app.ok("{ ssoProviders { id } }", json!({})).await["ssoProviders"], json!([]));
}

#[tokio::test]
async fn emails_outside_an_enforced_providers_domains_get_no_link() {
    let (app, _provider) = app_with_provider(true).await;
    let f = fixture(&app, 2).await;
    let csv = format!(
        "Team Member ID,Email,Language,Role IDs\n{},ana@acme.test,en,{r}\n{},carl@other.test,en,{r}\n",
        f.members[0],
        f.members[1],
        r = f.roles[0]
    );
    let payload = app.generate(&csv, json!({})).await;
    assert_eq!(payload["issued"], 0);
    assert_eq!(
        payload["errors"],
        json!([{ "line": 3, "column": "Email", "code": "EMAIL_DOMAIN_NOT_IN_SSO", "message": payload["errors"][0]["message"], "cell": null }])
    );
    assert!(payload["errors"][0]["message"].as_str().unwrap().contains("acme.test"));

    let response = app
        .gql(
            "mutation($id: ID!) { inviteMember(input: { memberId: $id, email: \"carl@other.test\" }) { link } }",
            json!({ "id": f.members[1] }),
        )
        .await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"));
    assert_eq!(response["errors"][0]["extensions"]["field"], "input.email");

    let data = app.ok("{ checkEmails(emails: [\"Ana@ACME.test\", \"carl@other.test\", \"nope\"]) { email valid allowed ssoProvider { name } reason } }", json!({})).await;
    let checks = &data["checkEmails"];
    assert_eq!(checks[0]["allowed"], true);
    assert_eq!(checks[0]["ssoProvider"]["name"], "Acme SSO");
    assert_eq!(checks[1]["allowed"], false);
    assert!(checks[1]["reason"].as_str().unwrap().contains("acme.test"));
    assert_eq!(checks[2]["valid"], false);
}

#[tokio::test]
async fn a_provider_that_is_not_enforced_only_warns() {
    let (app, _provider) = app_with_provider(false).await;
    let f = fixture(&app, 1).await;
    let csv = format!("Team Member ID,Email,Language,Role IDs\n{},carl@other.test,en,{}\n", f.members[0], f.roles[0]);
    let payload = app.generate(&csv, json!({})).await;
    assert_eq!(payload["issued"], 1);
    let codes: Vec<&str> =
        payload["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"EMAIL_DOMAIN_OUTSIDE_SSO"), "{codes:?}");
}

#[tokio::test]
async fn accepting_with_the_invitees_real_id_token() {
    let (app, provider) = app_with_provider(true).await;
    let token = invite(&app, "ana@acme.test").await;
    let public = app
        .gql_as(
            None,
            "query($t: String!) { invitationByToken(token: $t) { ssoRequired ssoIssuerUrl ssoClientId } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(
        public["data"]["invitationByToken"],
        json!({ "ssoRequired": true, "ssoIssuerUrl": provider.issuer, "ssoClientId": "muster" })
    );

    assert_eq!(error_code(&accept_with(&app, &token, None).await), Some("INVALID_INVITATION"), "SSO needs an ID token");
    let id_token = provider.ciba_id_token("muster", "muster-secret", "ana").await;
    let accepted = accept_with(&app, &token, Some(&id_token)).await;
    assert!(accepted.get("errors").is_none(), "{accepted}");
    assert_eq!(accepted["data"]["acceptInvitation"]["email"], "ana@acme.test");

    let member_id = accepted["data"]["acceptInvitation"]["memberId"].as_str().unwrap();
    let row =
        member::Entity::find().filter(member::Column::PublicId.eq(member_id)).one(&app.db).await.unwrap().unwrap();
    assert_eq!(row.sso_subject.as_deref(), Some("ana"), "the member is linked to the provider's subject");
    assert!(row.sso_provider_id.is_some());
}

#[tokio::test]
async fn id_tokens_that_are_not_the_invitees_are_refused() {
    let (app, provider) = app_with_provider(true).await;
    let ana = invite(&app, "ana@acme.test").await;
    let eve = invite(&app, "eve@acme.test").await;
    let refused = |response: Value| {
        assert_eq!(error_code(&response), Some("INVALID_INVITATION"), "{response}");
        assert_eq!(response["errors"].as_array().unwrap().len(), 1);
        error_message(&response).to_owned()
    };

    let mut messages = Vec::new();
    // Another user's token.
    let bob = provider.ciba_id_token("muster", "muster-secret", "bob").await;
    messages.push(refused(accept_with(&app, &ana, Some(&bob)).await));
    // An unverified email.
    let unverified = provider.ciba_id_token("muster", "muster-secret", "eve").await;
    messages.push(refused(accept_with(&app, &eve, Some(&unverified)).await));
    // A token for another client (wrong audience).
    let other_app = provider.ciba_id_token("other-app", "other-secret", "ana").await;
    messages.push(refused(accept_with(&app, &ana, Some(&other_app)).await));
    // A key the provider never published.
    let unpublished = provider.mint(&[("kid", "key-c"), ("sub", "ana")]).await;
    messages.push(refused(accept_with(&app, &ana, Some(&unpublished)).await));
    // Not a JWT at all.
    messages.push(refused(accept_with(&app, &ana, Some("not.a.jwt")).await));
    // Expired: the same good token, two hours on.
    let good = provider.ciba_id_token("muster", "muster-secret", "ana").await;
    app.clock.advance(Duration::hours(2));
    messages.push(refused(accept_with(&app, &ana, Some(&good)).await));
    assert!(messages.windows(2).all(|pair| pair[0] == pair[1]), "every refusal reads the same: {messages:?}");

    // Still acceptable with a fresh, right token (the link was not used up by refusals).
    app.clock.advance(Duration::hours(-2));
    let fresh = provider.ciba_id_token("muster", "muster-secret", "ana").await;
    assert!(accept_with(&app, &ana, Some(&fresh)).await.get("errors").is_none());

    let data = app.ok("{ auditEvents(first: 50) { nodes { action target details } } }", json!({})).await;
    let refusals: Vec<&Value> = data["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "invitation.refused")
        .collect();
    assert_eq!(refusals.len(), 6, "{data:#}");
    let text = data.to_string();
    for secret in [&ana, &eve, &bob, &good] {
        assert!(!text.contains(secret.as_str()), "no token in the audit trail");
    }
}

#[tokio::test]
async fn a_key_published_later_is_picked_up() {
    let (app, provider) = app_with_provider(true).await;
    let token = invite(&app, "ana@acme.test").await;
    let signed_with_b = provider.mint(&[("kid", "key-b"), ("sub", "ana")]).await;
    assert_eq!(
        error_code(&accept_with(&app, &token, Some(&signed_with_b)).await),
        Some("INVALID_INVITATION"),
        "key B is not published yet"
    );
    provider.publish_key_b().await;
    assert_eq!(
        error_code(&accept_with(&app, &token, Some(&signed_with_b)).await),
        Some("INVALID_INVITATION"),
        "the keys were fetched again a moment ago: not again within the minute"
    );
    app.clock.advance(chrono::Duration::seconds(61));
    let accepted = accept_with(&app, &token, Some(&signed_with_b)).await;
    assert!(accepted.get("errors").is_none(), "an unknown key makes muster fetch the keys again: {accepted}");
}

#[tokio::test]
async fn the_code_flow_end_to_end() {
    let (app, provider) = app_with_provider(true).await;
    let token = invite(&app, "ana@acme.test").await;
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();

    let landing = browser.get(app.url(&format!("/invite/{token}"))).send().await.unwrap().text().await.unwrap();
    assert!(landing.contains(&format!("/invite/{token}/sso")), "the page offers SSO sign-in");

    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let start = no_redirects.get(app.url(&format!("/invite/{token}/sso"))).send().await.unwrap();
    assert_eq!(start.status(), 303);
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{}/auth?", provider.issuer)), "{location}");
    for part in ["code_challenge_method=S256", "state=", "nonce=", "response_type=code", "client_id=muster"] {
        assert!(location.contains(part), "{part} in {location}");
    }
    assert!(location.contains(&urlencode(&app.url("/sso/callback"))), "{location}");

    // The invitee signs in at the provider: its login form, then its consent form.
    let done = provider.sign_in(&browser, &location, "ana").await;
    assert_eq!(done.status(), 200);
    assert!(done.url().as_str().starts_with(&app.url("/sso/callback")), "{}", done.url());
    let page = done.text().await.unwrap();
    assert!(page.contains("accepted"), "{page}");

    let status =
        app.gql_as(None, "query($t: String!) { invitationByToken(token: $t) { status } }", json!({ "t": token })).await;
    assert_eq!(status["data"]["invitationByToken"]["status"], "ACCEPTED");

    // The state is used once: replaying the callback is refused.
    let replay = browser.get(page_url_with_state(&location, &app)).send().await.unwrap();
    assert_eq!(replay.status(), 404);
}

#[tokio::test]
async fn a_provider_that_stops_answering_gets_its_own_page() {
    let (app, provider) = app_with_provider(true).await;
    let token = invite(&app, "ana@acme.test").await;
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let start = no_redirects.get(app.url(&format!("/invite/{token}/sso"))).send().await.unwrap();
    assert_eq!(start.status(), 303);
    let location = start.headers()["location"].to_str().unwrap().to_owned();

    // The provider goes away while the invitee is signing in there.
    drop(provider);
    let back = no_redirects.get(page_url_with_state(&location, &app)).send().await.unwrap();
    assert_eq!(back.status(), 503);
    let page = back.text().await.unwrap();
    assert!(page.contains("not answering") && page.contains("Nothing was accepted"), "{page}");
    let status =
        app.gql_as(None, "query($t: String!) { invitationByToken(token: $t) { status } }", json!({ "t": token })).await;
    assert_eq!(status["data"]["invitationByToken"]["status"], "PENDING", "the invitation is untouched");
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn page_url_with_state(location: &str, app: &TestApp) -> String {
    let state = location.split("state=").nth(1).unwrap().split('&').next().unwrap();
    app.url(&format!("/sso/callback?code=whatever&state={state}"))
}

#[tokio::test]
async fn admin_jwts_are_accepted_and_forged_ones_refused() {
    let (app, provider) = crate::helpers::app_with_admin_issuer().await;
    let viewer = |token: String| {
        let app = &app;
        async move { app.gql_as(Some(&token), "{ viewer { name organization { slug } } }", json!({})).await }
    };
    let good = provider.mint(&[("aud", "muster-admin"), ("org", "acme"), ("sub", "ana")]).await;
    let response = viewer(good.clone()).await;
    assert_eq!(
        response["data"]["viewer"],
        json!({ "name": "jwt:ana", "organization": { "slug": "acme" } }),
        "{response}"
    );
    assert!(app.gql("{ viewer { name } }", json!({})).await.get("errors").is_none(), "API tokens keep working");

    let (header, payload) = {
        let mut parts = good.split('.');
        (parts.next().unwrap().to_owned(), parts.next().unwrap().to_owned())
    };
    let _ = header;
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let hs_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"key-a"}"#);
    let expired_at = (chrono::Utc::now() - Duration::hours(1)).timestamp().to_string();
    let forged = [
        format!("{none_header}.{payload}."),
        format!("{hs_header}.{payload}.{}", URL_SAFE_NO_PAD.encode(b"not-a-real-mac-but-long-enough-to-look-like-one")),
        provider.mint(&[("aud", "muster-admin"), ("org", "acme"), ("iss", "http://127.0.0.1:1")]).await,
        provider.mint(&[("aud", "someone-else"), ("org", "acme")]).await,
        provider.mint(&[("aud", "muster-admin"), ("org", "acme"), ("exp", &expired_at)]).await,
        provider.mint(&[("aud", "muster-admin"), ("org", "acme"), ("kid", "key-c")]).await,
        provider.mint(&[("aud", "muster-admin"), ("org", "no-such-org")]).await,
        provider.mint(&[("aud", "muster-admin")]).await,
    ];
    for (index, token) in forged.into_iter().enumerate() {
        let response = viewer(token).await;
        assert_eq!(error_code(&response), Some("UNAUTHENTICATED"), "case {index}: {response}");
    }
}

#[tokio::test]
async fn the_audit_trail_records_who_did_what() {
    let (app, provider) = app_with_provider(true).await;
    let f = fixture(&app, 2).await;
    let csv = format!(
        "Team Member ID,Email,Language,Role IDs\n{},ana@acme.test,en,{r}\n{},bob@acme.test,en,{r}\n",
        f.members[0],
        f.members[1],
        r = f.roles[0]
    );
    let payload = app.generate(&csv, json!({})).await;
    let ana = token_of(payload["rows"][0]["link"].as_str().unwrap());
    let bob_invitation = app
        .ok("query($id: ID!) { member(id: $id) { latestInvitation { id } } }", json!({ "id": f.members[1] }))
        .await["member"]["latestInvitation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok("mutation($id: ID!) { revokeInvitation(id: $id) { id } }", json!({ "id": bob_invitation })).await;
    app.ok("mutation($id: ID!) { resendInvitation(id: $id) { link } }", json!({ "id": bob_invitation })).await;
    let id_token = provider.ciba_id_token("muster", "muster-secret", "ana").await;
    assert!(accept_with(&app, &ana, Some(&id_token)).await.get("errors").is_none());

    let data = app
        .ok("{ auditEvents(first: 100) { totalCount nodes { actor action target details createdAt } } }", json!({}))
        .await;
    let events = data["auditEvents"]["nodes"].as_array().unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in [
        "token.created",
        "sso_provider.configured",
        "invitations.issued",
        "invitation.revoked",
        "invitation.resent",
        "invitation.issued",
        "invitation.accepted",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    let issued = events.iter().find(|e| e["action"] == "invitations.issued").unwrap();
    assert_eq!(issued["details"]["issued"], 2);
    assert_eq!(issued["target"], payload["batchId"]);
    assert_eq!(issued["actor"], "tests");
    assert_eq!(events.iter().find(|e| e["action"] == "invitation.accepted").unwrap()["actor"], "invitee");
    let text = data.to_string();
    assert!(
        !text.contains(&ana) && !text.contains("muster-secret") && !text.contains(&id_token),
        "no secret in the trail"
    );

    // Another organization sees none of it.
    let other = crate::helpers::create_org(&app.db, "globex", "Globex").await;
    let theirs = app.gql_as(Some(&other), "{ auditEvents { nodes { action } } }", json!({})).await;
    assert_eq!(theirs["data"]["auditEvents"]["nodes"], json!([{ "action": "token.created" }]));
}
