//! Roles: create, update, delete, names unique per organization ignoring case.

use serde_json::json;

use crate::helpers::{error_code, error_message, spawn_app};

#[tokio::test]
async fn create_update_and_delete_a_role() {
    let app = spawn_app().await;
    let data = app
        .ok(
            "mutation { createRole(input: { name: \"  Manager \", description: \"Leads a team\" }) { id name description memberCount } }",
            json!({}),
        )
        .await;
    let role = &data["createRole"];
    let id = role["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 9);
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(role["name"], "Manager");
    assert_eq!(role["description"], "Leads a team");
    assert_eq!(role["memberCount"], 0);

    app.create_member("ana@example.com", None, "en", &[&id]).await;
    let data = app
        .ok(
            "mutation($id: ID!) { updateRole(id: $id, input: { name: \"Team Lead\", description: null }) { name description memberCount } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["updateRole"], json!({ "name": "Team Lead", "description": null, "memberCount": 1 }));

    let data = app.ok("mutation($id: ID!) { deleteRole(id: $id) }", json!({ "id": id })).await;
    assert_eq!(data["deleteRole"], id.as_str());
    let data = app
        .ok(
            "query($id: ID!) { role(id: $id) { id } roles { id } members { nodes { roles { id } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["role"], json!(null));
    assert_eq!(data["roles"], json!([]));
    assert_eq!(data["members"]["nodes"][0]["roles"], json!([]), "the member stays, without the role");

    let response = app.gql("mutation($id: ID!) { deleteRole(id: $id) }", json!({ "id": id })).await;
    assert_eq!(error_code(&response), Some("NOT_FOUND"));
}

#[tokio::test]
async fn role_names_are_unique_ignoring_case() {
    let app = spawn_app().await;
    app.create_role("Manager").await;
    let other = app.create_role("Viewer").await;
    let response = app.gql("mutation { createRole(input: { name: \"MANAGER\" }) { id } }", json!({})).await;
    assert_eq!(error_code(&response), Some("CONFLICT"), "{response}");
    assert!(error_message(&response).contains("MANAGER"), "{response}");
    let response = app
        .gql("mutation($id: ID!) { updateRole(id: $id, input: { name: \"manager\" }) { id } }", json!({ "id": other }))
        .await;
    assert_eq!(error_code(&response), Some("CONFLICT"), "{response}");
}

#[tokio::test]
async fn role_input_is_checked() {
    let app = spawn_app().await;
    let response = app.gql("mutation { createRole(input: { name: \"   \" }) { id } }", json!({})).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"));
    assert_eq!(response["errors"][0]["extensions"]["field"], "input.name");
    let long = "x".repeat(101);
    let response =
        app.gql("mutation($n: String!) { createRole(input: { name: $n }) { id } }", json!({ "n": long })).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn roles_are_listed_by_name_with_member_counts() {
    let app = spawn_app().await;
    let viewer = app.create_role("viewer").await;
    let admin = app.create_role("Admin").await;
    app.create_member("a@example.com", None, "en", &[&viewer, &admin]).await;
    app.create_member("b@example.com", None, "en", &[&viewer]).await;
    let data = app.ok("{ roles { name memberCount } }", json!({})).await;
    assert_eq!(data["roles"], json!([{ "name": "Admin", "memberCount": 1 }, { "name": "viewer", "memberCount": 2 }]));
}
