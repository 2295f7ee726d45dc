//! The life of an invitation: issued, re-issued, revoked, resent, expired, accepted once.

use chrono::Duration;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, fixture, spawn_app, token_of};

fn sheet(rows: &[(&str, &str, &str)]) -> String {
    let mut csv = String::from("Team Member ID,Email,Language,Role IDs\n");
    for (member, email, roles) in rows {
        csv.push_str(&format!("{member},{email},en,\"{roles}\"\n"));
    }
    csv
}

/// A sheet of these rows through `generateInvitationLinks`: the whole response.
async fn issue_sheet(app: &TestApp, rows: &[(&str, &str, &str)]) -> Value {
    app.gql(
        "mutation($csv: String!) { generateInvitationLinks(input: { csv: $csv }) { issued } }",
        json!({ "csv": sheet(rows) }),
    )
    .await
}

async fn status_by_token(app: &TestApp, token: &str) -> Value {
    let response = app
        .gql_as(None, "query($t: String!) { invitationByToken(token: $t) { email organizationName status expiresAt ssoRequired } }", json!({ "t": token }))
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    response["data"]["invitationByToken"].clone()
}

const INVITE: &str = "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { link invitation { id status email language roles { id } member { id } } } }";

#[tokio::test]
async fn reissuing_revokes_the_old_link() {
    let app = spawn_app().await;
    let f = fixture(&app, 1).await;
    let csv = sheet(&[(&f.members[0], "person0@example.com", &f.roles[0])]);
    let first = app.generate(&csv, json!({})).await;
    let old = token_of(first["rows"][0]["link"].as_str().unwrap());
    let second = app.generate(&csv, json!({})).await;
    assert_eq!(second["issued"], 1);
    let codes: Vec<&str> = second["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["REISSUE"], "{second:#}");
    assert_eq!(second["warnings"][0]["line"], 2);
    let new = token_of(second["rows"][0]["link"].as_str().unwrap());

    assert_eq!(status_by_token(&app, &old).await["status"], "REVOKED");
    assert_eq!(error_code(&app.accept(&old).await), Some("INVALID_INVITATION"));
    assert_eq!(status_by_token(&app, &new).await["status"], "PENDING");
    let data = app
        .ok(
            "query($id: ID!) { invitations(filter: { memberId: $id }) { totalCount nodes { status } } }",
            json!({ "id": f.members[0] }),
        )
        .await;
    assert_eq!(data["invitations"]["nodes"], json!([{ "status": "PENDING" }, { "status": "REVOKED" }]), "newest first");
    let by_batch = "query($id: ID!) { invitations(filter: { batchId: $id }) { nodes { status batchId } } }";
    let data = app.ok(by_batch, json!({ "id": first["batchId"] })).await;
    assert_eq!(data["invitations"]["nodes"], json!([{ "status": "REVOKED", "batchId": first["batchId"] }]));
    let other = app.create_members(1, &[]).await;
    let data = app.ok(INVITATIONS_OF, json!({ "id": other[0] })).await;
    assert_eq!(data["invitations"]["nodes"], json!([]), "another member's filter finds none of these");
    assert!(app.accept(&new).await.get("errors").is_none());
}

const INVITATIONS_OF: &str = "query($id: ID!) { invitations(filter: { memberId: $id }) { nodes { status } } }";

#[tokio::test]
async fn invite_one_member_revoke_and_resend() {
    let app = spawn_app().await;
    let f = fixture(&app, 2).await;
    app.ok(
        "mutation($id: ID!, $roles: [ID!]) { updateMember(id: $id, input: { roleIds: $roles }) { id } }",
        json!({ "id": f.members[0], "roles": [f.roles[1]] }),
    )
    .await;
    let data = app.ok(INVITE, json!({ "input": { "memberId": f.members[0] } })).await;
    let invited = &data["inviteMember"];
    assert_eq!(invited["invitation"]["status"], "PENDING");
    assert_eq!(invited["invitation"]["email"], "person0@example.com", "defaults come from the member");
    assert_eq!(invited["invitation"]["roles"], json!([{ "id": f.roles[1] }]));
    assert_eq!(invited["invitation"]["member"]["id"], f.members[0].as_str());
    let id = invited["invitation"]["id"].as_str().unwrap().to_owned();
    let first = token_of(invited["link"].as_str().unwrap());

    let data =
        app.ok("mutation($id: ID!) { revokeInvitation(id: $id) { status revokedAt } }", json!({ "id": id })).await;
    assert_eq!(data["revokeInvitation"]["status"], "REVOKED");
    assert!(data["revokeInvitation"]["revokedAt"].is_string());
    assert_eq!(app.member_status(&f.members[0]).await, "REVOKED");
    assert_eq!(error_code(&app.accept(&first).await), Some("INVALID_INVITATION"));

    let data = app
        .ok(
            "mutation($id: ID!) { resendInvitation(id: $id) { link invitation { id status roles { id } } } }",
            json!({ "id": id }),
        )
        .await;
    let resent = &data["resendInvitation"];
    assert_ne!(resent["invitation"]["id"], id.as_str());
    assert_eq!(resent["invitation"]["roles"], json!([{ "id": f.roles[1] }]));
    assert_eq!(app.member_status(&f.members[0]).await, "PENDING");
    let second = token_of(resent["link"].as_str().unwrap());

    // Resending a pending invitation kills its link too.
    let new_id = resent["invitation"]["id"].as_str().unwrap().to_owned();
    let data = app.ok("mutation($id: ID!) { resendInvitation(id: $id) { link } }", json!({ "id": new_id })).await;
    let third = token_of(data["resendInvitation"]["link"].as_str().unwrap());
    assert_eq!(error_code(&app.accept(&second).await), Some("INVALID_INVITATION"));
    let accepted = app.accept(&third).await;
    assert_eq!(accepted["data"]["acceptInvitation"]["memberId"], f.members[0].as_str(), "{accepted}");

    // An accepted member cannot be invited again, nor its invitation revoked.
    let response = app.gql(INVITE, json!({ "input": { "memberId": f.members[0] } })).await;
    assert_eq!(error_code(&response), Some("CONFLICT"), "{response}");
    let response = app.gql("mutation($id: ID!) { resendInvitation(id: $id) { link } }", json!({ "id": new_id })).await;
    assert_eq!(error_code(&response), Some("CONFLICT"));

    // Single invitations get the sheet's checks, naming the input field.
    let response = app.gql(INVITE, json!({ "input": { "memberId": f.members[1], "email": "not-an-email" } })).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"));
    assert_eq!(response["errors"][0]["extensions"]["field"], "input.email");
    let response =
        app.gql(INVITE, json!({ "input": { "memberId": f.members[1], "email": "person0@example.com" } })).await;
    assert_eq!(error_code(&response), Some("CONFLICT"), "another member's address: {response}");
    let response = app.gql(INVITE, json!({ "input": { "memberId": "NOPENOPE1" } })).await;
    assert_eq!(error_code(&response), Some("NOT_FOUND"));
    let response = app.gql(INVITE, json!({ "input": { "memberId": f.members[1], "roleIds": ["NOPENOPE1"] } })).await;
    assert_eq!(response["errors"][0]["extensions"]["field"], "input.roleIds");
}

#[tokio::test]
async fn links_expire_and_filters_agree() {
    let app = spawn_app().await;
    let f = fixture(&app, 2).await;
    let short = app
        .generate(&sheet(&[(&f.members[0], "person0@example.com", &f.roles[0])]), json!({ "expiresInDays": 1 }))
        .await;
    let long = app
        .generate(&sheet(&[(&f.members[1], "person1@example.com", &f.roles[0])]), json!({ "expiresInDays": 30 }))
        .await;
    let short_token = token_of(short["rows"][0]["link"].as_str().unwrap());
    let long_token = token_of(long["rows"][0]["link"].as_str().unwrap());

    app.clock.advance(Duration::days(2));
    assert_eq!(status_by_token(&app, &short_token).await["status"], "EXPIRED");
    assert_eq!(app.member_status(&f.members[0]).await, "EXPIRED");
    let data = app
        .ok("{ expired: invitations(filter: { status: [EXPIRED] }) { totalCount } pending: invitations(filter: { status: [PENDING] }) { totalCount } members(filter: { invitationStatus: [EXPIRED] }) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(data["expired"]["totalCount"], 1);
    assert_eq!(data["pending"]["totalCount"], 1);
    assert_eq!(data["members"]["nodes"], json!([{ "id": f.members[0] }]));
    assert_eq!(error_code(&app.accept(&short_token).await), Some("INVALID_INVITATION"));
    assert!(app.accept(&long_token).await.get("errors").is_none());
    let export = app
        .client
        .get(app.url("/members.csv?invitationStatus=EXPIRED"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(export.contains("Expired") && export.contains(&f.members[0]), "{export}");
}

#[tokio::test]
async fn acceptance_works_once_and_gives_the_invitations_roles() {
    let app = spawn_app().await;
    let f = fixture(&app, 1).await;
    let payload = app
        .generate(
            &sheet(&[(&f.members[0], "Person0.New@Example.com", &format!("{},{}", f.roles[0], f.roles[2]))]),
            json!({}),
        )
        .await;
    let codes: Vec<&str> =
        payload["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["EMAIL_CHANGED"]);
    let token = token_of(payload["rows"][0]["link"].as_str().unwrap());
    let public = status_by_token(&app, &token).await;
    assert_eq!(public["email"], "Person0.New@example.com");
    assert_eq!(public["organizationName"], "Acme Corp");
    assert_eq!(public["ssoRequired"], false);

    let accepted = app.accept(&token).await;
    assert_eq!(
        accepted["data"]["acceptInvitation"],
        json!({ "memberId": f.members[0], "email": "Person0.New@example.com", "organizationName": "Acme Corp" })
    );
    let again = app.accept(&token).await;
    assert_eq!(error_code(&again), Some("INVALID_INVITATION"));
    assert_eq!(again["errors"].as_array().unwrap().len(), 1);

    let data = app.ok("query($id: ID!) { member(id: $id) { email invitationStatus roles { id } latestInvitation { status acceptedAt } } }", json!({ "id": f.members[0] })).await;
    let member = &data["member"];
    assert_eq!(member["email"], "Person0.New@example.com", "the member signs in with the invited address");
    assert_eq!(member["invitationStatus"], "ACCEPTED");
    assert_eq!(member["roles"].as_array().unwrap().len(), 2);
    assert_eq!(member["latestInvitation"]["status"], "ACCEPTED");
    assert!(member["latestInvitation"]["acceptedAt"].is_string());

    for bad in ["", "inv_nope", &"x".repeat(500)] {
        assert_eq!(error_code(&app.accept(bad).await), Some("INVALID_INVITATION"), "{bad}");
    }
}

#[tokio::test]
async fn the_landing_page_never_uses_the_link_up() {
    let app = spawn_app().await;
    let f = fixture(&app, 1).await;
    let payload = app.generate(&sheet(&[(&f.members[0], "person0@example.com", &f.roles[0])]), json!({})).await;
    let link = payload["rows"][0]["link"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let page = app.client.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        assert_eq!(page.headers()["cache-control"], "no-store");
        let html = page.text().await.unwrap();
        assert!(html.contains("Acme Corp") && html.contains("person0@example.com"));
        assert!(html.contains("method=\"post\""), "an Accept button that POSTs");
    }
    assert_eq!(app.member_status(&f.members[0]).await, "PENDING");

    let accepted = app.client.post(&link).send().await.unwrap();
    assert_eq!(accepted.status(), 200);
    assert!(accepted.text().await.unwrap().contains("accepted"));
    assert_eq!(app.member_status(&f.members[0]).await, "ACCEPTED");
    let again = app.client.post(&link).send().await.unwrap();
    assert_eq!(again.status(), 404);
    let unknown = app.client.get(app.url("/invite/inv_unknown")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_but_a_valid_link_always_works() {
    let app = spawn_app().await;
    let f = fixture(&app, 1).await;
    let payload = app.generate(&sheet(&[(&f.members[0], "person0@example.com", &f.roles[0])]), json!({})).await;
    let good = token_of(payload["rows"][0]["link"].as_str().unwrap());
    for i in 0..10 {
        assert_eq!(error_code(&app.accept(&format!("inv_guess{i}")).await), Some("INVALID_INVITATION"));
    }
    let limited = app.accept("inv_guess").await;
    assert_eq!(error_code(&limited), Some("RATE_LIMITED"));
    assert!(limited["errors"][0]["extensions"]["retryAfter"].as_u64().unwrap() > 0, "{limited}");
    let response = app
        .gql_as(None, "query($t: String!) { invitationByToken(token: $t) { email } }", json!({ "t": "inv_guess" }))
        .await;
    assert_eq!(error_code(&response), Some("RATE_LIMITED"));
    // People behind one NAT must not lock each other out: a real link is not a guess.
    let response =
        app.gql_as(None, "query($t: String!) { invitationByToken(token: $t) { email } }", json!({ "t": good })).await;
    assert_eq!(response["data"]["invitationByToken"]["email"], "person0@example.com", "{response}");

    // The counter lives in the database: it is what every node reads.
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(app.db.get_database_backend(), "SELECT count FROM rate_limits"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);

    app.clock.advance(Duration::minutes(11));
    assert_eq!(error_code(&app.accept("inv_guess").await), Some("INVALID_INVITATION"), "a new window");
    assert!(app.accept(&good).await.get("errors").is_none());
}

#[tokio::test]
async fn a_failure_mid_way_leaves_nothing_behind() {
    let app = spawn_app().await;
    let f = fixture(&app, 1_500).await;
    // An earlier invitation of member 0 must survive the failed batch untouched.
    let first = app.generate(&sheet(&[(&f.members[0], "person0@example.com", &f.roles[0])]), json!({})).await;
    let old = token_of(first["rows"][0]["link"].as_str().unwrap());

    // Make the database refuse the last row of issuing, the invitation of member 1,200: by
    // then the old link is revoked, the batch recorded, the members marked pending and the
    // other invitations inserted.
    let poison = &f.members[1_200];
    let backend = app.db.get_database_backend();
    let statements: Vec<String> = match backend {
        sea_orm::DatabaseBackend::Sqlite => vec![format!(
            "CREATE TRIGGER fail_mid_way BEFORE INSERT ON invitations \
             WHEN (SELECT public_id FROM members WHERE id = NEW.member_id) = '{poison}' \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )],
        _ => vec![
            format!(
                "CREATE FUNCTION fail_mid_way() RETURNS trigger AS $$ BEGIN \
                 IF (SELECT public_id FROM members WHERE id = NEW.member_id) = '{poison}' \
                 THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER fail_mid_way BEFORE INSERT ON invitations FOR EACH ROW EXECUTE FUNCTION fail_mid_way()"
                .to_owned(),
        ],
    };
    for statement in statements {
        app.db.execute_unprepared(&statement).await.unwrap();
    }

    let rows: Vec<(&str, String, &str)> = f
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), format!("person{i}@example.com"), f.roles[1].as_str()))
        .collect();
    let rows: Vec<(&str, &str, &str)> = rows.iter().map(|(m, e, r)| (*m, e.as_str(), *r)).collect();
    let response = issue_sheet(&app, &rows).await;
    assert_eq!(error_code(&response), Some("INTERNAL"), "{response}");
    assert!(!response.to_string().contains("injected"), "no internal detail reaches the client");

    let data = app
        .ok("{ invitations { totalCount } members(filter: { invitationStatus: [PENDING] }) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["invitations"]["totalCount"], 1, "only the earlier invitation exists");
    assert_eq!(data["members"]["totalCount"], 1);
    assert_eq!(status_by_token(&app, &old).await["status"], "PENDING", "the earlier link was not revoked");
    let batches = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(backend, "SELECT id FROM invitation_batches"))
        .await
        .unwrap();
    assert_eq!(batches.len(), 1, "no batch recorded for the failed sheet");
}

#[tokio::test]
async fn an_invitation_grants_the_roles_that_still_exist() {
    let app = spawn_app().await;
    let f = fixture(&app, 1).await;
    let roles = format!("{},{}", f.roles[0], f.roles[2]);
    let payload = app.generate(&sheet(&[(&f.members[0], "person0@example.com", &roles)]), json!({})).await;
    let token = token_of(payload["rows"][0]["link"].as_str().unwrap());
    let granted = "{ invitations { nodes { roles { id } } } }";
    let role_ids = |data: &Value| -> Vec<String> {
        let roles = data["invitations"]["nodes"][0]["roles"].as_array().unwrap();
        let mut ids: Vec<String> = roles.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
        ids.sort();
        ids
    };
    let mut both = vec![f.roles[0].clone(), f.roles[2].clone()];
    both.sort();
    assert_eq!(role_ids(&app.ok(granted, json!({})).await), both);

    // The roles survive the schema going back to one row per role (down through migration 4,
    // which made them a column), and forward again.
    use migration::{Migrator, MigratorTrait};
    let after_four = Migrator::get_applied_migrations(&app.db).await.unwrap().len() - 4;
    Migrator::down(&app.db, Some(after_four as u32 + 1)).await.unwrap();
    let backend = app.db.get_database_backend();
    let links = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(backend, "SELECT role_id FROM invitation_roles"))
        .await
        .unwrap();
    assert_eq!(links.len(), 2);
    Migrator::up(&app.db, None).await.unwrap();
    assert_eq!(role_ids(&app.ok(granted, json!({})).await), both);

    // A role deleted since is neither shown nor granted.
    app.ok("mutation($id: ID!) { deleteRole(id: $id) }", json!({ "id": f.roles[2] })).await;
    assert_eq!(role_ids(&app.ok(granted, json!({})).await), [f.roles[0].clone()]);
    assert!(app.accept(&token).await.get("errors").is_none());
    let data = app.ok("query($id: ID!) { member(id: $id) { roles { id } } }", json!({ "id": f.members[0] })).await;
    assert_eq!(data["member"]["roles"], json!([{ "id": f.roles[0] }]));
}

#[tokio::test]
async fn a_member_invited_meanwhile_by_another_request_stops_the_sheet() {
    let app = spawn_app().await;
    let f = fixture(&app, 2).await;
    // What another request leaves between this sheet's checks and its insert: a pending
    // invitation of member 0, its member row not yet marked.
    let backend = app.db.get_database_backend();
    let insert = format!(
        "INSERT INTO invitations (public_id, organization_id, member_id, email, language, token_hash, role_ids, status, \
         created_by, created_at, expires_at) \
         SELECT 'Racer0001', organization_id, id, email, 'en', '{}', '[]', 'pending', 'racer', created_at, created_at \
         FROM members WHERE public_id = '{}'",
        "0".repeat(64),
        f.members[0]
    );
    app.db.execute_unprepared(&insert).await.unwrap();

    let rows = [
        (f.members[0].as_str(), "person0@example.com", f.roles[0].as_str()),
        (&f.members[1], "person1@example.com", &f.roles[0]),
    ];
    let response = issue_sheet(&app, &rows).await;
    assert_eq!(error_code(&response), Some("CONFLICT"), "{response}");
    let count =
        app.db.query_all_raw(sea_orm::Statement::from_string(backend, "SELECT id FROM invitations")).await.unwrap();
    assert_eq!(count.len(), 1, "nothing issued, the other request's invitation stands");
    assert_eq!(app.member_status(&f.members[1]).await, "NOT_INVITED");
}

#[tokio::test]
async fn an_invitation_belongs_to_its_members_organization() {
    let app = spawn_app().await;
    let backend = app.db.get_database_backend();
    if backend != sea_orm::DatabaseBackend::Postgres {
        // SQLite keeps separate keys for the member and the organization (see migration 4).
        return;
    }
    let f = fixture(&app, 1).await;
    crate::helpers::create_org(&app.db, "other", "Other Org").await;
    let insert = format!(
        "INSERT INTO invitations (public_id, organization_id, member_id, email, language, token_hash, role_ids, status, \
         created_by, created_at, expires_at) \
         SELECT 'Elsewhere', (SELECT id FROM organizations WHERE slug = 'other'), id, email, 'en', '{}', '[]', \
         'pending', 'x', created_at, created_at FROM members WHERE public_id = '{}'",
        "1".repeat(64),
        f.members[0]
    );
    let refused = app.db.execute_unprepared(&insert).await;
    assert!(refused.is_err(), "an invitation cannot point at another organization's member");
}

/// What a foreign key from an invitation to its batch guarantees, on both databases (on
/// PostgreSQL the triggers of migration 11 keep it, once per statement).
#[tokio::test]
async fn an_invitation_names_a_batch_that_exists() {
    let app = spawn_app().await;
    let f = fixture(&app, 2).await;
    let rows = [(f.members[0].as_str(), "person0@example.com", f.roles[0].as_str())];
    let issued = app.generate(&sheet(&rows), json!({})).await;
    assert_eq!(issued["issued"], 1, "{issued}");
    let batch: i64 = app.scalar("SELECT batch_id FROM invitations", "batch_id").await;

    let elsewhere = format!("UPDATE invitations SET batch_id = {}", batch + 1_000);
    assert!(app.db.execute_unprepared(&elsewhere).await.is_err(), "moved to a batch that does not exist");
    let insert = format!(
        "INSERT INTO invitations (public_id, organization_id, member_id, batch_id, email, language, token_hash, \
         role_ids, status, created_by, created_at, expires_at) \
         SELECT 'NoBatch01', organization_id, id, {}, email, 'en', '{}', '[]', 'revoked', 'x', created_at, created_at \
         FROM members WHERE public_id = '{}'",
        batch + 1_000,
        "2".repeat(64),
        f.members[1]
    );
    assert!(app.db.execute_unprepared(&insert).await.is_err(), "inserted naming a batch that does not exist");
    let id_change = format!("UPDATE invitation_batches SET id = {}", batch + 1_000);
    assert!(app.db.execute_unprepared(&id_change).await.is_err(), "a batch named by invitations keeps its id");

    app.db.execute_unprepared("DELETE FROM invitation_batches").await.unwrap();
    let left: i64 = app.scalar("SELECT count(*) AS n FROM invitations WHERE batch_id IS NULL", "n").await;
    assert_eq!(left, 1, "the invitation stays, with no batch");
}

/// What a foreign key from an invitation to its member guarantees, on both databases (on
/// PostgreSQL the triggers of migration 13 keep it, once per statement).
#[tokio::test]
async fn an_invitation_names_a_member_that_exists() {
    let app = spawn_app().await;
    let f = fixture(&app, 2).await;
    let rows = [
        (f.members[0].as_str(), "person0@example.com", f.roles[0].as_str()),
        (&f.members[1], "person1@example.com", &f.roles[0]),
    ];
    let issued = app.generate(&sheet(&rows), json!({})).await;
    assert_eq!(issued["issued"], 2, "{issued}");
    let member: i64 = app.scalar("SELECT max(member_id) AS id FROM invitations", "id").await;

    let elsewhere = format!("UPDATE invitations SET member_id = {} WHERE member_id = {member}", member + 1_000);
    assert!(app.db.execute_unprepared(&elsewhere).await.is_err(), "moved to a member that does not exist");
    let insert = format!(
        "INSERT INTO invitations (public_id, organization_id, member_id, email, language, token_hash, role_ids, \
         status, created_by, created_at, expires_at) \
         SELECT 'NoMember1', organization_id, id + 1000, email, 'en', '{}', '[]', 'revoked', 'x', created_at, \
         created_at FROM members WHERE id = {member}",
        "3".repeat(64),
    );
    assert!(app.db.execute_unprepared(&insert).await.is_err(), "inserted naming a member that does not exist");
    // Without roles, only its invitation holds the member's id in place.
    app.db.execute_unprepared(&format!("DELETE FROM member_roles WHERE member_id = {member}")).await.unwrap();
    let id_change = format!("UPDATE members SET id = {} WHERE id = {member}", member + 1_000);
    assert!(app.db.execute_unprepared(&id_change).await.is_err(), "an invited member keeps its id");

    app.ok("mutation($id: ID!) { deleteMember(id: $id) }", json!({ "id": f.members[0] })).await;
    let data = app.ok("{ invitations { totalCount nodes { email } } }", json!({})).await;
    assert_eq!(data["invitations"]["totalCount"], 1, "the deleted member's invitation went with them: {data}");
    assert_eq!(data["invitations"]["nodes"][0]["email"], "person1@example.com");
}

#[tokio::test]
async fn a_member_who_accepts_meanwhile_stops_the_sheet() {
    let app = spawn_app().await;
    let f = fixture(&app, 2).await;
    // The invitee of an earlier link accepts between this sheet's checks and its issuing:
    // simulated by a trigger that fires as the batch is recorded, inside the transaction.
    let backend = app.db.get_database_backend();
    let accept = format!("UPDATE members SET invitation_state = 'accepted' WHERE public_id = '{}'", f.members[0]);
    let statements: Vec<String> = match backend {
        sea_orm::DatabaseBackend::Sqlite => {
            vec![format!("CREATE TRIGGER accepts_meanwhile AFTER INSERT ON invitation_batches BEGIN {accept}; END")]
        }
        _ => vec![
            format!(
                "CREATE FUNCTION accepts_meanwhile() RETURNS trigger AS $$ BEGIN {accept}; RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER accepts_meanwhile AFTER INSERT ON invitation_batches FOR EACH ROW EXECUTE FUNCTION accepts_meanwhile()"
                .to_owned(),
        ],
    };
    for statement in statements {
        app.db.execute_unprepared(&statement).await.unwrap();
    }

    let rows = [
        (f.members[0].as_str(), "person0@example.com", f.roles[0].as_str()),
        (&f.members[1], "person1@example.com", &f.roles[0]),
    ];
    let response = issue_sheet(&app, &rows).await;
    assert_eq!(error_code(&response), Some("CONFLICT"), "{response}");
    let data = app.ok("{ invitations { totalCount } }", json!({})).await;
    assert_eq!(data["invitations"]["totalCount"], 0, "nothing issued");
    assert_eq!(app.member_status(&f.members[1]).await, "NOT_INVITED");
}

#[tokio::test]
async fn unreadable_stored_roles_are_an_error_not_an_empty_grant() {
    let app = spawn_app().await;
    let f = fixture(&app, 1).await;
    let payload = app.generate(&sheet(&[(&f.members[0], "person0@example.com", &f.roles[0])]), json!({})).await;
    let token = token_of(payload["rows"][0]["link"].as_str().unwrap());
    app.db.execute_unprepared("UPDATE invitations SET role_ids = 'not json'").await.unwrap();

    let response = app.gql("{ invitations { nodes { roles { id } } } }", json!({})).await;
    assert_eq!(error_code(&response), Some("INTERNAL"), "{response}");
    assert!(!response.to_string().contains("not json"), "no internal detail leaks: {response}");
    let response = app.accept(&token).await;
    assert_eq!(error_code(&response), Some("INTERNAL"), "nothing is accepted without its roles: {response}");
    assert_eq!(app.member_status(&f.members[0]).await, "PENDING");
}

#[tokio::test]
async fn a_wrong_upload_is_taken_back_at_once() {
    let app = spawn_app().await;
    let f = fixture(&app, 4).await;
    let rows: Vec<(String, String)> =
        f.members.iter().enumerate().map(|(i, id)| (id.clone(), format!("person{i}@example.com"))).collect();
    let rows: Vec<(&str, &str, &str)> =
        rows.iter().map(|(id, email)| (id.as_str(), email.as_str(), f.roles[0].as_str())).collect();
    let payload = app.generate(&sheet(&rows[..3]), json!({})).await;
    let batch = payload["batchId"].as_str().unwrap().to_owned();
    let tokens: Vec<String> =
        payload["rows"].as_array().unwrap().iter().map(|r| token_of(r["link"].as_str().unwrap())).collect();
    // One invitee accepted before the admin noticed; another member was invited on their own.
    assert!(app.accept(&tokens[0]).await.get("errors").is_none());
    let alone = app.ok(INVITE, json!({ "input": { "memberId": f.members[3], "roleIds": [f.roles[1]] } })).await;
    let alone = token_of(alone["inviteMember"]["link"].as_str().unwrap());

    const REVOKE: &str = "mutation($id: ID!) { revokeBatch(batchId: $id) { batchId revoked } }";
    let data = app.ok(REVOKE, json!({ "id": batch })).await;
    assert_eq!(data["revokeBatch"], json!({ "batchId": batch, "revoked": 2 }));
    assert_eq!(app.member_status(&f.members[0]).await, "ACCEPTED", "accepted stays accepted");
    for (member, token) in f.members[1..3].iter().zip(&tokens[1..]) {
        assert_eq!(app.member_status(member).await, "REVOKED");
        assert_eq!(error_code(&app.accept(token).await), Some("INVALID_INVITATION"));
    }
    assert_eq!(app.member_status(&f.members[3]).await, "PENDING", "another upload's invitation is left alone");
    let events = app.ok("{ auditEvents(first: 10) { nodes { action target details } } }", json!({})).await;
    let taken_back: Vec<&Value> =
        events["auditEvents"]["nodes"].as_array().unwrap().iter().filter(|e| e["action"] == "batch.revoked").collect();
    assert_eq!(taken_back.len(), 1, "one event for the whole batch: {events}");
    assert_eq!(taken_back[0]["target"], batch.as_str());
    assert_eq!(taken_back[0]["details"]["revoked"], 2);

    let again = app.ok(REVOKE, json!({ "id": batch })).await;
    assert_eq!(again["revokeBatch"]["revoked"], 0, "taking a batch back twice is harmless");
    assert!(app.accept(&alone).await.get("errors").is_none());

    // Another organization's batch, or no batch at all, is not found.
    let other = crate::helpers::create_org(&app.db, "globex", "Globex").await;
    let response = app.gql_as(Some(other.as_str()), REVOKE, json!({ "id": batch })).await;
    assert_eq!(error_code(&response), Some("NOT_FOUND"), "{response}");
    assert_eq!(error_code(&app.gql(REVOKE, json!({ "id": "nope" })).await), Some("NOT_FOUND"));
}

#[tokio::test]
async fn the_invitee_s_pages_speak_the_invitation_s_language() {
    let app = spawn_app().await;
    let f = fixture(&app, 3).await;
    let mut csv = String::from("Team Member ID,Email,Language,Role IDs\n");
    for (i, language) in ["fr", "de", "pt_br"].iter().enumerate() {
        csv.push_str(&format!("{},person{i}@example.com,{language},{}\n", f.members[i], f.roles[0]));
    }
    let payload = app.generate(&csv, json!({})).await;
    let tokens: Vec<String> =
        payload["rows"].as_array().unwrap().iter().map(|r| token_of(r["link"].as_str().unwrap())).collect();
    let expected = [
        ("fr", "Rejoignez", "Accepter l’invitation", "Bienvenue chez"),
        ("de", "Einladung zu", "Einladung annehmen", "Willkommen bei"),
        ("pt-BR", "Entre para", "Aceitar convite", "Boas-vindas a"),
    ];
    for (token, (lang, heading, button, welcome)) in tokens.iter().zip(expected) {
        // The browser asks for English: the invitation's language wins.
        let page =
            app.client.get(app.url(&format!("/invite/{token}"))).header("accept-language", "en").send().await.unwrap();
        assert_eq!(page.headers()["content-language"], lang);
        let page = page.text().await.unwrap();
        assert!(page.contains(&format!("<html lang=\"{lang}\">")), "{page}");
        assert!(page.contains(heading) && page.contains(button), "{lang}: {page}");
        assert!(page.contains(" UTC"), "the expiry, written as {lang} writes dates: {page}");
        let done = app.client.post(app.url(&format!("/invite/{token}"))).send().await.unwrap().text().await.unwrap();
        assert!(done.contains(welcome), "{lang}: {done}");
    }
    // No invitation to go by: the browser's language, else English.
    let page = app
        .client
        .get(app.url("/invite/not-a-token"))
        .header("accept-language", "ja, nl;q=0.9, de;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["content-language"], "nl");
    assert!(page.text().await.unwrap().contains("Deze uitnodigingslink is ongeldig"));
    let page = app.client.get(app.url("/invite/not-a-token")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("This invitation link is not valid"), "{page}");
}
