//! Free text that is safe to store and show: trimmed, non-empty, bounded, no control characters.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::{invalid, ValidationCode, ValidationErrors};

/// Trimmed, non-empty text of at most `MAX` characters with no control characters.
///
/// The bound is part of the type so that a field's limit is stated once, where the field is
/// declared (`BoundedText<100>`), and cannot drift between the parser and the stored event.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BoundedText<const MAX: usize>(String);

impl<const MAX: usize> BoundedText<MAX> {
    /// Parses raw input: trims it, then refuses empty, over-long or control-character text.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(invalid(ValidationCode::Empty, "must not be empty"));
        }
        if trimmed.chars().count() > MAX {
            return Err(invalid(
                ValidationCode::TooLong,
                format!("must be at most {MAX} characters"),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(invalid(
                ValidationCode::ControlCharacters,
                "must not contain control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> TryFrom<String> for BoundedText<MAX> {
    type Error = ValidationErrors;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl<const MAX: usize> From<BoundedText<MAX>> for String {
    fn from(value: BoundedText<MAX>) -> Self {
        value.0
    }
}

impl<const MAX: usize> fmt::Display for BoundedText<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> fmt::Debug for BoundedText<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A person's or company's name part (at most 100 characters).
pub type NameText = BoundedText<100>;
/// A line of a postal address (at most 200 characters).
pub type AddressLine = BoundedText<200>;
/// A short label or code-like value (at most 64 characters).
pub type ShortText = BoundedText<64>;
/// A free-text explanation or message (at most 1,000 characters).
pub type LongText = BoundedText<1000>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_inner_spaces() {
        let text = NameText::parse("  Ada  Lovelace ").unwrap();
        assert_eq!(text.as_str(), "Ada  Lovelace");
    }

    #[test]
    fn refuses_empty_and_whitespace() {
        for raw in ["", "   ", "\t"] {
            let errors = NameText::parse(raw).unwrap_err();
            assert_eq!(errors.errors()[0].code, ValidationCode::Empty, "{raw:?}");
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(BoundedText::<3>::parse("äöü").is_ok());
        let errors = BoundedText::<3>::parse("äöüß").unwrap_err();
        assert_eq!(errors.errors()[0].code, ValidationCode::TooLong);
    }

    #[test]
    fn refuses_control_characters() {
        for raw in ["a\u{0}b", "a\nb", "a\u{7f}b", "a\u{9b}b"] {
            let errors = NameText::parse(raw).unwrap_err();
            assert_eq!(errors.errors()[0].code, ValidationCode::ControlCharacters);
        }
    }

    #[test]
    fn deserialising_applies_the_same_rules() {
        assert!(serde_json::from_str::<NameText>("\"Ada\"").is_ok());
        assert!(serde_json::from_str::<NameText>("\"\"").is_err());
    }
}
