//! Development secrets kept in the data directory, readable by their owner only.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use crate::EmbeddedError;

/// The secret in `path`, created from `make()` with mode 0600 when the file does not exist (an
/// existing one is never overwritten). A file others may read is refused.
pub fn ensure_secret_file(
    path: &Path,
    make: impl FnOnce() -> String,
) -> Result<String, EmbeddedError> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut file) => {
            let secret = make();
            file.write_all(secret.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(EmbeddedError::io("writing", path))?;
            tracing::info!(path = %path.display(), "created a development secret");
            Ok(secret)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let mode = std::fs::metadata(path)
                .map_err(EmbeddedError::io("reading", path))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(EmbeddedError::SecretExposed(path.to_owned()));
            }
            std::fs::read_to_string(path).map_err(EmbeddedError::io("reading", path))
        }
        Err(error) => Err(EmbeddedError::Io {
            what: "creating",
            path: path.to_owned(),
            source: error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_made_once_private_and_kept() {
        let dir = std::env::temp_dir().join(format!("kyc-embedded-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("jwt-secret");
        let first = ensure_secret_file(&path, || "first".to_owned()).unwrap();
        let again = ensure_secret_file(&path, || "second".to_owned()).unwrap();
        assert_eq!((first.as_str(), again.as_str()), ("first", "first"));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            ensure_secret_file(&path, || "third".to_owned()),
            Err(EmbeddedError::SecretExposed(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
