//! The sender: on every node, a task that takes what is due from the outbox and sends it,
//! one message at a time, at most `MUSTER_MAIL_RATE` a second. It looks when this node queues
//! messages, and every second for what other nodes queued or what falls due.
//!
//! One message at a time is what bounds duplicates: a node killed mid-send leaves at most the
//! message it was transmitting unrecorded, and only that one can go out twice (with the same
//! `Message-ID`, which mail clients show once).

use std::{
    collections::{HashMap, hash_map::Entry},
    sync::Arc,
    time::Duration,
};

use entity::{InvitationState, invitation};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter};
use tokio::{sync::watch, time::Instant};

use super::{
    MailSettings, Outbox,
    compose::Letter,
    outbox::{self, Claimed, LEASE, MAX_ATTEMPTS, Outcome},
    smtp::{LONGEST_ATTEMPT, Relay},
};
use crate::{
    audit::{self, Action, Event},
    clock::Clock,
    domain::Email,
    identity::sso::SsoDomains,
    tenant::Tenant,
};

/// How often an idle node looks for messages other nodes queued, or that fell due.
const POLL: Duration = Duration::from_secs(1);
/// How long to wait after the database failed before looking again.
const AFTER_FAILURE: Duration = Duration::from_secs(5);

pub struct Worker {
    db: DatabaseConnection,
    clock: Clock,
    outbox: Arc<Outbox>,
    settings: Arc<MailSettings>,
    relay: Relay,
}

/// What an organization's messages share: its name, and who its invitees sign in with.
struct Organization {
    name: String,
    sso: SsoDomains,
}

impl Worker {
    pub fn new(
        db: DatabaseConnection,
        clock: Clock,
        outbox: Arc<Outbox>,
        settings: Arc<MailSettings>,
    ) -> anyhow::Result<Self> {
        let relay = settings.relay().map_err(anyhow::Error::msg)?;
        Ok(Self { db, clock, outbox, settings, relay })
    }

    /// Sends until `stop` turns true; then finishes the message under way, gives back the
    /// others it took, and returns.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut pace = Pace::new(self.settings.rate);
        tracing::info!(rate = ?self.settings.rate, "sending invitation emails");
        loop {
            if *stop.borrow() {
                break;
            }
            let wait = match self.round(&mut pace, &stop).await {
                Ok(0) => POLL,
                Ok(_) => continue,
                Err(err) => {
                    tracing::warn!(error = %err, "could not take messages from the outbox; trying again shortly");
                    AFTER_FAILURE
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.outbox.woken() => {}
                _ = stop.changed() => {}
            }
        }
        tracing::info!("stopped sending invitation emails");
    }

    /// Takes a batch of due messages and sends them; answers how many it took. A message whose
    /// hold could run out before its attempt ends has its hold renewed just before it is sent, so
    /// that however slow the server, no message is sent while another node may take it over.
    /// When the server (not one message) fails, the rest of the batch waits with the failed
    /// one, untried.
    async fn round(&self, pace: &mut Pace, stop: &watch::Receiver<bool>) -> crate::Result<usize> {
        let now = self.clock.now();
        if !outbox::any_due(&self.db, now).await? {
            return Ok(0);
        }
        let held_until = now + LEASE;
        let claimed = outbox::claim(&self.db, pace.batch(), now, held_until).await?;
        let mut organizations: HashMap<i64, Organization> = HashMap::new();
        for (index, message) in claimed.iter().enumerate() {
            let rest = &claimed[index + 1..];
            if *stop.borrow() {
                outbox::release(&self.db, &claimed[index..], self.clock.now()).await?;
                break;
            }
            pace.wait().await;
            let now = self.clock.now();
            let longest = chrono::Duration::from_std(LONGEST_ATTEMPT).unwrap_or(LEASE);
            if now + longest >= held_until && !outbox::renew(&self.db, message, now + LEASE).await? {
                continue;
            }
            let attempt = self.deliver(message, &mut organizations).await;
            if let Err(err) = self.record(message, &attempt.outcome, attempt.invitation.as_deref()).await {
                let _ = outbox::release(&self.db, rest, now).await;
                return Err(err);
            }
            if attempt.server_failed {
                // The next message would fail the same way (or wait out the same timeout).
                let at = match &attempt.outcome {
                    Outcome::Retry { at, .. } => *at,
                    _ => outbox::next_attempt(1, now).unwrap_or(now),
                };
                outbox::release(&self.db, rest, at).await?;
                break;
            }
        }
        Ok(claimed.len())
    }

    /// One attempt at one message.
    async fn deliver(&self, message: &Claimed, organizations: &mut HashMap<i64, Organization>) -> Attempt {
        let (sent, invitation, link) = match self.prepare(message, organizations).await {
            Ok(Prepared::NotNeeded) => {
                return Attempt { outcome: Outcome::Cancelled, invitation: None, server_failed: false };
            }
            Ok(Prepared::Ready { invitation, email, link }) => (self.send(email).await, Some(invitation), Some(link)),
            Err(failure) => (Err(failure), None, None),
        };
        // A server's reply may quote what it refused: the link never goes further than here.
        let scrub = |error: String| match &link {
            Some(link) => scrubbed(&error, link),
            None => error,
        };
        let server_failed = matches!(sent, Err(Failure::Server(_)));
        let outcome = match sent {
            Ok(()) => Outcome::Sent,
            Err(Failure::Temporary(error) | Failure::Server(error)) => {
                let error = scrub(error);
                match outbox::next_attempt(message.attempts, self.clock.now()) {
                    Some(at) => Outcome::Retry { error, at },
                    None => Outcome::Failed { error: format!("{error} (gave up after {MAX_ATTEMPTS} attempts)") },
                }
            }
            Err(Failure::Permanent(error)) => Outcome::Failed { error: scrub(error) },
        };
        Attempt { outcome, invitation, server_failed }
    }

    /// Hands the email to the mail server. A 5xx reply about the recipient or the message is
    /// permanent; a 4xx is not; and a failure of the server or of muster's configuration (it
    /// cannot be reached, refuses the credentials or the sender) is the operator's to fix:
    /// retried, and the batch waits.
    async fn send(&self, email: lettre::Message) -> Result<(), Failure> {
        match self.relay.send(email.envelope(), &email.formatted()).await {
            Ok(()) => Ok(()),
            Err(err) if err.code().is_some_and(|code| is_authentication(&code)) => {
                Err(Failure::Server(format!("the mail server refused muster's credentials (MUSTER_SMTP_URL): {err}")))
            }
            Err(err) if err.is_of_the_server() => Err(Failure::Server(err.to_string())),
            Err(err) if err.is_permanent() => Err(Failure::Permanent(err.to_string())),
            Err(err) => Err(Failure::Temporary(err.to_string())),
        }
    }

    /// The email of a message, or that it is no longer needed (its invitation was revoked,
    /// replaced, accepted or expired since it was queued).
    async fn prepare(
        &self,
        message: &Claimed,
        organizations: &mut HashMap<i64, Organization>,
    ) -> Result<Prepared, Failure> {
        // The message says whose it is: its organization is the tenant.
        let tenant = Tenant::new(message.organization_id);
        let found = tenant
            .invitations()
            .filter(invitation::Column::Id.eq(message.invitation_id))
            .one(&self.db)
            .await
            .map_err(Failure::database)?;
        let now = self.clock.now();
        let Some(found) = found.filter(|found| found.status == InvitationState::Pending && found.expires_at > now)
        else {
            return Ok(Prepared::NotNeeded);
        };
        if message.attempts > MAX_ATTEMPTS {
            return Err(Failure::Permanent(format!(
                "gave up after {MAX_ATTEMPTS} attempts: each time, the node sending it stopped before the server answered"
            )));
        }
        let sealed = message.sealed_link.as_deref().ok_or_else(|| Failure::Permanent("the link was erased".into()))?;
        // A key that does not open it is this node's configuration (another MUSTER_SECRET_KEY):
        // a node with the right key, or this one fixed, sends it later.
        let link = self.outbox.open(sealed, &found.token_hash).map_err(|err| Failure::Server(err.to_string()))?;
        if let Entry::Vacant(slot) = organizations.entry(message.organization_id) {
            let organization = tenant.organization(&self.db).await.map_err(Failure::database)?;
            let sso = SsoDomains::load(&self.db, &tenant).await.map_err(Failure::database)?;
            slot.insert(Organization { name: organization.name, sso });
        }
        let organization = &organizations[&message.organization_id];
        let provider = Email::parse(&found.email).ok().and_then(|email| organization.sso.provider_for(&email).cloned());
        let letter = Letter {
            organization: &organization.name,
            email: &found.email,
            language: &found.language,
            link: &link,
            expires_at: found.expires_at,
            sso_provider: provider.as_ref().map(|provider| provider.name.as_str()),
        };
        let composed = self.settings.composer.compose(&letter).map_err(|err| Failure::Permanent(format!("{err:#}")))?;
        let message_id = format!("<{}.invitation@{}>", found.public_id, self.settings.from.email.domain());
        let email = composed
            .message(&self.settings.from, &found.email, &message_id)
            .map_err(|err| Failure::Permanent(format!("{err:#}")))?;
        Ok(Prepared::Ready { invitation: found.public_id, email, link })
    }

    /// Writes the outcome; a message sent or failed is an audit event of its organization.
    async fn record(&self, message: &Claimed, outcome: &Outcome, invitation: Option<&str>) -> crate::Result<()> {
        let now = self.clock.now();
        let label = match outcome {
            Outcome::Sent => "sent",
            Outcome::Retry { .. } => "retry",
            Outcome::Failed { .. } => "failed",
            Outcome::Cancelled => "cancelled",
        };
        metrics::counter!("muster_mail_messages_total", "outcome" => label).increment(1);
        if !outbox::finish(&self.db, message, outcome, now).await? {
            // Its lease ran out and another node took it: that node records it.
            tracing::warn!(message = message.id, outcome = label, "a message's lease ran out while it was being sent");
            return Ok(());
        }
        let tenant = Tenant::new(message.organization_id);
        let (action, details) = match outcome {
            Outcome::Sent => (Action::MessageSent, serde_json::json!({ "attempts": message.attempts })),
            Outcome::Failed { error } => {
                tracing::warn!(message = message.id, error = %error, "an invitation email could not be sent");
                (Action::MessageFailed, serde_json::json!({ "attempts": message.attempts, "error": error }))
            }
            Outcome::Retry { error, at } => {
                tracing::info!(message = message.id, error = %error, retry_at = %at, "an invitation email will be retried");
                return Ok(());
            }
            Outcome::Cancelled => return Ok(()),
        };
        audit::record(&self.db, &tenant, audit::MAILER, Event::new(action, invitation, details), now).await;
        Ok(())
    }
}

/// A message ready to go, or not needed any more.
enum Prepared {
    NotNeeded,
    Ready { invitation: String, email: lettre::Message, link: String },
}

/// How one attempt went, and whether the server (rather than the message) failed.
struct Attempt {
    outcome: Outcome,
    /// The invitation's public id, once known (for the audit trail).
    invitation: Option<String>,
    server_failed: bool,
}

/// Why an attempt did not send.
enum Failure {
    /// Worth another attempt later (a 4xx about this message, the database away).
    Temporary(String),
    /// The server or muster's configuration, not this message: worth another attempt later,
    /// and the messages after it wait too.
    Server(String),
    /// Never going to work (a 5xx about the recipient or the message, an erased link).
    Permanent(String),
}

/// `error` without the link, or its token, wherever a server quoted them.
fn scrubbed(error: &str, link: &str) -> String {
    let token = link.rsplit('/').next().unwrap_or(link);
    error.replace(link, "[the invitation link]").replace(token, "[the invitation link]")
}

impl Failure {
    fn database(err: impl std::fmt::Display) -> Self {
        Self::Temporary(format!("the database did not answer: {err}"))
    }
}

/// The replies of a server refusing to authenticate (RFC 4954).
fn is_authentication(code: &str) -> bool {
    matches!(code, "530" | "534" | "535" | "538")
}

/// `MUSTER_MAIL_RATE`: the time each message waits for its turn.
struct Pace {
    every: Option<Duration>,
    next: Instant,
}

impl Pace {
    fn new(rate: Option<u32>) -> Self {
        Self { every: rate.map(|rate| Duration::from_secs(1) / rate.max(1)), next: Instant::now() }
    }

    /// Messages to take at once: about five seconds' worth, so that a node's leases stay short
    /// of what it can send, and other nodes share the rest.
    fn batch(&self) -> u64 {
        match self.every {
            Some(every) => (Duration::from_secs(5).as_nanos() / every.as_nanos().max(1)).clamp(1, 100) as u64,
            None => 100,
        }
    }

    async fn wait(&mut self) {
        if let Some(at) = self.turn(Instant::now()) {
            tokio::time::sleep_until(at).await;
        }
    }

    /// When the next message may go, asked at `now`: `None` for at once. A node that was idle
    /// does not save up turns to spend in a burst.
    fn turn(&mut self, now: Instant) -> Option<Instant> {
        let every = self.every?;
        let at = self.next.max(now);
        self.next = at + every;
        (at > now).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_link_is_scrubbed_from_replies() {
        let link = "https://muster.example/invite/inv_Secret123";
        let reply =
            "554 5.7.1 Message rejected: https://muster.example/invite/inv_Secret123 is listed; see inv_Secret123";
        let scrubbed = scrubbed(reply, link);
        assert!(!scrubbed.contains("inv_Secret123"), "{scrubbed}");
        assert!(scrubbed.starts_with("554 5.7.1 Message rejected: [the invitation link] is listed"));
    }

    #[test]
    fn a_node_takes_about_five_seconds_of_messages_at_its_rate() {
        assert_eq!(Pace::new(None).batch(), 100);
        assert_eq!(Pace::new(Some(20)).batch(), 100);
        assert_eq!(Pace::new(Some(10)).batch(), 50);
        assert_eq!(Pace::new(Some(1)).batch(), 5);
        assert!(is_authentication("535") && !is_authentication("550"));
    }

    #[test]
    fn the_rate_spaces_messages_evenly_without_bursts_after_a_pause() {
        let mut pace = Pace::new(Some(4));
        let start = Instant::now();
        pace.next = start;
        let quarter = Duration::from_millis(250);
        assert_eq!(pace.turn(start), None, "the first goes at once");
        assert_eq!(pace.turn(start), Some(start + quarter));
        assert_eq!(pace.turn(start), Some(start + quarter * 2));
        // Ten idle seconds later, one at once, then the pace again.
        let later = start + Duration::from_secs(10);
        assert_eq!(pace.turn(later), None);
        assert_eq!(pace.turn(later), Some(later + quarter));
        assert_eq!(Pace::new(None).turn(start), None, "no limit");
    }
}
