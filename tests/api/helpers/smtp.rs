//! A real SMTP server (aiosmtpd, from PyPI) on a loopback port, started by the test that needs
//! it: it keeps what it accepts, and answers `bounce…@` with 550 and `laterN…@` with 451 for
//! N attempts (see `tests/python/smtp_sink.py`).

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use super::python::python;

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// A message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt_tos: Vec<String>,
    /// The whole message, headers and body, as sent.
    pub data: String,
}

impl Received {
    /// A header's value (unfolded), by name, ignoring case.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default().replace("\r\n ", " ").replace("\r\n\t", " ");
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    }

    /// The message parsed: its parts decoded (quoted-printable, base64), by content type.
    pub fn part(&self, content_type: &str) -> String {
        let script = r#"
import email, email.policy, sys
message = email.message_from_string(sys.stdin.read(), policy=email.policy.default)
wanted = sys.argv[1]
for part in message.walk():
    if part.get_content_type() == wanted:
        sys.stdout.write(part.get_content())
        break
"#;
        let mut child = Command::new(python())
            .args(["-c", script, content_type])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(self.data.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        String::from_utf8(output.stdout).unwrap()
    }

    /// The Subject, decoded from its RFC 2047 words.
    pub fn subject(&self) -> String {
        let script = "import email, email.policy, sys\nprint(email.message_from_string(sys.stdin.read(), policy=email.policy.default)['Subject'], end='')";
        let mut child = Command::new(python())
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(self.data.as_bytes()).unwrap();
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
    }

    /// The invitation link in the plain-text part.
    pub fn link(&self) -> String {
        let text = self.part("text/plain");
        text.split_whitespace().find(|word| word.contains("/invite/inv_")).expect("a link in the message").to_owned()
    }
}

impl SmtpSink {
    /// On a free loopback port.
    pub fn start() -> Self {
        Self::start_on(0, 0.0)
    }

    /// On `port` (0: any free one), waiting `delay` seconds before accepting each message.
    pub fn start_on(port: u16, delay: f64) -> Self {
        Self::start_with(&["--port", &port.to_string(), "--delay", &delay.to_string()])
    }

    /// With these options of `smtp_sink.py` (`--tls starttls`, `--auth user:pass`…).
    pub fn start_with(options: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("a directory for received messages");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/smtp_sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg("--dir")
            .arg(dir.path())
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the SMTP server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("the SMTP server's port");
        let port = line.trim().strip_prefix("listening on ").and_then(|port| port.parse().ok());
        let port = port.unwrap_or_else(|| panic!("the SMTP server did not start: {line:?}"));
        Self { child, port, dir }
    }

    /// The certificate authority it made, with `--tls` (PEM).
    pub fn ca(&self) -> std::path::PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// `MUSTER_SMTP_URL` for it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// What it accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        read_dir(self.dir.path())
    }

    /// Waits (up to a minute) until it has accepted `count` messages; answers them.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{} of {count} messages arrived", received.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A port nothing listens on now (to start a server on later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn read_dir(dir: &Path) -> Vec<Received> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect())
        .unwrap_or_default();
    paths.retain(|path| path.extension().is_some_and(|ext| ext == "json"));
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            Received {
                rcpt_tos: record["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|to| to.as_str().unwrap().to_owned())
                    .collect(),
                data: record["data"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
