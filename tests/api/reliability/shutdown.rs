//! Stopping muster as orchestrators do: on SIGTERM it stops accepting, lets the requests under
//! way finish (a sheet being issued commits whole) and exits; past the grace period, or on a
//! second signal, it exits at once and the sheet rolls back whole.

use std::time::{Duration, Instant};

use super::{assert_consistent, seeded, upload};
use crate::helpers::process::MusterProcess;

const ROWS: usize = 20_000;

/// An upload that sent its headers and the start of its body, and sends no more while held.
async fn upload_still_sending(muster: &MusterProcess, token: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(muster.address.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /invitations/links HTTP/1.1\r\nHost: muster\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: text/csv\r\nContent-Length: 100000\r\n\r\nTeam Member ID,Email,Language,Role IDs\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// Whether the process still accepts connections.
async fn accepts(muster: &MusterProcess) -> bool {
    tokio::net::TcpStream::connect(muster.address.trim_start_matches("http://")).await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sigterm_a_sheet_under_way_finishes_and_muster_exits() {
    let (database, db, seeded) = seeded(ROWS).await;
    let mut muster = MusterProcess::serve(database.url(), &[("MUSTER_SHUTDOWN_GRACE_SECS", "120")]);
    let sent = upload(&muster, &seeded.token, seeded.sheet(0..ROWS));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    muster.signal("TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!accepts(&muster).await, "no new connections once shutdown began");

    let (status, links) = sent.await.unwrap().expect("the sheet under way is answered");
    let answered = signalled.elapsed();
    assert_eq!(status, 200, "{}", muster.log());
    assert_eq!(links.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count(), ROWS + 1);
    let exit = muster.wait_exit(Duration::from_secs(30)).expect("exits once the sheet is answered");
    assert!(exit.success(), "{exit:?}");
    println!("sheet answered {answered:?} after SIGTERM; muster exited {:?} after it", signalled.elapsed());
    assert!(answered > Duration::from_millis(300), "the sheet was still under way at the signal");
    assert_eq!(assert_consistent(&db).await, ROWS as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_grace_left_or_on_a_second_signal_muster_exits_at_once() {
    let (database, db, seeded) = seeded(ROWS).await;
    // No grace period: muster exits at once, and the sheet under way rolls back whole.
    let mut muster = MusterProcess::serve(database.url(), &[("MUSTER_SHUTDOWN_GRACE_SECS", "0")]);
    let sent = upload(&muster, &seeded.token, seeded.sheet(0..ROWS));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    muster.signal("TERM");
    let exit = muster.wait_exit(Duration::from_secs(10)).expect("exits at the end of the grace period");
    let took = signalled.elapsed();
    let answer = sent.await.unwrap().map(|(status, _)| status).ok();
    println!("no grace: exited {took:?} after SIGTERM ({exit:?}); the sheet's answer: {answer:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(answer, None, "the sheet was dropped");
    assert_eq!(assert_consistent(&db).await, 0, "and nothing of it was kept");

    // A long grace period, and a second signal: exits now. An upload whose body is still on its
    // way keeps the first signal's grace going, however fast the sheet is issued.
    let mut muster = MusterProcess::serve(database.url(), &[("MUSTER_SHUTDOWN_GRACE_SECS", "120")]);
    let sent = upload(&muster, &seeded.token, seeded.sheet(0..ROWS));
    let _slow = upload_still_sending(&muster, &seeded.token).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    muster.signal("TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let signalled = Instant::now();
    muster.signal("TERM");
    let exit = muster.wait_exit(Duration::from_secs(10)).expect("exits on the second signal");
    let took = signalled.elapsed();
    let answer = sent.await.unwrap().map(|(status, _)| status).ok();
    println!("second signal: exited {took:?} after it ({exit:?}); the sheet's answer: {answer:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(exit.code(), Some(130));
    let pending = assert_consistent(&db).await;
    assert!(pending == 0 || pending == ROWS as i64, "{pending}");
}
