//! The per-customer hash chain that makes the event log tamper-evident.
//!
//! Each event's metadata carries `hash`, its link: a SHA-256 over the previous event's link
//! (the first event chaining from [`GENESIS_HASH`]) and the event itself. Editing, removing or
//! reordering an event breaks every later link, which `kycctl verify` detects.
//!
//! Two versions of the link exist, told apart by the metadata's `chain` field:
//!
//! - **v1** (no `chain` field; events written before v2): [`link_hash`] over the previous link,
//!   the event type, its version and the canonical payload. The metadata is not covered.
//! - **v2** (`"chain": 2`): [`link_hash_v2`], computed by the store over the payload *exactly
//!   as stored* (personal fields may be sealed there, so the app cannot know those bytes) and
//!   over every metadata field but `hash` itself: who acted, for which tenant, through which
//!   request and when can no longer be edited unseen either.
//!
//! [`expected_link`] recomputes either from a stored event, for verification.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::metadata::EventMetadata;

/// The "previous hash" of a customer's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The metadata field that holds an event's link (the one field a link does not cover).
pub const HASH_FIELD: &str = "hash";

/// The metadata field that names the link's version; absent means version 1.
pub const CHAIN_FIELD: &str = "chain";

/// The link version new events are written with.
pub const CHAIN_VERSION: u32 = 2;

/// The first bytes hashed by a v2 link: a v2 input can never be read as a v1 input (which
/// starts with 64 hex digits), nor as the input of any later version with its own tag.
const V2_DOMAIN: &[u8] = b"kyc.chain.v2";

/// Field separator. It cannot occur in a hex hash, an event type or version, nor in canonical
/// JSON (`serde_json` escapes control characters in strings), so the fields split one way only.
const SEPARATOR: [u8; 1] = [0x1f];

/// The v1 link hash of one event, as 64 lowercase hex characters: kept to verify the events
/// written before v2; new events use [`link_hash_v2`].
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
        hasher.update(SEPARATOR);
    }
    hasher.update(canonical_json(payload).as_bytes());
    hex::encode(hasher.finalize())
}

/// The v2 link hash of one event, as 64 lowercase hex characters:
///
/// `sha256("kyc.chain.v2" ␟ previous ␟ event type ␟ event version ␟ canonical(payload) ␟
/// canonical(metadata without "hash"))`, where ␟ is the byte 0x1f and `canonical` is
/// [`canonical_json`].
///
/// `payload` is the payload exactly as the log stores it; `metadata` is the event's metadata
/// object as stored. Its `hash` field, if present, is left out (it is the link being
/// computed); every other field is covered, `chain` included, so a v2 event cannot be passed
/// off as v1 by deleting its mark.
pub fn link_hash_v2(
    previous: &str,
    event_type: &str,
    event_version: &str,
    payload: &Value,
    metadata: &Map<String, Value>,
) -> String {
    let mut hasher = Sha256::new();
    for part in [
        V2_DOMAIN,
        previous.as_bytes(),
        event_type.as_bytes(),
        event_version.as_bytes(),
        canonical_json(payload).as_bytes(),
    ] {
        hasher.update(part);
        hasher.update(SEPARATOR);
    }
    let mut covered = String::new();
    write_canonical_object(
        metadata
            .iter()
            .filter(|(key, _)| key.as_str() != HASH_FIELD),
        &mut covered,
    );
    hasher.update(covered.as_bytes());
    hex::encode(hasher.finalize())
}

/// Links one event after `previous` with the current version ([`CHAIN_VERSION`]): marks
/// `metadata` v2, sets its `hash` to [`link_hash_v2`] over `payload` (the payload exactly as it
/// will be stored) and the marked metadata, and returns the metadata object to store.
///
/// For stores: an adapter calls it once per appended event, in order, each `previous` being
/// the link returned before (the customer's latest stored link, or [`GENESIS_HASH`], first).
///
/// # Errors
///
/// When the metadata does not serialize (it always does: its fields are strings and times).
pub fn link_event(
    previous: &str,
    event_type: &str,
    event_version: &str,
    payload: &Value,
    metadata: &mut EventMetadata,
) -> Result<Value, serde_json::Error> {
    metadata.chain = Some(CHAIN_VERSION);
    let mut fields = match serde_json::to_value(&*metadata)? {
        Value::Object(fields) => fields,
        other => {
            return Err(serde::ser::Error::custom(format!(
                "event metadata serialized as a {}",
                kind(&other)
            )))
        }
    };
    fields.remove(HASH_FIELD);
    let link = link_hash_v2(previous, event_type, event_version, payload, &fields);
    fields.insert(HASH_FIELD.to_owned(), Value::String(link.clone()));
    metadata.hash = link;
    Ok(Value::Object(fields))
}

/// A stored event's `chain` mark names a link version this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown hash-chain version {0}")]
pub struct UnknownChainVersion(pub String);

/// The link a stored event should carry after `previous`, by the version its metadata names
/// (no `chain` field: v1). `metadata` is the stored metadata object (`Null` reads as empty).
///
/// # Errors
///
/// [`UnknownChainVersion`] when `chain` is neither absent, 1 nor 2, or the metadata is not an
/// object.
pub fn expected_link(
    previous: &str,
    event_type: &str,
    event_version: &str,
    payload: &Value,
    metadata: &Value,
) -> Result<String, UnknownChainVersion> {
    let empty = Map::new();
    let fields = match metadata {
        Value::Object(fields) => fields,
        Value::Null => &empty,
        other => {
            return Err(UnknownChainVersion(format!(
                "in non-object metadata {}",
                kind(other)
            )))
        }
    };
    match fields.get(CHAIN_FIELD) {
        None => Ok(link_hash(previous, event_type, event_version, payload)),
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {
            Ok(link_hash(previous, event_type, event_version, payload))
        }
        Some(Value::Number(n)) if n.as_u64() == Some(u64::from(CHAIN_VERSION)) => Ok(link_hash_v2(
            previous,
            event_type,
            event_version,
            payload,
            fields,
        )),
        Some(other) => Err(UnknownChainVersion(other.to_string())),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
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
        Value::Object(map) => write_canonical_object(map.iter(), out),
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

fn write_canonical_object<'a>(
    entries: impl Iterator<Item = (&'a String, &'a Value)>,
    out: &mut String,
) {
    let mut entries: Vec<_> = entries.collect();
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

    fn v2_metadata() -> Map<String, Value> {
        let Value::Object(fields) = json!({
            "actor": "ops",
            "bank_guid": "b",
            "request_id": "r",
            "source": "http",
            "occurred_at": "2026-11-23T09:00:00Z",
            "chain": 2,
        }) else {
            unreachable!()
        };
        fields
    }

    #[test]
    fn v2_covers_every_metadata_field_but_the_hash() {
        let payload = json!({"at": "2026-11-23T09:00:00Z"});
        let metadata = v2_metadata();
        let base = link_hash_v2(GENESIS_HASH, "CustomerVerified", "1", &payload, &metadata);
        assert_eq!(base.len(), 64);
        assert_ne!(
            base,
            link_hash(GENESIS_HASH, "CustomerVerified", "1", &payload)
        );
        let mut with_hash = metadata.clone();
        with_hash.insert(HASH_FIELD.into(), json!(base));
        assert_eq!(
            base,
            link_hash_v2(GENESIS_HASH, "CustomerVerified", "1", &payload, &with_hash)
        );
        for (field, value) in [
            ("actor", json!("mallory")),
            ("bank_guid", json!("c")),
            ("request_id", json!("s")),
            ("idempotency_key", json!("k")),
            ("source", json!("cli")),
            ("occurred_at", json!("2020-01-01T00:00:00Z")),
        ] {
            let mut edited = metadata.clone();
            edited.insert(field.into(), value);
            assert_ne!(
                base,
                link_hash_v2(GENESIS_HASH, "CustomerVerified", "1", &payload, &edited),
                "{field} is not covered"
            );
        }
        assert_ne!(
            base,
            link_hash_v2(
                GENESIS_HASH,
                "CustomerVerified",
                "1",
                &json!({"at": "x"}),
                &metadata
            )
        );
        assert_ne!(
            base,
            link_hash_v2(
                &"1".repeat(64),
                "CustomerVerified",
                "1",
                &payload,
                &metadata
            )
        );
    }

    #[test]
    fn expected_link_follows_the_chain_mark() {
        let payload = json!({"at": "2026-11-23T09:00:00Z"});
        let v1 = json!({"actor": "ops", "hash": "x"});
        assert_eq!(
            expected_link(GENESIS_HASH, "T", "1", &payload, &v1),
            Ok(link_hash(GENESIS_HASH, "T", "1", &payload))
        );
        let v2 = Value::Object(v2_metadata());
        assert_eq!(
            expected_link(GENESIS_HASH, "T", "1", &payload, &v2),
            Ok(link_hash_v2(
                GENESIS_HASH,
                "T",
                "1",
                &payload,
                &v2_metadata()
            ))
        );
        // Removing the mark does not turn a v2 link into a valid v1 one.
        let mut unmarked = v2_metadata();
        unmarked.remove(CHAIN_FIELD);
        assert_ne!(
            expected_link(GENESIS_HASH, "T", "1", &payload, &Value::Object(unmarked)),
            expected_link(GENESIS_HASH, "T", "1", &payload, &v2)
        );
        assert!(expected_link(GENESIS_HASH, "T", "1", &payload, &json!({"chain": 9})).is_err());
    }
}
