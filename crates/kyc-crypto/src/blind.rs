//! Blind indexes: keyed digests of normalised values, so that equal values can be found
//! without storing them.
//!
//! Each tenant's key is derived from one root secret (stored wrapped like a data key), so the
//! same email at two tenants gives unrelated digests: one tenant's index never matches
//! another's, and a leaked index table cannot be joined across tenants.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::DataKey;

/// The keyring name under which the root secret of every blind-index key is stored.
pub const BLIND_INDEX_ROOT: &str = "blind_index_root";

/// One tenant's key for one kind of value (email, phone, tax or identification number).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct BlindIndexKey([u8; 32]);

impl std::fmt::Debug for BlindIndexKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindIndexKey(..)")
    }
}

impl BlindIndexKey {
    /// Derives the key of `tenant` for values of `kind` from the root secret (HKDF-SHA256).
    pub fn derive(root: &DataKey, tenant: &str, kind: &str) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(b"kyc blind index v1"), root.expose());
        let mut okm = [0_u8; 32];
        let info = [tenant.as_bytes(), &[0x1f], kind.as_bytes()].concat();
        // HKDF-SHA256 can produce up to 8160 bytes; 32 always succeeds.
        if hkdf.expand(&info, &mut okm).is_err() {
            okm = [0; 32];
        }
        Self(okm)
    }

    /// The index entry of an already normalised value, as 64 hex characters.
    pub fn digest(&self, normalised: &str) -> String {
        // HMAC accepts keys of any length, so construction cannot fail for 32 bytes.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(normalised.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_per_tenant_and_kind() {
        let root = DataKey::generate();
        let a = BlindIndexKey::derive(&root, "tenant-a", "email");
        let b = BlindIndexKey::derive(&root, "tenant-b", "email");
        let a_phone = BlindIndexKey::derive(&root, "tenant-a", "phone");
        let value = "ada@example.com";
        assert_eq!(a.digest(value), a.digest(value));
        assert_eq!(
            a.digest(value),
            BlindIndexKey::derive(&root, "tenant-a", "email").digest(value)
        );
        assert_ne!(a.digest(value), b.digest(value));
        assert_ne!(a.digest(value), a_phone.digest(value));
        assert_eq!(a.digest(value).len(), 64);
        assert!(!a.digest(value).contains("ada"));
    }
}
