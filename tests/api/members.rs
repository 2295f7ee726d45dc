//! Members: create (one and many), update, delete, and the checks on their input.

use serde_json::json;

use crate::helpers::{error_code, error_message, spawn_app};

const CREATE: &str = "mutation($input: CreateMemberInput!) { createMember(input: $input) { id email name language invitationStatus roles { id name } createdAt } }";

#[tokio::test]
async fn create_update_and_delete_a_member() {
    let app = spawn_app().await;
    let manager = app.create_role("Manager").await;
    let member = app.create_role("Team Member").await;
    let data = app
        .ok(CREATE, json!({ "input": { "email": " Ana.Silva@Example.COM ", "name": "Ana Silva", "language": "pt_br", "roleIds": [member, manager] } }))
        .await;
    let created = &data["createMember"];
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 9);
    assert_eq!(created["email"], "Ana.Silva@example.com", "the domain is lower-cased, the local part kept");
    assert_eq!(created["language"], "pt-BR");
    assert_eq!(created["invitationStatus"], "NOT_INVITED");
    assert_eq!(
        created["roles"],
        json!([{ "id": manager, "name": "Manager" }, { "id": member, "name": "Team Member" }])
    );

    let data = app
        .ok(
            "mutation($id: ID!, $roles: [ID!]) { updateMember(id: $id, input: { email: \"ana@example.org\", name: null, language: \"FR\", roleIds: $roles }) { email name language roles { id } } }",
            json!({ "id": id, "roles": [member] }),
        )
        .await;
    assert_eq!(
        data["updateMember"],
        json!({ "email": "ana@example.org", "name": null, "language": "fr", "roles": [{ "id": member }] })
    );

    let data = app.ok("mutation($id: ID!) { deleteMember(id: $id) }", json!({ "id": id })).await;
    assert_eq!(data["deleteMember"], id.as_str());
    let data = app.ok("query($id: ID!) { member(id: $id) { id } roles { memberCount } }", json!({ "id": id })).await;
    assert_eq!(data["member"], json!(null));
    assert_eq!(data["roles"], json!([{ "memberCount": 0 }, { "memberCount": 0 }]));
    let response = app.gql("mutation($id: ID!) { deleteMember(id: $id) }", json!({ "id": id })).await;
    assert_eq!(error_code(&response), Some("NOT_FOUND"));
}

#[tokio::test]
async fn a_duplicate_email_is_a_conflict_ignoring_case() {
    let app = spawn_app().await;
    app.create_member("ana@example.com", None, "en", &[]).await;
    let bob = app.create_member("bob@example.com", None, "en", &[]).await;
    let response = app.gql(CREATE, json!({ "input": { "email": "ANA@EXAMPLE.COM" } })).await;
    assert_eq!(error_code(&response), Some("CONFLICT"), "{response}");
    assert!(error_message(&response).contains("ana@example.com"), "{response}");
    let response = app
        .gql(
            "mutation($id: ID!) { updateMember(id: $id, input: { email: \"Ana@example.com\" }) { id } }",
            json!({ "id": bob }),
        )
        .await;
    assert_eq!(error_code(&response), Some("CONFLICT"), "{response}");
}

#[tokio::test]
async fn bad_input_names_the_field_and_the_fix() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "email": "ana.example.com" }), "input.email", "@"),
        (json!({ "email": "=HYPERLINK(\"x\")@evil.com" }), "input.email", "formula"),
        (json!({ "email": "" }), "input.email", "empty"),
        (json!({ "email": "ana@example.com", "language": "pt-PT" }), "input.language", "did you mean `pt`"),
        (json!({ "email": "ana@example.com", "language": "klingon!" }), "input.language", "BCP 47"),
        (json!({ "email": "ana@example.com", "roleIds": ["NBq0Nvg34"] }), "input.roleIds", "NBq0Nvg34"),
        (json!({ "email": "ana@example.com", "name": "x".repeat(201) }), "input.name", "200"),
    ];
    for (input, field, hint) in cases {
        let response = app.gql(CREATE, json!({ "input": input })).await;
        assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{input}: {response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field, "{input}: {response}");
        let message = error_message(&response);
        assert!(message.starts_with(field) && message.contains(hint), "{input}: {message}");
    }
    let data = app.ok("{ members { totalCount } }", json!({})).await;
    assert_eq!(data["members"]["totalCount"], 0);
}

#[tokio::test]
async fn create_members_takes_a_thousand_at_once() {
    let app = spawn_app().await;
    let role = app.create_role("Team Member").await;
    let ids = app.create_members(1_000, &[&role]).await;
    assert_eq!(ids.len(), 1_000);
    assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), 1_000);
    let data = app.ok("{ members(first: 1) { totalCount } roles { memberCount } }", json!({})).await;
    assert_eq!(data["members"]["totalCount"], 1_000);
    assert_eq!(data["roles"][0]["memberCount"], 1_000);
}

#[tokio::test]
async fn create_members_is_all_or_nothing() {
    let app = spawn_app().await;
    app.create_member("taken@example.com", None, "en", &[]).await;
    let query = "mutation($input: [CreateMemberInput!]!) { createMembers(input: $input) { id } }";

    let response = app
        .gql(
            query,
            json!({ "input": [{ "email": "a@example.com" }, { "email": "b@example" }, { "email": "c@example.com" }] }),
        )
        .await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
    assert_eq!(response["errors"][0]["extensions"]["field"], "input[1].email");

    let response =
        app.gql(query, json!({ "input": [{ "email": "a@example.com" }, { "email": "A@example.com" }] })).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
    assert!(error_message(&response).contains("input[0]"), "{response}");

    let response =
        app.gql(query, json!({ "input": [{ "email": "a@example.com" }, { "email": "Taken@example.com" }] })).await;
    assert_eq!(error_code(&response), Some("CONFLICT"), "{response}");
    assert!(error_message(&response).contains("input[1]"), "{response}");

    let data = app.ok("{ members { totalCount } }", json!({})).await;
    assert_eq!(data["members"]["totalCount"], 1, "nothing of the failed batches was written");
}
