//! Postal addresses.

use serde::{Deserialize, Serialize};

use super::country::CountryCode;
use super::error::{FieldError, ValidationCode, ValidationErrors};
use super::text::{AddressLine, ShortText};

/// A postal address as a caller sends it, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddressDraft {
    /// Street and number.
    pub street: Option<String>,
    /// Second address line.
    pub street2: Option<String>,
    /// City or town.
    pub city: Option<String>,
    /// State, province or region.
    pub subdivision: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country_code: Option<String>,
}

/// A validated postal address: street, city and country are always present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street and number.
    pub street: AddressLine,
    /// Second address line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street2: Option<AddressLine>,
    /// City or town.
    pub city: AddressLine,
    /// State, province or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<AddressLine>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<ShortText>,
    /// Country.
    pub country_code: CountryCode,
}

/// Parses a required member: missing → `required`, present → `parse`.
pub(crate) fn required<T>(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, ValidationErrors>,
) -> Option<T> {
    if let Some(raw) = raw {
        errors.collect(field, parse(raw))
    } else {
        errors.push(FieldError::new(
            field,
            ValidationCode::Required,
            "is required",
        ));
        None
    }
}

/// Parses an optional member: missing → `None` with no error.
pub(crate) fn optional<T>(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, ValidationErrors>,
) -> Option<T> {
    raw.and_then(|raw| errors.collect(field, parse(raw)))
}

impl Address {
    /// Validates every member and reports all failures at once.
    pub fn parse(draft: &AddressDraft) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let street = required(
            &mut errors,
            "street",
            draft.street.as_deref(),
            AddressLine::parse,
        );
        let street2 = optional(
            &mut errors,
            "street2",
            draft.street2.as_deref(),
            AddressLine::parse,
        );
        let city = required(
            &mut errors,
            "city",
            draft.city.as_deref(),
            AddressLine::parse,
        );
        let subdivision = optional(
            &mut errors,
            "subdivision",
            draft.subdivision.as_deref(),
            AddressLine::parse,
        );
        let postal_code = optional(
            &mut errors,
            "postal_code",
            draft.postal_code.as_deref(),
            ShortText::parse,
        );
        let country_code = required(
            &mut errors,
            "country_code",
            draft.country_code.as_deref(),
            CountryCode::parse,
        );
        match (street, city, country_code) {
            (Some(street), Some(city), Some(country_code)) if errors.is_empty() => Ok(Self {
                street,
                street2,
                city,
                subdivision,
                postal_code,
                country_code,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> AddressDraft {
        AddressDraft {
            street: Some("1 Main St".into()),
            city: Some("Springfield".into()),
            country_code: Some("us".into()),
            ..AddressDraft::default()
        }
    }

    #[test]
    fn accepts_a_minimal_address() {
        let address = Address::parse(&draft()).unwrap();
        assert_eq!(address.country_code.as_str(), "US");
        assert_eq!(address.postal_code, None);
    }

    #[test]
    fn reports_every_missing_and_invalid_member() {
        let errors = Address::parse(&AddressDraft {
            country_code: Some("ZZ".into()),
            postal_code: Some(" ".into()),
            ..AddressDraft::default()
        })
        .unwrap_err();
        let found = errors.fields_and_codes();
        assert_eq!(
            found,
            [
                ("street", ValidationCode::Required),
                ("city", ValidationCode::Required),
                ("postal_code", ValidationCode::Empty),
                ("country_code", ValidationCode::UnknownValue),
            ]
        );
    }
}
