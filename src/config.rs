//! Configuration: one clap struct read from the environment (or flags). Every field has a
//! default that runs muster on the embedded SQLite database, on loopback.

use std::net::SocketAddr;

use crate::{
    db,
    domain::{Language, SupportedLanguages},
    secrets::SecretKey,
};

/// The embedded default: a SQLite file next to where muster runs, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://muster.db?mode=rwc";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded) or `postgres://…`. Falls back to
    /// `DATABASE_URL`, then to the embedded default.
    #[arg(long, env = "MUSTER_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Address the HTTP server binds to (`127.0.0.1:0` picks a free port).
    #[arg(long, env = "MUSTER_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: SocketAddr,

    /// The address invitees reach muster at; links are `{public_url}/invite/{token}`.
    #[arg(long, env = "MUSTER_PUBLIC_URL", default_value = "http://127.0.0.1:8080", global = true)]
    pub public_url: String,

    /// Days an invitation link stays valid unless the request says otherwise.
    #[arg(long, env = "MUSTER_INVITE_TTL_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=30), global = true)]
    pub invite_ttl_days: u32,

    /// Issuer of admin JWTs; unset means API tokens only.
    #[arg(long, env = "MUSTER_ADMIN_ISSUER", global = true)]
    pub admin_issuer: Option<String>,

    /// Audience admin JWTs must carry.
    #[arg(long, env = "MUSTER_ADMIN_AUDIENCE", global = true)]
    pub admin_audience: Option<String>,

    /// Claim of an admin JWT that names the organization's slug.
    #[arg(long, env = "MUSTER_ADMIN_ORG_CLAIM", global = true)]
    pub admin_org_claim: Option<String>,

    /// Languages members may have, as BCP 47 tags, comma-separated.
    #[arg(
        long,
        env = "MUSTER_LANGUAGES",
        default_value = "en,fr,es,de,it,pt,pt-BR,nl",
        value_delimiter = ',',
        global = true
    )]
    pub languages: Vec<String>,

    /// Origins allowed to call the API from a browser (admin frontends), comma-separated.
    /// Empty: no cross-origin access.
    #[arg(long, env = "MUSTER_CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,

    /// Behind a load balancer: take the client's address (for rate limits) from the last
    /// `X-Forwarded-For` entry, the one the balancer added. Off: the peer address.
    #[arg(long, env = "MUSTER_TRUST_FORWARDED_FOR", default_value_t = false, global = true)]
    pub trust_forwarded_for: bool,

    /// Most connections in the database pool.
    #[arg(long, env = "MUSTER_DATABASE_MAX_CONNECTIONS", default_value_t = 10, global = true)]
    pub database_max_connections: u32,

    /// SQLite: milliseconds a write waits for another's lock before answering `UNAVAILABLE`.
    #[arg(long, env = "MUSTER_DATABASE_LOCK_TIMEOUT_MS", default_value_t = 10_000, global = true)]
    pub database_lock_timeout_ms: u64,

    /// Statements slower than this many milliseconds are logged at `warn`, with the start of
    /// their SQL (never their values, which may hold personal data).
    #[arg(long, env = "MUSTER_SLOW_STATEMENT_MS", default_value_t = 500, global = true)]
    pub slow_statement_ms: u64,

    /// Seconds a client has to send a request's headers; past them the connection is closed.
    #[arg(long, env = "MUSTER_HEADER_TIMEOUT_SECS", default_value_t = 10, global = true)]
    pub header_timeout_secs: u64,

    /// Seconds a whole request may take, its body included (408 past it).
    #[arg(long, env = "MUSTER_REQUEST_TIMEOUT_SECS", default_value_t = 30, global = true)]
    pub request_timeout_secs: u64,

    /// Seconds a sheet upload may take, from its first byte to the links sheet.
    #[arg(long, env = "MUSTER_UPLOAD_TIMEOUT_SECS", default_value_t = 300, global = true)]
    pub upload_timeout_secs: u64,

    /// Seconds requests under way have to finish once shutdown begins (SIGTERM); a second
    /// signal ends the process at once.
    #[arg(long, env = "MUSTER_SHUTDOWN_GRACE_SECS", default_value_t = 30, global = true)]
    pub shutdown_grace_secs: u64,

    /// Most requests one node serves at once; past it, 503 with `Retry-After`.
    #[arg(long, env = "MUSTER_MAX_INFLIGHT", default_value_t = 512, global = true)]
    pub max_inflight: usize,

    /// Serve GraphiQL at `GET /graphql` for browsers.
    #[arg(long, env = "MUSTER_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub graphiql: bool,

    /// Let SSO and admin-JWT issuers be on loopback hosts (`127.0.0.1`, `localhost`), over
    /// http too: for development and tests only, never in production.
    #[arg(long, env = "MUSTER_SSO_ALLOW_LOOPBACK", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub sso_allow_loopback: bool,

    /// The key that encrypts stored secrets (SSO client secrets): 32 random bytes, base64
    /// (`openssl rand -base64 32`). Unset on the embedded default: generated into `muster.key`
    /// beside the database. Unset elsewhere: secrets cannot be stored.
    #[arg(long, env = "MUSTER_SECRET_KEY", hide_env_values = true, global = true)]
    pub secret_key: Option<SecretKey>,

    /// Where muster sends the invitation emails it is asked to send: `smtp://[user:pass@]host:port`
    /// (STARTTLS required; `?tls=none` only for a loopback host) or `smtps://[user:pass@]host:465`.
    /// Unset: muster sends nothing, and `send: true` is refused.
    #[arg(long, env = "MUSTER_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// A PEM file of the certificate authority that signed the mail relay's certificate, when
    /// that is not a public one (an internal relay); trusted beside the public authorities.
    #[arg(long, env = "MUSTER_SMTP_CA", global = true)]
    pub smtp_ca: Option<std::path::PathBuf>,

    /// The From of invitation emails, e.g. `Acme Invitations <invites@acme.com>`.
    #[arg(long, env = "MUSTER_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,

    /// Messages per second each node sends at most; 0 for no limit.
    #[arg(long, env = "MUSTER_MAIL_RATE", default_value_t = 20, global = true)]
    pub mail_rate: u32,

    /// A directory whose files replace the built-in texts of invitation emails: `{language}.ftl`
    /// (Fluent messages, `mail-subject`…), `invitation.html` and `invitation.txt` (minijinja).
    #[arg(long, env = "MUSTER_MAIL_TEMPLATES", global = true)]
    pub mail_templates: Option<std::path::PathBuf>,

    /// Where to serve `GET /metrics` (Prometheus), e.g. `127.0.0.1:9090`: an address of its own,
    /// never the public one. Unset: no metrics.
    #[arg(long, env = "MUSTER_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<SocketAddr>,

    /// Log output: `text` for people, `json` for log shippers.
    #[arg(long, env = "MUSTER_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,
}

impl Config {
    /// The configuration as the command line would build it with no flags (defaults, then the
    /// environment): the base tests start from before they set what they need.
    pub fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            config: Config,
        }
        // Defaults come from the same attributes the CLI uses, so the two cannot drift.
        let mut config = <Only as clap::Parser>::parse_from(["muster"]).config;
        config.database_url = None;
        config
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|url| !url.is_empty()))
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
    }

    /// How to connect to the database.
    pub fn database_settings(&self) -> db::Settings {
        db::Settings {
            max_connections: self.database_max_connections,
            slow_statement: std::time::Duration::from_millis(self.slow_statement_ms),
            lock_timeout: std::time::Duration::from_millis(self.database_lock_timeout_ms),
        }
    }

    pub fn supported_languages(&self) -> anyhow::Result<SupportedLanguages> {
        let tags = self
            .languages
            .iter()
            .map(|tag| Language::parse_tag(tag).map_err(|err| anyhow::anyhow!("MUSTER_LANGUAGES: {err}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(!tags.is_empty(), "MUSTER_LANGUAGES: name at least one language");
        Ok(SupportedLanguages::new(tags))
    }
}
