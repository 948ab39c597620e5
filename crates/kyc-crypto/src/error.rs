//! Why a cryptographic operation failed. Messages never contain key material or plaintext.

use thiserror::Error;

/// A failed seal, open, wrap or unwrap.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// The ciphertext is too short to hold a nonce and a tag.
    #[error("sealed value is truncated")]
    Truncated,
    /// Authentication failed: wrong key, wrong associated data, or tampered bytes.
    #[error("sealed value does not open with this key and context")]
    NotAuthentic,
    /// The wrapped key names a key-encryption key this keyring does not hold.
    #[error("key-encryption key {0:?} is not in the keyring")]
    UnknownKek(String),
    /// An unwrapped data key has the wrong length.
    #[error("unwrapped data key has {0} bytes, expected 32")]
    BadDataKeyLength(usize),
    /// The random number generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
    /// A remote key service (KMS, Vault) failed; the text comes from the adapter.
    #[error("key service: {0}")]
    KeyService(String),
}
