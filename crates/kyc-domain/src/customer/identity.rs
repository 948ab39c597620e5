//! Identity values: a customer's own email address, phone number, tax number and
//! identification numbers, each in one normal form, so that equal values compare equal
//! however they were spelled.
//!
//! Adapters key blind indexes on them (a keyed digest per tenant, see `kyc-crypto`): that is
//! how a customer is found by email without storing the email in clear, and how a second
//! customer with the same tax or identification number is noticed. Normalising here, in the
//! pure domain, means the write (indexing a customer) and the read (a lookup) can never
//! disagree on a spelling.
//!
//! Tax and identification numbers are prefixed by their type and country (`ssn:US:123456789`),
//! so a US social security number and a British national insurance number with the same
//! characters never match. Associates' values are not indexed: only the customer's own.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::CustomerGuid;
use crate::values::closed_enum::closed_enum;
use crate::values::{
    CountryCode, EmailAddress, FieldError, IdentificationType, IdentifierText, PhoneNumber,
    TaxIdType, ValidationCode, ValidationErrors,
};

closed_enum! {
    /// What an identity value is; each kind has its own index key.
    pub enum IdentityKind {
        /// The email address.
        Email => "email",
        /// The phone number.
        Phone => "phone",
        /// The tax identification number.
        TaxId => "tax_id",
        /// One of the identification numbers.
        IdentificationNumber => "identification_number",
    }
}

impl IdentityKind {
    /// Kinds that identify a person or business, where a second customer with the same value
    /// is a possible duplicate (an email or phone is shared by families and companies).
    pub fn identifies(self) -> bool {
        matches!(self, Self::TaxId | Self::IdentificationNumber)
    }
}

/// A normalised identity value. Personal data: its `Debug` output shows only the kind.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdentityValue {
    /// What it is.
    pub kind: IdentityKind,
    /// The value in its normal form.
    pub normalised: String,
}

impl std::fmt::Debug for IdentityValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityValue")
            .field("kind", &self.kind)
            .field("normalised", &"<redacted>")
            .finish()
    }
}

/// Upper case, without the spaces, dashes and dots people put inside numbers.
fn squash(number: &str) -> String {
    number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl IdentityValue {
    /// An email address: trimmed and lower-cased (the local part too: mailboxes that differ
    /// only in case are one person far more often than two).
    pub fn of_email(email: &EmailAddress) -> Self {
        Self {
            kind: IdentityKind::Email,
            normalised: email.as_str().trim().to_lowercase(),
        }
    }

    /// A phone number: E.164, as stored.
    pub fn of_phone(phone: &PhoneNumber) -> Self {
        Self {
            kind: IdentityKind::Phone,
            normalised: phone.as_str().to_owned(),
        }
    }

    /// A tax number: `<type>:<country>:<NUMBER>`.
    pub fn of_tax(kind: TaxIdType, country: CountryCode, number: &IdentifierText) -> Self {
        Self {
            kind: IdentityKind::TaxId,
            normalised: format!(
                "{}:{}:{}",
                kind.as_str(),
                country.as_str(),
                squash(number.as_str())
            ),
        }
    }

    /// An identification number: `<type>:<country>:<NUMBER>`.
    pub fn of_identification(
        kind: IdentificationType,
        country: CountryCode,
        number: &IdentifierText,
    ) -> Self {
        Self {
            kind: IdentityKind::IdentificationNumber,
            normalised: format!(
                "{}:{}:{}",
                kind.as_str(),
                country.as_str(),
                squash(number.as_str())
            ),
        }
    }

    /// A lookup by email address, as a caller types it.
    pub fn parse_email(raw: &str) -> Result<Self, ValidationErrors> {
        EmailAddress::parse(raw).map(|email| Self::of_email(&email))
    }

    /// A lookup by phone number (E.164), as a caller types it.
    pub fn parse_phone(raw: &str) -> Result<Self, ValidationErrors> {
        PhoneNumber::parse(raw).map(|phone| Self::of_phone(&phone))
    }

    /// A lookup by tax or identification number, written `<type>:<country>:<number>` (e.g.
    /// `ssn:US:123-45-6789`, `passport_number:GB:123456789`): a tax type gives a tax number,
    /// an identification type an identification number. The type and country are part of
    /// the value, so a number alone cannot be looked up.
    pub fn parse_number(raw: &str) -> Result<Self, ValidationErrors> {
        let format = || {
            FieldError::new(
                "",
                ValidationCode::InvalidFormat,
                "must be <type>:<country>:<number>, e.g. ssn:US:123-45-6789",
            )
        };
        let mut parts = raw.trim().splitn(3, ':');
        let (Some(kind), Some(country), Some(number)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format().into());
        };
        let country = CountryCode::parse(country)?;
        let number = IdentifierText::parse(number)?;
        if let Ok(tax) = TaxIdType::parse(kind) {
            Ok(Self::of_tax(tax, country, &number))
        } else {
            let kind = IdentificationType::parse(kind).map_err(|_| {
                ValidationErrors::from(FieldError::new(
                    "",
                    ValidationCode::UnknownValue,
                    "the type must be a tax identification or identification number type",
                ))
            })?;
            Ok(Self::of_identification(kind, country, &number))
        }
    }
}

/// Another customer of the tenant that holds one of this customer's identity values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdentityMatch {
    /// Which kind of value they share.
    pub kind: IdentityKind,
    /// The other customer.
    pub customer_guid: CustomerGuid,
}

closed_enum! {
    /// How a reviewer settled a possible duplicate.
    pub enum DuplicateResolution {
        /// Two different people or businesses (a typo, a reissued number).
        NotSamePerson => "not_same_person",
        /// The same one, and a second customer is allowed (e.g. a separate account).
        SamePersonAllowed => "same_person_allowed",
    }
}

/// A possible duplicate recorded on a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateFlag {
    /// The customer that already held the value.
    pub other_customer_guid: CustomerGuid,
    /// The kind of value they share.
    pub kind: IdentityKind,
    /// When it was noticed.
    pub flagged_at: DateTime<Utc>,
    /// How a reviewer settled it; `None` while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<DuplicateResolution>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: &str) -> IdentifierText {
        IdentifierText::parse(raw).unwrap()
    }

    fn country(raw: &str) -> CountryCode {
        CountryCode::parse(raw).unwrap()
    }

    #[test]
    fn emails_compare_without_case_or_surrounding_space() {
        let a = IdentityValue::parse_email(" Ada.Lovelace@Example.COM ").unwrap();
        let b = IdentityValue::of_email(&EmailAddress::parse("ada.lovelace@example.com").unwrap());
        assert_eq!(a, b);
        assert_eq!(a.normalised, "ada.lovelace@example.com");
        assert_eq!(a.kind, IdentityKind::Email);
    }

    #[test]
    fn phones_are_e164_as_stored() {
        let phone = IdentityValue::parse_phone(" +14155550123 ").unwrap();
        assert_eq!(phone.normalised, "+14155550123");
        assert!(IdentityValue::parse_phone("415 555 0123").is_err());
    }

    #[test]
    fn numbers_drop_separators_and_carry_type_and_country() {
        let tax = IdentityValue::of_tax(TaxIdType::Ssn, country("us"), &id("123-45 67.89"));
        assert_eq!(tax.normalised, "ssn:US:123456789");
        assert_eq!(tax.kind, IdentityKind::TaxId);
        let passport = IdentityValue::of_identification(
            IdentificationType::PassportNumber,
            country("GB"),
            &id("ab 12/3"),
        );
        assert_eq!(passport.normalised, "passport_number:GB:AB12/3");
        assert_eq!(passport.kind, IdentityKind::IdentificationNumber);
    }

    #[test]
    fn the_same_digits_of_another_type_or_country_differ() {
        let ssn = IdentityValue::of_tax(TaxIdType::Ssn, country("US"), &id("123456789"));
        let nino = IdentityValue::of_tax(TaxIdType::NationalTaxId, country("GB"), &id("123456789"));
        let other_country = IdentityValue::of_tax(TaxIdType::Ssn, country("CA"), &id("123456789"));
        assert_ne!(ssn, nino);
        assert_ne!(ssn, other_country);
    }

    #[test]
    fn lookups_by_number_name_type_and_country() {
        let tax = IdentityValue::parse_number("ssn:us:123-45-6789").unwrap();
        assert_eq!(tax.normalised, "ssn:US:123456789");
        assert_eq!(tax.kind, IdentityKind::TaxId);
        let national = IdentityValue::parse_number(" national_id:DE:X 1.2 ").unwrap();
        assert_eq!(national.normalised, "national_id:DE:X12");
        assert_eq!(national.kind, IdentityKind::IdentificationNumber);
        for raw in [
            "123456789",
            "ssn:US",
            "visa:US:1",
            "ssn:ZZ:1",
            "ssn:US:<1>",
            "ssn:US:",
        ] {
            assert!(IdentityValue::parse_number(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn debug_output_hides_the_value() {
        let value = IdentityValue::parse_email("ada@example.com").unwrap();
        assert!(!format!("{value:?}").contains("ada"));
    }
}
