//! Invitation sheets as spreadsheets really send them, and every problem they can have.

use serde_json::{Value, json};

use crate::helpers::{fixture, read_csv, spawn_app};

const LINKS_HEADER: [&str; 6] = ["Team Member ID", "Email", "Language", "Role IDs", "Invitation Link", "Expires At"];

#[tokio::test]
async fn the_template_is_public_and_shows_the_format() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/invitations/template.csv")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let rows = read_csv(&response.bytes().await.unwrap());
    assert_eq!(rows[0], ["Team Member ID", "Email", "Language", "Role IDs"]);
    assert_eq!(rows.len(), 2);
    assert!(rows[1][3].contains(','), "the example shows several role ids in one cell");
    let data = app.ok("{ invitationSheetTemplate }", json!({})).await;
    assert!(
        data["invitationSheetTemplate"].as_str().unwrap().starts_with("Team Member ID,Email,Language,Role IDs\r\n")
    );
}

#[tokio::test]
async fn an_excel_semicolon_sheet_in_windows_1252_yields_the_links_sheet() {
    let app = spawn_app().await;
    let f = fixture(&app, 2).await;
    let text = format!(
        "Team Member ID;Name;Email;Language;Role IDs\r\n{};Renée Faure;renée@exemple.fr;FR;{},{}\r\n{};Jörg;person1@example.com;de;{}\r\n",
        f.members[0], f.roles[0], f.roles[1], f.members[1], f.roles[2]
    );
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let response = app.post_sheet(bytes.into_owned(), "?fileName=team.csv").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(response.headers()["x-muster-issued"], "2");
    let body = response.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBF"));
    let rows = read_csv(&body);
    assert_eq!(rows[0], LINKS_HEADER);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][0], f.members[0]);
    assert_eq!(rows[1][1], "renée@exemple.fr", "accents survive the conversion");
    assert_eq!(rows[1][2], "fr");
    assert_eq!(rows[1][3], format!("{},{}", f.roles[0], f.roles[1]));
    assert!(rows[1][4].starts_with(&format!("{}/invite/", app.address)));
    assert!(rows[1][5].ends_with('Z'));
    assert_ne!(rows[1][4], rows[2][4]);
    for member in &f.members {
        assert_eq!(app.member_status(member).await, "PENDING");
    }
}

#[tokio::test]
async fn a_utf16_unicode_text_sheet_yields_the_links_sheet() {
    let app = spawn_app().await;
    let f = fixture(&app, 1).await;
    let text = format!(
        "Team Member ID\tEmail\tLanguage\tRole IDs\r\n{}\tperson0@example.com\tpt_BR\t{}\r\n",
        f.members[0], f.roles[0]
    );
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let payload = app.upload_sheet(bytes, "team.txt").await;
    assert_eq!(payload["issued"], 1, "{payload:#}");
    assert_eq!(payload["errors"], json!([]));
    let warnings: Vec<&str> =
        payload["warnings"].as_array().unwrap().iter().map(|w| w["message"].as_str().unwrap()).collect();
    assert!(warnings.iter().any(|w| w.contains("UTF-16")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("`pt_BR` read as `pt-BR`")), "{warnings:?}");
    let rows = read_csv(payload["csv"].as_str().unwrap().as_bytes());
    assert_eq!(rows[1][2], "pt-BR");
    assert_eq!(payload["rows"][0]["link"], rows[1][4].as_str());
    assert!(payload["batchId"].is_string());
}

#[tokio::test]
async fn a_utf8_bom_sheet_with_a_quoted_multi_role_cell_yields_the_links_sheet() {
    let app = spawn_app().await;
    let f = fixture(&app, 1).await;
    let text = format!(
        "\u{feff}Team Member ID,Email,Language,Role IDs,,\r\n{},person0@example.com,en,\"{}, {},{}\",,\r\n,,,,,\r\n",
        f.members[0], f.roles[0], f.roles[1], f.roles[0]
    );
    let payload = app.upload_sheet(text.into_bytes(), "team.csv").await;
    assert_eq!(payload["issued"], 1, "{payload:#}");
    assert_eq!(payload["rows"][0]["roleIds"], json!([f.roles[0], f.roles[1]]));
    let data = app
        .ok(
            "query($id: ID!) { member(id: $id) { latestInvitation { status roles { id } batchId email } } }",
            json!({ "id": f.members[0] }),
        )
        .await;
    let invitation = &data["member"]["latestInvitation"];
    assert_eq!(invitation["status"], "PENDING");
    assert_eq!(invitation["batchId"], payload["batchId"]);
    assert_eq!(invitation["roles"].as_array().unwrap().len(), 2);
}

fn problems(payload: &Value, kind: &str) -> Vec<(u64, String, String)> {
    payload[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["column"].as_str().unwrap_or_default().to_owned(),
                p["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_sheet_with_six_mistakes_reports_six_problems_and_issues_nothing() {
    let app = spawn_app().await;
    let f = fixture(&app, 6).await;
    let (m, r) = (&f.members, &f.roles);
    let csv = format!(
        "Team Member ID,Email,Language,Role IDs\n\
         ZZZZZZZZZ,person0@example.com,en,{r0}\n\
         {m1},person1.example.com,en,{r0}\n\
         {m2},person2@example.com,en,{r0}\n\
         {m2},other2@example.com,en,{r0}\n\
         {m3},person3@example.com,klingon,{r0}\n\
         {m4},person4@example.com,en,\"{r0},NOPE12345\"\n\
         {m5},,en,{r0}\n",
        r0 = r[0],
        m1 = m[1],
        m2 = m[2],
        m3 = m[3],
        m4 = m[4],
        m5 = m[5]
    );
    let expected = [
        (2, "Team Member ID", "UNKNOWN_MEMBER"),
        (3, "Email", "INVALID_EMAIL"),
        (5, "Team Member ID", "DUPLICATE_MEMBER"),
        (6, "Language", "UNSUPPORTED_LANGUAGE"),
        (7, "Role IDs", "UNKNOWN_ROLE"),
        (8, "Email", "MISSING_VALUE"),
    ];
    let expected: Vec<(u64, String, String)> =
        expected.iter().map(|(l, c, k)| (*l, c.to_string(), k.to_string())).collect();

    let payload = app.generate(&csv, json!({})).await;
    assert_eq!(problems(&payload, "errors"), expected, "{payload:#}");
    assert_eq!(payload["issued"], 0);
    assert_eq!(payload["csv"], json!(null));
    assert_eq!(payload["batchId"], json!(null));
    assert!(payload["rows"].as_array().unwrap().iter().all(|row| row["link"].is_null()));

    let response = app.post_sheet(csv.into_bytes(), "").await;
    assert_eq!(response.status(), 422);
    let report: Value = response.json().await.unwrap();
    assert_eq!(problems(&report, "errors"), expected);
    assert!(report["errors"][0]["message"].as_str().unwrap().contains("ZZZZZZZZZ"));

    let data = app
        .ok("{ invitations { totalCount } members(filter: { invitationStatus: [PENDING] }) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["invitations"]["totalCount"], 0, "nothing issued");
    assert_eq!(data["members"]["totalCount"], 0);
}

#[tokio::test]
async fn the_other_row_codes_with_their_lines() {
    let app = spawn_app().await;
    let f = fixture(&app, 5).await;
    let (m, r) = (&f.members, &f.roles);
    // Member 4 accepts an invitation first.
    let payload = app
        .generate(
            &format!("Team Member ID,Email,Language,Role IDs\n{},person4@example.com,en,{}\n", m[4], r[0]),
            json!({}),
        )
        .await;
    let token = crate::helpers::token_of(payload["rows"][0]["link"].as_str().unwrap());
    assert!(app.accept(&token).await.get("errors").is_none());

    let csv = format!(
        "Team Member ID,Email,Language,Role IDs\n\
         {m0},person1@example.com,en,{r0}\n\
         {m1},shared@example.com,en,{r0}\n\
         {m2},SHARED@example.com,en,{r0}\n\
         {m3},person3@example.com,,\n\
         {m4},person4@example.com,en,{r0}\n\
         ,person9@example.com,en,{r0}\n\
         {m3},=cmd|' /C calc'!A0,en,{r0}\n",
        r0 = r[0],
        m0 = m[0],
        m1 = m[1],
        m2 = m[2],
        m3 = m[3],
        m4 = m[4]
    );
    let payload = app.generate(&csv, json!({})).await;
    let found = problems(&payload, "errors");
    let expected: Vec<(u64, &str, &str)> = vec![
        (2, "Email", "EMAIL_TAKEN"),
        (4, "Email", "DUPLICATE_EMAIL"),
        (5, "Language", "MISSING_VALUE"),
        (5, "Role IDs", "MISSING_VALUE"),
        (6, "Team Member ID", "ALREADY_ACCEPTED"),
        (7, "Team Member ID", "MISSING_VALUE"),
        (8, "Team Member ID", "DUPLICATE_MEMBER"),
        (8, "Email", "INVALID_EMAIL"),
    ];
    let expected: Vec<(u64, String, String)> =
        expected.iter().map(|(l, c, k)| (*l, c.to_string(), k.to_string())).collect();
    assert_eq!(found, expected, "{payload:#}");
    assert_eq!(payload["issued"], 0);
}

#[tokio::test]
async fn sheet_codes_for_sheets_that_cannot_be_read() {
    let app = spawn_app().await;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "EMPTY_SHEET"),
        (b"Team Member ID,Email,Language,Role IDs\r\n".to_vec(), "EMPTY_SHEET"),
        (b"Team Member ID,Email,Role IDs\r\nA,a@b.io,r\r\n".to_vec(), "MISSING_COLUMN"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00".to_vec(), "UNREADABLE_ENCODING"),
        (b"\xEF\xBB\xBFTeam Member ID,\xFF\xFE".to_vec(), "UNREADABLE_ENCODING"),
    ];
    for (bytes, code) in cases {
        let response = app.post_sheet(bytes.clone(), "").await;
        assert_eq!(response.status(), 422, "{code}");
        let report: Value = response.json().await.unwrap();
        assert_eq!(report["errors"][0]["code"], code, "{report}");
        if code == "MISSING_COLUMN" {
            assert_eq!(report["errors"][0]["line"], 1);
            assert_eq!(report["errors"][0]["column"], "Language");
        } else {
            assert_eq!(report["errors"][0]["line"], 0);
        }
    }
    let payload = app.generate("", json!({})).await;
    assert_eq!(payload["errors"][0]["code"], "EMPTY_SHEET");

    let mut many = String::from("Team Member ID,Email,Language,Role IDs\n");
    for i in 0..200_001 {
        many.push_str(&format!("m{i},a{i}@x.io,en,r\n"));
    }
    let report: Value = app.post_sheet(many.into_bytes(), "").await.json().await.unwrap();
    assert_eq!(report["errors"][0]["code"], "TOO_MANY_ROWS");

    let mut huge = b"Team Member ID,Email,Language,Role IDs\n".to_vec();
    huge.resize(50 * 1024 * 1024 + 1, b'x');
    let response = app.post_sheet(huge, "").await;
    assert_eq!(response.status(), 422);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["errors"][0]["code"], "TOO_LARGE");
}

#[tokio::test]
async fn dry_run_and_skip_invalid_rows() {
    let app = spawn_app().await;
    let f = fixture(&app, 3).await;
    let csv = format!(
        "Team Member ID,Email,Language,Role IDs\n{},person0@example.com,en,{r}\nBADBADBAD,x@example.com,en,{r}\n{},person2@example.com,en,{r}\n",
        f.members[0],
        f.members[2],
        r = f.roles[0]
    );
    let payload = app.generate(&csv, json!({ "dryRun": true, "skipInvalidRows": true })).await;
    assert_eq!(payload["issued"], 0, "a dry run issues nothing");
    assert_eq!(problems(&payload, "errors"), [(3, "Team Member ID".into(), "UNKNOWN_MEMBER".into())]);
    assert_eq!(payload["rows"].as_array().unwrap().len(), 3);
    let response = app.post_sheet(csv.clone().into_bytes(), "?dryRun=true").await;
    assert_eq!(response.status(), 422);
    assert_eq!(app.member_status(&f.members[0]).await, "NOT_INVITED");

    let payload = app.generate(&csv, json!({ "skipInvalidRows": true, "expiresInDays": 3 })).await;
    assert_eq!(payload["issued"], 2);
    assert_eq!(problems(&payload, "errors").len(), 1, "the skipped row is still reported");
    let rows = read_csv(payload["csv"].as_str().unwrap().as_bytes());
    assert_eq!(rows.len(), 3, "header and the two good rows");
    assert_eq!(rows[1][0], f.members[0]);
    assert_eq!(rows[2][0], f.members[2]);
    assert!(payload["rows"][1]["link"].is_null());
    assert_eq!(app.member_status(&f.members[0]).await, "PENDING");
    assert_eq!(app.member_status(&f.members[1]).await, "NOT_INVITED");

    let response = app.post_sheet(csv.into_bytes(), "?skipInvalidRows=true").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-muster-errors"], "1");

    let response = app
        .gql(
            "mutation($csv: String!) { generateInvitationLinks(input: { csv: $csv, expiresInDays: 31 }) { issued } }",
            json!({ "csv": "x" }),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&response), Some("BAD_USER_INPUT"));
    assert_eq!(response["errors"][0]["extensions"]["field"], "expiresInDays");
}

/// Members `p{i}@example.com` for `i` in `range`, each with `role`: their ids in order.
async fn create_many(app: &crate::helpers::TestApp, range: std::ops::Range<usize>, role: &str) -> Vec<String> {
    let input = range.map(|i| json!({ "email": format!("p{i}@example.com"), "language": "en", "roleIds": [role] }));
    app.create_members_from(input.collect()).await
}

/// A sheet of more than 10,000 rows is issued while its lower rows are still being checked:
/// a problem below the first 10,000 still issues nothing (what was inserted rolls back), and
/// skipping it issues all the rest, in one batch.
#[tokio::test]
async fn a_problem_below_the_first_ten_thousand_rows_issues_nothing() {
    let app = spawn_app().await;
    let role = app.create_role("Staff").await;
    let ids = create_many(&app, 0..10_001, &role).await;
    let mut csv = String::from("Team Member ID,Email,Language,Role IDs\n");
    for (i, id) in ids.iter().enumerate() {
        let language = if i == 10_000 { "" } else { "en" };
        csv.push_str(&format!("{id},p{i}@example.com,{language},{role}\n"));
    }

    let payload = app.generate(&csv, json!({})).await;
    assert_eq!(problems(&payload, "errors"), [(10_002, "Language".into(), "MISSING_VALUE".into())]);
    assert_eq!(payload["issued"], 0);
    assert!(payload["batchId"].is_null() && payload["csv"].is_null());
    assert!(payload["rows"].as_array().unwrap().iter().all(|row| row["link"].is_null()), "no link is given out");
    assert_eq!(app.member_status(&ids[0]).await, "NOT_INVITED");
    assert_eq!(app.member_status(&ids[9_999]).await, "NOT_INVITED");
    let invitations: i64 = app.scalar("SELECT COUNT(*) AS n FROM invitations", "n").await;
    let batches: i64 = app.scalar("SELECT COUNT(*) AS n FROM invitation_batches", "n").await;
    assert_eq!((invitations, batches), (0, 0), "nothing of the first 10,000 rows is left");

    let payload = app.generate(&csv, json!({ "skipInvalidRows": true })).await;
    assert_eq!(payload["issued"], 10_000);
    assert_eq!(read_csv(payload["csv"].as_str().unwrap().as_bytes()).len(), 10_001, "header and 10,000 links");
    assert_eq!(app.member_status(&ids[0]).await, "PENDING");
    assert_eq!(app.member_status(&ids[9_999]).await, "PENDING");
    assert_eq!(app.member_status(&ids[10_000]).await, "NOT_INVITED");
    let counts: String = app
        .scalar("SELECT row_count || '/' || issued_count || '/' || skipped_count AS n FROM invitation_batches", "n")
        .await;
    assert_eq!(counts, "10001/10000/1", "rows, issued and skipped on the batch");
}

/// With a single database connection, a sheet cannot hold it for its issuing while the checks
/// of its rows below the first 10,000 take another: it is issued once checked, rather than
/// waiting on itself until the pool gives up. (Three chunks: by the third, an issuing begun
/// early would hold the connection.)
#[tokio::test]
async fn a_long_sheet_is_issued_on_a_single_connection() {
    let app = crate::helpers::spawn_app_with(|config| config.database_max_connections = 1).await;
    let role = app.create_role("Staff").await;
    let ids = create_many(&app, 0..20_001, &role).await;
    let mut csv = String::from("Team Member ID,Email,Language,Role IDs\n");
    for (i, id) in ids.iter().enumerate() {
        csv.push_str(&format!("{id},p{i}@example.com,fr,{role}\n"));
    }
    let payload = app.generate(&csv, json!({})).await;
    assert_eq!(payload["issued"], 20_001, "{:#}", payload["errors"]);
    assert_eq!(app.member_status(&ids[20_000]).await, "PENDING");
}
