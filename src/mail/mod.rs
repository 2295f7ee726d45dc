//! Sending the invitations: muster emails each invitee their link, in their language, when an
//! admin asks it to (`send: true`).
//!
//! - [`outbox`]: the messages in the database: queued in the same transaction as their
//!   invitations, taken by one node at a time, retried, cancelled with their invitation;
//! - [`compose`]: a message's subject, plain text and HTML in the invitation's language;
//! - [`worker`]: what runs on every node and sends what is due, through SMTP;
//! - this module: the settings (`MUSTER_SMTP_URL`, `MUSTER_MAIL_FROM`, `MUSTER_MAIL_RATE`) and
//!   the [`Outbox`] handle services queue messages through.

pub mod compose;
pub mod outbox;
pub mod worker;

use std::{sync::Arc, time::Duration};

use lettre::{
    AsyncSmtpTransport, Tokio1Executor,
    message::Mailbox,
    transport::smtp::{
        PoolConfig,
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
    },
};
use tokio::sync::Notify;

use crate::{Config, secrets::SecretBox};

/// How muster reaches the mail server, from `MUSTER_SMTP_URL`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    /// `smtp://`: plain connection upgraded with STARTTLS, which the server must offer.
    StartTls,
    /// `smtps://`: TLS from the first byte (port 465).
    Implicit,
    /// `smtp://…?tls=none`: no TLS, for a relay on this machine only.
    None,
}

impl std::fmt::Debug for SmtpUrl {
    // The password never prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpUrl")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

impl SmtpUrl {
    /// `smtp://[user:pass@]host[:port][?tls=none]` or `smtps://[user:pass@]host[:port]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = url::Url::parse(text.trim()).map_err(|err| {
            format!("MUSTER_SMTP_URL is not a URL ({err}); write smtp://host:587 or smtps://host:465")
        })?;
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or("MUSTER_SMTP_URL names no host; write smtp://host:587 or smtps://host:465")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let tls = url.query_pairs().find(|(name, _)| name == "tls").map(|(_, value)| value.into_owned());
        let security = match (url.scheme(), tls.as_deref()) {
            ("smtp", None | Some("required")) => Security::StartTls,
            ("smtp", Some("none")) if is_loopback(&host) => Security::None,
            ("smtp", Some("none")) => {
                return Err(format!(
                    "MUSTER_SMTP_URL: ?tls=none sends links in the clear and is allowed only for a relay on this \
                     machine (127.0.0.1, ::1, localhost), not {host}"
                ));
            }
            ("smtps", None | Some("implicit")) => Security::Implicit,
            (scheme @ ("smtp" | "smtps"), Some(other)) => {
                return Err(format!("MUSTER_SMTP_URL: {scheme}:// does not take tls={other}"));
            }
            (scheme, _) => {
                return Err(format!("MUSTER_SMTP_URL must start with smtp:// or smtps://, not {scheme}://"));
            }
        };
        let port = url.port().unwrap_or(if security == Security::Implicit { 465 } else { 587 });
        let credentials = (!url.username().is_empty()).then(|| {
            let decode = |text: &str| percent_decode(text);
            (decode(url.username()), decode(url.password().unwrap_or_default()))
        });
        Ok(Self { host, port, security, credentials })
    }

    /// The transport, with a small pool of connections kept open between messages; `ca` (PEM)
    /// is trusted beside the public authorities.
    fn transport(&self, ca: Option<&[u8]>) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let tls = |host: &str| {
            let mut parameters = TlsParameters::builder(host.to_owned());
            if let Some(pem) = ca {
                let authority = Certificate::from_pem(pem).map_err(|err| format!("MUSTER_SMTP_CA: {err}"))?;
                parameters = parameters.add_root_certificate(authority);
            }
            parameters.build().map_err(|err| format!("MUSTER_SMTP_URL: TLS for {host}: {err}"))
        };
        let tls = match self.security {
            Security::StartTls => Tls::Required(tls(&self.host)?),
            Security::Implicit => Tls::Wrapper(tls(&self.host)?),
            Security::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host.clone())
            .port(self.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(60)))
            .pool_config(PoolConfig::new().max_size(2).idle_timeout(Duration::from_secs(60)));
        if let Some((user, password)) = &self.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn percent_decode(text: &str) -> String {
    form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Email delivery as configured: where to send, as whom, how fast, in which words.
pub struct MailSettings {
    pub smtp: SmtpUrl,
    /// `MUSTER_SMTP_CA`, read when muster starts.
    pub smtp_ca: Option<Vec<u8>>,
    pub from: Mailbox,
    /// Messages per second per node; `None` for no limit.
    pub rate: Option<u32>,
    pub composer: compose::Composer,
}

impl MailSettings {
    /// From the configuration; `None` when `MUSTER_SMTP_URL` is unset.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        let Some(url) = config.smtp_url.as_deref().filter(|url| !url.trim().is_empty()) else {
            if config.mail_from.is_some() {
                tracing::warn!("MUSTER_MAIL_FROM is set but MUSTER_SMTP_URL is not: muster sends no email");
            }
            return Ok(None);
        };
        let smtp = SmtpUrl::parse(url).map_err(anyhow::Error::msg)?;
        let from = config.mail_from.as_deref().ok_or_else(|| {
            anyhow::anyhow!(
                "MUSTER_SMTP_URL is set: set MUSTER_MAIL_FROM too, e.g. `Acme Invitations <invites@acme.com>`"
            )
        })?;
        let from: Mailbox = from.parse().map_err(|err| {
            anyhow::anyhow!("MUSTER_MAIL_FROM is not an address ({err}); write `Acme Invitations <invites@acme.com>`")
        })?;
        let composer = compose::Composer::new(config.mail_templates.as_deref())?;
        let smtp_ca = match &config.smtp_ca {
            Some(path) => Some(
                std::fs::read(path)
                    .map_err(|err| anyhow::anyhow!("MUSTER_SMTP_CA: cannot read {}: {err}", path.display()))?,
            ),
            None => None,
        };
        let settings = Self { smtp, smtp_ca, from, rate: (config.mail_rate > 0).then_some(config.mail_rate), composer };
        // A certificate authority that does not parse stops muster now, not at the first message.
        settings.transport().map_err(anyhow::Error::msg)?;
        Ok(Some(settings))
    }

    /// The transport to the mail server.
    pub fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        self.smtp.transport(self.smtp_ca.as_deref())
    }
}

/// What services queue messages through: the key that seals each link until it is sent, and
/// a bell that wakes this node's sender at once (other nodes find the messages when they next
/// look).
pub struct Outbox {
    secrets: Arc<SecretBox>,
    wake: Notify,
}

impl Outbox {
    pub fn new(secrets: Arc<SecretBox>) -> Self {
        Self { secrets, wake: Notify::new() }
    }

    /// A link sealed for the invitation whose token hashes to `token_hash`: it opens for that
    /// invitation's message only.
    pub fn seal(&self, link: &str, token_hash: &str) -> String {
        self.secrets.seal(link, &link_context(token_hash))
    }

    pub(crate) fn open(&self, sealed: &str, token_hash: &str) -> Result<String, crate::secrets::SecretError> {
        self.secrets.open(sealed, &link_context(token_hash))
    }

    /// Messages were queued: the sender should look now rather than at its next round.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }
}

/// The outbox to queue through when a request asks muster to send (`send: true`), which needs
/// email delivery configured.
pub fn sending(send: bool, outbox: Option<&Outbox>) -> crate::Result<Option<&Outbox>> {
    match (send, outbox) {
        (false, _) => Ok(None),
        (true, Some(outbox)) => Ok(Some(outbox)),
        (true, None) => Err(crate::AppError::bad_input(
            "send",
            "email delivery is not configured (MUSTER_SMTP_URL): leave send out and send the links sheet yourself",
        )),
    }
}

fn link_context(token_hash: &str) -> String {
    format!("mail_message:{token_hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_say_how_to_reach_the_server() {
        let url = SmtpUrl::parse("smtp://relay.example.com").unwrap();
        assert_eq!((url.host.as_str(), url.port, url.security), ("relay.example.com", 587, Security::StartTls));
        let url = SmtpUrl::parse("smtps://ann%40acme.com:p%2Fw+d@mail.example.com").unwrap();
        assert_eq!((url.port, url.security), (465, Security::Implicit));
        assert_eq!(url.credentials, Some(("ann@acme.com".to_owned(), "p/w+d".to_owned())));
        assert!(!format!("{url:?}").contains("p/w"), "the password never prints");
        let url = SmtpUrl::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!((url.port, url.security), (2525, Security::None));
        assert_eq!(SmtpUrl::parse("smtp://[::1]:25?tls=none").unwrap().host, "::1");
        assert!(SmtpUrl::parse("smtp://localhost:25?tls=none").is_ok());
        let refused = SmtpUrl::parse("smtp://mail.example.com?tls=none").unwrap_err();
        assert!(refused.contains("only for a relay on this machine"), "{refused}");
        assert!(SmtpUrl::parse("http://mail.example.com").unwrap_err().contains("smtp://"));
        assert!(SmtpUrl::parse("smtps://mail.example.com?tls=none").is_err());
        assert!(SmtpUrl::parse("mail.example.com:25").is_err());
    }
}
