//! Ways to reach a customer: email address and E.164 phone number.

use serde::{Deserialize, Serialize};

use super::error::{invalid, ValidationCode, ValidationErrors};
use super::text::{redacted_debug, string_conversions, trimmed_within, Measure};

/// A syntactically valid email address of at most 254 characters (RFC 5321's path limit).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Longest address a mail path can carry.
    pub const MAX_LENGTH: usize = 254;

    /// Parses an address; the domain part is lower-cased, the local part kept as given.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let trimmed = trimmed_within(raw, Self::MAX_LENGTH, Measure::Bytes)?;
        // The crate accepts display-name forms ("Ada <ada@example.com>") and domain literals;
        // a KYC record wants the bare address with a dotted domain.
        let parsed = email_address::EmailAddress::parse_with_options(
            trimmed,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal()
                .with_required_tld(),
        )
        .map_err(|_| {
            invalid(
                ValidationCode::InvalidFormat,
                "must be a valid email address",
            )
        })?;
        Ok(Self(format!(
            "{}@{}",
            parsed.local_part(),
            parsed.domain().to_ascii_lowercase()
        )))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in E.164 form: `+`, a country code not starting with 0, 7 to 15 digits.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses `^\+[1-9][0-9]{6,14}$`; no spaces, dashes or brackets are accepted, because a
    /// normalised number is what downstream screening providers match on.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let trimmed = raw.trim();
        let format_error = || {
            invalid(
                ValidationCode::InvalidFormat,
                "must be in E.164 format, e.g. +14155550123",
            )
        };
        let digits = trimmed.strip_prefix('+').ok_or_else(format_error)?;
        let well_formed = (7..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if well_formed {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(format_error())
        }
    }

    /// The number, `+` included.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// Both are personal data: their Debug output is redacted.
string_conversions!(EmailAddress, PhoneNumber);
redacted_debug!(EmailAddress, PhoneNumber);

#[cfg(test)]
mod tests {
    use std::fmt;

    use super::*;

    fn code_of<T: fmt::Debug>(result: Result<T, ValidationErrors>) -> ValidationCode {
        result.unwrap_err().errors()[0].code
    }

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        let email = EmailAddress::parse(" Ada.Lovelace+kyc@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ada.Lovelace+kyc@example.com");
    }

    #[test]
    fn refuses_malformed_addresses() {
        for raw in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "Ada <ada@example.com>",
            "ada@[127.0.0.1]",
            "a b@example.com",
        ] {
            assert_eq!(
                code_of(EmailAddress::parse(raw)),
                ValidationCode::InvalidFormat,
                "{raw}"
            );
        }
    }

    #[test]
    fn refuses_addresses_over_254_characters() {
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(190));
        assert!(long.len() > 254);
        assert_eq!(code_of(EmailAddress::parse(&long)), ValidationCode::TooLong);
        assert_eq!(code_of(EmailAddress::parse("  ")), ValidationCode::Empty);
    }

    #[test]
    fn accepts_e164_numbers() {
        for raw in [
            "+14155550123",
            "+4930123456",
            "+1234567",
            "+123456789012345",
        ] {
            assert_eq!(PhoneNumber::parse(raw).unwrap().as_str(), raw);
        }
    }

    #[test]
    fn refuses_numbers_that_are_not_e164() {
        for raw in [
            "4155550123",
            "+1 415 555",
            "+1 415 555 0123",
            "+0123456789",
            "+123456",
            "+1234567890123456",
            "+1-415-555-0123",
            "++14155550123",
            "",
        ] {
            assert_eq!(
                code_of(PhoneNumber::parse(raw)),
                ValidationCode::InvalidFormat,
                "{raw}"
            );
        }
    }

    #[test]
    fn debug_output_hides_pii() {
        let phone = PhoneNumber::parse("+14155550123").unwrap();
        assert!(!format!("{phone:?}").contains("4155550123"));
        let email = EmailAddress::parse("ada@example.com").unwrap();
        assert!(!format!("{email:?}").contains("ada"));
    }
}
