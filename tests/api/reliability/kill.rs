//! muster killed (SIGKILL: a power cut, the OOM killer) in the middle of its work and started
//! again on the same database: a 20,000-row sheet is issued whole or not at all, and single
//! invitations and acceptances cut short leave every member's state agreeing with its
//! invitations. The moments are random; each run prints them and what they caught.

use std::time::{Duration, Instant};

use muster::{domain::SecretToken, secrets::SecretKey};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::{assert_consistent, count, random_below, seeded, upload, upload_to};

use crate::helpers::{process::MusterProcess, read_csv, smtp::SmtpSink, token_of};

const ROWS: usize = 20_000;

/// Each batch's pending invitations: all it issued, or none (a newer sheet replaced them).
async fn batches(db: &DatabaseConnection) -> Vec<(i64, i64, i64)> {
    let sql = "SELECT b.id, CAST(b.issued_count AS BIGINT), \
               (SELECT COUNT(*) FROM invitations i WHERE i.batch_id = b.id AND i.status = 'pending') \
               FROM invitation_batches b ORDER BY b.id";
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    rows.iter()
        .map(|row| {
            let get = |i| row.try_get_by_index::<i64>(i).unwrap();
            (get(0), get(1), get(2))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sheet_killed_mid_way_is_issued_whole_or_not_at_all() {
    let (database, db, seeded) = seeded(ROWS).await;
    let sheet = seeded.sheet(0..ROWS);
    let mut muster = MusterProcess::serve(database.url(), &[]);
    // Two sheets, whole: the second replaces the first's links, as every sheet below does, and
    // tells how long one takes on this machine; a dry run, how long reading and checking take.
    // Issuing is what lies between.
    let mut whole = Duration::ZERO;
    for _ in 0..2 {
        let started = Instant::now();
        let (status, links) = upload(&muster, &seeded.token, sheet.clone()).await.unwrap().unwrap();
        assert_eq!(status, 200, "{}", muster.log());
        assert_eq!(read_csv(&links).len(), ROWS + 1);
        whole = started.elapsed();
    }
    let started = Instant::now();
    let (status, _) =
        upload_to(&muster, "/invitations/links?dryRun=true", &seeded.token, sheet.clone()).await.unwrap().unwrap();
    assert_eq!(status, 200);
    let checks = started.elapsed().min(whole);
    assert_eq!(assert_consistent(&db).await, ROWS as i64);

    // One kill while the sheet is read and checked, four while it is issued (at a random
    // moment of each quarter of that span, the last reaching a little past the answer).
    let moments: Vec<Duration> = std::iter::once(checks.mul_f64(random_below(1000) as f64 / 1000.0))
        .chain((0..4).map(|quarter| {
            let fraction = (quarter as f64 + random_below(1000) as f64 / 1000.0) / 4.0;
            checks + (whole - checks).mul_f64(fraction * 1.1)
        }))
        .collect();
    let mut caught = Vec::new();
    for delay in moments {
        let before = batches(&db).await;
        let pid = muster.pid();
        let sent = upload(&muster, &seeded.token, sheet.clone());
        tokio::time::sleep(delay).await;
        muster.kill();
        let sent = sent.await.unwrap().map(|(status, _)| status).ok();
        muster = MusterProcess::serve(database.url(), &[]);
        assert_eq!(assert_consistent(&db).await, ROWS as i64, "all members hold one pending link");
        let after = batches(&db).await;
        let holding: Vec<_> = after.iter().filter(|(_, _, pending)| *pending > 0).collect();
        assert_eq!(holding.len(), 1, "one batch holds the pending links: {after:?}");
        for (id, issued, pending) in &after {
            assert!(*pending == 0 || pending == issued, "batch {id}: {pending} of {issued} pending");
        }
        let outcome = if after.len() > before.len() { "issued whole" } else { "nothing issued" };
        println!(
            "killed pid {pid} {delay:?} into a sheet (checks take {checks:?}, the whole {whole:?}; answered: {sent:?}): {outcome}"
        );
        caught.push(outcome);
    }
    // The restarted process issues the sheet whole.
    let (status, _) = upload(&muster, &seeded.token, sheet).await.unwrap().unwrap();
    assert_eq!(status, 200, "{}", muster.log());
    assert_eq!(assert_consistent(&db).await, ROWS as i64);
    println!("outcomes: {caught:?}");
}

/// Sends the GraphQL requests `bodies`, `width` at a time, in a task of its own, until the
/// process stops answering; the task answers how many were answered.
fn in_lanes(muster: &MusterProcess, bodies: Vec<Value>, width: usize, admin: Option<&str>) -> JoinHandle<usize> {
    let (url, admin) = (muster.url("/graphql"), admin.map(str::to_owned));
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        let answered = std::sync::atomic::AtomicUsize::new(0);
        let lanes = (0..width).map(|lane| {
            let (client, url, answered, bodies, admin) = (&client, &url, &answered, &bodies, &admin);
            async move {
                for body in bodies.iter().skip(lane).step_by(width) {
                    let mut request = client.post(url).json(body);
                    if let Some(token) = admin {
                        request = request.bearer_auth(token);
                    }
                    let Ok(response) = request.send().await else { return };
                    assert!(response.status().as_u16() < 500, "{}", response.status());
                    answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        });
        futures::future::join_all(lanes).await;
        answered.into_inner()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_and_acceptances_killed_mid_way_leave_states_agreeing() {
    const MEMBERS: usize = 400;
    let (database, db, seeded) = seeded(MEMBERS).await;
    let mut muster = MusterProcess::serve(database.url(), &[]);

    // Single invitations, eight at a time, each member twice (the second replaces the first).
    let invite = "mutation($id: ID!) { inviteMember(input: { memberId: $id }) { link } }";
    let bodies: Vec<Value> = seeded
        .member_ids
        .iter()
        .chain(&seeded.member_ids)
        .map(|id| json!({ "query": invite, "variables": { "id": id } }))
        .collect();
    let delay = Duration::from_millis(200 + random_below(700));
    let work = in_lanes(&muster, bodies, 8, Some(&seeded.token));
    tokio::time::sleep(delay).await;
    muster.kill();
    let answered = work.await.unwrap();
    let pending = assert_consistent(&db).await;
    println!("invitations: killed after {delay:?}, {answered} of {} answered: {pending} pending", 2 * MEMBERS);

    // A sheet for everyone, whole; then acceptances, eight at a time, until killed.
    muster = MusterProcess::serve(database.url(), &[]);
    let (status, links) = upload(&muster, &seeded.token, seeded.sheet(0..MEMBERS)).await.unwrap().unwrap();
    assert_eq!(status, 200, "{}", muster.log());
    let links = read_csv(&links);
    let tokens: Vec<String> = links[1..].iter().map(|row| token_of(&row[4])).collect();
    let accept = "mutation($t: String!) { acceptInvitation(token: $t) { memberId } }";
    let bodies: Vec<Value> = tokens.iter().map(|t| json!({ "query": accept, "variables": { "t": t } })).collect();
    let delay = Duration::from_millis(100 + random_below(300));
    let work = in_lanes(&muster, bodies, 8, None);
    tokio::time::sleep(delay).await;
    muster.kill();
    let answered = work.await.unwrap();
    assert_consistent(&db).await;
    let accepted = count(&db, "SELECT COUNT(*) FROM members WHERE invitation_state = 'accepted'").await;
    println!("acceptances: killed after {delay:?}, {answered} answered: {accepted} of {MEMBERS} accepted");

    // On the restarted process every link not used yet works, once.
    muster = MusterProcess::serve(database.url(), &[]);
    let client = reqwest::Client::new();
    for token in &tokens {
        let hash = SecretToken::hash_of(token);
        let still_pending =
            count(&db, &format!("SELECT COUNT(*) FROM invitations WHERE token_hash = '{hash}' AND status = 'pending'"))
                .await;
        if still_pending == 1 {
            let answer: Value = client
                .post(muster.url("/graphql"))
                .json(&json!({ "query": accept, "variables": { "t": token } }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(answer.get("errors").is_none(), "{answer}");
        }
    }
    assert_consistent(&db).await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM members WHERE invitation_state = 'accepted'").await, MEMBERS as i64);
}

/// muster killed (SIGKILL) while it sends a sheet's emails, then another node started on the
/// same database once the dead node's lease has run out (its clock moved past it): every
/// invitee gets their message, and at most the one message in flight when the process died
/// goes out twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_killed_mid_way_sends_everything_and_at_most_one_twice() {
    const SENT: usize = 30;
    let (database, db, seeded) = seeded(SENT).await;
    // A slow server (0.1 s a message), so that the kill finds the sender mid-way.
    let sink = SmtpSink::start_on(0, 0.1);
    let key = SecretKey::generate();
    let (url, key_text) = (sink.url(), key.to_base64());
    let env = [
        ("MUSTER_SMTP_URL", url.as_str()),
        ("MUSTER_MAIL_FROM", "invites@acme.example"),
        ("MUSTER_MAIL_RATE", "0"),
        ("MUSTER_SECRET_KEY", key_text.as_str()),
    ];
    let mut muster = MusterProcess::serve(database.url(), &env);
    let sheet = seeded.sheet(0..SENT);
    let (status, _) = upload_to(&muster, "/invitations/links?send=true", &seeded.token, sheet).await.unwrap().unwrap();
    assert_eq!(status, 200, "{}", muster.log());
    let moment = 3 + random_below(10) as usize;
    sink.wait_for(moment).await;
    muster.kill();
    let before = sink.received().len();
    println!("killed after {before} of {SENT} messages");
    assert!(before < SENT, "the kill came too late to test anything");

    let mut config = crate::helpers::test_config(database.url());
    config.smtp_url = Some(url);
    config.mail_from = Some("invites@acme.example".to_owned());
    config.mail_rate = 0;
    config.secret_key = Some(key);
    let (node, statements) = muster::db::connect(database.url(), config.database_settings()).await.unwrap();
    let parts = crate::helpers::Parts { database, config, db: node, statements, token: seeded.token.clone() };
    let app = crate::helpers::start(parts).await;
    app.clock.advance(chrono::Duration::minutes(6));
    let started = std::time::Instant::now();
    let recipients = loop {
        let mut recipients: Vec<String> = sink.received().iter().flat_map(|m| m.rcpt_tos.clone()).collect();
        recipients.sort();
        let mut distinct = recipients.clone();
        distinct.dedup();
        if distinct.len() == SENT {
            break recipients;
        }
        assert!(started.elapsed().as_secs() < 60, "{} of {SENT} invitees got their message", distinct.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Whatever the second node still sends arrives before every message is recorded as sent.
    let sent = "SELECT COUNT(*) FROM mail_messages WHERE status = 'sent'";
    while count(&db, sent).await < SENT as i64 {
        assert!(started.elapsed().as_secs() < 60);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let twice = sink.received().len() - SENT;
    println!("{twice} message(s) sent twice; {} recorded as sent", count(&db, sent).await);
    assert!(twice <= 1, "{twice} messages went out twice: {recipients:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_messages WHERE sealed_link IS NOT NULL").await, 0);
    drop(app);
}
