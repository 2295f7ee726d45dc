//! Serving connections, with the bounds that keep slow or stuck clients from holding them: a
//! request's headers must arrive within `MUSTER_HEADER_TIMEOUT_SECS` (10; hyper's own timer
//! enforces it, and closes the connection), the rest of a request is bounded by `guard`.
//! Shutdown stops accepting and lets the requests under way finish, for a grace period.

use std::{future::Future, time::Duration};

use axum::{Router, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long the connections of a server go on: their headers' deadline, and, once shutdown
/// begins, how long requests under way may take to finish.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// A request's headers must have arrived this long after the connection (or the previous
    /// request on it).
    pub header_timeout: Duration,
    /// After shutdown begins, requests under way have this long; then they are dropped (a sheet
    /// being issued rolls back whole).
    pub grace: Duration,
}

/// Serves `app` on `listener` until `shutdown`, then stops accepting and lets the requests
/// under way finish, for at most the grace period.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    lifetimes: Lifetimes,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let header_timeout = lifetimes.header_timeout;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(None);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        // The peer address is kept for rate limits (see `http::ClientAddr`).
        let service = tower::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection =
            builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, %peer, "connection closed with an error");
            }
        });
    }
    drop(listener);
    tracing::info!(grace_secs = lifetimes.grace.as_secs(), "no longer accepting; finishing requests under way");
    if tokio::time::timeout(lifetimes.grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still under way at the end of the grace period: dropped, their changes rolled back");
    }
    Ok(())
}
