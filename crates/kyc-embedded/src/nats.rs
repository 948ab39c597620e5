//! The embedded NATS server: `nats-server -js` as a supervised child, its JetStream store in
//! the data directory, on a loopback port chosen once and kept.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::child::Supervised;
use crate::data_dir::DataDir;
use crate::EmbeddedError;

/// How long the server may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// `explicit` (`KYC_NATS_BIN`) when given, else `nats-server` on the `PATH`, else in
/// `/usr/sbin` or `/usr/local/sbin` (where Debian's package puts it, off an ordinary user's
/// `PATH`); `None` when there is none (kycd then runs without the bus).
pub fn locate_nats_server(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return path.is_file().then(|| path.to_owned());
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(["/usr/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| candidate.is_file())
}

/// The embedded NATS server, running until stopped (or until kycd dies).
pub struct EmbeddedNats {
    server: Supervised,
    url: String,
}

impl std::fmt::Debug for EmbeddedNats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedNats")
            .field("url", &self.url)
            .field("pid", &self.server.pid())
            .finish()
    }
}

impl EmbeddedNats {
    /// Starts `binary` with JetStream, storing in the data directory, on the port kept there
    /// (a free one on first start); returns once it accepts connections. Blocking.
    pub fn start(data: &DataDir, binary: &Path) -> Result<Self, EmbeddedError> {
        let store = data.nats();
        DataDir::ensure_dir(&store, 0o700)?;
        let port = kept_port(&store.join("port"))?;
        let log = data.log("nats");
        let server = {
            let (binary, store, log) = (binary.to_owned(), store.clone(), log.clone());
            Supervised::start(
                "nats-server",
                // A graceful stop: JetStream flushes its store.
                Signal::SIGTERM,
                Box::new(move || {
                    let mut command = Command::new(&binary);
                    command
                        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
                        .arg(&store)
                        .arg("-l")
                        .arg(&log)
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null());
                    Ok(command)
                }),
            )?
        };
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + READY_WITHIN;
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            if server.pid().is_none() || Instant::now() > deadline {
                return Err(EmbeddedError::NotReady {
                    name: "nats-server",
                    reason: format!("nothing accepts connections on {address}"),
                    log,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        tracing::info!(%address, "embedded NATS ready");
        Ok(Self {
            server,
            url: format!("nats://{address}"),
        })
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops it, waiting up to `grace` before killing it.
    pub fn stop(mut self, grace: Duration) {
        self.server.stop(grace);
    }
}

/// The port stored in `file`, or a free loopback port, stored there for next time (a server
/// that keeps its port lets clients reconnect after a restart).
pub fn kept_port(file: &Path) -> Result<u16, EmbeddedError> {
    if let Some(port) = std::fs::read_to_string(file)
        .ok()
        .and_then(|text| text.trim().parse().ok())
    {
        return Ok(port);
    }
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map_err(EmbeddedError::io("finding a free port for", file))?
        .port();
    std::fs::write(file, port.to_string()).map_err(EmbeddedError::io("writing", file))?;
    Ok(port)
}
