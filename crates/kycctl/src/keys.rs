//! `kycctl keys`: the master key file and what the database still wraps with old keys.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context;
use sqlx::PgPool;

/// Creates the key file with `line` (mode 0600), or puts `line` first in an existing one so it
/// becomes the current key. The file is replaced atomically, so a crash leaves the old or the
/// new file, never half of one.
pub fn write_key_file(path: &Path, line: &str) -> anyhow::Result<()> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            return Err(error).with_context(|| format!("reading {}", path.display()));
        }
    };
    let contents = format!("{line}\n{existing}");
    // The new contents must still be a valid key file before anything is replaced.
    kyc_crypto::LocalKeyFile::parse(path, &contents)?;
    let temporary = path.with_extension("tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options
            .open(&temporary)
            .with_context(|| format!("creating {}", temporary.display()))?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// How many live data keys and keyring entries are wrapped by a key other than `current`.
pub async fn wrapped_by_others(pool: &PgPool, current: &str) -> anyhow::Result<i64> {
    let count: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM customer_keys WHERE kek_id IS NOT NULL AND kek_id <> $1) \
              + (SELECT count(*) FROM keyring WHERE kek_id <> $1)",
    )
    .bind(current)
    .fetch_one(pool)
    .await?;
    Ok(count)
}
