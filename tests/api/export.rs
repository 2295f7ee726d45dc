//! `GET /members.csv`.

use crate::helpers::spawn_app;

const HEADER: &str = "Team Member ID,Name,Email,Language,Role IDs,Roles,Pending Invitations,Created At,Delivery";

async fn export(app: &crate::helpers::TestApp, query: &str) -> reqwest::Response {
    app.client.get(app.url(&format!("/members.csv{query}"))).bearer_auth(&app.token).send().await.unwrap()
}

fn rows(body: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&body[3..])
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn export_has_the_header_a_bom_and_one_row_per_member() {
    let app = spawn_app().await;
    let manager = app.create_role("Manager").await;
    let team = app.create_role("Team Member").await;
    let ana = app.create_member("ana@example.com", Some("Ana Müller"), "de", &[&team, &manager]).await;
    app.create_member("bob@example.com", None, "en", &[]).await;

    let response = export(&app, "").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("members.csv"));
    let body = response.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM so Excel shows accents");
    let text = std::str::from_utf8(&body[3..]).unwrap();
    assert!(text.starts_with(&format!("{HEADER}\r\n")), "{text}");
    let rows = rows(&body);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][0], ana);
    assert_eq!(rows[1][1], "Ana Müller");
    assert_eq!(rows[1][2], "ana@example.com");
    assert_eq!(rows[1][3], "de");
    assert_eq!(rows[1][4], format!("{manager},{team}"), "several role ids in one cell, comma-separated");
    assert_eq!(rows[1][5], "Manager, Team Member");
    assert_eq!(rows[1][6], "Not Invited");
    assert!(rows[1][7].ends_with('Z'));
    assert_eq!(rows[2][1], "");
}

#[tokio::test]
async fn export_takes_the_members_filters() {
    let app = spawn_app().await;
    let manager = app.create_role("Manager").await;
    app.create_member("ana@example.com", Some("Ana"), "fr", &[&manager]).await;
    app.create_member("bob@example.com", Some("Bob"), "fr", &[]).await;
    app.create_member("carl@example.com", Some("Carl"), "en", &[&manager]).await;

    let emails = |body: &[u8]| rows(body).into_iter().skip(1).map(|row| row[2].clone()).collect::<Vec<_>>();
    let body = export(&app, "?language=fr").await.bytes().await.unwrap();
    assert_eq!(emails(&body), ["ana@example.com", "bob@example.com"]);
    let body = export(&app, &format!("?language=fr&roleId={manager}")).await.bytes().await.unwrap();
    assert_eq!(emails(&body), ["ana@example.com"]);
    let body = export(&app, "?language=fr&language=en&search=CA").await.bytes().await.unwrap();
    assert_eq!(emails(&body), ["carl@example.com"]);
    let body = export(&app, "?invitationStatus=NOT_INVITED&invitationStatus=PENDING").await.bytes().await.unwrap();
    assert_eq!(emails(&body).len(), 3);
    let body = export(&app, "?invitationStatus=PENDING").await.bytes().await.unwrap();
    assert_eq!(rows(&body).len(), 1, "only the header");

    let response = export(&app, "?invitationStatus=WAITING").await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BAD_USER_INPUT");
    assert!(body["error"]["message"].as_str().unwrap().contains("WAITING"));
}

#[tokio::test]
async fn export_neutralises_formula_cells() {
    let app = spawn_app().await;
    app.create_member("ana@example.com", Some("=HYPERLINK(\"http://evil.test\",\"x\")"), "en", &[]).await;
    app.create_member("bob@example.com", Some("+33 1 23"), "en", &[]).await;
    app.create_member("carl@example.com", Some("@SUM(A1)"), "en", &[]).await;
    app.create_member("dan@example.com", Some("-1"), "en", &[]).await;
    let body = export(&app, "").await.bytes().await.unwrap();
    let names: Vec<String> = rows(&body).into_iter().skip(1).map(|row| row[1].clone()).collect();
    assert_eq!(names, ["'=HYPERLINK(\"http://evil.test\",\"x\")", "'+33 1 23", "'@SUM(A1)", "'-1"]);
}

#[tokio::test]
async fn export_streams_many_pages() {
    let app = spawn_app().await;
    let role = app.create_role("Team Member").await;
    let mut all = Vec::new();
    for batch in 0..3 {
        let input: Vec<serde_json::Value> = (0..900)
            .map(|i| serde_json::json!({ "email": format!("u{batch}-{i}@example.com"), "roleIds": [role] }))
            .collect();
        app.ok(
            "mutation($input: [CreateMemberInput!]!) { createMembers(input: $input) { id } }",
            serde_json::json!({ "input": input }),
        )
        .await;
        all.extend((0..900).map(|i| format!("u{batch}-{i}@example.com")));
    }
    let body = export(&app, "").await.bytes().await.unwrap();
    let rows = rows(&body);
    assert_eq!(rows.len(), 2_701, "every member once, across export pages of 1,000");
    let exported: std::collections::HashSet<&str> = rows[1..].iter().map(|row| row[2].as_str()).collect();
    assert_eq!(exported.len(), 2_700);
    assert!(rows[1..].iter().all(|row| row[4] == role));
}
