//! What the API layers (GraphQL resolvers, HTTP handlers) share for the life of the process:
//! handles to the database and the clock, and the configured rules. Assembled once, in
//! `app.rs`; cheap to clone. Services never take it whole: each layer passes a service
//! only the parts it uses, so that what a service depends on is in its signature.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    Config,
    clock::Clock,
    db::Availability,
    domain::SupportedLanguages,
    identity::{Authenticator, fetch::Fetcher},
    invitations::{EarlyIssuing, LinkSettings},
    mail::{MailSettings, Outbox},
    secrets::SecretBox,
};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: Clock,
    /// What only the HTTP layer reads (CORS origins, forwarded addresses).
    pub config: Arc<Config>,
    pub languages: Arc<SupportedLanguages>,
    pub links: Arc<LinkSettings>,
    /// Sheets issuing while their rows are still checked hold a connection each: bounded by
    /// the pool's size.
    pub early_issuing: EarlyIssuing,
    pub authenticator: Arc<Authenticator>,
    /// The one client for identity providers (discovery, keys, code exchange).
    pub oidc: Arc<Fetcher>,
    /// What encrypts stored secrets; `None` without a key (secrets are then refused).
    pub secrets: Option<Arc<SecretBox>>,
    /// Where services queue the invitations muster sends; `None` when email delivery is not
    /// configured (`MUSTER_SMTP_URL`).
    pub outbox: Option<Arc<Outbox>>,
    /// How messages are sent, for this node's sender.
    pub mail: Option<Arc<MailSettings>>,
    /// Whether the database answers, as this node's watchdog last saw.
    pub availability: Availability,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
