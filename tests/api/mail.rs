//! muster sends the invitations (`send: true`) through a real SMTP server (aiosmtpd): each
//! message in its invitation's language, with the headers mail clients read and a link that
//! works; retried on 4xx, failed on 5xx, kept while the server is down; cancelled with its
//! invitation; sent once by two nodes. Waiting for a retry moves the test clock.

use std::collections::HashMap;

use chrono::Duration;
use muster::Config;
use serde_json::{Value, json};

use crate::helpers::{
    OidcProvider, TestApp, error_code, fixture,
    fixtures::Fixture,
    smtp::{SmtpSink, free_port},
    spawn_app, spawn_app_with, token_of,
};

const FROM: &str = "Acme Invitations <invites@acme.example>";

/// Email delivery to `url`, with no rate limit.
fn mail_to(url: String) -> impl FnOnce(&mut Config) {
    move |config| {
        config.smtp_url = Some(url);
        config.mail_from = Some(FROM.to_owned());
        config.mail_rate = 0;
    }
}

const INVITE: &str = "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { link invitation { id } } }";

const DELIVERIES: &str = "query($filter: InvitationFilter) { invitations(first: 100, filter: $filter) { totalCount nodes { id email status delivery { status attempts lastError sentAt nextAttemptAt } } } }";

/// Every invitation's email by invitation id.
async fn deliveries(app: &TestApp) -> HashMap<String, Value> {
    let data = app.ok(DELIVERIES, json!({})).await;
    data["invitations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| (node["id"].as_str().unwrap().to_owned(), node["delivery"].clone()))
        .collect()
}

/// Waits (up to 30 s) until the invitation's email is in `status`; answers its delivery.
async fn wait_until(app: &TestApp, invitation: &str, status: &str) -> Value {
    let started = std::time::Instant::now();
    loop {
        let delivery = deliveries(app).await.remove(invitation).unwrap_or(Value::Null);
        if delivery["status"] == status {
            return delivery;
        }
        assert!(started.elapsed().as_secs() < 30, "still {delivery} instead of {status}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Invites a member with one role (`role`), sent by muster or not.
/// Waits until the invitation's email has had `attempts` attempts and waits for the next.
async fn wait_for_retry(app: &TestApp, invitation: &str, attempts: i64) -> Value {
    let started = std::time::Instant::now();
    loop {
        let delivery = wait_until(app, invitation, "QUEUED").await;
        if delivery["attempts"] == attempts {
            return delivery;
        }
        assert!(started.elapsed().as_secs() < 30, "still {delivery} instead of {attempts} attempts");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits until no email is being sent or due (each waits for a later attempt, or is done).
async fn wait_until_all_wait(app: &TestApp) {
    let started = std::time::Instant::now();
    loop {
        let now = deliveries(app).await;
        let waiting = |d: &Value| match d["status"].as_str() {
            Some("QUEUED") => d["nextAttemptAt"]
                .as_str()
                .and_then(|at| at.parse::<chrono::DateTime<chrono::Utc>>().ok())
                .is_some_and(|at| at > app.clock.now()),
            Some("SENDING") => false,
            _ => true,
        };
        if now.values().filter(|d| !d.is_null()).all(waiting) {
            return;
        }
        assert!(started.elapsed().as_secs() < 30, "{now:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn invite(app: &TestApp, member: &str, role: &str, send: bool) -> String {
    let data = app.ok(INVITE, json!({ "input": { "memberId": member, "roleIds": [role], "send": send } })).await;
    data["inviteMember"]["invitation"]["id"].as_str().unwrap().to_owned()
}

/// A sheet of the fixture's first members (`person{i}@example.com`), one in each language
/// given, all with the first role.
fn sheet_of(f: &Fixture, languages: &[&str]) -> String {
    let mut csv = String::from("Team Member ID,Email,Language,Role IDs\n");
    for (i, language) in languages.iter().enumerate() {
        csv.push_str(&format!("{},person{i}@example.com,{language},{}\n", f.members[i], f.roles[0]));
    }
    csv
}

/// Uploads a sheet with `send: true`; answers the payload.
async fn send_sheet(app: &TestApp, csv: &str) -> Value {
    let upload = "mutation($csv: String!) { generateInvitationLinks(input: { csv: $csv, send: true }) { issued queued batchId } }";
    app.ok(upload, json!({ "csv": csv })).await["generateInvitationLinks"].clone()
}

/// An app sending to `url` (trusting `ca`), with one member invited by email; answers the app
/// and the invitation.
async fn invited_through(url: String, ca: Option<std::path::PathBuf>) -> (TestApp, String) {
    let app = spawn_app_with(move |config| {
        mail_to(url)(config);
        config.smtp_ca = ca;
    })
    .await;
    let f = fixture(&app, 1).await;
    let id = invite(&app, &f.members[0], &f.roles[0], true).await;
    (app, id)
}

async fn audit_actions(app: &TestApp) -> Vec<Value> {
    let events = app.ok("{ auditEvents(first: 100) { nodes { action actor target details } } }", json!({})).await;
    events["auditEvents"]["nodes"].as_array().unwrap().clone()
}

#[tokio::test]
async fn muster_sends_each_invitation_in_its_language() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(mail_to(sink.url())).await;
    let f = fixture(&app, 8).await;
    let languages = ["en", "fr", "es", "de", "it", "pt", "pt-BR", "nl"];
    let payload = send_sheet(&app, &sheet_of(&f, &languages)).await;
    assert_eq!((payload["issued"].as_i64(), payload["queued"].as_i64()), (Some(8), Some(8)), "{payload}");

    let received = sink.wait_for(8).await;
    let subjects = [
        "Acme Corp invites you to join them",
        "Invitation à rejoindre Acme Corp",
        "Invitación para unirte a Acme Corp",
        "Einladung zu Acme Corp",
        "Invito a unirti a Acme Corp",
        "Convite para se juntar a Acme Corp",
        "Convite para participar de Acme Corp",
        "Uitnodiging voor Acme Corp",
    ];
    let invitations = app.ok(DELIVERIES, json!({})).await["invitations"]["nodes"].as_array().unwrap().clone();
    let id_of: HashMap<String, String> = invitations
        .iter()
        .map(|node| (node["email"].as_str().unwrap().to_owned(), node["id"].as_str().unwrap().to_owned()))
        .collect();
    for (i, (language, subject)) in languages.iter().zip(subjects).enumerate() {
        let to = format!("person{i}@example.com");
        let message = received.iter().find(|m| m.rcpt_tos == [to.clone()]).unwrap_or_else(|| panic!("{to}"));
        assert_eq!(message.subject(), subject, "{language}");
        assert_eq!(message.header("From").as_deref(), Some("\"Acme Invitations\" <invites@acme.example>"));
        assert_eq!(message.header("To").as_deref(), Some(to.as_str()));
        assert_eq!(message.header("Content-Language").as_deref(), Some(*language));
        assert_eq!(message.header("Message-ID"), Some(format!("<{}.invitation@acme.example>", id_of[&to])));
        assert!(message.header("Date").is_some());
        assert!(message.header("Content-Type").unwrap().starts_with("multipart/alternative"), "{language}");
        let html = message.part("text/html");
        assert!(html.contains(&format!("<html lang=\"{language}\">")), "{language}");
        let link = message.link();
        assert!(html.contains(&format!("href=\"{link}\"")), "{language}: the same link in both parts");
        assert!(link.starts_with(&app.url("/invite/inv_")), "{link}");
        // The link works: the landing page speaks the language, and the invitation accepts.
        let page = app.client.get(&link).send().await.unwrap();
        assert_eq!(page.headers()["content-language"], *language);
        let accepted = app.accept(&token_of(&link)).await;
        assert!(accepted.get("errors").is_none(), "{language}: {accepted}");
    }
    let french = received.iter().find(|m| m.rcpt_tos == ["person1@example.com"]).unwrap().part("text/plain");
    assert!(french.contains("Le lien est valable jusqu’au "), "{french}");
    assert!(french.contains("Envoyé pour le compte de Acme Corp."), "{french}");

    for (id, delivery) in deliveries(&app).await {
        assert_eq!(delivery["status"], "SENT", "{id}: {delivery}");
        assert_eq!(delivery["attempts"], 1);
        assert!(delivery["sentAt"].is_string() && delivery["nextAttemptAt"].is_null());
    }
    let sent = app.ok(DELIVERIES, json!({ "filter": { "deliveryStatus": ["SENT"] } })).await;
    assert_eq!(sent["invitations"]["totalCount"], 8);
    let queued = app.ok(DELIVERIES, json!({ "filter": { "deliveryStatus": ["QUEUED", "FAILED"] } })).await;
    assert_eq!(queued["invitations"]["totalCount"], 0);
    let events: Vec<Value> = audit_actions(&app).await.into_iter().filter(|e| e["action"] == "message.sent").collect();
    assert_eq!(events.len(), 8);
    assert!(events.iter().all(|e| e["actor"] == "mailer" && !e.to_string().contains("inv_")), "{events:?}");
    // The link is kept until sent, then erased.
    let kept: i64 = app.scalar("SELECT COUNT(*) AS n FROM mail_messages WHERE sealed_link IS NOT NULL", "n").await;
    assert_eq!(kept, 0);
    // The members export says where each member's email stands.
    let export = app.client.get(app.url("/members.csv")).bearer_auth(&app.token).send().await.unwrap();
    let rows = crate::helpers::read_csv(&export.bytes().await.unwrap());
    assert_eq!(rows[0][8], "Delivery");
    assert!(rows[1..].iter().all(|row| row[8] == "Sent"), "{rows:?}");
}

#[tokio::test]
async fn sending_needs_delivery_configured() {
    let app = spawn_app().await;
    let f = fixture(&app, 1).await;
    let input = json!({ "memberId": f.members[0], "roleIds": [f.roles[0]], "send": true });
    let response = app.gql(INVITE, json!({ "input": input })).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
    assert!(response["errors"][0]["message"].as_str().unwrap().contains("email delivery is not configured"));
    let csv =
        format!("Team Member ID,Email,Language,Role IDs\n{},person0@example.com,en,{}\n", f.members[0], f.roles[0]);
    let response = app
        .gql(
            "mutation($csv: String!) { generateInvitationLinks(input: { csv: $csv, send: true }) { issued } }",
            json!({ "csv": csv }),
        )
        .await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
    assert_eq!(app.member_status(&f.members[0]).await, "NOT_INVITED", "nothing issued");
    // Without `send`, nothing is queued, and there is no delivery to show.
    let id = invite(&app, &f.members[0], &f.roles[0], false).await;
    assert_eq!(deliveries(&app).await[&id], Value::Null);
}

#[tokio::test]
async fn temporary_failures_are_retried_and_permanent_ones_fail_at_once() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(mail_to(sink.url())).await;
    let role = app.create_role("Team Member").await;
    let greylisted = app.create_member("later2.ana@example.com", None, "en", &[&role]).await;
    let unknown = app.create_member("bounce.bob@example.com", None, "en", &[&role]).await;
    let greylisted = invite(&app, &greylisted, &role, true).await;
    let unknown = invite(&app, &unknown, &role, true).await;

    let failed = wait_until(&app, &unknown, "FAILED").await;
    assert_eq!(failed["attempts"], 1, "a 5xx is not retried");
    assert!(failed["lastError"].as_str().unwrap().contains("550"), "{failed}");
    let events = audit_actions(&app).await;
    let failure = events.iter().find(|e| e["action"] == "message.failed").expect("an audit event");
    assert_eq!(failure["target"], unknown.as_str());
    assert!(failure["details"]["error"].as_str().unwrap().contains("User unknown"), "{failure}");

    // 451 twice: queued again, the first retry within a minute, the next later.
    let mut waited = Vec::new();
    for attempt in 1..=2 {
        let queued = wait_for_retry(&app, &greylisted, attempt).await;
        assert!(queued["lastError"].as_str().unwrap().contains("451"), "{queued}");
        let next: chrono::DateTime<chrono::Utc> = queued["nextAttemptAt"].as_str().unwrap().parse().unwrap();
        let wait = next - app.clock.now();
        waited.push(wait);
        app.clock.advance(wait + Duration::seconds(1));
    }
    assert!(waited[0] <= Duration::minutes(1), "the first retry within a minute: {waited:?}");
    assert!(waited[1] > waited[0], "{waited:?}");
    let sent = wait_until(&app, &greylisted, "SENT").await;
    assert_eq!(sent["attempts"], 3);
    let received = sink.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_tos, ["later2.ana@example.com"]);
}

#[tokio::test]
async fn a_server_that_is_down_gets_the_messages_once_it_is_back() {
    let port = free_port();
    let app = spawn_app_with(mail_to(format!("smtp://127.0.0.1:{port}?tls=none"))).await;
    let f = fixture(&app, 1).await;
    let id = invite(&app, &f.members[0], &f.roles[0], true).await;
    let queued = wait_for_retry(&app, &id, 1).await;
    assert!(queued["lastError"].is_string(), "{queued}");
    let sink = SmtpSink::start_on(port, 0.0);
    app.clock.advance(Duration::minutes(1));
    let received = sink.wait_for(1).await;
    assert_eq!(received[0].rcpt_tos, ["person0@example.com"]);
    assert_eq!(wait_until(&app, &id, "SENT").await["attempts"], 2);
}

#[tokio::test]
async fn revoking_cancels_what_was_not_sent_and_erases_its_link() {
    // No server yet: everything stays queued.
    let port = free_port();
    let app = spawn_app_with(mail_to(format!("smtp://127.0.0.1:{port}?tls=none"))).await;
    let f = fixture(&app, 6).await;
    let sheet = send_sheet(&app, &sheet_of(&f, &["en"; 3])).await;
    assert_eq!(sheet["queued"], 3);
    let sealed: Vec<String> = {
        use sea_orm::ConnectionTrait;
        let rows = app
            .db
            .query_all_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                "SELECT sealed_link FROM mail_messages",
            ))
            .await
            .unwrap();
        rows.iter().map(|row| row.try_get_by_index::<String>(0).unwrap()).collect()
    };
    assert!(sealed.iter().all(|link| link.starts_with("enc:v1:") && !link.contains("inv_")), "{sealed:?}");

    let single = invite(&app, &f.members[3], &f.roles[0], true).await;
    let replaced = invite(&app, &f.members[4], &f.roles[0], true).await;
    // The server is down: every message waits for a later attempt, and none is being sent at
    // the moment it is revoked (a message in flight cannot be called back).
    wait_until_all_wait(&app).await;
    let revoke = "mutation($id: ID!) { revokeBatch(batchId: $id) { revoked cancelledMessages } }";
    let data = app.ok(revoke, json!({ "id": sheet["batchId"] })).await;
    assert_eq!(data["revokeBatch"], json!({ "revoked": 3, "cancelledMessages": 3 }));
    app.ok("mutation($id: ID!) { revokeInvitation(id: $id) { status } }", json!({ "id": single })).await;
    let newer = invite(&app, &f.members[4], &f.roles[0], true).await;
    // Accepted from the links sheet before the email went out.
    let input = json!({ "memberId": f.members[5], "roleIds": [f.roles[0]], "send": true });
    let accepted = app.ok(INVITE, json!({ "input": input })).await;
    let link = accepted["inviteMember"]["link"].as_str().unwrap();
    wait_until_all_wait(&app).await;
    assert!(app.accept(&token_of(link)).await.get("errors").is_none());

    let now = deliveries(&app).await;
    let cancelled: Vec<&String> = now.iter().filter(|(_, d)| d["status"] == "CANCELLED").map(|(id, _)| id).collect();
    assert_eq!(cancelled.len(), 6, "the batch's three, the revoked, the replaced and the accepted one: {now:?}");
    assert_eq!(now[&replaced]["status"], "CANCELLED");
    let kept: i64 = app
        .scalar("SELECT COUNT(*) AS n FROM mail_messages WHERE status = 'cancelled' AND sealed_link IS NOT NULL", "n")
        .await;
    assert_eq!(kept, 0, "a cancelled message's link is erased");
    let filtered = app.ok(DELIVERIES, json!({ "filter": { "deliveryStatus": ["CANCELLED"] } })).await;
    assert_eq!(filtered["invitations"]["totalCount"], 6);

    // The server comes back: only the newer invitation's message goes out.
    let sink = SmtpSink::start_on(port, 0.0);
    app.clock.advance(Duration::minutes(2));
    wait_until(&app, &newer, "SENT").await;
    let received = sink.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].rcpt_tos, ["person4@example.com"]);
    let batch = audit_actions(&app).await.into_iter().find(|e| e["action"] == "batch.revoked").unwrap();
    assert_eq!(batch["details"]["cancelledMessages"], 3);
}

#[tokio::test]
async fn two_nodes_send_one_batch_once() {
    let sink = SmtpSink::start();
    // Ten a second each: a node takes fifty at a time, so both take part.
    let url = sink.url();
    let app = spawn_app_with(move |config| {
        mail_to(url)(config);
        config.mail_rate = 10;
    })
    .await;
    let _other = app.another_node().await;
    let role = app.create_role("Team Member").await;
    let members = app.create_members(100, &[&role]).await;
    let mut csv = String::from("Team Member ID,Email,Language,Role IDs\n");
    for (i, member) in members.iter().enumerate() {
        csv.push_str(&format!("{member},user{i:05}@example.com,en,{role}\n"));
    }
    let payload = app
        .ok(
            "mutation($csv: String!) { generateInvitationLinks(input: { csv: $csv, send: true }) { queued } }",
            json!({ "csv": csv }),
        )
        .await;
    assert_eq!(payload["generateInvitationLinks"]["queued"], 100);
    let received = sink.wait_for(100).await;
    // A moment more for any duplicate to arrive.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let received = if sink.received().len() > received.len() { sink.received() } else { received };
    let mut recipients: Vec<String> = received.iter().flat_map(|m| m.rcpt_tos.clone()).collect();
    recipients.sort();
    let before = recipients.len();
    recipients.dedup();
    assert_eq!((before, recipients.len()), (100, 100), "each message once");
}

#[tokio::test]
async fn the_message_names_the_sso_provider_to_sign_in_with() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(mail_to(sink.url())).await;
    let provider = OidcProvider::start(&app.url("/sso/callback")).await;
    let configured = app.configure_sso(&provider, &["acme.test"], true).await;
    assert!(configured.get("errors").is_none(), "{configured}");
    let role = app.create_role("Team Member").await;
    let sso = app.create_member("ana@acme.test", None, "fr", &[&role]).await;
    invite(&app, &sso, &role, true).await;
    let message = &sink.wait_for(1).await[0];
    let text = message.part("text/plain");
    assert!(
        text.contains("Vous vous connecterez avec Acme SSO, l’authentification unique de votre organisation, en utilisant ana@acme.test."),
        "{text}"
    );
    assert!(message.part("text/html").contains("Vous vous connecterez avec Acme SSO"));
}

#[tokio::test]
async fn starttls_implicit_tls_and_auth_through_an_internal_authority() {
    for (tls, scheme) in [("starttls", "smtp"), ("implicit", "smtps")] {
        let sink = SmtpSink::start_with(&["--tls", tls, "--auth", "muster:s3cret/+"]);
        let url = format!("{scheme}://muster:s3cret%2F%2B@localhost:{}", sink.port);
        let (app, id) = invited_through(url, Some(sink.ca())).await;
        assert_eq!(sink.wait_for(1).await[0].rcpt_tos, ["person0@example.com"], "{tls}");
        wait_until(&app, &id, "SENT").await;
    }
    // The relay's certificate is not publicly trusted, and nobody said whose it is: nothing is
    // sent in the clear, and the message waits for the configuration to be fixed.
    let sink = SmtpSink::start_with(&["--tls", "starttls"]);
    let (app, id) = invited_through(format!("smtp://localhost:{}", sink.port), None).await;
    let queued = wait_for_retry(&app, &id, 1).await;
    assert!(queued["lastError"].as_str().unwrap().to_lowercase().contains("certificate"), "{queued}");
    // Wrong credentials are the operator's to fix, not the invitee's fault: retried, not failed.
    let sink = SmtpSink::start_with(&["--tls", "starttls", "--auth", "muster:right"]);
    let url = format!("smtp://muster:wrong@localhost:{}", sink.port);
    let (app, id) = invited_through(url, Some(sink.ca())).await;
    let queued = wait_for_retry(&app, &id, 1).await;
    assert!(queued["lastError"].as_str().unwrap().contains("credentials"), "{queued}");
    assert!(!queued["lastError"].as_str().unwrap().contains("wrong"), "no password in the error: {queued}");
}

/// The HTML message as mail clients show it, in a real browser: it fits a phone's screen and a
/// desktop's, its button is large enough to tap and leads to the link, and it asks for nothing
/// from elsewhere. `MUSTER_SCREENSHOTS=DIR` keeps the pictures (`docs/screenshots/` holds some).
#[tokio::test]
async fn the_html_message_fits_a_phone_and_a_desktop_in_chromium() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(mail_to(sink.url())).await;
    let f = fixture(&app, 2).await;
    send_sheet(&app, &sheet_of(&f, &["fr", "de"])).await;
    let received = sink.wait_for(2).await;
    let dir = tempfile::tempdir().unwrap();
    for message in &received {
        let language = message.header("Content-Language").unwrap();
        let html = dir.path().join(format!("mail-{language}.html"));
        std::fs::write(&html, message.part("text/html")).unwrap();
        let mut args = vec![html.display().to_string()];
        if let Ok(screenshots) = std::env::var("MUSTER_SCREENSHOTS") {
            args.push(format!("{screenshots}/mail-{language}"));
        }
        let seen =
            crate::helpers::node::browser("mail.mjs", &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
        for (width, viewport) in [("phone", 390.0), ("desktop", 1280.0)] {
            let shown = &seen[width];
            assert_eq!(shown["overflows"], false, "{language} {width}: {seen:#}");
            assert_eq!(shown["lang"], language.as_str());
            let button = &shown["button"];
            assert_eq!(button["href"].as_str().unwrap(), message.link(), "{language} {width}");
            assert!(button["left"].as_f64().unwrap() >= 0.0 && button["right"].as_f64().unwrap() <= viewport);
            assert!(button["height"].as_f64().unwrap() >= 44.0, "a button a thumb can tap: {seen:#}");
            assert!(shown["smallestText"].as_f64().unwrap() >= 12.0, "{seen:#}");
            assert_eq!(shown["foreignRequests"], json!([]), "{seen:#}");
        }
    }
}

/// The relay refuses muster's From address: that is the operator's to fix, not the invitees'
/// addresses. The first message waits for a retry and the rest of the batch waits with it,
/// untried; none is FAILED, and no link is erased.
#[tokio::test]
async fn a_refused_sender_holds_the_batch_instead_of_failing_it() {
    let sink = SmtpSink::start_with(&["--refuse-sender"]);
    let app = spawn_app_with(mail_to(sink.url())).await;
    let f = fixture(&app, 3).await;
    send_sheet(&app, &sheet_of(&f, &["en"; 3])).await;
    let started = std::time::Instant::now();
    let deliveries = loop {
        let now = deliveries(&app).await;
        if now.values().all(|d| d["status"] == "QUEUED") && now.values().any(|d| d["attempts"] == 1) {
            break now;
        }
        assert!(started.elapsed().as_secs() < 30, "{now:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let mut attempts: Vec<i64> = deliveries.values().map(|d| d["attempts"].as_i64().unwrap()).collect();
    attempts.sort();
    assert_eq!(attempts, [0, 0, 1], "one tried, the others held untried: {deliveries:?}");
    let tried = deliveries.values().find(|d| d["attempts"] == 1).unwrap();
    assert!(tried["lastError"].as_str().unwrap().contains("refused the sender (MUSTER_MAIL_FROM)"), "{tried}");
    let next = &tried["nextAttemptAt"];
    assert!(deliveries.values().all(|d| &d["nextAttemptAt"] == next), "the batch waits together: {deliveries:?}");
    let kept: i64 = app.scalar("SELECT COUNT(*) AS n FROM mail_messages WHERE sealed_link IS NOT NULL", "n").await;
    assert_eq!(kept, 3);
}

/// A slow server and a node whose hold on its batch would run out mid-way (the test clock
/// moves 4 minutes twice; a hold lasts 5): each message's hold is renewed just before it is
/// sent, so the other node takes over only messages not yet begun, and none goes out twice.
#[tokio::test]
async fn a_slow_server_never_makes_two_nodes_send_one_message() {
    let sink = SmtpSink::start_on(0, 0.4);
    let app = spawn_app_with(mail_to(sink.url())).await;
    let _other = app.another_node().await;
    let f = fixture(&app, 8).await;
    send_sheet(&app, &sheet_of(&f, &["en"; 8])).await;
    sink.wait_for(1).await;
    app.clock.advance(Duration::minutes(4));
    sink.wait_for(3).await;
    app.clock.advance(Duration::minutes(4));
    sink.wait_for(8).await;
    // Time for a message sent twice to arrive.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let mut recipients: Vec<String> = sink.received().iter().flat_map(|m| m.rcpt_tos.clone()).collect();
    recipients.sort();
    let sent = recipients.len();
    recipients.dedup();
    assert_eq!((sent, recipients.len()), (8, 8), "each message once");
}
