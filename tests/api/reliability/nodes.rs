//! Two nodes on one database, as behind a load balancer: each has its own pool, listener and
//! refresh gates, and the same public URL. What one node starts, the other finishes; what must
//! agree (links, SSO flows, failure counts, a provider's keys) lives in the database.

use serde_json::{Value, json};

use crate::helpers::{TestApp, app_with_provider, error_code, spawn_app, token_of};

async fn invite(app: &TestApp, email: &str) -> String {
    let role = app.create_role(&format!("Role of {email}")).await;
    let member = app.create_member(email, None, "en", &[&role]).await;
    let data =
        app.ok("mutation($id: ID!) { inviteMember(input: { memberId: $id }) { link } }", json!({ "id": member })).await;
    token_of(data["inviteMember"]["link"].as_str().unwrap())
}

async fn accept_on(app: &TestApp, base: &str, token: &str, id_token: Option<&str>) -> Value {
    app.client
        .post(format!("{base}/graphql"))
        .json(&json!({
            "query": "mutation($t: String!, $id: String) { acceptInvitation(token: $t, idToken: $id) { memberId } }",
            "variables": { "t": token, "id": id_token },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_link_issued_on_one_node_is_opened_and_accepted_on_another() {
    let app = spawn_app().await;
    let other = app.another_node().await;
    let token = invite(&app, "ana@example.com").await;
    let page = app.client.get(other.url(&format!("/invite/{token}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("ana@example.com"));
    let accepted = accept_on(&app, &other.address, &token, None).await;
    assert!(accepted.get("errors").is_none(), "{accepted}");
    let again = accept_on(&app, &app.address, &token, None).await;
    assert_eq!(error_code(&again), Some("INVALID_INVITATION"), "used once, whichever node is asked");
}

#[tokio::test]
async fn failure_limits_add_up_across_nodes() {
    let app = spawn_app().await;
    let other = app.another_node().await;
    for attempt in 0..10 {
        let node = if attempt % 2 == 0 { &app.address } else { &other.address };
        let refused = accept_on(&app, node, &format!("not-a-link-{attempt}"), None).await;
        assert_eq!(error_code(&refused), Some("INVALID_INVITATION"), "{refused}");
    }
    for node in [&app.address, &other.address] {
        let limited = accept_on(&app, node, "not-a-link-either", None).await;
        assert_eq!(error_code(&limited), Some("RATE_LIMITED"), "ten failures, five on each node: {limited}");
    }
}

#[tokio::test]
async fn an_sso_code_flow_started_on_one_node_completes_on_another() {
    let (app, provider) = app_with_provider(true).await;
    let other = app.another_node().await;
    let token = invite(&app, "ana@acme.test").await;
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let start = no_redirects.get(app.url(&format!("/invite/{token}/sso"))).send().await.unwrap();
    assert_eq!(start.status(), 303);
    let location = start.headers()["location"].to_str().unwrap().to_owned();

    // The browser signs in at the provider, and stops where the provider sends it back to
    // muster's public URL: the load balancer then picks the other node.
    let public = app.address.clone();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.url().as_str().starts_with(&public) { attempt.stop() } else { attempt.follow() }
        }))
        .build()
        .unwrap();
    let back = provider.sign_in(&browser, &location, "ana").await;
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.starts_with(&app.url("/sso/callback")), "{callback}");
    let on_other = callback.replacen(&app.address, &other.address, 1);
    let done = browser.get(on_other).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("accepted"));
    assert_eq!(
        app.gql_as(None, "query($t: String!) { invitationByToken(token: $t) { status } }", json!({ "t": token })).await
            ["data"]["invitationByToken"]["status"],
        "ACCEPTED"
    );
}

#[tokio::test]
async fn a_key_rotation_is_met_by_both_nodes() {
    let (app, provider) = app_with_provider(true).await;
    let other = app.another_node().await;
    let eve = invite(&app, "eve@acme.test").await;
    let tokens = [invite(&app, "ana@acme.test").await, invite(&app, "bob@acme.test").await];
    // Each node fetches the provider's keys for itself, and keeps them: eve's token is checked
    // (then refused: her address is not verified).
    let eves = provider.ciba_id_token("muster", "muster-secret", "eve").await;
    for node in [&app.address, &other.address] {
        let refused = accept_on(&app, node, &eve, Some(&eves)).await;
        assert_eq!(error_code(&refused), Some("INVALID_INVITATION"), "{refused}");
    }
    let (_, keys_before) = provider.fetches().await;
    // The provider rotates its keys. The first node to meet the new key fetches the keys and
    // stores them with the provider; the other finds them there: no node waits on another,
    // and none fetches more than once.
    provider.publish_key_b().await;
    app.clock.advance(chrono::Duration::seconds(61));
    for (token, (node, account)) in tokens.iter().zip([(&app.address, "ana"), (&other.address, "bob")]) {
        let signed_with_b = provider.mint(&[("kid", "key-b"), ("sub", account)]).await;
        let accepted = accept_on(&app, node, token, Some(&signed_with_b)).await;
        assert!(accepted.get("errors").is_none(), "{accepted}");
    }
    let (_, keys_after) = provider.fetches().await;
    let fetched = keys_after - keys_before;
    assert!((1..=2).contains(&fetched), "the new keys were fetched {fetched} times");
}
