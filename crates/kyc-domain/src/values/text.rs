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
    /// Most characters the trimmed text may have.
    pub const MAX_LENGTH: usize = MAX;

    /// Parses raw input: trims it, then refuses empty, over-long or control-character text.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let trimmed = trimmed_within(raw, MAX, Measure::Characters)?;
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

/// How a text value's length is measured against its bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure {
    /// Unicode scalar values: what a person counts (names, free text).
    Characters,
    /// UTF-8 bytes: what a protocol counts (an email path, a URL, an ASCII identifier).
    Bytes,
}

impl Measure {
    fn length(self, text: &str) -> usize {
        match self {
            Self::Characters => text.chars().count(),
            Self::Bytes => text.len(),
        }
    }
}

/// The opening every text value shares: trims `raw`, refuses it when empty (`empty`) or longer
/// than `max` (`too_long`, "must be at most `max` characters"), and hands back the trimmed text
/// for the type's own checks.
pub(crate) fn trimmed_within(
    raw: &str,
    max: usize,
    measure: Measure,
) -> Result<&str, ValidationErrors> {
    non_empty_within(raw.trim(), max, measure)
}

/// [`trimmed_within`] without the trim, for ids where surrounding spaces are a format error.
pub(crate) fn non_empty_within(
    text: &str,
    max: usize,
    measure: Measure,
) -> Result<&str, ValidationErrors> {
    if text.is_empty() {
        return Err(invalid(ValidationCode::Empty, "must not be empty"));
    }
    within(text, max, measure)
}

/// Refuses `text` when it is longer than `max` (`too_long`); for values that let an empty
/// input fail their own format check instead (a URL).
pub(crate) fn within(text: &str, max: usize, measure: Measure) -> Result<&str, ValidationErrors> {
    if measure.length(text) > max {
        return Err(invalid(
            ValidationCode::TooLong,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text)
}

/// Implements the serde round trip of a string newtype `$name(String)` parsed by
/// `$name::parse`: `TryFrom<String>` (so deserialising applies the same rules) and
/// `From<$name> for String`.
macro_rules! string_conversions {
    ($($name:ident),+ $(,)?) => {$(
        impl TryFrom<String> for $name {
            type Error = $crate::values::ValidationErrors;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    )+};
}
pub(crate) use string_conversions;

/// Implements `Debug` for a value that may be personal data as `$name(<redacted>)`, so it
/// stays out of logs and panic messages.
macro_rules! redacted_debug {
    ($($name:ident),+ $(,)?) => {$(
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    )+};
}
pub(crate) use redacted_debug;

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
    fn the_shared_opening_keeps_each_types_measure_and_messages() {
        let first = |errors: ValidationErrors| {
            let error = &errors.errors()[0];
            (error.code, error.message.clone())
        };
        // Characters for people's text, bytes for protocol values: "äää" is 3 and 6.
        assert!(trimmed_within(" äää ", 3, Measure::Characters).is_ok());
        assert_eq!(
            first(trimmed_within("äää", 5, Measure::Bytes).unwrap_err()),
            (
                ValidationCode::TooLong,
                "must be at most 5 characters".into()
            )
        );
        assert_eq!(
            first(super::super::EmailAddress::parse(&"a".repeat(255)).unwrap_err()),
            (
                ValidationCode::TooLong,
                "must be at most 254 characters".into()
            )
        );
        // Without the trim, the spaces count.
        let untrimmed = non_empty_within(" a ", 2, Measure::Bytes).unwrap_err();
        assert_eq!(first(untrimmed).0, ValidationCode::TooLong);
        let empty = trimmed_within(" ", 3, Measure::Bytes).unwrap_err();
        assert_eq!(
            first(empty),
            (ValidationCode::Empty, "must not be empty".into())
        );
        // A website has no empty check of its own: its format check refuses "".
        let website = super::super::Website::parse(" ").unwrap_err();
        assert_eq!(website.errors()[0].code, ValidationCode::InvalidFormat);
    }

    #[test]
    fn deserialising_applies_the_same_rules() {
        assert!(serde_json::from_str::<NameText>("\"Ada\"").is_ok());
        assert!(serde_json::from_str::<NameText>("\"\"").is_err());
    }
}
