//! Cybrid's request dialect for customer bodies, mapped onto the domain's [`CustomerDraft`].
//!
//! Cybrid's official clients send a few shapes the domain spells differently. Each is mapped
//! here, before the draft (which refuses unknown fields) is parsed, and never by dropping data:
//!
//! - `aliases` as objects, `[{"full": "Acme"}]` (`PostCustomerAliasesInner`), become the
//!   names they carry; plain strings are accepted as before. An alias with `first`, `middle`
//!   or `last` set is refused, since an alias here is one name.
//! - an identification number's `issuing_subdivision`: `null` is ignored, a value is refused
//!   (422): it is not stored, and silently losing it would lose personal data.
//! - Cybrid's identification types that have an equivalent here are renamed to it
//!   ([`identification_type`]); answers use the names of DESIGN.md.

use kyc_app::AppError;
use kyc_domain::customer::CustomerDraft;
use kyc_domain::values::{FieldError, ValidationCode, ValidationErrors};
use serde_json::{Map, Value};

use crate::error::HttpError;

/// Our name for one of Cybrid's identification types, when it differs.
pub fn identification_type(cybrid: &str) -> Option<&'static str> {
    match cybrid {
        "passport" => Some("passport_number"),
        "drivers_license" => Some("drivers_license_number"),
        "national_identification_number" => Some("national_id"),
        _ => None,
    }
}

/// Parses a customer body (create or detail update) sent in Cybrid's dialect or ours.
pub fn customer_draft(mut body: Value) -> Result<CustomerDraft, HttpError> {
    if let Some(fields) = body.as_object_mut() {
        let mut errors = ValidationErrors::new();
        if let Some(Value::Array(aliases)) = fields.get_mut("aliases") {
            for (index, alias) in aliases.iter_mut().enumerate() {
                if let Value::Object(parts) = alias {
                    match alias_name(parts) {
                        Ok(name) => *alias = name,
                        Err(error) => errors.push(error.under(&format!("aliases[{index}]"))),
                    }
                }
            }
        }
        if let Some(Value::Array(numbers)) = fields.get_mut("identification_numbers") {
            for (index, number) in numbers.iter_mut().enumerate() {
                let Value::Object(number) = number else {
                    continue;
                };
                if !matches!(
                    number.remove("issuing_subdivision"),
                    None | Some(Value::Null)
                ) {
                    errors.push(FieldError::new(
                        format!("identification_numbers[{index}].issuing_subdivision"),
                        ValidationCode::NotAllowed,
                        "is not supported; send the number without it",
                    ));
                }
                if let Some(Value::String(kind)) = number.get_mut("type") {
                    if let Some(ours) = identification_type(kind) {
                        ours.clone_into(kind);
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
    }
    serde_json::from_value(body)
        .map_err(|e| HttpError::malformed(format!("invalid JSON body: {e}")))
}

/// The name an alias object carries: `full`, with no other part set.
fn alias_name(parts: &mut Map<String, Value>) -> Result<Value, FieldError> {
    for part in ["first", "middle", "last"] {
        if !matches!(parts.remove(part), None | Some(Value::Null)) {
            return Err(FieldError::new(
                part,
                ValidationCode::NotAllowed,
                "an alias is one name: send it as full",
            ));
        }
    }
    match parts.remove("full") {
        Some(full @ Value::String(_)) if parts.is_empty() => Ok(full),
        Some(Value::String(_)) => Err(FieldError::new(
            parts.keys().next().map_or("full", String::as_str),
            ValidationCode::NotAllowed,
            "unknown alias field",
        )),
        _ => Err(FieldError::new(
            "full",
            ValidationCode::Required,
            "an alias object needs full",
        )),
    }
}
