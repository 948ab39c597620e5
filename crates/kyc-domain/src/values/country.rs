//! ISO 3166-1 alpha-2 country codes: the full list, as the standard publishes it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::{invalid, ValidationCode, ValidationErrors};

/// An officially assigned ISO 3166-1 alpha-2 code, always upper case (`US`, `DE`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses a two-letter code, in either case, against the full ISO 3166-1 list.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let trimmed = raw.trim();
        let refused = || {
            invalid(
                ValidationCode::UnknownValue,
                "must be an ISO 3166-1 alpha-2 country code, e.g. US",
            )
        };
        if trimmed.len() != 2 || !trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(refused());
        }
        let code = isocountry::CountryCode::for_alpha2_caseless(trimmed).map_err(|_| refused())?;
        let bytes = code.alpha2().as_bytes();
        Ok(Self([bytes[0], bytes[1]]))
    }

    /// Every officially assigned code, upper case, as [`CountryCode::parse`] accepts them
    /// (in either case).
    pub fn all_alpha2() -> impl Iterator<Item = &'static str> {
        isocountry::CountryCode::as_array()
            .iter()
            .map(isocountry::CountryCode::alpha2)
    }

    /// The two upper-case letters.
    pub fn as_str(&self) -> &str {
        // Both bytes came from an ASCII alpha-2 code, so this cannot fail; fall back to an
        // empty string rather than panic should that ever change.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl TryFrom<String> for CountryCode {
    type Error = ValidationErrors;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CountryCode> for String {
    fn from(value: CountryCode) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_officially_assigned_code() {
        let all = isocountry::CountryCode::as_array();
        assert_eq!(
            all.len(),
            249,
            "ISO 3166-1 has 249 officially assigned codes"
        );
        for code in all {
            assert_eq!(
                CountryCode::parse(code.alpha2()).unwrap().as_str(),
                code.alpha2()
            );
        }
    }

    #[test]
    fn normalises_case() {
        assert_eq!(CountryCode::parse(" de ").unwrap().as_str(), "DE");
    }

    #[test]
    fn refuses_unassigned_and_malformed_codes() {
        for raw in ["XX", "UK", "USA", "U", "", "1A", "ÄÖ"] {
            let errors = CountryCode::parse(raw).unwrap_err();
            assert_eq!(
                errors.errors()[0].code,
                ValidationCode::UnknownValue,
                "{raw}"
            );
        }
    }
}
