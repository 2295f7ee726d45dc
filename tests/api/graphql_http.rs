//! GraphQL over HTTP: GraphiQL, GET queries, limits on abusive queries, health routes, CORS.

use serde_json::{Value, json};

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn graphiql_and_get_queries() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ organization { slug } }")])
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["organization"]["slug"], "acme");

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { createRole(input: { name: \"X\" }) { id } }")])
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405, "GET never changes anything");
    let data = app.ok("{ roles { id } }", json!({})).await;
    assert_eq!(data["roles"], json!([]));
}

#[tokio::test]
async fn abusive_queries_are_too_complex() {
    let app = spawn_app().await;
    // Introspection is the one place the schema nests without end.
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(10),
        "} ".repeat(10)
    );
    let response = app.gql(&deep, json!({})).await;
    assert_eq!(error_code(&response), Some("TOO_COMPLEX"), "{response}");

    let wide: String = (0..20)
        .map(|i| {
            format!(
                "m{i}: members(first: 100) {{ nodes {{ id email name language roles {{ id name description }} }} }} "
            )
        })
        .collect();
    let response = app.gql(&format!("{{ {wide} }}"), json!({})).await;
    assert_eq!(error_code(&response), Some("TOO_COMPLEX"), "{response}");

    let response = app.gql("{ members(first: 100) { nodes { id roles { id name } } } }", json!({})).await;
    assert!(response.get("errors").is_none(), "an ordinary page is fine: {response}");
}

#[tokio::test]
async fn malformed_requests_get_codes() {
    let app = spawn_app().await;
    let response = app.gql("{ members { nope } }", json!({})).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
    let response = app.gql("{ members(", json!({})).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413, "JSON bodies keep the ordinary limit");
}

#[tokio::test]
async fn health_routes() {
    let app = spawn_app().await;
    let live = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(ready.headers().contains_key("x-request-id"), "every response carries a request id");
}

#[tokio::test]
async fn cors_allows_configured_admin_frontends_only() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type")
            .send()
    };
    let allowed = preflight("http://admin.test").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "http://admin.test");
    let refused = preflight("http://evil.test").await.unwrap();
    assert!(!refused.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn the_graphql_over_http_audit_passes() {
    let app = spawn_app().await;
    let dir = crate::helpers::node::installed("tests/graphql-http", "graphql-http");
    let output = tokio::process::Command::new("node")
        .arg("audit.mjs")
        .arg(app.url("/graphql"))
        .current_dir(dir)
        .output()
        .await
        .expect("node, to run the audit");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["failures"], json!([]), "{report:#}");
    assert_eq!(report["counts"]["ok"], 61, "{report:#}");
}

/// GraphiQL in a real browser, on a machine with no internet: the editor renders (not
/// "Loading…"), a query is answered, and the page asks nothing of any other host.
#[tokio::test]
async fn graphiql_works_in_headless_chromium_with_no_internet() {
    let app = spawn_app().await;
    let seen = crate::helpers::node::browser("graphiql.mjs", &[&app.address, &app.token]).await;
    assert_eq!(seen["rendered"], true, "{seen:#}");
    assert_eq!(seen["loadingLeft"], false, "{seen:#}");
    assert!(seen["answer"].as_str().unwrap().contains("\"acme\""), "{seen:#}");
    assert_eq!(seen["foreignRequests"], json!([]), "{seen:#}");
    assert_eq!(seen["consoleErrors"], json!([]), "the page's policy refused nothing it needs: {seen:#}");
}
