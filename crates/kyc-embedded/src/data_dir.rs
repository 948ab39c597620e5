//! The data directory of the embedded mode: where everything kycd keeps lives.

use std::fmt::Write as _;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::EmbeddedError;

/// The data directory when `KYC_DATA_DIR` is not set, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "kyc-data";

/// The port number in the socket's file name (`.s.PGSQL.5432`); no TCP port is opened.
pub(crate) const SOCKET_PORT: u16 = 5432;

/// The superuser the embedded cluster is initialised with, and the service connects as.
pub(crate) const SUPERUSER: &str = "kyc";

/// The embedded mode's directory: the PostgreSQL cluster, its socket, NATS's store, the
/// development secrets and the children's logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// The directory at `root`, which need not exist yet.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Creates the directory (mode 0700) if it does not exist, and returns it by its absolute
    /// path (the socket and the children need one).
    pub fn create(root: impl AsRef<Path>) -> Result<Self, EmbeddedError> {
        let root = root.as_ref();
        if !root.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(root)
                .map_err(EmbeddedError::io("creating the data directory", root))?;
        }
        let root = root
            .canonicalize()
            .map_err(EmbeddedError::io("resolving the data directory", root))?;
        Ok(Self { root })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The PostgreSQL cluster.
    pub fn postgres(&self) -> PathBuf {
        self.root.join("postgres")
    }

    /// The directory of PostgreSQL's unix socket.
    pub fn socket_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    /// NATS's JetStream store.
    pub fn nats(&self) -> PathBuf {
        self.root.join("nats")
    }

    /// The development JWT secret (HS256).
    pub fn jwt_secret(&self) -> PathBuf {
        self.root.join("jwt-secret")
    }

    /// The master key file.
    pub fn master_key(&self) -> PathBuf {
        self.root.join("master.key")
    }

    /// The development token kycd writes at start, for scripts and tests.
    pub fn dev_token(&self) -> PathBuf {
        self.root.join("dev-token")
    }

    /// Where the child `name` logs.
    pub fn log(&self, name: &str) -> PathBuf {
        self.root.join(format!("{name}.log"))
    }

    /// Whether the PostgreSQL cluster has been initialised.
    pub fn has_postgres(&self) -> bool {
        self.postgres().join("PG_VERSION").is_file()
    }

    /// The URL of database `database` on the embedded server, through its socket.
    pub fn database_url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost:{SOCKET_PORT}/{database}?host={}",
            percent_encode(&self.socket_dir().to_string_lossy())
        )
    }

    /// Makes `path` a directory of mode `mode`, creating it if needed.
    pub(crate) fn ensure_dir(path: &Path, mode: u32) -> Result<(), EmbeddedError> {
        if !path.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(mode)
                .create(path)
                .map_err(EmbeddedError::io("creating", path))?;
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(EmbeddedError::io("setting the mode of", path))
    }
}

/// `raw` with every byte outside the unreserved set and `/` percent-encoded, for a URL's query.
fn percent_encode(raw: &str) -> String {
    let mut encoded = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_url_reaches_the_socket_directory() {
        let data = DataDir::new("/srv/kyc data");
        assert_eq!(
            data.database_url("kyc"),
            "postgres://kyc@localhost:5432/kyc?host=/srv/kyc%20data/run"
        );
    }
}
