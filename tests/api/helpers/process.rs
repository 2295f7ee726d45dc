//! muster as operators run it: the `muster serve` binary in a process of its own, which a
//! test can kill (SIGKILL, SIGTERM) and start again on the same database.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

pub struct MusterProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// Its log (stderr), kept in a file: read when a test fails.
    log: tempfile::NamedTempFile,
}

impl MusterProcess {
    /// `muster serve` on `database_url`, on a free loopback port, with more settings in `env`;
    /// answers once it listens.
    pub fn serve(database_url: &str, env: &[(&str, &str)]) -> Self {
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_muster"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MUSTER_DATABASE_URL", database_url)
            .env("MUSTER_LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("log file"))
            .spawn()
            .expect("muster serve");
        let stdout = child.stdout.take().expect("stdout");
        let (found, address) = std::sync::mpsc::channel();
        // Reads stdout to its end, so that the process never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("muster is serving GraphiQL at ") {
                    let _ = found.send(rest.trim_end_matches("/graphql").to_owned());
                }
            }
        });
        let mut process = Self { child, address: String::new(), log };
        match address.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => process.address = address,
            Err(_) => panic!("muster did not start:\n{}", process.log()),
        }
        process
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the process ends where it stands, as on a power cut or an OOM kill.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a signal (`TERM`, `INT`) as an orchestrator does.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status().expect("kill");
        assert!(status.success(), "kill -{name} {}", self.pid());
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for MusterProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
