//! Embedded mode (issue #15), end to end with the kycd binary and nothing configured: no
//! database URL, no secrets, no NATS URL. kycd starts its own PostgreSQL and NATS (the machine's
//! `nats-server`, or the testkit's pinned one, through `KYC_NATS_BIN`) in a scratch data
//! directory.
//!
//! - The README's curl walk-through runs as written against it, and each answer is checked.
//! - Killed with SIGKILL under load, kycd takes its children with it (no process of the data
//!   directory survives); a PostgreSQL killed at the same moment leaves a stale pid file, and the
//!   next start recovers it with every acknowledged customer still there.

// clippy.toml allows unwrap/expect inside `#[test]` functions only; the helpers here panic on
// failure just the same, by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{eventually, free_port};

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        // Short: the socket path must fit a unix socket address.
        let dir = std::env::temp_dir().join(format!("kyc-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn data(&self) -> PathBuf {
        self.0.join("kyc-data")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A kycd child process, stopped (SIGTERM, so that it stops its own children, then SIGKILL)
/// when dropped: a failing test leaves nothing running.
struct Kycd(Child);

impl std::ops::Deref for Kycd {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Kycd {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Kycd {
    fn drop(&mut self) {
        if !matches!(self.0.try_wait(), Ok(None)) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..200 {
            if !matches!(self.0.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The kycd binary in embedded mode on `scratch`, listening on `port`.
fn start_kycd(scratch: &Scratch, port: u16) -> Kycd {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(scratch.0.join("kycd.log"))
        .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_kycd"));
    for (name, _) in std::env::vars() {
        if name.starts_with("KYC_") {
            command.env_remove(name);
        }
    }
    command
        .current_dir(&scratch.0)
        .env("KYC_LISTEN", format!("127.0.0.1:{port}"))
        .env("KYC_LOG", "warn")
        .env("KYC_NATS_BIN", kyc_testkit::servers::nats_server_binary())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .map(Kycd)
        .unwrap()
}

/// Waits until kycd answers `/healthz`; panics with its log if it exits first.
async fn wait_healthy(kycd: &mut Kycd, scratch: &Scratch, port: u16) {
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(Some(status)) = kycd.try_wait() {
            panic!(
                "kycd exited ({status}) before serving: {}",
                std::fs::read_to_string(scratch.0.join("kycd.log")).unwrap_or_default()
            );
        }
        if client
            .get(&url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "kycd did not serve within 120 s: {}",
            std::fs::read_to_string(scratch.0.join("kycd.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every process of `dir`: PostgreSQL's run in their data directory, NATS names its store on
/// its command line.
fn processes_of(dir: &Path) -> Vec<(i32, String)> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let cwd = std::fs::read_link(entry.path().join("cwd")).unwrap_or_default();
            (cmdline.contains(&needle) || cwd.starts_with(dir)).then_some((pid, cmdline))
        })
        .collect()
}

/// The code block that follows `heading` in the README.
fn readme_block(heading: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let section = &readme[readme.find(heading).expect("README section")..];
    let start = section.find("```sh\n").unwrap() + "```sh\n".len();
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_owned()
}

#[tokio::test]
async fn the_readme_walk_through_runs_against_a_kycd_started_with_nothing_configured() {
    let kycctl = Path::new(env!("CARGO_BIN_EXE_kycd")).with_file_name("kycctl");
    assert!(
        kycctl.is_file(),
        "{} is not built: run the README's `cargo test --workspace`, or `cargo build -p kycctl` first",
        kycctl.display()
    );
    let scratch = Scratch::new("walk");
    let port = free_port();
    let mut kycd = start_kycd(&scratch, port);
    wait_healthy(&mut kycd, &scratch, port).await;
    for secret in ["jwt-secret", "master.key", "dev-token"] {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(scratch.data().join(secret))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "{secret}");
    }

    let script = readme_block("## A walk through the flow with curl")
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"))
        .replace(
            "cargo run -q --release -p kycctl --",
            &kycctl.to_string_lossy(),
        );
    let output = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(&scratch.0)
        .env_remove("KYC_DATABASE_URL")
        .env_remove("KYC_JWT_SECRET")
        .env_remove("KYC_MASTER_KEY_FILE")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{script}\n{stdout}\n{stderr}");
    // The verification's answer: the state, then the profiles with every criterion complete.
    assert!(stdout.contains("\"verified\""), "{stdout}");
    assert!(stdout.contains("\"status\": \"approved\""), "{stdout}");
    // The audit trail, and kycctl's history from the same data directory.
    assert!(stdout.contains("\"CustomerVerified\""), "{stdout}");
    assert!(stdout.contains("CustomerCreated"), "{stdout}");
    assert!(
        stdout.matches("CustomerVerified").count() >= 2,
        "history lists it too: {stdout}"
    );

    nix_kill(kycd.id(), "TERM");
    let status = kycd.wait().unwrap();
    assert!(status.success(), "kycd stopped with {status}");
    assert_eq!(
        processes_of(&scratch.data()),
        Vec::new(),
        "children left running"
    );
}

/// Sends `signal` (a name `kill` understands) to `pid`.
fn nix_kill(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Customers created by four clients until `stop`; every 201's guid is remembered.
type Acknowledged = Arc<Mutex<Vec<String>>>;

fn load(base: &str, token: &str) -> (Acknowledged, Arc<AtomicBool>, tokio::task::JoinSet<()>) {
    let acknowledged = Acknowledged::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = tokio::task::JoinSet::new();
    for client_id in 0..4 {
        let (acknowledged, stop, base, token) = (
            Arc::clone(&acknowledged),
            Arc::clone(&stop),
            base.to_owned(),
            token.to_owned(),
        );
        clients.spawn(async move {
            let http = reqwest::Client::new();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let body = serde_json::json!({
                    "type": "individual",
                    "name": {"first": "Ada", "last": format!("Kill{client_id}x{n}")},
                    "email_address": format!("ada{client_id}x{n}@example.com"),
                });
                let Ok(reply) = http
                    .post(&base)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                else {
                    continue;
                };
                if reply.status().as_u16() == 201 {
                    let created: serde_json::Value = reply.json().await.unwrap_or_default();
                    if let Some(guid) = created["guid"].as_str() {
                        acknowledged.lock().unwrap().push(guid.to_owned());
                    }
                }
            }
        });
    }
    (acknowledged, stop, clients)
}

#[tokio::test]
async fn killed_mid_load_kycd_leaves_no_process_behind_and_restarts_with_nothing_lost() {
    let scratch = Scratch::new("kill");
    let port = free_port();
    let mut kycd = start_kycd(&scratch, port);
    wait_healthy(&mut kycd, &scratch, port).await;
    let token = std::fs::read_to_string(scratch.data().join("dev-token")).unwrap();
    let base = format!("http://127.0.0.1:{port}/api/customers");

    let (acknowledged, stop, mut clients) = load(&base, &token);
    eventually(Duration::from_secs(60), "50 acknowledged creates", || {
        let count = acknowledged.lock().unwrap().len();
        async move { (count >= 50).then_some(()) }
    })
    .await;

    // kycd dies, and with it (in the same instant) its PostgreSQL, as in a machine's crash: the
    // pid file stays behind.
    let postmaster: i32 = std::fs::read_to_string(scratch.data().join("postgres/postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    nix_kill(kycd.id(), "KILL");
    let _ = Command::new("kill")
        .args(["-KILL", &postmaster.to_string()])
        .status();
    kycd.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    while clients.join_next().await.is_some() {}
    let data = scratch.data();
    eventually(
        Duration::from_secs(60),
        "no process of the data directory",
        || {
            let left = processes_of(&data);
            async move { left.is_empty().then_some(()) }
        },
    )
    .await;
    // Whether the server was killed before its fast shutdown finished is a race; a crash of
    // the machine would leave both lock files behind, with a pid that may since be another
    // process's (this test's, here): make it so.
    for lock in ["postgres/postmaster.pid", "run/.s.PGSQL.5432.lock"] {
        std::fs::write(
            data.join(lock),
            format!("{}\n{}\n", std::process::id(), data.display()),
        )
        .unwrap();
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    let mut kycd = start_kycd(&scratch, port);
    wait_healthy(&mut kycd, &scratch, port).await;
    let http = reqwest::Client::new();
    for guid in &acknowledged {
        let reply = http
            .get(format!("{base}/{guid}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            reply.status().as_u16(),
            200,
            "customer {guid} was acknowledged"
        );
    }
    nix_kill(kycd.id(), "TERM");
    assert!(kycd.wait().unwrap().success());
    assert_eq!(processes_of(&data), Vec::new(), "children left running");
    println!(
        "embedded mode: {} acknowledged creates survived a SIGKILL of kycd and its PostgreSQL",
        acknowledged.len()
    );
}
