//! The members list: pagination in every order, and each filter alone and combined.

use std::collections::HashSet;

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app, token_of};

const PAGE: &str = "query($first: Int, $after: String, $order: MemberOrder, $filter: MemberFilter) {
  members(first: $first, after: $after, orderBy: $order, filter: $filter) {
    totalCount
    edges { cursor node { id email name } }
    nodes { id }
    pageInfo { hasNextPage endCursor }
  }
}";

async fn walk(app: &TestApp, order: Value, filter: Value, first: i64) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.ok(PAGE, json!({ "first": first, "after": after, "order": order, "filter": filter })).await;
        let connection = &data["members"];
        let edges = connection["edges"].as_array().unwrap();
        assert!(edges.len() as i64 <= first);
        assert_eq!(connection["nodes"].as_array().unwrap().len(), edges.len());
        seen.extend(edges.iter().map(|edge| edge["node"].clone()));
        if !connection["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    seen
}

#[tokio::test]
async fn pagination_walks_every_member_exactly_once_in_every_order() {
    let app = spawn_app().await;
    // Names that tie, differ only in case, or are missing: the hard cases for keyset paging.
    let names = ["Zoé", "ana", "Ana", "bruno", "", "Bruno", "carla", "", "Ana", "dora"];
    let mut created = Vec::new();
    for i in 0..23 {
        let name = names[i % names.len()];
        let email = format!("{}{i}@Example.com", ["m", "B", "a", "z"][i % 4]);
        created.push(app.create_member(&email, (!name.is_empty()).then_some(name), "en", &[]).await);
    }
    for (field, direction) in [
        ("CREATED_AT", "ASC"),
        ("CREATED_AT", "DESC"),
        ("EMAIL", "ASC"),
        ("EMAIL", "DESC"),
        ("NAME", "ASC"),
        ("NAME", "DESC"),
    ] {
        let order = json!({ "field": field, "direction": direction });
        let seen = walk(&app, order.clone(), json!(null), 4).await;
        let ids: Vec<&str> = seen.iter().map(|node| node["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), created.len(), "{order}");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), created.len(), "{order}: no member twice");
        let keys: Vec<String> = seen
            .iter()
            .map(|node| match field {
                "EMAIL" => node["email"].as_str().unwrap().to_lowercase(),
                "NAME" => node["name"].as_str().unwrap_or_default().to_lowercase(),
                _ => String::new(),
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        if direction == "DESC" {
            sorted.reverse();
        }
        assert_eq!(keys, sorted, "{order}: in order");
        if field == "CREATED_AT" {
            let mut expected = created.clone();
            if direction == "DESC" {
                expected.reverse();
            }
            assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}

#[tokio::test]
async fn page_size_and_cursors_are_checked() {
    let app = spawn_app().await;
    app.create_members(3, &[]).await;
    for first in [0, 101, -1] {
        let response = app.gql(PAGE, json!({ "first": first })).await;
        assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{first}: {response}");
    }
    let data = app.ok(PAGE, json!({ "first": 100 })).await;
    assert_eq!(data["members"]["nodes"].as_array().unwrap().len(), 3);
    let data = app.ok("{ members { nodes { id } } }", json!({})).await;
    assert_eq!(data["members"]["nodes"].as_array().unwrap().len(), 3, "default page size is 50");

    let response = app.gql(PAGE, json!({ "after": "bm9wZQ" })).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"));
    let data = app.ok(PAGE, json!({ "first": 1 })).await;
    let cursor = data["members"]["pageInfo"]["endCursor"].clone();
    let response = app.gql(PAGE, json!({ "after": cursor, "order": { "field": "EMAIL" } })).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "a cursor of another ordering is refused");
}

/// Invites a member (granting `role`, for `days`), and returns the invitation's id and link.
async fn invite(app: &TestApp, id: &str, role: &str, days: i32) -> (String, String) {
    let data = app
        .ok(
            "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { link invitation { id } } }",
            json!({ "input": { "memberId": id, "roleIds": [role], "expiresInDays": days } }),
        )
        .await;
    let invited = &data["inviteMember"];
    (invited["invitation"]["id"].as_str().unwrap().to_owned(), invited["link"].as_str().unwrap().to_owned())
}

async fn ids_for(app: &TestApp, filter: Value) -> Vec<String> {
    let seen = walk(app, json!(null), filter.clone(), 100).await;
    let data = app.ok(PAGE, json!({ "filter": filter, "first": 1 })).await;
    assert_eq!(data["members"]["totalCount"].as_u64().unwrap() as usize, seen.len(), "totalCount agrees: {filter}");
    let mut ids: Vec<String> = seen.iter().map(|node| node["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| (*id).clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn each_filter_alone_and_combined() {
    let app = spawn_app().await;
    let manager = app.create_role("Manager").await;
    let viewer = app.create_role("Viewer").await;
    let ana = app.create_member("ana.silva@example.com", Some("Ana Silva"), "pt-BR", &[&manager]).await;
    let bruno = app.create_member("bruno@example.com", Some("Bruno Martin"), "fr", &[&viewer]).await;
    let carla = app.create_member("carla@silva.example", Some("Carla"), "fr", &[&manager, &viewer]).await;
    let dora = app.create_member("dora_100%@example.com", None, "en", &[]).await;
    let eva = app.create_member("eva@example.com", Some("Eva"), "en", &[]).await;
    // Each state as the services make it (the counts come from counters they keep).
    let guest = app.create_role("Guest").await;
    invite(&app, &bruno, &viewer, 3).await;
    invite(&app, &carla, &manager, 1).await;
    let (_, dora_link) = invite(&app, &dora, &guest, 7).await;
    assert!(app.accept(&token_of(&dora_link)).await.get("errors").is_none());
    let (eva_invitation, _) = invite(&app, &eva, &guest, 7).await;
    app.ok("mutation($id: ID!) { revokeInvitation(id: $id) { id } }", json!({ "id": eva_invitation })).await;

    let status = |s: &[&str]| json!({ "invitationStatus": s });
    assert_eq!(ids_for(&app, status(&["NOT_INVITED"])).await, sorted(&[&ana]));
    assert_eq!(ids_for(&app, status(&["PENDING"])).await, sorted(&[&bruno, &carla]));
    assert_eq!(ids_for(&app, status(&["ACCEPTED"])).await, sorted(&[&dora]));
    assert_eq!(ids_for(&app, status(&["REVOKED"])).await, sorted(&[&eva]));
    assert_eq!(ids_for(&app, status(&["EXPIRED"])).await, sorted(&[]));
    assert_eq!(ids_for(&app, status(&["NOT_INVITED", "ACCEPTED"])).await, sorted(&[&ana, &dora]));

    assert_eq!(ids_for(&app, json!({ "roleIds": [manager] })).await, sorted(&[&ana, &carla]));
    assert_eq!(ids_for(&app, json!({ "roleIds": [manager, viewer] })).await, sorted(&[&ana, &bruno, &carla]));
    assert_eq!(ids_for(&app, json!({ "languages": ["fr"] })).await, sorted(&[&bruno, &carla]));
    assert_eq!(ids_for(&app, json!({ "languages": ["pt_br", "EN"] })).await, sorted(&[&ana, &dora, &eva]));
    assert_eq!(ids_for(&app, json!({ "search": "SILVA" })).await, sorted(&[&ana, &carla]), "email or name, any case");
    assert_eq!(ids_for(&app, json!({ "search": "martin" })).await, sorted(&[&bruno]));
    assert_eq!(ids_for(&app, json!({ "search": "100%" })).await, sorted(&[&dora]), "% is literal");
    assert_eq!(ids_for(&app, json!({ "search": "_" })).await, sorted(&[&dora]), "_ is literal");

    assert_eq!(
        ids_for(
            &app,
            json!({ "invitationStatus": ["PENDING"], "roleIds": [manager], "languages": ["fr"], "search": "carla" })
        )
        .await,
        sorted(&[&carla])
    );
    assert_eq!(ids_for(&app, json!({ "invitationStatus": ["NOT_INVITED"], "languages": ["fr"] })).await, sorted(&[]));

    // Two days on, Carla's link has run out: EXPIRED, no longer PENDING, in filters and on the member.
    app.clock.advance(Duration::days(2));
    assert_eq!(ids_for(&app, status(&["EXPIRED"])).await, sorted(&[&carla]));
    assert_eq!(ids_for(&app, status(&["PENDING"])).await, sorted(&[&bruno]));
    let data = app.ok("query($id: ID!) { member(id: $id) { invitationStatus } }", json!({ "id": carla })).await;
    assert_eq!(data["member"]["invitationStatus"], "EXPIRED");

    let response = app.gql(PAGE, json!({ "filter": { "languages": ["not a tag"] } })).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn counts_stay_exact_through_every_change() {
    let app = spawn_app().await;
    let role = app.create_role("Manager").await;
    let ids = app.create_members(12, &[&role]).await;
    let statuses = ["NOT_INVITED", "PENDING", "EXPIRED", "ACCEPTED", "REVOKED"];
    let check = |when: &'static str| {
        let app = &app;
        async move {
            let mut total = 0;
            for status in statuses {
                total += ids_for(app, json!({ "invitationStatus": [status] })).await.len();
            }
            assert_eq!(total, ids_for(app, json!({})).await.len(), "{when}: the statuses add up to everyone");
        }
    };
    check("created").await;
    let (_, first) = invite(&app, &ids[0], &role, 1).await;
    let (second, _) = invite(&app, &ids[1], &role, 7).await;
    invite(&app, &ids[2], &role, 7).await;
    invite(&app, &ids[2], &role, 7).await;
    check("invited, one twice").await;
    assert!(app.accept(&token_of(&first)).await.get("errors").is_none());
    app.ok("mutation($id: ID!) { revokeInvitation(id: $id) { id } }", json!({ "id": second })).await;
    check("accepted and revoked").await;
    let sheet: String = (3..9).map(|i| format!("{},user{i:05}@example.com,en,{role}\r\n", ids[i])).collect();
    let response = app.post_sheet(format!("Team Member ID,Email,Language,Role IDs\r\n{sheet}").into_bytes(), "").await;
    assert_eq!(response.status(), 200);
    check("a sheet").await;
    for id in [&ids[0], &ids[3], &ids[11]] {
        app.ok("mutation($id: ID!) { deleteMember(id: $id) }", json!({ "id": id })).await;
    }
    check("deleted").await;
    app.clock.advance(Duration::days(10));
    check("expired").await;
    assert_eq!(ids_for(&app, json!({ "invitationStatus": ["EXPIRED"] })).await.len(), 6);
}

#[tokio::test]
async fn search_follows_renames_and_deletes() {
    let app = spawn_app().await;
    let role = app.create_role("Manager").await;
    let ana = app.create_member("ana@example.com", Some("Ana Souza"), "pt-BR", &[&role]).await;
    let bo = app.create_member("bo@example.com", Some("Bo Souza"), "en", &[&role]).await;
    assert_eq!(ids_for(&app, json!({ "search": "souza" })).await, sorted(&[&ana, &bo]));
    let rename = "mutation($id: ID!, $name: String, $email: String) { updateMember(id: $id, input: { name: $name, email: $email }) { id } }";
    app.ok(rename, json!({ "id": ana, "name": "Ana Lima", "email": "ana.lima@example.org" })).await;
    assert_eq!(ids_for(&app, json!({ "search": "souza" })).await, sorted(&[&bo]), "the old name is forgotten");
    assert_eq!(ids_for(&app, json!({ "search": "LIMA" })).await, sorted(&[&ana]), "the new name is found");
    assert_eq!(ids_for(&app, json!({ "search": "example.org" })).await, sorted(&[&ana]), "and the new address");
    assert_eq!(ids_for(&app, json!({ "search": "ana@example.com" })).await, sorted(&[]), "not the old one");
    assert_eq!(ids_for(&app, json!({ "search": "bo" })).await, sorted(&[&bo]), "two characters");
    assert_eq!(ids_for(&app, json!({ "search": "\"souza\" OR ana" })).await, sorted(&[]), "no query syntax");
    app.ok("mutation($id: ID!) { deleteMember(id: $id) }", json!({ "id": bo })).await;
    assert_eq!(ids_for(&app, json!({ "search": "souza" })).await, sorted(&[]));
    let data = app.ok("{ members(filter: { search: \"example\" }) { totalCount } }", json!({})).await;
    assert_eq!(data["members"]["totalCount"], 1);
}
