//! The command line, as an operator runs it.

use std::process::Command;

use serde_json::json;

use crate::helpers::{TestDatabase, spawn_app};

fn muster(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_muster"))
        .args(args)
        .env("MUSTER_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run muster")
}

#[tokio::test]
async fn token_create_prints_only_a_working_token() {
    let app = spawn_app().await;
    let output = muster(app.database.url(), &["token", "create", "--org", "acme", "--name", "ci"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let token = stdout.trim_end();
    assert!(
        token.starts_with("mst_") && !token.contains(char::is_whitespace) && stdout.lines().count() == 1,
        "{stdout:?}"
    );
    let response = app.gql_as(Some(token), "{ viewer { name } }", json!({})).await;
    assert_eq!(response["data"]["viewer"]["name"], "ci");
    let trail = app.ok("{ auditEvents { nodes { actor action details } } }", json!({})).await;
    let created = &trail["auditEvents"]["nodes"][0];
    assert_eq!((created["action"].as_str(), created["details"]["name"].as_str()), (Some("token.created"), Some("ci")));
    assert!(created["actor"].as_str().unwrap().starts_with("cli"), "the operator is the actor: {created}");

    let output = muster(app.database.url(), &["token", "create", "--org", "nope", "--name", "ci"]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
}

#[tokio::test]
async fn org_create_then_migrations_down_and_up() {
    let database = TestDatabase::new().await;
    let url = database.url();
    let output = muster(url, &["org", "create", "--slug", "initech", "--name", "Initech"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let output = muster(url, &["org", "create", "--slug", "initech", "--name", "Again"]);
    assert!(!output.status.success(), "a slug is taken once");

    let status = String::from_utf8(muster(url, &["migrate", "status"]).stdout).unwrap();
    assert!(status.lines().count() >= 1 && status.lines().all(|line| line.ends_with("Applied")), "{status}");

    let migrations = status.lines().count().to_string();
    let output = muster(url, &["migrate", "down", "-n", &migrations]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let status = String::from_utf8(muster(url, &["migrate", "status"]).stdout).unwrap();
    assert!(status.lines().all(|line| line.ends_with("Pending")), "{status}");

    let output = muster(url, &["migrate", "up"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let output = muster(url, &["org", "create", "--slug", "initech", "--name", "Initech"]);
    assert!(output.status.success(), "the schema is whole again (and empty)");
}

#[tokio::test]
async fn tokens_are_listed_and_revoked_from_the_command_line() {
    let app = spawn_app().await;
    let output = muster(app.database.url(), &["token", "create", "--org", "acme", "--name", "deploy-bot"]);
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(app.gql_as(Some(&token), "{ viewer { name } }", json!({})).await.get("errors").is_none());

    let listed = String::from_utf8(muster(app.database.url(), &["token", "list", "--org", "acme"]).stdout).unwrap();
    let names: Vec<&str> = listed.lines().map(|line| line.split('\t').next().unwrap()).collect();
    assert_eq!(names, ["tests", "deploy-bot"], "{listed}");
    assert!(!listed.contains("mst_"), "never a token itself: {listed}");

    let output = muster(app.database.url(), &["token", "revoke", "--org", "acme", "--name", "deploy-bot"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let response = app.gql_as(Some(&token), "{ viewer { name } }", json!({})).await;
    assert_eq!(crate::helpers::error_code(&response), Some("UNAUTHENTICATED"), "at once: {response}");
    let listed = String::from_utf8(muster(app.database.url(), &["token", "list", "--org", "acme"]).stdout).unwrap();
    assert!(listed.lines().nth(1).unwrap().contains("revoked"), "{listed}");
    let again = muster(app.database.url(), &["token", "revoke", "--org", "acme", "--name", "deploy-bot"]);
    assert!(!again.status.success(), "nothing left to revoke is an error");
}

#[test]
fn mail_preview_prints_what_an_invitee_would_read() {
    let preview = |args: &[&str], templates: Option<&std::path::Path>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_muster"));
        command.args(["mail", "preview"]).args(args).env("RUST_LOG", "warn");
        if let Some(dir) = templates {
            command.env("MUSTER_MAIL_TEMPLATES", dir);
        }
        let output = command.output().expect("run muster");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let text = preview(&["--language", "de-AT", "--organization", "Globex", "--sso-provider", "Globex Entra"], None);
    assert!(text.starts_with("Guten Tag,"), "{text}");
    assert!(text.contains("Sie melden sich mit Globex Entra an"), "{text}");
    assert_eq!(preview(&["--language", "nl", "--part", "subject"], None), "Uitnodiging voor Acme Corp");
    let html = preview(&["--language", "pt-BR", "--part", "html"], None);
    assert!(html.contains("<html lang=\"pt-BR\">") && html.contains("Aceitar convite"), "{html}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("en.ftl"), "mail-subject = Welcome aboard, from { $org }\n").unwrap();
    assert_eq!(preview(&["--part", "subject"], Some(dir.path())), "Welcome aboard, from Acme Corp");
}

/// The benchmark of a sheet runs muster as a process of its own (here this binary, measured
/// against itself), seeds it through the API and prints a line of figures per build.
#[test]
fn bench_invitations_measures_a_build_against_another() {
    let binary = env!("CARGO_BIN_EXE_muster");
    let postgres = std::env::var("MUSTER_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty());
    let mut args = vec!["bench", "invitations", "--rows", "300", "--against", binary];
    if let Some(server) = &postgres {
        args.extend(["--postgres", server]);
    }
    let output = Command::new(binary).args(&args).env("RUST_LOG", "warn").output().expect("run muster");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("rows issued       300"), "{stdout}");
    for build in ["this build ", "against "] {
        let line = stdout.lines().find(|line| line.starts_with(build)).unwrap_or_else(|| panic!("{build}: {stdout}"));
        let figures: Vec<&str> = line[build.len()..].split_whitespace().collect();
        // `2.54 s   39309   0.25 s   10.3×   211 MB (53 MB)`: a time, a rate, the floor, the
        // ratio, and muster's own peak memory, read from its process.
        assert!(figures[0].parse::<f64>().is_ok_and(|s| s > 0.0) && figures[1] == "s", "{line}");
        assert!(figures[2].parse::<f64>().is_ok_and(|rate| rate > 0.0) && figures[4] == "s", "{line}");
        assert!(figures[5].ends_with('×') && figures[7] == "MB", "{line}");
        assert!(figures[6].parse::<f64>().is_ok_and(|mb| mb > 1.0), "muster's own peak: {line}");
    }
    assert!(stdout.contains("this build is "), "{stdout}");
}
