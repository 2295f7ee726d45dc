//! A mail server that accepts everything and keeps nothing but a count: the far end of
//! `muster bench mail`, so that the figures are muster's (composing, the outbox, SMTP) and not
//! a real server's disk. Speaks just what an SMTP client needs: EHLO, MAIL, RCPT, DATA, RSET,
//! NOOP, QUIT.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

/// A sink listening on loopback; it stops when dropped.
pub struct Sink {
    pub port: u16,
    received: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Sink {
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let received = Arc::new(AtomicU64::new(0));
        let counter = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, counter.clone()));
            }
        });
        Ok(Self { port, received, task })
    }

    /// Messages accepted so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn session(stream: TcpStream, received: Arc<AtomicU64>) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader);
    writer.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).map(|verb| verb.to_ascii_uppercase()).unwrap_or_default();
        match verb.as_slice() {
            b"EHLO" => writer.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?,
            b"DATA" => {
                writer.write_all(b"354 go ahead\r\n").await?;
                loop {
                    line.clear();
                    if lines.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" {
                        break;
                    }
                }
                received.fetch_add(1, Ordering::Relaxed);
                writer.write_all(b"250 2.0.0 queued\r\n").await?;
            }
            b"QUIT" => {
                writer.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => writer.write_all(b"250 OK\r\n").await?,
        }
    }
}
