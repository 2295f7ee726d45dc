//! Admins racing each other on one organization: the same sheet uploaded twice at once, and a
//! sheet racing single invitations and revocations of its members. Every request answers
//! (issued, or refused with a code), none with a 5xx, and the data agrees with itself after.

use serde_json::{Value, json};

use super::assert_consistent;
use crate::helpers::{TestApp, fixture, spawn_app};

fn sheet(app_members: &[String], roles: &[String]) -> Vec<u8> {
    let mut sheet = String::from("Team Member ID,Email,Language,Role IDs\r\n");
    for (i, id) in app_members.iter().enumerate() {
        sheet.push_str(&format!("{id},person{i}@example.com,en,{}\r\n", roles[i % roles.len()]));
    }
    sheet.into_bytes()
}

/// A sheet's answer: 200 with its links, or a coded refusal; never a 5xx.
async fn sheet_answer(app: &TestApp, bytes: Vec<u8>) -> Result<usize, String> {
    let response = app.post_sheet(bytes, "").await;
    let status = response.status();
    assert!(status.as_u16() < 500, "{status}: {}", response.text().await.unwrap());
    if status == 200 {
        return Ok(response.bytes().await.unwrap().split(|b| *b == b'\n').filter(|l| !l.is_empty()).count() - 1);
    }
    let body: Value = response.json().await.unwrap();
    Err(body["error"]["code"].as_str().expect("a code").to_owned())
}

/// A GraphQL answer: its data, or the code of its error; never a 5xx, never `INTERNAL`.
async fn gql_answer(app: &TestApp, query: &str, variables: Value) -> Result<Value, String> {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    assert!(response.status().as_u16() < 500, "{}", response.status());
    let body: Value = response.json().await.unwrap();
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => {
            assert_ne!(code, "INTERNAL", "{body}");
            Err(code.to_owned())
        }
        None => Ok(body["data"].clone()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_sheet_uploaded_twice_at_once() {
    let app = spawn_app().await;
    let f = fixture(&app, 2_000).await;
    let bytes = sheet(&f.members, &f.roles);
    for round in 0..3 {
        let (first, second) = tokio::join!(sheet_answer(&app, bytes.clone()), sheet_answer(&app, bytes.clone()));
        println!("round {round}: {first:?}, {second:?}");
        assert!(first.is_ok() || second.is_ok(), "at least one is issued");
        for answer in [&first, &second] {
            match answer {
                Ok(links) => assert_eq!(*links, 2_000),
                Err(code) => assert_eq!(code, "CONFLICT"),
            }
        }
        assert_eq!(assert_consistent(&app.db).await, 2_000);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sheet_racing_single_invitations_and_revocations() {
    let app = spawn_app().await;
    let f = fixture(&app, 600).await;
    let bytes = sheet(&f.members, &f.roles);
    let invite = "mutation($id: ID!, $roles: [ID!]) { inviteMember(input: { memberId: $id, roleIds: $roles }) { invitation { id } } }";
    let revoke = "mutation($id: ID!) { revokeInvitation(id: $id) { id } }";
    // Four admins go through the sheet's members inviting and revoking, while a fifth uploads
    // the sheet three times.
    let singles = (0..4).map(|lane| {
        let (app, members, roles) = (&app, &f.members, &f.roles);
        async move {
            let mut answers = (0, 0);
            for id in members.iter().skip(lane).step_by(4).take(60) {
                match gql_answer(app, invite, json!({ "id": id, "roles": [roles[0]] })).await {
                    Ok(data) => {
                        answers.0 += 1;
                        let invitation = data["inviteMember"]["invitation"]["id"].clone();
                        if gql_answer(app, revoke, json!({ "id": invitation })).await.is_ok() {
                            answers.0 += 1;
                        } else {
                            answers.1 += 1;
                        }
                    }
                    Err(_) => answers.1 += 1,
                }
            }
            answers
        }
    });
    let sheets = async {
        let mut answers = Vec::new();
        for _ in 0..3 {
            answers.push(sheet_answer(&app, bytes.clone()).await);
        }
        answers
    };
    let (singles, sheets) = tokio::join!(futures::future::join_all(singles), sheets);
    println!("single invitations and revocations (done, refused): {singles:?}; sheets: {sheets:?}");
    for answer in &sheets {
        if let Err(code) = answer {
            assert_eq!(code, "CONFLICT");
        }
    }
    assert!(singles.iter().all(|(done, _)| *done > 0), "the single invitations ran: {singles:?}");
    let pending = assert_consistent(&app.db).await;
    assert!(pending <= 600, "{pending}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_writing_at_once_each_get_their_answer() {
    // Different members, so nothing conflicts: every write must land. On SQLite each waits for
    // the file's write lock in turn instead of failing with "database is locked".
    let app = spawn_app().await;
    let f = fixture(&app, 48).await;
    let invite = "mutation($id: ID!, $roles: [ID!]) { inviteMember(input: { memberId: $id, roleIds: $roles }) { invitation { id } } }";
    let invited = futures::future::join_all(
        f.members.iter().map(|id| gql_answer(&app, invite, json!({ "id": id, "roles": [f.roles[0]] }))),
    )
    .await;
    let invitations: Vec<Value> = invited
        .into_iter()
        .map(|answer| answer.unwrap_or_else(|code| panic!("an invitation refused: {code}")))
        .map(|data| data["inviteMember"]["invitation"]["id"].clone())
        .collect();
    let revoke = "mutation($id: ID!) { revokeInvitation(id: $id) { id } }";
    let revoked = invitations.iter().take(24).map(|id| gql_answer(&app, revoke, json!({ "id": id })));
    let revoked = futures::future::join_all(revoked).await;
    assert!(revoked.iter().all(Result::is_ok), "{revoked:?}");
    assert_eq!(assert_consistent(&app.db).await, 24);
}
