//! Workbooks as admins have them: saved by LibreOffice (xlsx, xls, ods) and by openpyxl, read
//! through the front door; the template, the links and the members as `.xlsx`, read back by
//! openpyxl; and a zip bomb refused at once.

use std::io::Write;

use serde_json::{Value, json};

use crate::helpers::{fixture, python::workbook_py, spawn_app};

fn fixture_file(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workbooks").join(name)).unwrap()
}

fn problems<'a>(payload: &'a Value, kind: &str, code: &str) -> Vec<&'a Value> {
    payload[kind].as_array().unwrap().iter().filter(|p| p["code"] == code).collect()
}

/// Every fixture holds the same rows (see `tests/fixtures/workbooks/make.py`).
#[tokio::test]
async fn workbooks_saved_by_real_spreadsheets_read_as_a_person_sees_them() {
    let app = spawn_app().await;
    for name in ["libreoffice.xlsx", "libreoffice.xls", "libreoffice.ods", "openpyxl.xlsx"] {
        let payload = app.upload_sheet(fixture_file(name), name).await;
        let rows = payload["rows"].as_array().unwrap();
        let read: Vec<(i64, &str, &str)> = rows
            .iter()
            .map(|r| (r["line"].as_i64().unwrap(), r["memberId"].as_str().unwrap(), r["email"].as_str().unwrap()))
            .collect();
        assert_eq!(
            read,
            [
                (2, "12345", "ana@example.com"),
                (3, "00042", "bo@example.com"),
                (5, "A1b2C3d4E", "dee@example.com"),
                (6, "Cy0000001", "cy@example.com"),
                (8, "Zed000001", "zed@example.com"),
            ],
            "{name}: ids as shown (no `.0`, zeros kept), the formula's value, the hidden line 4 left out"
        );
        assert_eq!(rows[0]["roleIds"], json!(["NBq0Nvg34", "E9bMO7zx5"]), "{name}");
        assert_eq!(rows[1]["roleIds"], json!(["7"]), "{name}: a role id stored as a number");
        assert_eq!(rows[3]["roleIds"], json!(["r1", "r2"]), "{name}");

        let not_text = problems(&payload, "errors", "CELL_NOT_TEXT");
        assert_eq!(not_text.len(), 1, "{name}: {payload:#}");
        assert_eq!(not_text[0]["line"], 5);
        assert_eq!(not_text[0]["column"], "Language");
        assert_eq!(not_text[0]["cell"], "Invitation Links!C5");
        assert!(not_text[0]["message"].as_str().unwrap().contains("a date (2024-03-01)"), "{name}: {not_text:?}");
        let unknown = problems(&payload, "errors", "UNKNOWN_MEMBER");
        assert_eq!(unknown[0]["cell"], "Invitation Links!A2", "{name}");

        let warnings: Vec<&str> =
            payload["warnings"].as_array().unwrap().iter().map(|w| w["message"].as_str().unwrap()).collect();
        assert!(warnings.iter().any(|w| w.contains("read `Invitation Links`")), "{name}: {warnings:?}");
        assert!(warnings.iter().any(|w| w.contains("line 4 is") && w.contains("hidden")), "{name}: {warnings:?}");
        assert_eq!(payload["issued"], 0, "{name}: a sheet with errors issues nothing");
    }
}

/// Download the template, fill it as a script would, upload it, get the links workbook, read
/// it back.
#[tokio::test]
async fn the_template_workbook_round_trips_through_openpyxl() {
    let app = spawn_app().await;
    let f = fixture(&app, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let template = app.client.get(app.url("/invitations/template.xlsx")).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(template.status(), 200);
    assert_eq!(template.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let template_path = dir.path().join("template.xlsx");
    std::fs::write(&template_path, template.bytes().await.unwrap()).unwrap();
    let sheets: Value = serde_json::from_str(&workbook_py(&["dump", template_path.to_str().unwrap()])).unwrap();
    let roles = &sheets["Roles"]["rows"];
    assert_eq!(roles.as_array().unwrap().len(), 4, "a header and the organization's three roles");
    let listed: Vec<&str> = roles.as_array().unwrap()[1..].iter().map(|r| r[0]["value"].as_str().unwrap()).collect();
    for role in &f.roles {
        assert!(listed.contains(&role.as_str()), "{listed:?}");
    }

    let members: Vec<String> =
        f.members.iter().enumerate().map(|(i, id)| format!("{id}:person{i}@example.com:fr")).collect();
    let filled = dir.path().join("filled.xlsx");
    let mut args = vec!["fill", template_path.to_str().unwrap(), filled.to_str().unwrap()];
    args.extend(members.iter().map(String::as_str));
    workbook_py(&args);

    let response = app.post_sheet(std::fs::read(&filled).unwrap(), "?format=xlsx").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-muster-issued"], "3");
    let links_path = dir.path().join("links.xlsx");
    std::fs::write(&links_path, response.bytes().await.unwrap()).unwrap();
    let links: Value = serde_json::from_str(&workbook_py(&["dump", links_path.to_str().unwrap()])).unwrap();
    let sheet = &links["Invitation Links"];
    let rows = sheet["rows"].as_array().unwrap();
    let header: Vec<&str> = rows[0].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(header, ["Team Member ID", "Email", "Language", "Role IDs", "Invitation Link", "Expires At"]);
    assert!(rows[0].as_array().unwrap().iter().all(|c| c["bold"] == true), "a bold header");
    assert_eq!(sheet["frozen"], "A2", "the header stays in view");
    assert_eq!(rows.len(), 4);
    for (row, member) in rows[1..].iter().zip(&f.members) {
        assert_eq!(row[0]["value"], member.as_str());
        assert_eq!(row[0]["type"], "s", "text, stored as text");
        assert_eq!(row[0]["format"], "@");
        let link = row[4]["value"].as_str().unwrap();
        assert!(link.starts_with(&format!("{}/invite/", app.address)), "{link}");
        assert_eq!(row[4]["link"], link, "a clickable link");
        assert_eq!(row[5]["date"], true, "the expiry is a date");
        assert_eq!(app.member_status(member).await, "PENDING");
    }
    let link_width = sheet["widths"]["E"].as_f64().unwrap();
    assert!(link_width > 40.0, "the link column is as wide as its links: {link_width}");

    // The same links over GraphQL, as a base64 workbook, and the links workbook uploads again.
    let again = app.upload_sheet(std::fs::read(&links_path).unwrap(), "links.xlsx").await;
    assert_eq!(again["issued"], 3, "{again:#}");
}

#[tokio::test]
async fn the_members_export_and_the_template_as_workbooks() {
    let app = spawn_app().await;
    let f = fixture(&app, 2).await;
    let dir = tempfile::tempdir().unwrap();
    for path in ["/members.xlsx?search=person1", "/members.csv?format=xlsx&search=person1"] {
        let response = app.client.get(app.url(path)).bearer_auth(&app.token).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let file = dir.path().join("members.xlsx");
        std::fs::write(&file, response.bytes().await.unwrap()).unwrap();
        let sheets: Value = serde_json::from_str(&workbook_py(&["dump", file.to_str().unwrap()])).unwrap();
        let rows = sheets["Members"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "{path}: the header and the one member the filter keeps");
        assert_eq!(rows[1][0]["value"], f.members[1].as_str());
        assert_eq!(rows[1][6]["value"], "Not Invited");
        assert_eq!(rows[1][7]["date"], true, "Created At is a date");
    }
    let anonymous = app.client.get(app.url("/members.xlsx")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    // Anyone may have the template; only an admin's lists their roles.
    let public = app.client.get(app.url("/invitations/template.csv?format=xlsx")).send().await.unwrap();
    assert_eq!(public.status(), 200);
    let file = dir.path().join("template.xlsx");
    std::fs::write(&file, public.bytes().await.unwrap()).unwrap();
    let sheets: Value = serde_json::from_str(&workbook_py(&["dump", file.to_str().unwrap()])).unwrap();
    assert!(sheets.get("Roles").is_none(), "{sheets}");
    let wrong = app.client.get(app.url("/invitations/template.xlsx")).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(wrong.status(), 401, "a token that is given must be valid");

    let data = app.ok("{ invitationSheetTemplateWorkbook }", json!({})).await;
    let encoded = data["invitationSheetTemplateWorkbook"].as_str().unwrap();
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded).unwrap();
    let file = dir.path().join("template-graphql.xlsx");
    std::fs::write(&file, bytes).unwrap();
    let sheets: Value = serde_json::from_str(&workbook_py(&["dump", file.to_str().unwrap()])).unwrap();
    assert_eq!(sheets["Roles"]["rows"].as_array().unwrap().len(), 4, "the header and the three roles");

    // The links workbook over GraphQL: base64, made when asked for.
    let csv =
        format!("Team Member ID,Email,Language,Role IDs\n{},person0@example.com,en,{}\n", f.members[0], f.roles[0]);
    let data = app
        .ok(
            "mutation($input: GenerateInvitationLinksInput!) { generateInvitationLinks(input: $input) { issued workbook } }",
            json!({ "input": { "csv": csv } }),
        )
        .await;
    assert_eq!(data["generateInvitationLinks"]["issued"], 1);
    let encoded = data["generateInvitationLinks"]["workbook"].as_str().unwrap();
    let file = dir.path().join("links-graphql.xlsx");
    std::fs::write(&file, base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded).unwrap())
        .unwrap();
    let sheets: Value = serde_json::from_str(&workbook_py(&["dump", file.to_str().unwrap()])).unwrap();
    let rows = sheets["Invitation Links"]["rows"].as_array().unwrap();
    assert_eq!(rows[1][0]["value"], f.members[0].as_str());
    assert!(rows[1][4]["link"].as_str().unwrap().contains("/invite/"));
}

#[tokio::test]
async fn a_zip_bomb_is_too_large_at_once() {
    let app = spawn_app().await;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    out.start_file("xl/workbook.xml", options).unwrap();
    out.write_all(b"<workbook/>").unwrap();
    out.start_file("xl/sharedStrings.xml", options).unwrap();
    let zeros = vec![0u8; 16 * 1024 * 1024];
    for _ in 0..64 {
        out.write_all(&zeros).unwrap();
    }
    let bomb = out.finish().unwrap().into_inner();
    assert!(bomb.len() < 2_000_000, "{}", bomb.len());
    let started = std::time::Instant::now();
    let response = app.post_sheet(bomb, "").await;
    assert_eq!(response.status(), 422);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["errors"][0]["code"], "TOO_LARGE", "{report:#}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
}
