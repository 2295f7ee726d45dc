//! The Python the tests drive (openpyxl, as scripts use it; aiosmtpd, a real SMTP server), in
//! a virtualenv of the tests' own, made from the pinned `tests/python/requirements.txt` the
//! first time it is needed.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Mutex,
};

/// `tests/python/.venv/bin/python`, made and installed if it is not there yet.
pub fn python() -> PathBuf {
    static READY: Mutex<bool> = Mutex::new(false);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python");
    let venv = dir.join(".venv");
    let python = venv.join("bin/python");
    let mut ready = READY.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !*ready {
        let installed = Command::new(&python)
            .args(["-c", "import openpyxl, aiosmtpd, trustme"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !installed {
            let made = Command::new("python3")
                .arg("-m")
                .arg("venv")
                .arg(&venv)
                .status()
                .expect("python3, for the tests' virtualenv");
            assert!(made.success(), "python3 -m venv {} failed", venv.display());
            let pip = Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(dir.join("requirements.txt"))
                .status()
                .expect("pip");
            assert!(pip.success(), "pip install -r tests/python/requirements.txt failed");
        }
        *ready = true;
    }
    python
}

/// Runs `tests/python/workbook.py` with `args`; answers what it printed.
pub fn workbook_py(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/workbook.py");
    let output = Command::new(python()).arg(script).args(args).output().expect("python");
    assert!(output.status.success(), "workbook.py {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}
