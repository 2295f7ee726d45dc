//! The Node.js tools tests run (the OpenID provider, the GraphQL-over-HTTP audit), installed
//! with `npm ci` from their committed lockfiles the first time a test needs them, so that
//! `cargo test` works on a fresh checkout.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    sync::Mutex,
};

/// The directory `dir` (relative to the project), with its packages installed; `package` is
/// one of them, whose presence tells that the install was done.
pub fn installed(dir: &str, package: &str) -> PathBuf {
    static DONE: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut done = DONE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let done = done.get_or_insert_with(HashSet::new);
    if !done.contains(&dir) && !dir.join("node_modules").join(package).exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .expect("npm, to install what the tests run");
        assert!(status.success(), "npm ci in {} failed", dir.display());
    }
    done.insert(dir.clone());
    dir
}

/// Runs a script of `tests/browser/` (playwright-core driving Debian's headless Chromium) with
/// `args`; answers the JSON line it printed, once it has said that the browser ran.
pub async fn browser(script: &str, args: &[&str]) -> serde_json::Value {
    let dir = installed("tests/browser", "playwright-core");
    let output = tokio::process::Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(dir)
        .output()
        .await
        .expect("node, to drive the browser");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(seen.get("error").is_none(), "is Debian's chromium installed (.ci/run installs it)? {seen:#}");
    seen
}
