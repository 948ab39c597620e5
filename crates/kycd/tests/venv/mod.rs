//! Virtualenvs with pinned Python packages from `PyPI`, for the tests that drive kycd with a
//! Python tool (Cybrid's client, schemathesis). Each is created under `target/` on first use and
//! reused while its requirements file is unchanged; a test needs `python3` with `venv` and `pip`,
//! and fails with a message saying so when they are missing.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The virtualenv `target/<name>` with exactly the packages of `requirements` (a path from the
/// workspace root) installed; returns the virtualenv's folder.
pub fn pinned_venv(requirements: &str, name: &str) -> PathBuf {
    let root = workspace_root();
    let requirements = root.join(requirements);
    let pinned = std::fs::read_to_string(&requirements).unwrap();
    let venv = root.join("target").join(name);
    let marker = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(pinned.as_str()) {
        return venv;
    }
    let created = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .status();
    assert!(
        created.is_ok_and(|s| s.success()),
        "python3 -m venv failed: install python3 and python3-venv to run this test"
    );
    let installed = Command::new(venv.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements)
        .status()
        .unwrap();
    assert!(
        installed.success(),
        "pip could not install {}",
        requirements.display()
    );
    std::fs::write(&marker, pinned).unwrap();
    venv
}
