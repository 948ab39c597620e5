//! What describes a business and the people behind it (KYB).

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::address::{optional, Address, AddressDraft};
use super::closed_enum::closed_enum;
use super::contact::{EmailAddress, PhoneNumber};
use super::country::CountryCode;
use super::error::{invalid, FieldError, ValidationCode, ValidationErrors};
use super::financial::UsResidencyStatus;
use super::identification::{
    IdentificationNumber, IdentificationNumberDraft, TaxIdentification, TaxIdentificationDraft,
};
use super::person::{NameDraft, PersonName};
use super::text::{string_conversions, within, Measure, NameText};

/// A business website: an absolute `http` or `https` URL with a host, at most 2,048 characters.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Website(String);

impl Website {
    /// Longest URL accepted.
    pub const MAX_LENGTH: usize = 2048;

    /// Parses and normalises a URL.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        // No empty check of its own: an empty URL fails the format check below.
        let trimmed = within(raw.trim(), Self::MAX_LENGTH, Measure::Bytes)?;
        let refused = || {
            invalid(
                ValidationCode::InvalidFormat,
                "must be an http or https URL",
            )
        };
        let url = url::Url::parse(trimmed).map_err(|_| refused())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(refused());
        }
        Ok(Self(url.into()))
    }

    /// The normalised URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(Website);

impl fmt::Debug for Website {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Website({})", self.0)
    }
}

/// A share of ownership from 0 to 100 percent with at most two decimals, kept in basis points
/// so that comparisons such as "at least 25%" are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct OwnershipPercentage(u16);

impl OwnershipPercentage {
    /// Share from which an owner is a beneficial owner who must be identified.
    pub const BENEFICIAL_OWNER_THRESHOLD: Self = Self(2500);

    /// Parses a percentage.
    pub fn parse(value: f64) -> Result<Self, ValidationErrors> {
        if !value.is_finite() || !(0.0..=100.0).contains(&value) {
            return Err(invalid(
                ValidationCode::OutOfRange,
                "must be between 0 and 100",
            ));
        }
        let basis_points = (value * 100.0).round();
        if (basis_points - value * 100.0).abs() > 1e-6 {
            return Err(invalid(
                ValidationCode::InvalidFormat,
                "must have at most two decimal places",
            ));
        }
        // In range 0..=10_000 by the checks above, so the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Self(basis_points as u16))
    }

    /// Hundredths of a percent.
    pub const fn basis_points(self) -> u16 {
        self.0
    }
}

impl TryFrom<f64> for OwnershipPercentage {
    type Error = ValidationErrors;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<OwnershipPercentage> for f64 {
    fn from(value: OwnershipPercentage) -> Self {
        f64::from(value.0) / 100.0
    }
}

closed_enum! {
    /// What an associate is to the business.
    pub enum AssociateRole {
        /// Holds shares.
        Owner => "owner",
        /// Sits on the board.
        Director => "director",
        /// Has significant control (e.g. CEO, CFO).
        ControlPerson => "control_person",
        /// May sign on the business's behalf.
        Signer => "signer",
        /// An officer appointed to run the business (secretary, treasurer, president …).
        Officer => "officer",
    }
}

/// An associate as a caller sends it (for adding, or the changed fields for updating).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AssociateDraft {
    /// The person's name.
    pub name: Option<NameDraft>,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// Residential address.
    pub address: Option<AddressDraft>,
    /// Email address.
    pub email_address: Option<String>,
    /// Share of the business owned, 0–100.
    pub ownership_percentage: Option<f64>,
    /// Roles; at least one.
    pub roles: Option<Vec<String>>,
    /// Political exposure.
    pub pep: Option<super::PepDraft>,
    /// Position in the business (`CEO`, `Treasurer` …).
    pub job_title: Option<String>,
    /// Phone number, E.164.
    pub phone_number: Option<String>,
    /// Nationality, ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    /// Standing under US residency rules.
    pub us_residency_status: Option<String>,
    /// The person's tax number.
    pub tax_identification: Option<TaxIdentificationDraft>,
    /// The person's identity document numbers (passport, national id …).
    pub identification_numbers: Option<Vec<IdentificationNumberDraft>>,
    /// The tenant's customer this person also is, when the associate was added from one.
    pub customer_guid: Option<String>,
    /// First day the person holds the role, `YYYY-MM-DD`.
    pub represents_from: Option<String>,
    /// Last day the person holds the role, `YYYY-MM-DD` (open-ended when absent).
    pub represents_until: Option<String>,
}

/// Validated associate fields; on an add, `name` and `roles` are always present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociateDetails {
    /// The person's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<chrono::NaiveDate>,
    /// Residential address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<EmailAddress>,
    /// Share of the business owned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_percentage: Option<OwnershipPercentage>,
    /// Roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<BTreeSet<AssociateRole>>,
    /// Political exposure; a politically exposed owner or control person makes the business
    /// high risk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pep: Option<super::PepStatus>,
    /// Position in the business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<NameText>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumber>,
    /// Nationality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<CountryCode>,
    /// Standing under US residency rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub us_residency_status: Option<UsResidencyStatus>,
    /// Tax number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_identification: Option<TaxIdentification>,
    /// Identity document numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identification_numbers: Option<Vec<IdentificationNumber>>,
    /// The tenant's customer this person also is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_guid: Option<crate::ids::CustomerGuid>,
    /// First day the person holds the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub represents_from: Option<chrono::NaiveDate>,
    /// Last day the person holds the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub represents_until: Option<chrono::NaiveDate>,
}

/// At least one role, each one of ours.
fn parse_roles(raw: &[String], errors: &mut ValidationErrors) -> Option<BTreeSet<AssociateRole>> {
    if raw.is_empty() {
        errors.push(FieldError::new(
            "roles",
            ValidationCode::Empty,
            "must name at least one role",
        ));
        return None;
    }
    let mut roles = BTreeSet::new();
    for (index, role) in raw.iter().enumerate() {
        if let Some(role) = errors.collect(&format!("roles[{index}]"), AssociateRole::parse(role)) {
            roles.insert(role);
        }
    }
    Some(roles)
}

/// The period a draft gives: each bound a period date, the end not before the start.
fn parse_period(
    draft: &AssociateDraft,
    errors: &mut ValidationErrors,
) -> (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>) {
    let from = optional(
        errors,
        "represents_from",
        draft.represents_from.as_deref(),
        super::dates::parse_period_date,
    );
    let until = optional(
        errors,
        "represents_until",
        draft.represents_until.as_deref(),
        super::dates::parse_period_date,
    );
    if let (Some(from), Some(until)) = (from, until) {
        if until < from {
            errors.push(FieldError::new(
                "represents_until",
                ValidationCode::OutOfRange,
                "must not be before represents_from",
            ));
        }
    }
    (from, until)
}

impl AssociateDetails {
    /// Validates the given fields; on `today` a date of birth must lie in the past.
    pub fn parse(
        draft: &AssociateDraft,
        today: chrono::NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = draft
            .name
            .as_ref()
            .and_then(|raw| errors.collect("name", PersonName::parse(raw)));
        let date_of_birth = optional(
            &mut errors,
            "date_of_birth",
            draft.date_of_birth.as_deref(),
            |raw| super::dates::parse_past_date(raw, today),
        );
        let address = draft
            .address
            .as_ref()
            .and_then(|raw| errors.collect("address", Address::parse(raw)));
        let email_address = optional(
            &mut errors,
            "email_address",
            draft.email_address.as_deref(),
            EmailAddress::parse,
        );
        let ownership_percentage = draft.ownership_percentage.and_then(|raw| {
            errors.collect("ownership_percentage", OwnershipPercentage::parse(raw))
        });
        let roles = draft
            .roles
            .as_ref()
            .and_then(|raw| parse_roles(raw, &mut errors));
        let pep = draft
            .pep
            .as_ref()
            .and_then(|raw| errors.collect("pep", super::PepStatus::parse(raw)));
        let job_title = optional(
            &mut errors,
            "job_title",
            draft.job_title.as_deref(),
            NameText::parse,
        );
        let phone_number = optional(
            &mut errors,
            "phone_number",
            draft.phone_number.as_deref(),
            PhoneNumber::parse,
        );
        let nationality = optional(
            &mut errors,
            "nationality",
            draft.nationality.as_deref(),
            CountryCode::parse,
        );
        let us_residency_status = optional(
            &mut errors,
            "us_residency_status",
            draft.us_residency_status.as_deref(),
            UsResidencyStatus::parse,
        );
        let tax_identification = draft
            .tax_identification
            .as_ref()
            .and_then(|raw| errors.collect("tax_identification", TaxIdentification::parse(raw)))
            .flatten();
        let identification_numbers = draft.identification_numbers.as_ref().and_then(|raw| {
            errors.collect(
                "identification_numbers",
                IdentificationNumber::parse_list(raw),
            )
        });
        let customer_guid = optional(
            &mut errors,
            "customer_guid",
            draft.customer_guid.as_deref(),
            crate::ids::CustomerGuid::parse,
        );
        let (represents_from, represents_until) = parse_period(draft, &mut errors);
        errors.finish(|| Self {
            name,
            date_of_birth,
            address,
            email_address,
            ownership_percentage,
            roles,
            pep,
            job_title,
            phone_number,
            nationality,
            us_residency_status,
            tax_identification,
            identification_numbers,
            customer_guid,
            represents_from,
            represents_until,
        })
    }

    /// Validates a new associate: as [`Self::parse`], and `name` and `roles` are required.
    pub fn parse_new(
        draft: &AssociateDraft,
        today: chrono::NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        let parsed = Self::parse(draft, today);
        let mut errors = match &parsed {
            Ok(_) => ValidationErrors::new(),
            Err(errors) => errors.clone(),
        };
        for (field, missing) in [
            ("name", draft.name.is_none()),
            ("roles", draft.roles.is_none()),
        ] {
            if missing {
                errors.push(FieldError::new(
                    field,
                    ValidationCode::Required,
                    "is required",
                ));
            }
        }
        if errors.is_empty() {
            parsed
        } else {
            Err(errors)
        }
    }

    /// Overwrites the fields that `patch` gives.
    pub fn merge(&mut self, patch: &AssociateDetails) {
        let AssociateDetails {
            name,
            date_of_birth,
            address,
            email_address,
            ownership_percentage,
            roles,
            pep,
            job_title,
            phone_number,
            nationality,
            us_residency_status,
            tax_identification,
            identification_numbers,
            customer_guid,
            represents_from,
            represents_until,
        } = patch.clone();
        if name.is_some() {
            self.name = name;
        }
        if date_of_birth.is_some() {
            self.date_of_birth = date_of_birth;
        }
        if address.is_some() {
            self.address = address;
        }
        if email_address.is_some() {
            self.email_address = email_address;
        }
        if ownership_percentage.is_some() {
            self.ownership_percentage = ownership_percentage;
        }
        if roles.is_some() {
            self.roles = roles;
        }
        if pep.is_some() {
            self.pep = pep;
        }
        if job_title.is_some() {
            self.job_title = job_title;
        }
        if phone_number.is_some() {
            self.phone_number = phone_number;
        }
        if nationality.is_some() {
            self.nationality = nationality;
        }
        if us_residency_status.is_some() {
            self.us_residency_status = us_residency_status;
        }
        if tax_identification.is_some() {
            self.tax_identification = tax_identification;
        }
        if identification_numbers.is_some() {
            self.identification_numbers = identification_numbers;
        }
        if customer_guid.is_some() {
            self.customer_guid = customer_guid;
        }
        if represents_from.is_some() {
            self.represents_from = represents_from;
        }
        if represents_until.is_some() {
            self.represents_until = represents_until;
        }
    }

    /// True when the associate owns at least the beneficial-owner threshold.
    pub fn is_beneficial_owner(&self) -> bool {
        self.ownership_percentage
            .is_some_and(|share| share >= OwnershipPercentage::BENEFICIAL_OWNER_THRESHOLD)
    }

    /// True when the associate holds `role`.
    pub fn has_role(&self, role: AssociateRole) -> bool {
        self.roles
            .as_ref()
            .is_some_and(|roles| roles.contains(&role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn websites_must_be_http_urls() {
        assert_eq!(
            Website::parse("https://Acme.example").unwrap().as_str(),
            "https://acme.example/"
        );
        for raw in [
            "acme.example",
            "ftp://acme.example",
            "https://",
            "javascript:alert(1)",
        ] {
            assert!(Website::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn ownership_is_a_bounded_percentage_with_two_decimals() {
        assert_eq!(
            OwnershipPercentage::parse(25.0).unwrap(),
            OwnershipPercentage::BENEFICIAL_OWNER_THRESHOLD
        );
        assert_eq!(
            OwnershipPercentage::parse(12.34).unwrap().basis_points(),
            1234
        );
        assert_eq!(OwnershipPercentage::parse(0.0).unwrap().basis_points(), 0);
        assert_eq!(
            OwnershipPercentage::parse(100.0).unwrap().basis_points(),
            10_000
        );
        for (value, code) in [
            (-1.0, ValidationCode::OutOfRange),
            (100.01, ValidationCode::OutOfRange),
            (f64::NAN, ValidationCode::OutOfRange),
            (12.345, ValidationCode::InvalidFormat),
        ] {
            assert_eq!(
                OwnershipPercentage::parse(value).unwrap_err().errors()[0].code,
                code
            );
        }
        let json = serde_json::to_value(OwnershipPercentage::parse(33.33).unwrap()).unwrap();
        assert_eq!(json, serde_json::json!(33.33));
    }

    #[test]
    fn a_new_associate_needs_a_name_and_roles() {
        let errors = AssociateDetails::parse_new(&AssociateDraft::default(), today()).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "roles"]);
    }

    #[test]
    fn associate_fields_are_validated_with_paths() {
        let draft = AssociateDraft {
            name: Some(NameDraft {
                first: Some("Grace".into()),
                last: Some("Hopper".into()),
                ..NameDraft::default()
            }),
            date_of_birth: Some("2030-01-01".into()),
            roles: Some(vec!["owner".into(), "ceo".into()]),
            ownership_percentage: Some(120.0),
            address: Some(AddressDraft::default()),
            email_address: None,
            pep: Some(crate::values::PepDraft {
                is_pep: Some(true),
                explanation: None,
            }),
            job_title: Some(" ".into()),
            phone_number: Some("555".into()),
            nationality: Some("XX".into()),
            us_residency_status: Some("martian".into()),
            tax_identification: Some(TaxIdentificationDraft {
                number: Some("123".into()),
                ..TaxIdentificationDraft::default()
            }),
            identification_numbers: Some(vec![IdentificationNumberDraft {
                kind: Some("passport_number".into()),
                issuing_country_code: Some("DE".into()),
                identification_number: None,
            }]),
            customer_guid: Some("not-a-guid".into()),
            represents_from: Some("2025-01-10".into()),
            represents_until: Some("2025-01-01".into()),
        };
        let errors = AssociateDetails::parse_new(&draft, today()).unwrap_err();
        let found: Vec<(String, ValidationCode)> = errors
            .fields_and_codes()
            .into_iter()
            .map(|(field, code)| (field.to_owned(), code))
            .collect();
        let expected = [
            ("date_of_birth", ValidationCode::NotInPast),
            ("address.street", ValidationCode::Required),
            ("address.city", ValidationCode::Required),
            ("address.country_code", ValidationCode::Required),
            ("ownership_percentage", ValidationCode::OutOfRange),
            ("roles[1]", ValidationCode::UnknownValue),
            ("pep.explanation", ValidationCode::Required),
            ("job_title", ValidationCode::Empty),
            ("phone_number", ValidationCode::InvalidFormat),
            ("nationality", ValidationCode::UnknownValue),
            ("us_residency_status", ValidationCode::UnknownValue),
            ("tax_identification.type", ValidationCode::IncompleteGroup),
            (
                "tax_identification.country_code",
                ValidationCode::IncompleteGroup,
            ),
            (
                "identification_numbers[0].identification_number",
                ValidationCode::Required,
            ),
            ("customer_guid", ValidationCode::InvalidFormat),
            ("represents_until", ValidationCode::OutOfRange),
        ];
        for (field, code) in expected {
            assert!(
                found.iter().any(|(f, c)| f == field && *c == code),
                "{field} {code:?} not in {found:?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:?}");
    }

    #[test]
    fn an_associate_carries_its_title_contacts_residency_and_numbers() {
        let draft = AssociateDraft {
            name: Some(NameDraft {
                first: Some("Grace".into()),
                last: Some("Hopper".into()),
                ..NameDraft::default()
            }),
            roles: Some(vec!["officer".into()]),
            job_title: Some("Treasurer".into()),
            phone_number: Some("+14155550100".into()),
            nationality: Some("US".into()),
            us_residency_status: Some("us_citizen".into()),
            tax_identification: Some(TaxIdentificationDraft {
                number: Some("123-45-6789".into()),
                kind: Some("ssn".into()),
                country_code: Some("US".into()),
                description: None,
            }),
            identification_numbers: Some(vec![IdentificationNumberDraft {
                kind: Some("passport_number".into()),
                issuing_country_code: Some("US".into()),
                identification_number: Some("X1234567".into()),
            }]),
            ..AssociateDraft::default()
        };
        let mut associate = AssociateDetails::parse_new(&draft, today()).unwrap();
        assert!(associate.has_role(AssociateRole::Officer));
        assert_eq!(
            associate.job_title.as_ref().unwrap().to_string(),
            "Treasurer"
        );
        assert_eq!(associate.nationality.unwrap().to_string(), "US");
        assert_eq!(
            associate.us_residency_status,
            Some(UsResidencyStatus::UsCitizen)
        );
        let change = AssociateDetails::parse(
            &AssociateDraft {
                job_title: Some("CFO".into()),
                ..AssociateDraft::default()
            },
            today(),
        )
        .unwrap();
        associate.merge(&change);
        assert_eq!(associate.job_title.as_ref().unwrap().to_string(), "CFO");
        assert!(associate.tax_identification.is_some());
        assert_eq!(associate.identification_numbers.as_ref().unwrap().len(), 1);
    }

    #[test]
    fn merge_overwrites_only_given_fields() {
        let mut associate = AssociateDetails {
            ownership_percentage: Some(OwnershipPercentage::parse(10.0).unwrap()),
            roles: Some(BTreeSet::from([AssociateRole::Owner])),
            ..AssociateDetails::default()
        };
        associate.merge(&AssociateDetails {
            ownership_percentage: Some(OwnershipPercentage::parse(30.0).unwrap()),
            ..AssociateDetails::default()
        });
        assert!(associate.is_beneficial_owner());
        assert!(associate.has_role(AssociateRole::Owner));
    }
}
