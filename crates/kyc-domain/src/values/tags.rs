//! Labels and metadata: the caller's own bookkeeping on a customer.

use std::collections::{BTreeMap, BTreeSet};

use super::error::{invalid, FieldError, ValidationCode, ValidationErrors};
use super::text::{BoundedText, ShortText};

/// Most labels one customer may carry.
pub const MAX_LABELS: usize = 20;
/// Most metadata entries one customer may carry.
pub const MAX_METADATA_ENTRIES: usize = 50;
/// A metadata value (at most 500 characters).
pub type MetadataValue = BoundedText<500>;

/// Parses labels: each a short text; duplicates collapse; at most [`MAX_LABELS`].
pub fn parse_labels(raw: &[String]) -> Result<BTreeSet<ShortText>, ValidationErrors> {
    if raw.len() > MAX_LABELS {
        return Err(invalid(
            ValidationCode::TooLong,
            format!("at most {MAX_LABELS} labels are allowed"),
        ));
    }
    let mut errors = ValidationErrors::new();
    let labels = raw
        .iter()
        .enumerate()
        .filter_map(|(index, label)| errors.collect(&format!("[{index}]"), ShortText::parse(label)))
        .collect();
    errors.finish(|| labels)
}

/// Parses metadata: short keys, values of at most 500 characters, at most
/// [`MAX_METADATA_ENTRIES`] entries.
pub fn parse_metadata(
    raw: &BTreeMap<String, String>,
) -> Result<BTreeMap<ShortText, MetadataValue>, ValidationErrors> {
    if raw.len() > MAX_METADATA_ENTRIES {
        return Err(invalid(
            ValidationCode::TooLong,
            format!("at most {MAX_METADATA_ENTRIES} entries are allowed"),
        ));
    }
    let mut errors = ValidationErrors::new();
    let mut parsed = BTreeMap::new();
    for (key, value) in raw {
        let Some(parsed_key) = errors.collect(
            "",
            ShortText::parse(key).map_err(|e| {
                let mut keyed = ValidationErrors::new();
                for error in e.errors() {
                    keyed.push(FieldError::new(
                        "[key]",
                        error.code,
                        format!("key {}", error.message),
                    ));
                }
                keyed
            }),
        ) else {
            continue;
        };
        if let Some(value) = errors.collect(&format!("{parsed_key}"), MetadataValue::parse(value)) {
            parsed.insert(parsed_key, value);
        }
    }
    errors.finish(|| parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_collapse_duplicates() {
        let labels = parse_labels(&["vip".into(), " vip ".into(), "eu".into()]).unwrap();
        assert_eq!(labels.len(), 2);
    }

    #[test]
    fn labels_are_bounded() {
        let many: Vec<String> = (0..=MAX_LABELS).map(|i| format!("l{i}")).collect();
        assert_eq!(
            parse_labels(&many).unwrap_err().errors()[0].code,
            ValidationCode::TooLong
        );
        let errors = parse_labels(&["ok".into(), String::new()]).unwrap_err();
        assert_eq!(errors.errors()[0].field, "[1]");
    }

    #[test]
    fn metadata_values_are_named_by_key() {
        let raw = BTreeMap::from([("crm_id".to_owned(), "x".repeat(501))]);
        let errors = parse_metadata(&raw).unwrap_err();
        assert_eq!(errors.errors()[0].field, "crm_id");
        assert_eq!(errors.errors()[0].code, ValidationCode::TooLong);
        let raw = BTreeMap::from([(" ".to_owned(), "v".to_owned())]);
        assert_eq!(parse_metadata(&raw).unwrap_err().errors()[0].field, "[key]");
    }
}
