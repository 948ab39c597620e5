//! The embedded PostgreSQL: the machine's server binaries, a cluster in the data directory,
//! and the server as a supervised child on a unix socket.

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::{Gid, Uid, User};

use crate::child::Supervised;
use crate::data_dir::{DataDir, SOCKET_PORT, SUPERUSER};
use crate::EmbeddedError;

/// Where the server binaries are looked for after `KYC_PG_BIN` and `pg_config --bindir`.
const SEARCHED_GLOBS: &[&str] = &[
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
    "/opt/homebrew/bin",
    "/usr/local/bin",
    "/usr/bin",
];

/// How long the server may take to accept connections (crash recovery included).
const READY_WITHIN: Duration = Duration::from_secs(120);

/// The directory holding `postgres` and `initdb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresBinaries {
    dir: PathBuf,
}

impl PostgresBinaries {
    /// The binaries in `explicit` (`KYC_PG_BIN`) if given, else those `pg_config --bindir`
    /// names, else the newest of the usual installation places.
    pub fn locate(explicit: Option<&Path>) -> Result<Self, EmbeddedError> {
        if let Some(dir) = explicit {
            return Self::at(dir).ok_or_else(|| EmbeddedError::NotPostgresBinaries(dir.into()));
        }
        let from_pg_config = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
        let mut candidates: Vec<PathBuf> = from_pg_config.into_iter().collect();
        for pattern in SEARCHED_GLOBS {
            candidates.extend(expand(pattern));
        }
        candidates
            .iter()
            .find_map(|dir| Self::at(dir))
            .ok_or_else(|| EmbeddedError::NoPostgres {
                searched: std::iter::once("pg_config --bindir")
                    .chain(SEARCHED_GLOBS.iter().copied())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    fn at(dir: &Path) -> Option<Self> {
        (dir.join("postgres").is_file() && dir.join("initdb").is_file()).then(|| Self {
            dir: dir.to_owned(),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn tool(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// `pattern` with one `*` expanded to the directories that exist, newest version first
/// (version numbers compare numerically).
fn expand(pattern: &str) -> Vec<PathBuf> {
    let Some((head, tail)) = pattern.split_once('*') else {
        return vec![PathBuf::from(pattern)];
    };
    let (parent, prefix) = head.rsplit_once('/').unwrap_or(("", head));
    let Ok(entries) = std::fs::read_dir(if parent.is_empty() { "/" } else { parent }) else {
        return Vec::new();
    };
    let mut found: Vec<(Vec<u64>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let version = name.strip_prefix(prefix)?;
            let key = version
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|part| part.parse().ok())
                .collect();
            Some((key, PathBuf::from(format!("{parent}/{name}{tail}"))))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found.into_iter().map(|(_, path)| path).collect()
}

/// The account the server runs as: kycd's own, or `postgres` when kycd runs as root.
#[derive(Debug, Clone, Copy)]
struct Account {
    switch_to: Option<(Uid, Gid)>,
}

impl Account {
    fn for_this_process() -> Result<Self, EmbeddedError> {
        if !Uid::effective().is_root() {
            return Ok(Self { switch_to: None });
        }
        match User::from_name("postgres") {
            Ok(Some(user)) => Ok(Self {
                switch_to: Some((user.uid, user.gid)),
            }),
            _ => Err(EmbeddedError::RootWithoutPostgresAccount),
        }
    }

    fn apply(self, command: &mut Command) -> &mut Command {
        if let Some((uid, gid)) = self.switch_to {
            command.uid(uid.as_raw()).gid(gid.as_raw());
        }
        command
    }

    /// Gives `path` to the account (when it is not kycd's).
    fn own(self, path: &Path) -> Result<(), EmbeddedError> {
        if let Some((uid, gid)) = self.switch_to {
            std::os::unix::fs::chown(path, Some(uid.as_raw()), Some(gid.as_raw()))
                .map_err(EmbeddedError::io("giving the postgres account", path))?;
        }
        Ok(())
    }

    /// The first directory from `/` down to `path` that the account may not enter.
    fn blocked_at(self, path: &Path) -> Option<PathBuf> {
        let (uid, gid) = self.switch_to?;
        path.ancestors()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .find(|dir| {
                std::fs::metadata(dir).is_ok_and(|meta| {
                    let mode = meta.mode();
                    let bit = if meta.uid() == uid.as_raw() {
                        0o100
                    } else if meta.gid() == gid.as_raw() {
                        0o010
                    } else {
                        0o001
                    };
                    mode & bit == 0
                })
            })
            .map(Path::to_path_buf)
    }
}

/// The embedded PostgreSQL server, running until stopped (or until kycd dies).
pub struct EmbeddedPostgres {
    server: Supervised,
}

impl std::fmt::Debug for EmbeddedPostgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedPostgres")
            .field("pid", &self.server.pid())
            .finish_non_exhaustive()
    }
}

impl EmbeddedPostgres {
    /// Initialises the cluster in `data` on first use, removes a pid file a crash left, starts
    /// the server on the directory's socket (no TCP port) and returns once it accepts
    /// connections. Blocking: call it off the async runtime.
    pub fn start(data: &DataDir, binaries: &PostgresBinaries) -> Result<Self, EmbeddedError> {
        Self::start_with_tcp(data, binaries, None)
    }

    /// [`Self::start`], also listening on `127.0.0.1:<tcp_port>` when one is given (the tests'
    /// private server, whose clients include TCP proxies).
    pub fn start_with_tcp(
        data: &DataDir,
        binaries: &PostgresBinaries,
        tcp_port: Option<u16>,
    ) -> Result<Self, EmbeddedError> {
        let account = Account::for_this_process()?;
        let port = tcp_port.unwrap_or(SOCKET_PORT);
        let listen = if tcp_port.is_some() { "127.0.0.1" } else { "" };
        let socket_dir = data.socket_dir();
        let socket = socket_dir.join(format!(".s.PGSQL.{port}"));
        if socket.as_os_str().len() > 100 {
            return Err(EmbeddedError::SocketPathTooLong(socket));
        }
        if account.switch_to.is_some() {
            // The server's account must pass through the data directory to its cluster and
            // socket (the secrets beside them stay readable by kycd's account only).
            std::fs::set_permissions(data.root(), std::fs::Permissions::from_mode(0o711))
                .map_err(EmbeddedError::io("setting the mode of", data.root()))?;
        }
        if let Some(blocked) = account.blocked_at(data.root()) {
            return Err(EmbeddedError::Unreachable(blocked));
        }
        DataDir::ensure_dir(&socket_dir, 0o700)?;
        account.own(&socket_dir)?;
        if !data.has_postgres() {
            initdb(data, binaries, account)?;
        }
        let cluster = data.postgres();
        let log = data.log("postgres");
        let server = {
            let (binaries, cluster, socket_dir, log) = (
                binaries.clone(),
                cluster.clone(),
                socket_dir.clone(),
                log.clone(),
            );
            Supervised::start(
                "postgres",
                // A fast shutdown: sessions end, the last checkpoint is written.
                Signal::SIGINT,
                Box::new(move || {
                    remove_stale_lock(&cluster.join("postmaster.pid"))?;
                    remove_stale_lock(&socket_dir.join(format!(".s.PGSQL.{port}.lock")))?;
                    let log_file = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&log)
                        .map_err(EmbeddedError::io("opening", &log))?;
                    let mut command = Command::new(binaries.tool("postgres"));
                    command
                        .arg("-D")
                        .arg(&cluster)
                        .arg("-c")
                        .arg(format!("listen_addresses={listen}"))
                        .arg("-c")
                        .arg(format!("unix_socket_directories={}", socket_dir.display()))
                        .args(["-c", &format!("port={port}")])
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(log_file);
                    account.apply(&mut command);
                    Ok(command)
                }),
            )?
        };
        let embedded = Self { server };
        embedded.wait_ready(&cluster, &log)?;
        tracing::info!(pid = ?embedded.server.pid(), socket = %socket_dir.display(), "embedded PostgreSQL ready");
        Ok(embedded)
    }

    /// Waits until the pid file says the server accepts connections.
    fn wait_ready(&self, cluster: &Path, log: &Path) -> Result<(), EmbeddedError> {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let Some(pid) = self.server.pid() else {
                return Err(EmbeddedError::NotReady {
                    name: "postgres",
                    reason: "the server exited".to_owned(),
                    log: log.to_owned(),
                });
            };
            if read_pid_file(cluster).is_some_and(|file| file.pid == pid && file.ready) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(EmbeddedError::NotReady {
                    name: "postgres",
                    reason: format!("not accepting connections after {READY_WITHIN:?}"),
                    log: log.to_owned(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<i32> {
        self.server.pid()
    }

    /// Stops the server (a fast shutdown), waiting up to `grace` before killing it.
    pub fn stop(mut self, grace: Duration) {
        self.server.stop(grace);
    }
}

/// Initialises the cluster in a scratch directory and renames it into place, so that a crash
/// during `initdb` leaves nothing half-made.
fn initdb(
    data: &DataDir,
    binaries: &PostgresBinaries,
    account: Account,
) -> Result<(), EmbeddedError> {
    let cluster = data.postgres();
    let scratch = data.root().join("postgres.initdb");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch).map_err(EmbeddedError::io("removing", &scratch))?;
    }
    DataDir::ensure_dir(&scratch, 0o700)?;
    account.own(&scratch)?;
    tracing::info!(cluster = %cluster.display(), "initialising the embedded PostgreSQL cluster (first start)");
    let mut command = Command::new(binaries.tool("initdb"));
    command
        .arg("-D")
        .arg(&scratch)
        .args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
        ])
        .stdin(Stdio::null());
    account.apply(&mut command);
    let output = command
        .output()
        .map_err(EmbeddedError::io("running", binaries.tool("initdb")))?;
    if !output.status.success() {
        let printed = String::from_utf8_lossy(&output.stderr);
        return Err(EmbeddedError::ToolFailed {
            tool: "initdb".to_owned(),
            status: output.status.to_string(),
            output: tail(&printed, 800),
        });
    }
    std::fs::rename(&scratch, &cluster).map_err(EmbeddedError::io("moving into place", &cluster))
}

/// What `postmaster.pid` (or the socket's lock file, which starts the same way) says.
struct PidFile {
    pid: i32,
    ready: bool,
    /// The server is shutting down (it will remove the file when it is done).
    stopping: bool,
}

/// The pid file's first line (the postmaster's pid) and eighth (its status, `ready` once it
/// accepts connections).
fn read_pid_file(cluster: &Path) -> Option<PidFile> {
    read_lock_file(&cluster.join("postmaster.pid"))
}

fn read_lock_file(path: &Path) -> Option<PidFile> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    let pid = lines.next()?.trim().parse().ok()?;
    let status = lines.nth(6).map(str::trim).unwrap_or_default().to_owned();
    Some(PidFile {
        pid,
        ready: status == "ready",
        stopping: status == "stopping",
    })
}

/// Removes a lock file a crash left behind (`postmaster.pid`, the socket's `.lock`) when the
/// process it names is gone or is not a PostgreSQL server (its pid reused since); refuses when a
/// server still holds it.
fn remove_stale_lock(path: &Path) -> Result<(), EmbeddedError> {
    let Some(file) = read_lock_file(path) else {
        return Ok(());
    };
    // A server that is shutting down, or whose parent died (it got the parent-death signal and
    // is about to), is waited for.
    if file.stopping || orphaned(file.pid) {
        let deadline = Instant::now() + READY_WITHIN;
        while is_postgres_process(file.pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    if is_postgres_process(file.pid) {
        return Err(EmbeddedError::AlreadyRunning {
            pid: file.pid,
            dir: path.to_owned(),
        });
    }
    if !path.exists() {
        // It removed its lock as it stopped.
        return Ok(());
    }
    tracing::info!(pid = file.pid, file = %path.display(), "removing a lock file a stopped PostgreSQL left behind");
    std::fs::remove_file(path).map_err(EmbeddedError::io("removing", path))
}

/// Whether `pid`'s parent is gone (the process was reparented to init), where /proc tells.
fn orphaned(pid: i32) -> bool {
    if std::process::id() == 1 {
        return false;
    }
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // `pid (comm) state ppid …`: comm may hold spaces, so count from its last `)`.
            let after = &stat[stat.rfind(')')? + 1..];
            after.split_whitespace().nth(1)?.parse::<i32>().ok()
        })
        .is_some_and(|ppid| ppid == 1)
}

/// Whether `pid` is a running PostgreSQL process.
fn is_postgres_process(pid: i32) -> bool {
    if nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err() {
        return false;
    }
    // Where /proc tells what the process is, a reused pid is not mistaken for the server.
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => String::from_utf8_lossy(&cmdline).contains("postgres"),
        Err(_) => true,
    }
}

/// The last `max` bytes of `text`, on a character boundary.
fn tail(text: &str, max: usize) -> String {
    let start = text.len().saturating_sub(max);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..].trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_directories_are_tried_newest_first() {
        let root = std::env::temp_dir().join(format!("kyc-embedded-glob-{}", std::process::id()));
        for version in ["9.6", "15", "16", "13"] {
            std::fs::create_dir_all(root.join(version).join("bin")).unwrap();
        }
        let found = expand(&format!("{}/*/bin", root.display()));
        let names: Vec<String> = found
            .iter()
            .map(|p| {
                p.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["16", "15", "13", "9.6"]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_pid_file_names_its_server_and_whether_it_is_ready() {
        let root = std::env::temp_dir().join(format!("kyc-embedded-pid-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(
            root.join("postmaster.pid"),
            "4242\n/data\n1700000000\n5432\n/run\n\n  1234567   2\nready   \n",
        )
        .unwrap();
        let file = read_pid_file(&root).unwrap();
        assert_eq!((file.pid, file.ready), (4242, true));
        std::fs::write(root.join("postmaster.pid"), "4242\n/data\n").unwrap();
        assert!(!read_pid_file(&root).unwrap().ready);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_pid_file_of_a_dead_process_is_removed() {
        let root = std::env::temp_dir().join(format!("kyc-embedded-stale-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        // Pids above the kernel's maximum (4,194,304) never run.
        std::fs::write(root.join("postmaster.pid"), "9999999\n/data\n").unwrap();
        remove_stale_lock(&root.join("postmaster.pid")).unwrap();
        assert!(!root.join("postmaster.pid").exists());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
