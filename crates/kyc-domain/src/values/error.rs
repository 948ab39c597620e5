//! Validation failures that name the offending field.
//!
//! Every parser in this crate reports the exact path of the field that failed
//! (`address.country_code`, `identification_numbers[1].type`) and a stable code, so that
//! adapters can hand callers an answer they can act on without parsing prose.

use std::fmt;

/// A stable, machine-readable reason why a field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationCode {
    /// The field must be given.
    Required,
    /// The field is empty after trimming.
    Empty,
    /// The value is longer than the field allows.
    TooLong,
    /// The value contains control characters.
    ControlCharacters,
    /// The value does not have the expected form.
    InvalidFormat,
    /// The value is not one of the accepted values.
    UnknownValue,
    /// The value is outside the accepted range.
    OutOfRange,
    /// A date that must lie in the past does not.
    NotInPast,
    /// The person is younger than the minimum age.
    Underage,
    /// Fields that must be given together were given only in part.
    IncompleteGroup,
    /// The field needs another field that is missing.
    MissingDependency,
    /// The field does not apply to this kind of customer.
    NotAllowed,
    /// The value repeats one that must be unique.
    Duplicate,
}

impl ValidationCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Empty => "empty",
            Self::TooLong => "too_long",
            Self::ControlCharacters => "control_characters",
            Self::InvalidFormat => "invalid_format",
            Self::UnknownValue => "unknown_value",
            Self::OutOfRange => "out_of_range",
            Self::NotInPast => "not_in_past",
            Self::Underage => "underage",
            Self::IncompleteGroup => "incomplete_group",
            Self::MissingDependency => "missing_dependency",
            Self::NotAllowed => "not_allowed",
            Self::Duplicate => "duplicate",
        }
    }
}

impl fmt::Display for ValidationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One refused field: where, why (stable code) and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    /// Path of the field, e.g. `address.country_code`.
    pub field: String,
    /// Stable reason code.
    pub code: ValidationCode,
    /// Human-readable explanation; never contains the refused value (it may be PII).
    pub message: String,
}

impl FieldError {
    /// A field error at `field` with `code` and `message`.
    pub fn new(field: impl Into<String>, code: ValidationCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The same error, re-rooted under `parent` (`city` → `address.city`).
    #[must_use]
    pub fn under(mut self, parent: &str) -> Self {
        self.field = if parent.is_empty() {
            self.field
        } else if self.field.is_empty() {
            parent.to_owned()
        } else if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code)
    }
}

/// All field errors found in one input; never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one error.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Records every error of `other`, re-rooted under `parent`.
    pub fn extend_under(&mut self, parent: &str, other: ValidationErrors) {
        self.0.extend(other.0.into_iter().map(|e| e.under(parent)));
    }

    /// Runs a parser, keeping its value or recording its errors under `field`.
    pub fn collect<T>(&mut self, field: &str, result: Result<T, ValidationErrors>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(errors) => {
                self.extend_under(field, errors);
                None
            }
        }
    }

    /// The recorded errors.
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// Each recorded error as (field path, code), in order: what callers and tests act on.
    pub fn fields_and_codes(&self) -> Vec<(&str, ValidationCode)> {
        self.0.iter().map(|e| (e.field.as_str(), e.code)).collect()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was recorded, else every recorded error.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// A single error at the root of the value being parsed (the caller adds the path).
pub(crate) fn invalid(code: ValidationCode, message: impl Into<String>) -> ValidationErrors {
    FieldError::new("", code, message).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_rerooted_under_their_parent() {
        let mut errors = ValidationErrors::new();
        errors.extend_under("address", invalid(ValidationCode::Required, "x"));
        errors.extend_under(
            "identification_numbers",
            FieldError::new("[1].type", ValidationCode::UnknownValue, "x").into(),
        );
        errors.extend_under(
            "",
            FieldError::new("phone_number", ValidationCode::Empty, "x").into(),
        );
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["address", "identification_numbers[1].type", "phone_number"]
        );
    }

    #[test]
    fn finish_returns_value_only_without_errors() {
        assert_eq!(ValidationErrors::new().finish(|| 7), Ok(7));
        let errors: ValidationErrors = invalid(ValidationCode::Empty, "x");
        assert!(errors.finish(|| 7).is_err());
    }
}
