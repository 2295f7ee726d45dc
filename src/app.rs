//! Building and running the service: `Application::build` connects and migrates the database,
//! assembles the state every handler shares and binds the listener (port 0 picks a free one,
//! as tests do); `run_until_stopped` serves until the shutdown future resolves, finishing the
//! requests under way.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::{
    Config,
    clock::Clock,
    db::{self, Availability, StatementCounter},
    graphql,
    http::{self, HttpState},
    identity::{Authenticator, admin_jwt::AdminIssuer, fetch::Fetcher, sso},
    invitations::{EarlyIssuing, LinkSettings},
    mail::{MailSettings, Outbox, worker::Worker},
    secrets::{self, SecretBox},
    state::AppState,
};

pub struct Application {
    listener: TcpListener,
    address: SocketAddr,
    /// Where `GET /metrics` is served, when `MUSTER_METRICS_LISTEN` asks for it.
    metrics: Option<(TcpListener, SocketAddr)>,
    state: HttpState,
    statements: StatementCounter,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let (db, statements) = db::connect_migrated(&config.database_url(), config.database_settings()).await?;
        let listener = bind(&config).await?;
        Self::build_with(config, db, statements, Clock::default(), listener).await
    }

    /// Builds on an existing connection, clock and listener (tests keep handles to all three,
    /// and bind first to know the port their public URL has).
    pub async fn build_with(
        config: Config,
        db: DatabaseConnection,
        statements: StatementCounter,
        clock: Clock,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        let address = listener.local_addr()?;
        let metrics = match config.metrics_listen {
            Some(listen) => {
                let listener = TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen} for metrics"))?;
                crate::instruments::handle();
                let address = listener.local_addr()?;
                Some((listener, address))
            }
            None => None,
        };
        let availability = Availability::connect(&config.database_url(), config.database_settings()).await?;
        let app = assemble(config, db, clock, availability)?;
        if let Some(secrets) = &app.secrets {
            sso::seal_plain_secrets(&app.db, secrets).await?;
        } else if sso::has_plain_secrets(&app.db).await? {
            tracing::warn!("SSO client secrets are stored in plain text: set MUSTER_SECRET_KEY to have them encrypted");
        }
        let schema = graphql::build_schema(Some(app.clone()));
        Ok(Self { listener, address, metrics, state: HttpState { app, schema }, statements })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The metrics listener's address, when there is one.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, address)| *address)
    }

    pub fn state(&self) -> &AppState {
        &self.state.app
    }

    pub fn statements(&self) -> StatementCounter {
        self.statements.clone()
    }

    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        tracing::info!(address = %self.address, "muster is listening");
        let config = &self.state.app.config;
        let lifetimes = http::Lifetimes {
            header_timeout: Duration::from_secs(config.header_timeout_secs),
            grace: Duration::from_secs(config.shutdown_grace_secs),
        };
        let watchdog = self.state.app.availability.watch();
        // Metrics need no grace: a scrape cut short is retried at the next interval.
        let metrics = self.metrics.map(|(listener, address)| {
            tracing::info!(%address, "metrics are served at /metrics");
            let router = http::metrics::router(self.state.app.clone());
            tokio::spawn(http::serve(listener, router, lifetimes, std::future::pending()))
        });
        let grace = lifetimes.grace;
        // The sender runs beside the server and stops after it, finishing the message under way.
        let (stop_sending, stopped) = tokio::sync::watch::channel(false);
        let sender = match (&self.state.app.mail, &self.state.app.outbox) {
            (Some(settings), Some(outbox)) => {
                let app = &self.state.app;
                let worker = Worker::new(app.db.clone(), app.clock.clone(), outbox.clone(), settings.clone())
                    .map_err(std::io::Error::other)?;
                Some(tokio::spawn(worker.run(stopped)))
            }
            _ => None,
        };
        let served = http::serve(self.listener, http::router(self.state), lifetimes, shutdown).await;
        let _ = stop_sending.send(true);
        if let Some(sender) = sender {
            let _ = tokio::time::timeout(grace, sender).await;
        }
        watchdog.abort();
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        served
    }
}

/// The state every handler shares, each part made from the configuration it needs.
fn assemble(
    config: Config,
    db: DatabaseConnection,
    clock: Clock,
    availability: Availability,
) -> anyhow::Result<AppState> {
    let languages = Arc::new(config.supported_languages()?);
    let links = Arc::new(LinkSettings::new(&config.public_url, config.invite_ttl_days));
    let early_issuing = EarlyIssuing::new(config.database_max_connections);
    let oidc = Arc::new(Fetcher::new(config.sso_allow_loopback));
    let admin_issuer = AdminIssuer::configure(
        oidc.clone(),
        config.admin_issuer.as_deref(),
        config.admin_audience.as_deref(),
        config.admin_org_claim.as_deref(),
    )?;
    let authenticator = Arc::new(Authenticator::new(admin_issuer));
    let key = secrets::key_for(config.secret_key.as_ref(), &config.database_url())?;
    let secrets = key.map(|key| Arc::new(SecretBox::new(&key)));
    let mail = MailSettings::from_config(&config)?.map(Arc::new);
    let outbox = match (&mail, &secrets) {
        (None, _) => None,
        (Some(_), Some(secrets)) => Some(Arc::new(Outbox::new(secrets.clone()))),
        (Some(_), None) => anyhow::bail!(
            "MUSTER_SMTP_URL is set: set MUSTER_SECRET_KEY too (`openssl rand -base64 32`); links wait for their \
             message encrypted with it"
        ),
    };
    Ok(AppState {
        db,
        clock,
        config: Arc::new(config),
        languages,
        links,
        early_issuing,
        authenticator,
        oidc,
        secrets,
        outbox,
        mail,
        availability,
    })
}

pub async fn bind(config: &Config) -> anyhow::Result<TcpListener> {
    TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))
}

/// Resolves on the first SIGINT or SIGTERM, and from then on a second one ends the process at
/// once (an operator who means it should not have to wait for the grace period).
pub async fn shutdown_on_signal() {
    shutdown_signal().await;
    tokio::spawn(async {
        shutdown_signal().await;
        tracing::warn!("second signal: exiting now, requests under way are dropped");
        std::process::exit(130);
    });
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (what orchestrators send).
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests under way");
}
