//! Government identification numbers and tax identification.

use serde::{Deserialize, Serialize};

use super::address::required;
use super::closed_enum::closed_enum;
use super::country::CountryCode;
use super::error::{invalid, FieldError, ValidationCode, ValidationErrors};
use super::text::{redacted_debug, string_conversions, trimmed_within, LongText, Measure};

closed_enum! {
    /// Kinds of identification number a customer or associate can give.
    pub enum IdentificationType {
        /// Passport number.
        PassportNumber => "passport_number",
        /// Driver's licence number.
        DriversLicenseNumber => "drivers_license_number",
        /// National identity card number.
        NationalId => "national_id",
        /// US social security number.
        SocialSecurityNumber => "social_security_number",
        /// Tax identification number.
        TaxIdentificationNumber => "tax_identification_number",
        /// Company registration number.
        BusinessRegistrationNumber => "business_registration_number",
        /// US employer identification number.
        EmployerIdentificationNumber => "employer_identification_number",
    }
}

/// An identifier issued by an authority: letters and digits, with optional `-`, `/`, `.`, or
/// spaces inside, at most 64 characters.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdentifierText(String);

impl IdentifierText {
    /// Longest identifier accepted.
    pub const MAX_LENGTH: usize = 64;

    /// Parses an identifier.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let trimmed = trimmed_within(raw, Self::MAX_LENGTH, Measure::Bytes)?;
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.' | ' ');
        if !trimmed.chars().all(allowed)
            || !trimmed.starts_with(|c: char| c.is_ascii_alphanumeric())
        {
            return Err(invalid(
                ValidationCode::InvalidFormat,
                "must contain only letters, digits and - / . or spaces",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(IdentifierText);
redacted_debug!(IdentifierText);

/// An identification number as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdentificationNumberDraft {
    /// Kind of number.
    pub kind: Option<String>,
    /// Country that issued it.
    pub issuing_country_code: Option<String>,
    /// The number itself.
    pub identification_number: Option<String>,
}

/// A validated identification number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentificationNumber {
    /// Kind of number.
    #[serde(rename = "type")]
    pub kind: IdentificationType,
    /// Country that issued it.
    pub issuing_country_code: CountryCode,
    /// The number itself.
    pub identification_number: IdentifierText,
}

impl IdentificationNumber {
    /// Validates all three members.
    pub fn parse(draft: &IdentificationNumberDraft) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = required(
            &mut errors,
            "type",
            draft.kind.as_deref(),
            IdentificationType::parse,
        );
        let issuing_country_code = required(
            &mut errors,
            "issuing_country_code",
            draft.issuing_country_code.as_deref(),
            CountryCode::parse,
        );
        let identification_number = required(
            &mut errors,
            "identification_number",
            draft.identification_number.as_deref(),
            IdentifierText::parse,
        );
        match (kind, issuing_country_code, identification_number) {
            (Some(kind), Some(issuing_country_code), Some(identification_number)) => Ok(Self {
                kind,
                issuing_country_code,
                identification_number,
            }),
            _ => Err(errors),
        }
    }

    /// Validates a list; the same (type, country) may appear only once.
    pub fn parse_list(drafts: &[IdentificationNumberDraft]) -> Result<Vec<Self>, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut parsed: Vec<Self> = Vec::with_capacity(drafts.len());
        for (index, draft) in drafts.iter().enumerate() {
            let Some(number) = errors.collect(&format!("[{index}]"), Self::parse(draft)) else {
                continue;
            };
            if parsed.iter().any(|p| {
                p.kind == number.kind && p.issuing_country_code == number.issuing_country_code
            }) {
                errors.push(FieldError::new(
                    format!("[{index}].type"),
                    ValidationCode::Duplicate,
                    "this type of number from this country is already given",
                ));
                continue;
            }
            parsed.push(number);
        }
        errors.finish(|| parsed)
    }
}

closed_enum! {
    /// Kinds of tax identification number.
    pub enum TaxIdType {
        /// US social security number.
        Ssn => "ssn",
        /// US individual taxpayer identification number.
        Itin => "itin",
        /// US employer identification number.
        Ein => "ein",
        /// A generic taxpayer identification number.
        Tin => "tin",
        /// Value-added-tax registration number.
        Vat => "vat",
        /// Another national tax identifier.
        NationalTaxId => "national_tax_id",
        /// Brazil's individual taxpayer number (CPF).
        Cpf => "cpf",
        /// Brazil's company taxpayer number (CNPJ).
        Cnpj => "cnpj",
        /// A passport number standing as the tax identifier (outside the US).
        Passport => "passport",
        /// A national identity number standing as the tax identifier (outside the US); not
        /// `national_id`, which names the identification number kind in lookups.
        NationalId => "national_id_number",
        /// Another document, named in `description`.
        Other => "other",
    }
}

/// Tax identification as a caller sends it: all three members or none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaxIdentificationDraft {
    /// The number.
    pub number: Option<String>,
    /// Kind of number.
    pub kind: Option<String>,
    /// Country that issued it.
    pub country_code: Option<String>,
    /// What the document is; required for `other`, refused for the other kinds.
    pub description: Option<String>,
}

/// Validated tax identification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxIdentification {
    /// The number.
    pub number: IdentifierText,
    /// Kind of number.
    #[serde(rename = "type")]
    pub kind: TaxIdType,
    /// Country that issued it.
    pub country_code: CountryCode,
    /// What the document is, for `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LongText>,
}

impl TaxIdentification {
    /// Validates; `Ok(None)` when no member is given, an `incomplete_group` error on each
    /// missing member when only some are.
    pub fn parse(draft: &TaxIdentificationDraft) -> Result<Option<Self>, ValidationErrors> {
        let members = [
            ("number", draft.number.as_deref()),
            ("type", draft.kind.as_deref()),
            ("country_code", draft.country_code.as_deref()),
        ];
        if members.iter().all(|(_, raw)| raw.is_none()) {
            return Ok(None);
        }
        let mut errors = ValidationErrors::new();
        for (field, raw) in members {
            if raw.is_none() {
                errors.push(FieldError::new(
                    field,
                    ValidationCode::IncompleteGroup,
                    "number, type and country_code must be given together",
                ));
            }
        }
        let number = draft
            .number
            .as_deref()
            .and_then(|raw| errors.collect("number", IdentifierText::parse(raw)));
        let kind = draft
            .kind
            .as_deref()
            .and_then(|raw| errors.collect("type", TaxIdType::parse(raw)));
        let country_code = draft
            .country_code
            .as_deref()
            .and_then(|raw| errors.collect("country_code", CountryCode::parse(raw)));
        let description = draft
            .description
            .as_deref()
            .and_then(|raw| errors.collect("description", LongText::parse(raw)));
        match (kind, draft.description.is_some()) {
            (Some(TaxIdType::Other), false) => errors.push(FieldError::new(
                "description",
                ValidationCode::MissingDependency,
                "is required when type is other",
            )),
            (Some(kind), true) if kind != TaxIdType::Other => errors.push(FieldError::new(
                "description",
                ValidationCode::NotAllowed,
                "applies only when type is other",
            )),
            _ => {}
        }
        match (number, kind, country_code) {
            (Some(number), Some(kind), Some(country_code)) if errors.is_empty() => Ok(Some(Self {
                number,
                kind,
                country_code,
                description,
            })),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(kind: &str, country: &str, number: &str) -> IdentificationNumberDraft {
        IdentificationNumberDraft {
            kind: Some(kind.into()),
            issuing_country_code: Some(country.into()),
            identification_number: Some(number.into()),
        }
    }

    #[test]
    fn every_listed_identification_type_parses() {
        for kind in [
            "passport_number",
            "drivers_license_number",
            "national_id",
            "social_security_number",
            "tax_identification_number",
            "business_registration_number",
            "employer_identification_number",
        ] {
            assert_eq!(IdentificationType::parse(kind).unwrap().as_str(), kind);
        }
    }

    #[test]
    fn only_an_other_tax_document_carries_a_description() {
        let draft = |kind: &str, description: Option<&str>| TaxIdentificationDraft {
            number: Some("AB123".into()),
            kind: Some(kind.into()),
            country_code: Some("BR".into()),
            description: description.map(str::to_owned),
        };
        let other = TaxIdentification::parse(&draft("other", Some("voter card")))
            .unwrap()
            .unwrap();
        assert_eq!(other.description.unwrap().as_str(), "voter card");
        assert!(TaxIdentification::parse(&draft("cpf", None))
            .unwrap()
            .is_some());
        let missing = TaxIdentification::parse(&draft("other", None)).unwrap_err();
        assert_eq!(
            missing.fields_and_codes(),
            [("description", ValidationCode::MissingDependency)]
        );
        let extra = TaxIdentification::parse(&draft("cpf", Some("x"))).unwrap_err();
        assert_eq!(
            extra.fields_and_codes(),
            [("description", ValidationCode::NotAllowed)]
        );
    }

    #[test]
    fn identification_lists_report_indexed_paths() {
        let errors = IdentificationNumber::parse_list(&[
            id("passport_number", "US", "X123"),
            id("visa", "US", "1"),
            id("passport_number", "US", "Y9"),
            IdentificationNumberDraft::default(),
        ])
        .unwrap_err();
        let found = errors.fields_and_codes();
        assert_eq!(
            found,
            [
                ("[1].type", ValidationCode::UnknownValue),
                ("[2].type", ValidationCode::Duplicate),
                ("[3].type", ValidationCode::Required),
                ("[3].issuing_country_code", ValidationCode::Required),
                ("[3].identification_number", ValidationCode::Required),
            ]
        );
    }

    #[test]
    fn identifiers_refuse_odd_characters() {
        assert!(IdentifierText::parse("AB-12/3.4 5").is_ok());
        for raw in ["<script>", "-12", "12;34", ""] {
            assert!(IdentifierText::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn tax_identification_is_all_or_none() {
        let none = TaxIdentificationDraft::default();
        assert_eq!(TaxIdentification::parse(&none).unwrap(), None);
        let all = TaxIdentificationDraft {
            description: None,
            number: Some("123-45-6789".into()),
            kind: Some("ssn".into()),
            country_code: Some("US".into()),
        };
        assert!(TaxIdentification::parse(&all).unwrap().is_some());
        let partial = TaxIdentificationDraft {
            description: None,
            number: Some("123-45-6789".into()),
            ..TaxIdentificationDraft::default()
        };
        let errors = TaxIdentification::parse(&partial).unwrap_err();
        let found = errors.fields_and_codes();
        assert_eq!(
            found,
            [
                ("type", ValidationCode::IncompleteGroup),
                ("country_code", ValidationCode::IncompleteGroup)
            ]
        );
    }
}
