//! A muster binary serving in a process of its own, on loopback: so that its memory and CPU are
//! its own, and so that another build (`--against`) can be measured the same way.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use anyhow::Context as _;

/// The builds a benchmark measures, each with its label: this binary, then `against` if given.
pub fn builds(against: Option<&Path>) -> anyhow::Result<Vec<(&'static str, PathBuf)>> {
    let mut builds = vec![("this build", std::env::current_exe()?)];
    builds.extend(against.map(|other| ("against", other.to_owned())));
    Ok(builds)
}

/// `muster serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// The `default` organization's admin token, when this server made it (an empty database).
    pub bootstrap_token: Option<String>,
}

impl Server {
    /// Starts `binary serve` on `database_url` (migrating it) and waits until it listens.
    pub fn start(binary: &Path, database_url: &str) -> anyhow::Result<Self> {
        let mut child = Command::new(binary)
            .arg("serve")
            .env("MUSTER_DATABASE_URL", database_url)
            .env("MUSTER_LISTEN", "127.0.0.1:0")
            // Its warnings, or what `RUST_LOG` asks for, go to this command's stderr.
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {} serve", binary.display()))?;
        let stdout = child.stdout.take().context("its output")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut bootstrap_token = None;
        let address = loop {
            let Some(line) = lines.next() else { anyhow::bail!("{} stopped before it listened", binary.display()) };
            let line = line?;
            if line.trim_start().starts_with(crate::identity::api_tokens::PREFIX) {
                bootstrap_token = Some(line.trim().to_owned());
            }
            if let Some(rest) = line.strip_prefix("muster is serving GraphiQL at ") {
                break rest.trim_end_matches("/graphql").to_owned();
            }
        };
        // Its output is read to the end, so that it never waits on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self { child, address, bootstrap_token })
    }

    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
