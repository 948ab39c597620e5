//! The benchmark's own world: fresh databases, a `kycd` child process, its memory, NATS streams.
//!
//! kycd runs as a child process (the release binary), not in-process through `kycd::run`:
//! its resident memory is then its own (`/proc/<pid>/status`), and the load generator's CPU
//! time and allocations are not counted against the service.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use tokio::process::{Child, Command};

/// Creates and finally drops the run's databases (`kyc_bench_<run>_<purpose>`).
#[derive(Debug)]
pub struct Databases {
    admin: PgConnectOptions,
    run: String,
    created: Vec<String>,
}

impl Databases {
    /// Databases on the server of `url` (its database part is ignored), named after `run`.
    pub fn new(url: &str, run: &str) -> anyhow::Result<Self> {
        let admin = PgConnectOptions::from_str(url)
            .context("--database-url is not a PostgreSQL URL")?
            .database("postgres");
        Ok(Self {
            admin,
            run: run.to_owned(),
            created: Vec::new(),
        })
    }

    async fn admin(&self) -> anyhow::Result<PgConnection> {
        self.admin
            .connect()
            .await
            .context("cannot reach PostgreSQL (is it running on --database-url?)")
    }

    /// The server's version string.
    pub async fn server_version(&self) -> anyhow::Result<String> {
        let mut admin = self.admin().await?;
        let version: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&mut admin)
            .await?;
        admin.close().await?;
        Ok(version)
    }

    /// Creates a fresh, migrated database and returns its connection options.
    pub async fn create(&mut self, purpose: &str) -> anyhow::Result<PgConnectOptions> {
        let name = format!("kyc_bench_{}_{purpose}", self.run);
        let mut admin = self.admin().await?;
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .with_context(|| format!("creating database {name}"))?;
        admin.close().await?;
        self.created.push(name.clone());
        let options = self.admin.clone().database(&name);
        let pool = sqlx::PgPool::connect_with(options.clone()).await?;
        kyc_store::migrate(&pool).await?;
        pool.close().await;
        Ok(options)
    }

    /// Drops every database this run created.
    pub async fn drop_all(&mut self) -> anyhow::Result<()> {
        let mut admin = self.admin().await?;
        for name in self.created.drain(..) {
            sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut admin)
                .await
                .with_context(|| format!("dropping database {name}"))?;
        }
        admin.close().await?;
        Ok(())
    }
}

/// The URL of a database's connection options (no password: the bench uses trust auth).
pub fn url_of(options: &PgConnectOptions) -> String {
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("postgres")
    )
}

/// A running `kycd` child.
#[derive(Debug)]
pub struct Kycd {
    child: Child,
    /// Its process id.
    pub pid: u32,
    /// Its HTTP address.
    pub addr: SocketAddr,
    /// Its log file.
    pub log: PathBuf,
}

/// What a `kycd` child is started with.
#[derive(Debug)]
pub struct KycdOptions<'a> {
    /// The binary.
    pub binary: &'a Path,
    /// Its database.
    pub database_url: String,
    /// NATS.
    pub nats_url: &'a str,
    /// JetStream stream of its relay.
    pub stream: &'a str,
    /// Subject prefix of events and requests.
    pub prefix: &'a str,
    /// The HS256 secret.
    pub jwt_secret: &'a str,
    /// Where its output goes.
    pub log: PathBuf,
    /// Start it with `--unsafe-store-personal-data-in-clear-for-benchmarks` (the sealing A/B's
    /// baseline only).
    pub plaintext: bool,
}

impl Kycd {
    /// Starts kycd on a free port and waits until `/readyz` answers 200.
    pub async fn start(options: KycdOptions<'_>) -> anyhow::Result<Self> {
        if !options.binary.exists() {
            bail!(
                "{} not found: build it first (cargo build --release -p kycd) or pass --kycd",
                options.binary.display()
            );
        }
        let addr = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
            probe.local_addr()?
        };
        let log = std::fs::File::create(&options.log)
            .with_context(|| format!("creating {}", options.log.display()))?;
        let mut command = Command::new(options.binary);
        if options.plaintext {
            command.arg("--unsafe-store-personal-data-in-clear-for-benchmarks");
        }
        let child = command
            .arg("--database-url")
            .arg(&options.database_url)
            .args(["--nats-url", options.nats_url])
            .args(["--nats-stream", options.stream])
            .args(["--nats-subject-prefix", options.prefix])
            .args(["--listen", &addr.to_string()])
            .args(["--log", "warn", "--log-format", "json"])
            .env("KYC_JWT_SECRET", options.jwt_secret)
            .env("KYC_MASTER_KEY_FILE", master_key_file()?)
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", options.binary.display()))?;
        let pid = child.id().context("kycd exited at once")?;
        let mut kycd = Self {
            child,
            pid,
            addr,
            log: options.log,
        };
        kycd.wait_ready().await?;
        Ok(kycd)
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("kycd exited with {status}; see {}", self.log.display());
            }
            if let Ok(mut client) = crate::client::HttpClient::connect(self.addr, "").await {
                if let Ok(reply) = client.get("/readyz").await {
                    if reply.status == 200 {
                        return Ok(());
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("kycd not ready after 60 s; see {}", self.log.display())
    }

    /// Asks kycd to stop (SIGTERM) and waits for it, killing it after 10 s.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            self.child.kill().await?;
        }
        Ok(())
    }
}

/// Resident memory of a process, kB (`VmRSS` in `/proc/<pid>/status`).
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Samples a process's resident memory every 50 ms and keeps the peak.
#[derive(Debug, Clone)]
pub struct RssSampler {
    peak_kb: Arc<AtomicU64>,
    window_kb: Arc<AtomicU64>,
    stop: tokio_util::sync::CancellationToken,
}

impl RssSampler {
    /// Starts sampling `pid`.
    pub fn start(pid: u32) -> Self {
        let sampler = Self {
            peak_kb: Arc::new(AtomicU64::new(0)),
            window_kb: Arc::new(AtomicU64::new(0)),
            stop: tokio_util::sync::CancellationToken::new(),
        };
        let (peak, window, stop) = (
            Arc::clone(&sampler.peak_kb),
            Arc::clone(&sampler.window_kb),
            sampler.stop.clone(),
        );
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            while !stop.is_cancelled() {
                tick.tick().await;
                if let Some(kb) = rss_kb(pid) {
                    peak.fetch_max(kb, Ordering::Relaxed);
                    window.fetch_max(kb, Ordering::Relaxed);
                }
            }
        });
        sampler
    }

    /// The peak since the start, MiB.
    pub fn peak_mib(&self) -> f64 {
        self.peak_kb.load(Ordering::Relaxed) as f64 / 1024.0
    }

    /// The peak since the last call (a section's peak), MiB.
    pub fn take_window_mib(&self) -> f64 {
        self.window_kb.swap(0, Ordering::Relaxed) as f64 / 1024.0
    }

    /// Stops sampling.
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

/// Deletes a JetStream stream, ignoring a missing one.
pub async fn delete_stream(nats: &async_nats::Client, stream: &str) {
    let js = async_nats::jetstream::new(nats.clone());
    let _ = js.delete_stream(stream).await;
}

/// Messages a stream holds (0 when it does not exist yet).
pub async fn stream_messages(js: &async_nats::jetstream::Context, stream: &str) -> u64 {
    match js.get_stream(stream).await {
        Ok(mut s) => s.info().await.map_or(0, |info| info.state.messages),
        Err(_) => 0,
    }
}

/// The master key file of this run (made once, in the temporary directory): kycd children
/// get it through `KYC_MASTER_KEY_FILE`, and the benchmark's own stores use
/// [`master_keys`].
pub fn master_key_file() -> anyhow::Result<&'static Path> {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    if let Some(path) = FILE.get() {
        return Ok(path);
    }
    let path = std::env::temp_dir().join(format!("kyc-bench-{}-master.key", std::process::id()));
    std::fs::write(
        &path,
        format!("{}\n", kyc_crypto::generate_key_line("bench")),
    )
    .with_context(|| format!("writing {}", path.display()))?;
    Ok(FILE.get_or_init(|| path))
}

/// The customers' data keys under [`master_key_file`].
pub fn master_keys() -> anyhow::Result<kyc_store::keys::CustomerKeys> {
    let file = kyc_crypto::LocalKeyFile::load(master_key_file()?)?;
    Ok(kyc_store::keys::CustomerKeys::new(std::sync::Arc::new(
        file,
    )))
}
