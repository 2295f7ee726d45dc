//! Building and running the service: `Application::build` connects and migrates the database,
//! assembles the state every handler shares and binds the listener (port 0 picks a free one,
//! as tests do); `run_until_stopped` serves until the shutdown future resolves, finishing the
//! requests under way.

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::Context as _;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::{
    Config,
    clock::Clock,
    db::{self, StatementCounter},
    graphql,
    http::{self, HttpState},
    identity::{Authenticator, admin_jwt::AdminIssuer, fetch::Fetcher, sso},
    invitations::LinkSettings,
    secrets::{self, SecretBox},
    state::AppState,
};

pub struct Application {
    listener: TcpListener,
    address: SocketAddr,
    state: HttpState,
    statements: StatementCounter,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let (db, statements) = db::connect(&config.database_url(), config.database_settings()).await?;
        db::migrate(&db).await?;
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
        let app = assemble(config, db, clock)?;
        if let Some(secrets) = &app.secrets {
            sso::seal_plain_secrets(&app.db, secrets).await?;
        } else if sso::has_plain_secrets(&app.db).await? {
            tracing::warn!("SSO client secrets are stored in plain text: set MUSTER_SECRET_KEY to have them encrypted");
        }
        let schema = graphql::build_schema(Some(app.clone()));
        Ok(Self { listener, address, state: HttpState { app, schema }, statements })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn state(&self) -> &AppState {
        &self.state.app
    }

    pub fn statements(&self) -> StatementCounter {
        self.statements.clone()
    }

    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        tracing::info!(address = %self.address, "muster is listening");
        let header_timeout = std::time::Duration::from_secs(self.state.app.config.header_timeout_secs);
        http::serve(self.listener, http::router(self.state), header_timeout, shutdown).await
    }
}

/// The state every handler shares, each part made from the configuration it needs.
fn assemble(config: Config, db: DatabaseConnection, clock: Clock) -> anyhow::Result<AppState> {
    let languages = Arc::new(config.supported_languages()?);
    let links = Arc::new(LinkSettings::new(&config.public_url, config.invite_ttl_days));
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
    Ok(AppState { db, clock, config: Arc::new(config), languages, links, authenticator, oidc, secrets })
}

pub async fn bind(config: &Config) -> anyhow::Result<TcpListener> {
    TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))
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
