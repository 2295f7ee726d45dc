//! Sending the invitations: muster emails each invitee their link, in their language, when an
//! admin asks it to (`send: true`).
//!
//! - [`outbox`]: the messages in the database: queued in the same transaction as their
//!   invitations, taken by one node at a time, retried, cancelled with their invitation;
//! - [`compose`]: a message's subject, plain text and HTML in the invitation's language;
//! - [`worker`]: what runs on every node and sends what is due;
//! - [`smtp`]: the mail server, as `MUSTER_SMTP_URL` names it, and the connection to it;
//! - this module: the settings (`MUSTER_SMTP_URL`, `MUSTER_MAIL_FROM`, `MUSTER_MAIL_RATE`) and
//!   the [`Outbox`] handle services queue messages through.

pub mod compose;
pub mod outbox;
pub mod smtp;
pub mod worker;

use std::sync::Arc;

use lettre::message::Mailbox;
use tokio::sync::Notify;

use self::smtp::{Relay, SmtpUrl};
use crate::{Config, secrets::SecretBox};

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
        settings.relay().map_err(anyhow::Error::msg)?;
        Ok(Some(settings))
    }

    /// The mail server, to send through.
    pub fn relay(&self) -> Result<Relay, String> {
        Relay::new(self.smtp.clone(), self.smtp_ca.as_deref())
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

    fn config(smtp_url: Option<&str>, mail_from: Option<&str>) -> Config {
        let mut config = Config::defaults();
        config.smtp_url = smtp_url.map(str::to_owned);
        config.mail_from = mail_from.map(str::to_owned);
        config
    }

    #[tokio::test]
    async fn delivery_is_configured_whole_or_refused_at_start() {
        assert!(MailSettings::from_config(&config(None, None)).unwrap().is_none(), "unset: nothing sent");
        let settings =
            MailSettings::from_config(&config(Some("smtp://127.0.0.1:2525?tls=none"), Some("Acme <in@acme.example>")))
                .unwrap()
                .unwrap();
        assert_eq!((settings.from.email.to_string().as_str(), settings.rate), ("in@acme.example", Some(20)));
        let refused = |url: &str, from: Option<&str>| {
            MailSettings::from_config(&config(Some(url), from)).err().map(|err| err.to_string()).unwrap_or_default()
        };
        assert!(refused("smtp://relay.example.com", None).contains("set MUSTER_MAIL_FROM"));
        assert!(
            refused("smtp://relay.example.com", Some("not an address")).contains("MUSTER_MAIL_FROM is not an address")
        );
        assert!(
            refused("smtp://relay.example.com?tls=none", Some("in@acme.example"))
                .contains("only for a relay on this machine")
        );
        let mut with_ca = config(Some("smtps://relay.example.com"), Some("in@acme.example"));
        with_ca.smtp_ca = Some("/nonexistent/ca.pem".into());
        assert!(MailSettings::from_config(&with_ca).err().unwrap().to_string().contains("MUSTER_SMTP_CA"));
    }
}
