//! The master key of tests: one fixed, public key-encryption key, so that every test process
//! and every kycd a test starts opens what the others sealed. Never use it anywhere else.

// Test support: a panic is the report, as in any `#[test]`.
#![allow(clippy::missing_panics_doc)]

use std::path::PathBuf;
use std::sync::Arc;

use kyc_crypto::LocalKeyFile;
use kyc_store::keys::CustomerKeys;

/// The tests' key file line (`key_id:base64`). Public: it protects nothing.
pub const TEST_KEY_LINE: &str = "test-kek:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=";

/// The customers' data keys under the tests' master key.
///
/// # Panics
/// If [`TEST_KEY_LINE`] is not a valid key file line.
pub fn test_keys() -> CustomerKeys {
    // The line above is a valid key file; a broken constant fails every test at once.
    let file = LocalKeyFile::parse(std::path::Path::new("test key"), TEST_KEY_LINE)
        .unwrap_or_else(|error| panic!("the tests' key line is broken: {error}"));
    CustomerKeys::new(Arc::new(file))
}

/// A key file holding the tests' master key, for kycd and kycctl started by tests.
///
/// # Panics
/// If the temporary directory cannot be written.
pub fn test_key_file() -> PathBuf {
    let path = std::env::temp_dir().join(format!("kyc-test-{}-master.key", std::process::id()));
    if !path.exists() {
        std::fs::write(&path, format!("{TEST_KEY_LINE}\n"))
            .unwrap_or_else(|error| panic!("writing {}: {error}", path.display()));
    }
    path
}

/// A `customer_views.record` as stored, with its sealed fields opened (seals carry random
/// nonces, so two writes of the same record differ until opened).
///
/// # Panics
/// If the customer's key cannot be read or the record does not open.
pub async fn opened_record(
    pool: &sqlx::PgPool,
    customer_guid: &str,
    last_sequence: i64,
    mut record: serde_json::Value,
) -> serde_json::Value {
    let key = test_keys()
        .get(pool, customer_guid)
        .await
        .unwrap_or_else(|error| panic!("data key of {customer_guid}: {error}"));
    kyc_store::codec::open_record(&mut record, customer_guid, last_sequence, &key)
        .unwrap_or_else(|error| panic!("record of {customer_guid}: {error}"));
    record
}
