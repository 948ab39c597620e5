//! The per-customer hash chain that makes the event log tamper-evident.
//!
//! Each event's metadata carries `hash = sha256(previous hash ‖ event type ‖ version ‖ canonical
//! payload)`, the first event chaining from [`GENESIS_HASH`]. Editing, removing or reordering an
//! event breaks every later link, which `kycctl verify` detects.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The "previous hash" of a customer's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The link hash of one event, as 64 lowercase hex characters.
pub fn link_hash(previous: &str, event_type: &str, event_version: &str, payload: &Value) -> String {
    let mut hasher = Sha256::new();
    // Fields are separated by a byte that cannot occur in the hex hash, the type or the version,
    // so no two different (type, version, payload) triples hash the same input.
    for part in [
        previous.as_bytes(),
        event_type.as_bytes(),
        event_version.as_bytes(),
    ] {
        hasher.update(part);
        hasher.update([0x1f]);
    }
    hasher.update(canonical_json(payload).as_bytes());
    hex::encode(hasher.finalize())
}

/// JSON with object keys sorted at every depth and no insignificant white space, so that the
/// same value always hashes the same whatever map order a serializer or the database used.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let value = json!({"b": 1, "a": {"d": [true, null], "c": "x"}});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"c":"x","d":[true,null]},"b":1}"#
        );
    }

    #[test]
    fn every_input_changes_the_hash() {
        let payload = json!({"at": "2026-11-23T09:00:00Z"});
        let base = link_hash(GENESIS_HASH, "CustomerVerified", "1", &payload);
        assert_eq!(base.len(), 64);
        assert_ne!(
            base,
            link_hash(&"1".repeat(64), "CustomerVerified", "1", &payload)
        );
        assert_ne!(
            base,
            link_hash(GENESIS_HASH, "CustomerRejected", "1", &payload)
        );
        assert_ne!(
            base,
            link_hash(GENESIS_HASH, "CustomerVerified", "2", &payload)
        );
        assert_ne!(
            base,
            link_hash(GENESIS_HASH, "CustomerVerified", "1", &json!({"at": "x"}))
        );
    }
}
