//! Admin authentication and tenant isolation.

use serde_json::json;

use crate::helpers::{create_org, error_code, spawn_app};

#[tokio::test]
async fn admin_operations_need_a_valid_token() {
    let app = spawn_app().await;
    for token in [None, Some("mst_not-a-real-token"), Some("garbage")] {
        let response = app.gql_as(token, "{ members { totalCount } }", json!({})).await;
        assert_eq!(error_code(&response), Some("UNAUTHENTICATED"), "{token:?}: {response}");
        let response = app.gql_as(token, "mutation { createRole(input: { name: \"X\" }) { id } }", json!({})).await;
        assert_eq!(error_code(&response), Some("UNAUTHENTICATED"), "{token:?}: {response}");
    }
    let response = app.client.get(app.url("/members.csv")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let response = app.client.get(app.url("/members.csv")).bearer_auth("mst_wrong").send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn viewer_names_the_token_and_its_organization() {
    let app = spawn_app().await;
    let data = app.ok("{ viewer { name organization { id slug name } } organization { slug } }", json!({})).await;
    assert_eq!(data["viewer"]["name"], "tests");
    assert_eq!(data["viewer"]["organization"]["slug"], "acme");
    assert_eq!(data["viewer"]["organization"]["name"], "Acme Corp");
    assert_eq!(data["organization"]["slug"], "acme");
}

#[tokio::test]
async fn another_organization_sees_none_of_acmes_rows() {
    let app = spawn_app().await;
    let role = app.create_role("Manager").await;
    let member = app.create_member("ana@acme.test", Some("Ana"), "en", &[&role]).await;
    let other = create_org(&app.db, "globex", "Globex").await;
    let other_token = Some(other.as_str());

    let response = app
        .gql_as(other_token, "query($id: ID!, $role: ID!) { member(id: $id) { id } role(id: $role) { id } members { totalCount nodes { id } } roles { id } }", json!({ "id": member, "role": role }))
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(response["data"]["member"], json!(null));
    assert_eq!(response["data"]["role"], json!(null));
    assert_eq!(response["data"]["members"]["totalCount"], 0);
    assert_eq!(response["data"]["roles"], json!([]));

    let filtered = app
        .gql_as(
            other_token,
            "query($role: ID!) { members(filter: { roleIds: [$role] }) { totalCount } }",
            json!({ "role": role }),
        )
        .await;
    assert_eq!(filtered["data"]["members"]["totalCount"], 0);

    for (query, variables) in [
        ("mutation($id: ID!) { updateMember(id: $id, input: { name: \"Hacked\" }) { id } }", json!({ "id": member })),
        ("mutation($id: ID!) { deleteMember(id: $id) }", json!({ "id": member })),
        ("mutation($id: ID!) { updateRole(id: $id, input: { name: \"Hacked\" }) { id } }", json!({ "id": role })),
        ("mutation($id: ID!) { deleteRole(id: $id) }", json!({ "id": role })),
    ] {
        let response = app.gql_as(other_token, query, variables).await;
        assert_eq!(error_code(&response), Some("NOT_FOUND"), "{query}: {response}");
    }

    // Another organization's role cannot be given to one's own members.
    let response = app
        .gql_as(
            other_token,
            "mutation($role: ID!) { createMember(input: { email: \"bob@globex.test\", roleIds: [$role] }) { id } }",
            json!({ "role": role }),
        )
        .await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");

    // The same email may exist in two organizations.
    let response = app
        .gql_as(other_token, "mutation { createMember(input: { email: \"ana@acme.test\" }) { id } }", json!({}))
        .await;
    assert!(response.get("errors").is_none(), "{response}");

    let export =
        app.client.get(app.url("/members.csv")).bearer_auth(&other).send().await.unwrap().text().await.unwrap();
    assert!(!export.contains(&member), "{export}");

    // And acme still has everything.
    let data = app.ok("query($id: ID!) { member(id: $id) { name roles { id } } }", json!({ "id": member })).await;
    assert_eq!(data["member"]["name"], "Ana");
    assert_eq!(data["member"]["roles"][0]["id"], role.as_str());
}
