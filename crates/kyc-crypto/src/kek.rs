//! Key-encryption keys: the port that wraps data keys, and its local key-file adapter.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::{CryptoError, DataKey, DATA_KEY_LEN};

/// A data key as stored: encrypted under the key-encryption key named `kek_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// The key-encryption key that wrapped it.
    pub kek_id: String,
    /// The wrapped bytes (format private to the implementation that made them).
    pub ciphertext: Vec<u8>,
}

/// What a wrap or unwrap returns: a future, because a KMS or Vault adapter calls a service.
pub type KekFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CryptoError>> + Send + 'a>>;

/// The port to the key-encryption keys (local file, KMS, Vault transit).
///
/// `context` binds a wrapped key to its owner (a customer's id), so a wrapped key copied to
/// another customer's row does not unwrap.
pub trait KeyEncryptionKeys: Send + Sync + std::fmt::Debug {
    /// The id of the key new wraps use.
    fn current_kek_id(&self) -> &str;

    /// Wraps `data_key` under the current key-encryption key.
    fn wrap<'a>(&'a self, data_key: &'a DataKey, context: &'a [u8]) -> KekFuture<'a, WrappedKey>;

    /// Unwraps a key wrapped by any key-encryption key this keyring holds.
    fn unwrap<'a>(&'a self, wrapped: &'a WrappedKey, context: &'a [u8]) -> KekFuture<'a, DataKey>;
}

/// Why a key file was refused. Never shows key material.
#[derive(Debug, Error)]
pub enum KeyFileError {
    /// The file cannot be read.
    #[error("cannot read the master key file {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds no key.
    #[error("the master key file {0} holds no key; create one with `kycctl keys generate`")]
    Empty(PathBuf),
    /// A line is not `key_id:base64-of-32-bytes`.
    #[error("the master key file {path}, line {line}: {reason}")]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two lines carry the same id.
    #[error("the master key file {path}, line {line}: key id {id:?} appears twice")]
    DuplicateId {
        /// The file.
        path: PathBuf,
        /// 1-based line number of the second one.
        line: usize,
        /// The id.
        id: String,
    },
}

/// Key-encryption keys from a local file: one `key_id:base64` line per 256-bit key, the first
/// one current; blank lines and lines starting with `#` are ignored.
///
/// Rotation: put a new key on the first line (`kycctl keys generate --prepend FILE`), restart,
/// run `kycctl keys rotate` (re-wraps every data key under it), then delete the old line.
pub struct LocalKeyFile {
    current: String,
    keys: HashMap<String, Zeroizing<[u8; DATA_KEY_LEN]>>,
}

impl std::fmt::Debug for LocalKeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ids: Vec<_> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("LocalKeyFile")
            .field("current", &self.current)
            .field("ids", &ids)
            .finish()
    }
}

impl LocalKeyFile {
    /// Reads and checks the key file at `path`.
    pub fn load(path: &Path) -> Result<Self, KeyFileError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            KeyFileError::Unreadable {
                path: path.to_owned(),
                source,
            }
        })?);
        Self::parse(path, &text)
    }

    /// Parses key-file text; `path` only names the file in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Self, KeyFileError> {
        let mut current = None;
        let mut keys = HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason| KeyFileError::BadLine {
                path: path.to_owned(),
                line: index + 1,
                reason,
            };
            let (id, encoded) = line
                .split_once(':')
                .ok_or_else(|| bad("expected key_id:base64"))?;
            let id = id.trim();
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                return Err(bad("the key id must be letters, digits, '-', '_' or '.'"));
            }
            let bytes = Zeroizing::new(
                STANDARD
                    .decode(encoded.trim())
                    .map_err(|_| bad("the key is not valid base64"))?,
            );
            let key: [u8; DATA_KEY_LEN] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| bad("the key must be 32 bytes (44 base64 characters)"))?;
            if keys.contains_key(id) {
                return Err(KeyFileError::DuplicateId {
                    path: path.to_owned(),
                    line: index + 1,
                    id: id.to_owned(),
                });
            }
            current.get_or_insert_with(|| id.to_owned());
            keys.insert(id.to_owned(), Zeroizing::new(key));
        }
        let current = current.ok_or_else(|| KeyFileError::Empty(path.to_owned()))?;
        Ok(Self { current, keys })
    }

    /// The ids this file holds, the current one first.
    pub fn kek_ids(&self) -> Vec<String> {
        let mut others: Vec<String> = self
            .keys
            .keys()
            .filter(|id| **id != self.current)
            .cloned()
            .collect();
        others.sort();
        let mut ids = vec![self.current.clone()];
        ids.extend(others);
        ids
    }

    fn cipher(&self, kek_id: &str) -> Result<Aes256Gcm, CryptoError> {
        let key = self
            .keys
            .get(kek_id)
            .ok_or_else(|| CryptoError::UnknownKek(kek_id.to_owned()))?;
        Ok(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key[..])))
    }

    fn wrap_now(&self, data_key: &DataKey, context: &[u8]) -> Result<WrappedKey, CryptoError> {
        let nonce = Aes256Gcm::generate_nonce(OsRng);
        let aad = wrap_context(&self.current, context);
        let sealed = self
            .cipher(&self.current)?
            .encrypt(
                &nonce,
                Payload {
                    msg: data_key.expose(),
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::NotAuthentic)?;
        let mut ciphertext = nonce.to_vec();
        ciphertext.extend_from_slice(&sealed);
        Ok(WrappedKey {
            kek_id: self.current.clone(),
            ciphertext,
        })
    }

    fn unwrap_now(&self, wrapped: &WrappedKey, context: &[u8]) -> Result<DataKey, CryptoError> {
        if wrapped.ciphertext.len() < 12 {
            return Err(CryptoError::Truncated);
        }
        let (nonce, sealed) = wrapped.ciphertext.split_at(12);
        let aad = wrap_context(&wrapped.kek_id, context);
        let bytes = Zeroizing::new(
            self.cipher(&wrapped.kek_id)?
                .decrypt(
                    Nonce::from_slice(nonce),
                    Payload {
                        msg: sealed,
                        aad: &aad,
                    },
                )
                .map_err(|_| CryptoError::NotAuthentic)?,
        );
        DataKey::from_bytes(&bytes)
    }
}

/// Associated data of a wrap: the format, the wrapping key's id and the owner.
fn wrap_context(kek_id: &str, context: &[u8]) -> Vec<u8> {
    [
        b"kyc/wrap/v1".as_slice(),
        &[0x1f],
        kek_id.as_bytes(),
        &[0x1f],
        context,
    ]
    .concat()
}

impl KeyEncryptionKeys for LocalKeyFile {
    fn current_kek_id(&self) -> &str {
        &self.current
    }

    fn wrap<'a>(&'a self, data_key: &'a DataKey, context: &'a [u8]) -> KekFuture<'a, WrappedKey> {
        let wrapped = self.wrap_now(data_key, context);
        Box::pin(std::future::ready(wrapped))
    }

    fn unwrap<'a>(&'a self, wrapped: &'a WrappedKey, context: &'a [u8]) -> KekFuture<'a, DataKey> {
        let unwrapped = self.unwrap_now(wrapped, context);
        Box::pin(std::future::ready(unwrapped))
    }
}

/// A new key-file line: `id:base64` with a fresh random key and an id made of `prefix` and
/// random hex (so two generated keys never share an id).
pub fn generate_key_line(prefix: &str) -> String {
    let key = DataKey::generate();
    let suffix = DataKey::generate();
    format!(
        "{prefix}-{}:{}",
        hex::encode(&suffix.expose()[..4]),
        STANDARD.encode(key.expose())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring(text: &str) -> Result<LocalKeyFile, KeyFileError> {
        LocalKeyFile::parse(Path::new("keys"), text)
    }

    #[tokio::test]
    async fn wraps_under_the_first_key_and_unwraps_under_any() {
        let (old, new) = (generate_key_line("old"), generate_key_line("new"));
        let before = keyring(&old).expect("one key");
        let data_key = DataKey::generate();
        let wrapped = before.wrap(&data_key, b"c1").await.expect("wraps");
        assert!(wrapped.kek_id.starts_with("old-"));
        let both = keyring(&format!("# rotated\n{new}\n\n{old}\n")).expect("two keys");
        assert!(both.current_kek_id().starts_with("new-"));
        let unwrapped = both
            .unwrap(&wrapped, b"c1")
            .await
            .expect("old key still held");
        assert_eq!(unwrapped.expose(), data_key.expose());
        let rewrapped = both.wrap(&unwrapped, b"c1").await.expect("rewraps");
        assert!(rewrapped.kek_id.starts_with("new-"));
        let only_new = keyring(&new).expect("new key only");
        assert!(only_new.unwrap(&rewrapped, b"c1").await.is_ok());
        assert!(matches!(
            only_new.unwrap(&wrapped, b"c1").await,
            Err(CryptoError::UnknownKek(_))
        ));
        assert_eq!(
            only_new.unwrap(&rewrapped, b"c2").await.map(drop),
            Err(CryptoError::NotAuthentic)
        );
    }

    #[test]
    fn bad_files_name_the_line_and_never_the_key() {
        assert!(matches!(
            keyring("\n# nothing\n"),
            Err(KeyFileError::Empty(_))
        ));
        let line = generate_key_line("k");
        let error = keyring(&format!("{line}\nbroken")).expect_err("no colon");
        assert!(error.to_string().contains("line 2"), "{error}");
        let error = keyring("k1:AAAA").expect_err("short key");
        assert!(error.to_string().contains("32 bytes"), "{error}");
        let error = keyring("k1:@@@@").expect_err("not base64");
        assert!(error.to_string().contains("base64"), "{error}");
        let (id, key) = line.split_once(':').expect("generated line");
        let error = keyring(&format!("{line}\n{id}:{key}")).expect_err("twice");
        assert!(matches!(error, KeyFileError::DuplicateId { line: 2, .. }));
        assert!(!error.to_string().contains(key));
        let debug = format!("{:?}", keyring(&line).expect("valid"));
        assert!(!debug.contains(key), "{debug}");
    }
}
