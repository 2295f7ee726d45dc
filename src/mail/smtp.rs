//! The mail server: where `MUSTER_SMTP_URL` says it is, and how muster talks to it. muster
//! keeps one connection open between messages (its sender sends one message at a time), and
//! opens it itself, with `TCP_NODELAY`: lettre writes a message's end (`.`) apart from its
//! body, and without it every message waited for the server's delayed acknowledgement
//! (40 ms on Linux), which held a node to about 23 messages a second.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use lettre::{
    address::Envelope,
    transport::smtp::{
        Error as SmtpError,
        authentication::{Credentials, Mechanism},
        client::{AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters},
        commands::{Data, Mail, Rcpt},
        extension::{ClientId, Extension, MailParameter},
    },
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
    sync::Mutex,
};

/// How long connecting, or one message, may take before the server counts as unreachable.
const TIMEOUT: Duration = Duration::from_secs(60);
/// A connection unused this long is checked (NOOP) before the next message…
const IDLE: Duration = Duration::from_secs(10);
/// …and counts as closed if it does not answer within this.
const PROBE: Duration = Duration::from_secs(10);
/// The longest one message can take: probing the connection, opening another, the transaction.
pub const LONGEST_ATTEMPT: Duration = Duration::from_secs(PROBE.as_secs() + 2 * TIMEOUT.as_secs());

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

/// Why a message did not reach the server, by the step that failed: what concerns the server
/// or muster's configuration (connecting, TLS, credentials, the sender) stops the sending until
/// later; what concerns one message (its recipient, its content) is that message's outcome.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Connecting: the greeting, EHLO, STARTTLS, AUTH.
    #[error("{0}")]
    Connect(SmtpError),
    #[error("could not reach the mail server: {0}")]
    Network(io::Error),
    #[error("the mail server did not answer within {} s", TIMEOUT.as_secs())]
    TimedOut,
    /// MAIL FROM refused: the From address (`MUSTER_MAIL_FROM`), or the relay's policy.
    #[error("the mail server refused the sender (MUSTER_MAIL_FROM): {0}")]
    Sender(SmtpError),
    /// RCPT TO refused: the invited address.
    #[error("{0}")]
    Recipient(SmtpError),
    /// DATA refused: the message itself (a content filter, its size).
    #[error("{0}")]
    Message(SmtpError),
    #[error("the invited address is not ASCII and the mail server does not take such addresses (no SMTPUTF8)")]
    NeedsSmtpUtf8,
}

impl SendError {
    /// The server's reply code, when it answered.
    pub fn code(&self) -> Option<String> {
        match self {
            Self::Connect(err) | Self::Sender(err) | Self::Recipient(err) | Self::Message(err) => {
                err.status().map(|code| code.to_string())
            }
            _ => None,
        }
    }

    /// The server or muster's configuration failed, not this message: the next message would
    /// fail the same way.
    pub fn is_of_the_server(&self) -> bool {
        matches!(self, Self::Connect(_) | Self::Network(_) | Self::TimedOut | Self::Sender(_))
    }

    /// A 5xx reply about this message (its recipient or content): it will never be accepted.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Recipient(err) | Self::Message(err) => err.is_permanent(),
            Self::NeedsSmtpUtf8 => true,
            _ => false,
        }
    }
}

/// The mail server and the connection kept open to it.
pub struct Relay {
    url: SmtpUrl,
    tls: Option<TlsParameters>,
    /// The connection kept open, and when it was last used.
    open: Mutex<Option<(AsyncSmtpConnection, Instant)>>,
}

impl Relay {
    /// `ca` (PEM) is trusted beside the public authorities.
    pub fn new(url: SmtpUrl, ca: Option<&[u8]>) -> Result<Self, String> {
        let tls = match url.security {
            Security::None => None,
            Security::StartTls | Security::Implicit => {
                let mut parameters = TlsParameters::builder(url.host.clone());
                if let Some(pem) = ca {
                    let authority = Certificate::from_pem(pem).map_err(|err| format!("MUSTER_SMTP_CA: {err}"))?;
                    parameters = parameters.add_root_certificate(authority);
                }
                Some(parameters.build().map_err(|err| format!("MUSTER_SMTP_URL: TLS for {}: {err}", url.host))?)
            }
        };
        Ok(Self { url, tls, open: Mutex::new(None) })
    }

    /// Sends one message, on the open connection if it still works, else on a new one. Every
    /// step is bounded in time; after a failure the connection is closed (it may be in the
    /// middle of a transaction), and the next message opens another.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        let mut open = self.open.lock().await;
        let mut kept = open.take();
        if let Some((connection, used)) = &mut kept {
            // Servers close idle connections (Postfix after 5 minutes), and so do the NATs and
            // firewalls between: one idle a while is asked whether it still works.
            if used.elapsed() >= IDLE
                && !tokio::time::timeout(PROBE, connection.test_connected()).await.unwrap_or(false)
            {
                kept = None;
            }
        }
        let mut connection = match kept {
            Some((connection, _)) => connection,
            None => tokio::time::timeout(TIMEOUT, self.connect()).await.map_err(|_| SendError::TimedOut)??,
        };
        let sent = tokio::time::timeout(TIMEOUT, transaction(&mut connection, envelope, message))
            .await
            .unwrap_or(Err(SendError::TimedOut));
        if sent.is_ok() {
            *open = Some((connection, Instant::now()));
        }
        sent
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let stream = TcpStream::connect((self.url.host.as_str(), self.url.port)).await.map_err(SendError::Network)?;
        stream.set_nodelay(true).map_err(SendError::Network)?;
        let hello = ClientId::default();
        let mut connection = match (self.url.security, &self.tls) {
            #[allow(deprecated)]
            (Security::Implicit, Some(tls)) => {
                let peer = stream.peer_addr().map_err(SendError::Network)?;
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(stream));
                stream.upgrade_tls(tls.clone()).await.map_err(SendError::Connect)?;
                AsyncSmtpConnection::connect_with_transport(Box::new(Encrypted { stream, peer }), &hello)
                    .await
                    .map_err(SendError::Connect)?
            }
            (Security::StartTls, Some(tls)) => {
                let mut connection = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
                    .await
                    .map_err(SendError::Connect)?;
                // Required: a server that does not offer STARTTLS gets nothing in the clear.
                connection.starttls(tls.clone(), &hello).await.map_err(SendError::Connect)?;
                connection
            }
            _ => AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
                .await
                .map_err(SendError::Connect)?,
        };
        if let Some((user, password)) = &self.url.credentials {
            let credentials = Credentials::new(user.clone(), password.clone());
            connection.auth(&[Mechanism::Plain, Mechanism::Login], &credentials).await.map_err(SendError::Connect)?;
        }
        Ok(connection)
    }
}

/// One mail transaction, step by step (what lettre's `send` does, with each step's failure
/// told apart): MAIL FROM, RCPT TO for each recipient, DATA, the message.
async fn transaction(
    connection: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    message: &[u8],
) -> Result<(), SendError> {
    let mut parameters = Vec::new();
    let addresses = envelope.from().into_iter().chain(envelope.to());
    if addresses.map(|address| -> &str { address.as_ref() }).any(|address| !address.is_ascii()) {
        if !connection.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(SendError::NeedsSmtpUtf8);
        }
        parameters.push(MailParameter::SmtpUtfEight);
    }
    connection.command(Mail::new(envelope.from().cloned(), parameters)).await.map_err(SendError::Sender)?;
    for recipient in envelope.to() {
        connection.command(Rcpt::new(recipient.clone(), Vec::new())).await.map_err(SendError::Recipient)?;
    }
    connection.command(Data).await.map_err(SendError::Message)?;
    connection.message(message).await.map_err(SendError::Message)?;
    Ok(())
}

// lettre's network stream is public but deprecated ("not meant to be made public"); it is what
// lettre itself connects with, and through it implicit TLS gets lettre's TLS settings (the
// same authorities as STARTTLS) on a socket muster opened. Cargo.lock pins the version.
#[allow(deprecated)]
use lettre::transport::smtp::client::AsyncNetworkStream;

/// A connection encrypted from its first byte (`smtps://`), as a stream lettre's SMTP client
/// reads: lettre's TLS stream speaks the `futures` I/O traits, its client `tokio`'s.
#[derive(Debug)]
#[allow(deprecated)]
struct Encrypted {
    stream: AsyncNetworkStream,
    peer: std::net::SocketAddr,
}

impl AsyncTokioStream for Encrypted {
    fn peer_addr(&self) -> io::Result<std::net::SocketAddr> {
        Ok(self.peer)
    }
}

impl AsyncRead for Encrypted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        match futures::io::AsyncRead::poll_read(Pin::new(&mut self.stream), cx, unfilled) {
            Poll::Ready(Ok(read)) => {
                buf.advance(read);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for Encrypted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        futures::io::AsyncWrite::poll_write(Pin::new(&mut self.stream), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures::io::AsyncWrite::poll_flush(Pin::new(&mut self.stream), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures::io::AsyncWrite::poll_close(Pin::new(&mut self.stream), cx)
    }
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
