//! Sealed JSON values: how a sealed field sits inside a stored JSON document.
//!
//! A sealed value replaces the clear one in place as `{"$sealed": "<base64>"}`, the base64
//! holding [`DataKey::seal`] of the value's JSON text. No value the service stores has a
//! `$sealed` member of its own, so readers can tell sealed from clear (events written before
//! encryption stay clear and stay readable).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::{CryptoError, DataKey};

/// The one member of a sealed value.
pub const SEALED_MEMBER: &str = "$sealed";

/// `value` sealed under `key`, bound to `context`.
pub fn seal_value(key: &DataKey, context: &[u8], value: &Value) -> Value {
    let plaintext = value.to_string();
    let sealed = key.seal(context, plaintext.as_bytes());
    let mut object = Map::with_capacity(1);
    object.insert(
        SEALED_MEMBER.to_owned(),
        Value::String(STANDARD.encode(sealed)),
    );
    Value::Object(object)
}

/// The base64 ciphertext if `value` is a sealed value.
pub fn sealed_text(value: &Value) -> Option<&str> {
    match value {
        Value::Object(object) if object.len() == 1 => {
            object.get(SEALED_MEMBER).and_then(Value::as_str)
        }
        _ => None,
    }
}

/// True if `value` is a sealed value.
pub fn is_sealed(value: &Value) -> bool {
    sealed_text(value).is_some()
}

/// The clear value of a sealed one. Errors when it is not sealed, does not open under this
/// key and context, or does not hold JSON.
pub fn open_value(key: &DataKey, context: &[u8], sealed: &Value) -> Result<Value, CryptoError> {
    let text = sealed_text(sealed).ok_or(CryptoError::Truncated)?;
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| CryptoError::NotAuthentic)?;
    let plaintext = zeroize::Zeroizing::new(key.open(context, &bytes)?);
    serde_json::from_slice(&plaintext).map_err(|_| CryptoError::NotAuthentic)
}

/// Removes every sealed member from `object` and its nested objects and arrays' objects;
/// returns how many were removed. What a reader without the key can still use.
pub fn strip_sealed(value: &mut Value) -> usize {
    match value {
        Value::Object(object) => {
            let before = object.len();
            object.retain(|_, member| !is_sealed(member));
            let mut removed = before - object.len();
            for member in object.values_mut() {
                removed += strip_sealed(member);
            }
            removed
        }
        Value::Array(items) => items.iter_mut().map(strip_sealed).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_sealed_value_round_trips_and_hides_its_text() {
        let key = DataKey::generate();
        let clear = json!({"first": "Zebulon", "last": "Quux"});
        let sealed = seal_value(&key, b"c1/name", &clear);
        assert!(is_sealed(&sealed));
        assert!(!sealed.to_string().contains("Zebulon"));
        assert_eq!(open_value(&key, b"c1/name", &sealed), Ok(clear));
        assert_eq!(
            open_value(&key, b"c2/name", &sealed),
            Err(CryptoError::NotAuthentic)
        );
        assert!(!is_sealed(&json!({"$sealed": 1})));
        assert!(!is_sealed(&json!({"$sealed": "x", "other": 1})));
    }

    #[test]
    fn stripping_removes_sealed_members_at_any_depth() {
        let key = DataKey::generate();
        let mut value = json!({
            "details": {"name": seal_value(&key, b"c", &json!("x")), "labels": ["vip"]},
            "list": [{"a": seal_value(&key, b"c", &json!(1)), "b": 2}],
        });
        assert_eq!(strip_sealed(&mut value), 2);
        assert_eq!(
            value,
            json!({"details": {"labels": ["vip"]}, "list": [{"b": 2}]})
        );
    }
}
