//! Envelope encryption of personal data.
//!
//! Every customer has its own [`DataKey`]; personal fields, documents and stored answers are
//! [sealed](DataKey::seal) with it, bound by associated data to the customer, the field and
//! the record they belong to. The data key is stored only [wrapped](KeyEncryptionKeys::wrap)
//! by a key-encryption key that never leaves its [`KeyEncryptionKeys`] implementation
//! ([`LocalKeyFile`] here; a KMS or Vault transit adapter implements the same trait).
//! Destroying a customer's wrapped data key makes everything sealed with it unreadable, even
//! to someone who holds the key-encryption key: that is how an append-only log forgets.
//!
//! [`BlindIndexKey`]s turn normalised values into keyed digests, so equal emails or tax
//! numbers can be found without storing them in clear.

mod blind;
mod data_key;
mod error;
pub mod json;
mod kek;

pub use blind::{BlindIndexKey, BLIND_INDEX_ROOT};
pub use data_key::{DataKey, DATA_KEY_LEN};
pub use error::CryptoError;
pub use kek::{
    generate_key_line, KekFuture, KeyEncryptionKeys, KeyFileError, LocalKeyFile, WrappedKey,
};
