//! A customer's data key and the AES-256-GCM seal it puts on each value.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::CryptoError;

/// Length of a data key in bytes (AES-256).
pub const DATA_KEY_LEN: usize = 32;

/// Bytes of the random nonce at the start of every sealed value.
const NONCE_LEN: usize = 12;

/// Bytes of the authentication tag at its end.
const TAG_LEN: usize = 16;

/// A 256-bit AES-GCM key. Zeroed when dropped; its bytes never appear in `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; DATA_KEY_LEN]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Self {
        let key = Aes256Gcm::generate_key(OsRng);
        let mut bytes = [0_u8; DATA_KEY_LEN];
        bytes.copy_from_slice(&key);
        Self(bytes)
    }

    /// A key from its raw bytes (an unwrapped key, a key file's line).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; DATA_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| CryptoError::BadDataKeyLength(bytes.len()))?;
        Ok(Self(array))
    }

    /// The raw bytes, for wrapping.
    pub fn expose(&self) -> &[u8; DATA_KEY_LEN] {
        &self.0
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0))
    }

    /// Encrypts `plaintext` bound to `context` (associated data: who and what it belongs to).
    /// Returns nonce ‖ ciphertext ‖ tag. Nonces are random: a customer's key seals a few
    /// thousand values in its life, far below the 2³² limit of random 96-bit nonces.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(OsRng);
        let mut sealed = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        sealed.extend_from_slice(&nonce);
        // AES-GCM encryption fails only for inputs over 64 GiB, far above any value we seal.
        let ciphertext = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .unwrap_or_default();
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Decrypts what [`Self::seal`] produced under the same `context`.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Truncated);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| CryptoError::NotAuthentic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_context() {
        let key = DataKey::generate();
        let sealed = key.seal(b"customer-1/name", b"Ada Lovelace");
        assert!(!sealed.windows(3).any(|w| w == b"Ada"));
        assert_eq!(
            key.open(b"customer-1/name", &sealed).as_deref(),
            Ok(&b"Ada Lovelace"[..])
        );
        assert_eq!(
            key.open(b"customer-2/name", &sealed),
            Err(CryptoError::NotAuthentic)
        );
        assert_eq!(
            DataKey::generate().open(b"customer-1/name", &sealed),
            Err(CryptoError::NotAuthentic)
        );
        let mut tampered = sealed.clone();
        tampered[NONCE_LEN] ^= 1;
        assert_eq!(
            key.open(b"customer-1/name", &tampered),
            Err(CryptoError::NotAuthentic)
        );
        assert_eq!(key.open(b"x", &sealed[..10]), Err(CryptoError::Truncated));
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let key = DataKey::generate();
        assert_ne!(key.seal(b"c", b"same"), key.seal(b"c", b"same"));
    }

    #[test]
    fn debug_shows_no_key_bytes() {
        assert_eq!(format!("{:?}", DataKey::generate()), "DataKey(..)");
        assert_eq!(
            DataKey::from_bytes(&[0; 5]).map(drop),
            Err(CryptoError::BadDataKeyLength(5))
        );
    }
}
