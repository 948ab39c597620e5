//! A customer's details: what a caller may send on create and update, and its validated form.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::identity::{IdentityKind, IdentityValue};
use super::CustomerType;
use crate::ids::ExternalId;
use crate::values::{
    dates, optional, parse_activities, parse_business_name, parse_jurisdictions, parse_labels,
    parse_metadata, Activity, Address, AddressDraft, CountryCode, EmailAddress, EmploymentStatus,
    EntityType, FieldError, Gender, IdentificationNumber, IdentificationNumberDraft,
    InvestmentProfile, InvestmentProfileDraft, LongText, MetadataValue, NaicsCode, NameDraft,
    NameText, Occupation, PepDraft, PepStatus, PersonName, PhoneNumber, ShortText, SocCode,
    SourceOfFunds, SourceOfFundsDraft, TaxIdentification, TaxIdentificationDraft,
    UsResidencyStatus, ValidationCode, ValidationErrors, Website,
};

/// A customer as a caller sends it on create, or the fields to change on update.
///
/// Every field is optional here; which ones are required, allowed or locked depends on the
/// customer's type and state, which only the aggregate knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CustomerDraft {
    /// `individual` or `business`; required on create, never changes.
    pub customer_type: Option<String>,
    /// The caller's own id for the customer, unique per tenant; set on create only.
    pub external_id: Option<String>,
    /// Person's name parts, or `full` for a business's legal name.
    pub name: Option<NameDraft>,
    /// Residential (individual) or registered (business) address.
    pub address: Option<AddressDraft>,
    /// E.164 phone number.
    pub phone_number: Option<String>,
    /// Email address.
    pub email_address: Option<String>,
    /// Date of birth (individuals), `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// Nationality (individuals), ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    /// `M`, `F` or `O` (individuals; default `O`).
    pub gender: Option<String>,
    /// Occupation code (individuals).
    pub occupation: Option<String>,
    /// Employment status (individuals).
    pub employment_status: Option<String>,
    /// US residency status (individuals).
    pub us_residency_status: Option<String>,
    /// Employer's name (individuals).
    pub employer_name: Option<String>,
    /// Job title (individuals).
    pub job_title: Option<String>,
    /// What the person's work is (individuals).
    pub employment_description: Option<String>,
    /// Primary source of funds.
    pub source_of_funds: Option<SourceOfFundsDraft>,
    /// Holdings and expected monthly movements.
    pub investment_profile: Option<InvestmentProfileDraft>,
    /// Countries funds are sent to or received from, ISO 3166-1 alpha-2.
    pub jurisdictions: Option<Vec<String>>,
    /// Restricted activities the customer engages in, or `none`.
    pub activities: Option<Vec<String>>,
    /// Detailed SOC 2018 occupation code (individuals).
    pub soc_code: Option<String>,
    /// Country of birth (individuals).
    pub country_of_birth: Option<String>,
    /// Country of residence for tax purposes (individuals).
    pub country_of_residence: Option<String>,
    /// Political exposure (individuals).
    pub pep: Option<PepDraft>,
    /// Tax identification: number, type and country together.
    pub tax_identification: Option<TaxIdentificationDraft>,
    /// Government identification numbers.
    pub identification_numbers: Option<Vec<IdentificationNumberDraft>>,
    /// Trading names (businesses).
    pub aliases: Option<Vec<String>>,
    /// Website (businesses).
    pub website: Option<String>,
    /// Company registration number (businesses).
    pub registration_number: Option<String>,
    /// Date of incorporation (businesses), `YYYY-MM-DD`.
    pub incorporation_date: Option<String>,
    /// Country of incorporation (businesses).
    pub incorporation_country: Option<String>,
    /// Legal form (businesses).
    pub entity_type: Option<String>,
    /// The legal form in words, for `other` (businesses).
    pub entity_type_description: Option<String>,
    /// State or province of incorporation (businesses).
    pub incorporation_subdivision: Option<String>,
    /// NAICS industry code (businesses).
    pub naics_code: Option<String>,
    /// The industry in words (businesses).
    pub naics_description: Option<String>,
    /// What the business does (businesses).
    pub business_description: Option<String>,
    /// Where the business operates, when not at its registered address (businesses).
    pub operating_address: Option<AddressDraft>,
    /// The caller's labels.
    pub labels: Option<Vec<String>>,
    /// The caller's key/value metadata.
    pub metadata: Option<BTreeMap<String, String>>,
}

/// A detail field, as named in drafts, errors and lock rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DetailField {
    /// `name`.
    Name,
    /// `address`.
    Address,
    /// `phone_number`.
    PhoneNumber,
    /// `email_address`.
    EmailAddress,
    /// `date_of_birth`.
    DateOfBirth,
    /// `nationality`.
    Nationality,
    /// `gender`.
    Gender,
    /// `occupation`.
    Occupation,
    /// `employment_status`.
    EmploymentStatus,
    /// `us_residency_status`.
    UsResidencyStatus,
    /// `employer_name`.
    EmployerName,
    /// `job_title`.
    JobTitle,
    /// `employment_description`.
    EmploymentDescription,
    /// `source_of_funds`.
    SourceOfFunds,
    /// `investment_profile`.
    InvestmentProfile,
    /// `jurisdictions`.
    Jurisdictions,
    /// `activities`.
    Activities,
    /// `soc_code`.
    SocCode,
    /// `country_of_birth`.
    CountryOfBirth,
    /// `country_of_residence`.
    CountryOfResidence,
    /// `pep`.
    Pep,
    /// `tax_identification`.
    TaxIdentification,
    /// `identification_numbers`.
    IdentificationNumbers,
    /// `aliases`.
    Aliases,
    /// `website`.
    Website,
    /// `registration_number`.
    RegistrationNumber,
    /// `incorporation_date`.
    IncorporationDate,
    /// `incorporation_country`.
    IncorporationCountry,
    /// `entity_type`.
    EntityType,
    /// `entity_type_description`.
    EntityTypeDescription,
    /// `incorporation_subdivision`.
    IncorporationSubdivision,
    /// `naics_code`.
    NaicsCode,
    /// `naics_description`.
    NaicsDescription,
    /// `business_description`.
    BusinessDescription,
    /// `operating_address`.
    OperatingAddress,
    /// `labels`.
    Labels,
    /// `metadata`.
    Metadata,
}

impl DetailField {
    /// Every detail field, in the order of the wire format.
    pub const ALL: [Self; 37] = [
        Self::Name,
        Self::Address,
        Self::PhoneNumber,
        Self::EmailAddress,
        Self::DateOfBirth,
        Self::Nationality,
        Self::Gender,
        Self::Occupation,
        Self::EmploymentStatus,
        Self::UsResidencyStatus,
        Self::EmployerName,
        Self::JobTitle,
        Self::EmploymentDescription,
        Self::SourceOfFunds,
        Self::InvestmentProfile,
        Self::Jurisdictions,
        Self::Activities,
        Self::SocCode,
        Self::CountryOfBirth,
        Self::CountryOfResidence,
        Self::Pep,
        Self::TaxIdentification,
        Self::IdentificationNumbers,
        Self::Aliases,
        Self::Website,
        Self::RegistrationNumber,
        Self::IncorporationDate,
        Self::IncorporationCountry,
        Self::EntityType,
        Self::EntityTypeDescription,
        Self::IncorporationSubdivision,
        Self::NaicsCode,
        Self::NaicsDescription,
        Self::BusinessDescription,
        Self::OperatingAddress,
        Self::Labels,
        Self::Metadata,
    ];

    /// True when customers of `customer_type` may carry the field; any other is refused with
    /// `not_allowed`.
    pub fn applies_to(self, customer_type: CustomerType) -> bool {
        match customer_type {
            CustomerType::Individual => !self.business_only(),
            CustomerType::Business => !self.individual_only(),
        }
    }

    /// The field's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Address => "address",
            Self::PhoneNumber => "phone_number",
            Self::EmailAddress => "email_address",
            Self::DateOfBirth => "date_of_birth",
            Self::Nationality => "nationality",
            Self::Gender => "gender",
            Self::Occupation => "occupation",
            Self::EmploymentStatus => "employment_status",
            Self::UsResidencyStatus => "us_residency_status",
            Self::EmployerName => "employer_name",
            Self::JobTitle => "job_title",
            Self::EmploymentDescription => "employment_description",
            Self::SourceOfFunds => "source_of_funds",
            Self::InvestmentProfile => "investment_profile",
            Self::Jurisdictions => "jurisdictions",
            Self::Activities => "activities",
            Self::SocCode => "soc_code",
            Self::CountryOfBirth => "country_of_birth",
            Self::CountryOfResidence => "country_of_residence",
            Self::Pep => "pep",
            Self::TaxIdentification => "tax_identification",
            Self::IdentificationNumbers => "identification_numbers",
            Self::Aliases => "aliases",
            Self::Website => "website",
            Self::RegistrationNumber => "registration_number",
            Self::IncorporationDate => "incorporation_date",
            Self::IncorporationCountry => "incorporation_country",
            Self::EntityType => "entity_type",
            Self::EntityTypeDescription => "entity_type_description",
            Self::IncorporationSubdivision => "incorporation_subdivision",
            Self::NaicsCode => "naics_code",
            Self::NaicsDescription => "naics_description",
            Self::BusinessDescription => "business_description",
            Self::OperatingAddress => "operating_address",
            Self::Labels => "labels",
            Self::Metadata => "metadata",
        }
    }

    /// Fields that establish who the customer is. Once a document has been submitted they are
    /// locked, because the documents under review were matched against them.
    pub fn is_identity(self) -> bool {
        matches!(
            self,
            Self::Name
                | Self::DateOfBirth
                | Self::TaxIdentification
                | Self::Nationality
                | Self::RegistrationNumber
        )
    }

    /// Fields a verified customer may still change: ways to reach them and the caller's own
    /// bookkeeping, none of which the verification decision rested on.
    pub fn is_changeable_after_verification(self) -> bool {
        matches!(
            self,
            Self::EmailAddress | Self::PhoneNumber | Self::Labels | Self::Metadata
        )
    }

    /// Fields that only apply to individuals.
    fn individual_only(self) -> bool {
        matches!(
            self,
            Self::DateOfBirth
                | Self::Nationality
                | Self::Gender
                | Self::Occupation
                | Self::EmploymentStatus
                | Self::UsResidencyStatus
                | Self::EmployerName
                | Self::JobTitle
                | Self::EmploymentDescription
                | Self::SocCode
                | Self::CountryOfBirth
                | Self::CountryOfResidence
                | Self::Pep
        )
    }

    /// Fields that only apply to businesses.
    fn business_only(self) -> bool {
        matches!(
            self,
            Self::Aliases
                | Self::Website
                | Self::RegistrationNumber
                | Self::IncorporationDate
                | Self::IncorporationCountry
                | Self::EntityType
                | Self::EntityTypeDescription
                | Self::IncorporationSubdivision
                | Self::NaicsCode
                | Self::NaicsDescription
                | Self::BusinessDescription
                | Self::OperatingAddress
        )
    }
}

/// Validated details. On create this is the whole record; on update, only the changed fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetails {
    /// A person's name (individuals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    /// The legal name (businesses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<NameText>,
    /// Residential or registered address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumber>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<EmailAddress>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// Nationality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<CountryCode>,
    /// Gender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Occupation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<Occupation>,
    /// Employment status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment_status: Option<EmploymentStatus>,
    /// US residency status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub us_residency_status: Option<UsResidencyStatus>,
    /// Employer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer_name: Option<NameText>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<NameText>,
    /// What the person's work is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment_description: Option<LongText>,
    /// Primary source of funds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_of_funds: Option<SourceOfFunds>,
    /// Holdings and expected monthly movements (the whole profile replaces the previous one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investment_profile: Option<InvestmentProfile>,
    /// Countries funds are sent to or received from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdictions: Option<BTreeSet<CountryCode>>,
    /// Restricted activities the customer engages in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activities: Option<BTreeSet<Activity>>,
    /// Detailed SOC 2018 occupation code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soc_code: Option<SocCode>,
    /// Country of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_birth: Option<CountryCode>,
    /// Country of residence for tax purposes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_residence: Option<CountryCode>,
    /// Political exposure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pep: Option<PepStatus>,
    /// Tax identification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_identification: Option<TaxIdentification>,
    /// Identification numbers (the whole list replaces the previous one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identification_numbers: Option<Vec<IdentificationNumber>>,
    /// Trading names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases: Option<BTreeSet<NameText>>,
    /// Website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<Website>,
    /// Company registration number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<ShortText>,
    /// Date of incorporation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incorporation_date: Option<NaiveDate>,
    /// Country of incorporation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incorporation_country: Option<CountryCode>,
    /// Legal form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<EntityType>,
    /// The legal form in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type_description: Option<LongText>,
    /// State or province of incorporation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incorporation_subdivision: Option<ShortText>,
    /// NAICS industry code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naics_code: Option<NaicsCode>,
    /// The industry in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naics_description: Option<LongText>,
    /// What the business does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_description: Option<LongText>,
    /// Where the business operates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_address: Option<Address>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeSet<ShortText>>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<ShortText, MetadataValue>>,
}

/// Calls `$action!(…, [fields])` with every field of [`CustomerDetails`], so that code which
/// treats each field alike names the list once.
macro_rules! with_detail_fields {
    ($action:ident ! ($($args:tt)*)) => {
        $action!($($args)* [
            name,
            legal_name,
            address,
            phone_number,
            email_address,
            date_of_birth,
            nationality,
            gender,
            occupation,
            employment_status,
            us_residency_status,
            employer_name,
            job_title,
            employment_description,
            source_of_funds,
            investment_profile,
            jurisdictions,
            activities,
            soc_code,
            country_of_birth,
            country_of_residence,
            pep,
            tax_identification,
            identification_numbers,
            aliases,
            website,
            registration_number,
            incorporation_date,
            incorporation_country,
            entity_type,
            entity_type_description,
            incorporation_subdivision,
            naics_code,
            naics_description,
            business_description,
            operating_address,
            labels,
            metadata,
        ])
    };
}

pub(crate) use with_detail_fields;

/// Copies each field that `$patch` gives over `$target`.
macro_rules! overwrite_given {
    ($target:expr, $patch:expr, [$($field:ident),+ $(,)?]) => {
        $( if $patch.$field.is_some() { $target.$field = $patch.$field.clone(); } )+
    };
}

impl CustomerDetails {
    /// Validates every given detail of `draft` for a customer of `customer_type`, with `today`
    /// for date rules. `type` and `external_id` are not details and are ignored here.
    // One line per field keeps every detail's rule visible in one place.
    #[allow(clippy::too_many_lines)]
    pub fn parse(
        draft: &CustomerDraft,
        customer_type: CustomerType,
        today: NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for field in given_fields(draft) {
            let refused = match customer_type {
                CustomerType::Individual => field.business_only(),
                CustomerType::Business => field.individual_only(),
            };
            if refused {
                errors.push(FieldError::new(
                    field.as_str(),
                    ValidationCode::NotAllowed,
                    format!("does not apply to {customer_type} customers"),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let (name, legal_name) = match (&draft.name, customer_type) {
            (None, _) => (None, None),
            (Some(raw), CustomerType::Individual) => {
                (errors.collect("name", PersonName::parse(raw)), None)
            }
            (Some(raw), CustomerType::Business) => {
                (None, errors.collect("name", parse_business_name(raw)))
            }
        };
        let details = Self {
            name,
            legal_name,
            address: draft
                .address
                .as_ref()
                .and_then(|raw| errors.collect("address", Address::parse(raw))),
            phone_number: optional(
                &mut errors,
                "phone_number",
                draft.phone_number.as_deref(),
                PhoneNumber::parse,
            ),
            email_address: optional(
                &mut errors,
                "email_address",
                draft.email_address.as_deref(),
                EmailAddress::parse,
            ),
            date_of_birth: optional(
                &mut errors,
                "date_of_birth",
                draft.date_of_birth.as_deref(),
                |raw| dates::parse_adult_date_of_birth(raw, today),
            ),
            nationality: optional(
                &mut errors,
                "nationality",
                draft.nationality.as_deref(),
                CountryCode::parse,
            ),
            gender: optional(
                &mut errors,
                "gender",
                draft.gender.as_deref(),
                Gender::parse,
            ),
            occupation: optional(
                &mut errors,
                "occupation",
                draft.occupation.as_deref(),
                Occupation::parse,
            ),
            employment_status: optional(
                &mut errors,
                "employment_status",
                draft.employment_status.as_deref(),
                EmploymentStatus::parse,
            ),
            us_residency_status: optional(
                &mut errors,
                "us_residency_status",
                draft.us_residency_status.as_deref(),
                UsResidencyStatus::parse,
            ),
            employer_name: optional(
                &mut errors,
                "employer_name",
                draft.employer_name.as_deref(),
                NameText::parse,
            ),
            job_title: optional(
                &mut errors,
                "job_title",
                draft.job_title.as_deref(),
                NameText::parse,
            ),
            employment_description: optional(
                &mut errors,
                "employment_description",
                draft.employment_description.as_deref(),
                LongText::parse,
            ),
            source_of_funds: draft
                .source_of_funds
                .as_ref()
                .and_then(|raw| errors.collect("source_of_funds", SourceOfFunds::parse(raw))),
            investment_profile: draft.investment_profile.as_ref().and_then(|raw| {
                errors.collect("investment_profile", InvestmentProfile::parse(raw))
            }),
            jurisdictions: draft
                .jurisdictions
                .as_ref()
                .and_then(|raw| errors.collect("jurisdictions", parse_jurisdictions(raw))),
            activities: draft
                .activities
                .as_ref()
                .and_then(|raw| errors.collect("activities", parse_activities(raw))),
            soc_code: optional(
                &mut errors,
                "soc_code",
                draft.soc_code.as_deref(),
                SocCode::parse,
            ),
            country_of_birth: optional(
                &mut errors,
                "country_of_birth",
                draft.country_of_birth.as_deref(),
                CountryCode::parse,
            ),
            country_of_residence: optional(
                &mut errors,
                "country_of_residence",
                draft.country_of_residence.as_deref(),
                CountryCode::parse,
            ),
            pep: draft
                .pep
                .as_ref()
                .and_then(|raw| errors.collect("pep", PepStatus::parse(raw))),
            tax_identification: draft
                .tax_identification
                .as_ref()
                .and_then(|raw| errors.collect("tax_identification", TaxIdentification::parse(raw)))
                .flatten(),
            identification_numbers: draft.identification_numbers.as_ref().and_then(|raw| {
                errors.collect(
                    "identification_numbers",
                    IdentificationNumber::parse_list(raw),
                )
            }),
            aliases: draft.aliases.as_ref().map(|raw| {
                let mut aliases = BTreeSet::new();
                for (index, alias) in raw.iter().enumerate() {
                    if let Some(alias) =
                        errors.collect(&format!("aliases[{index}]"), NameText::parse(alias))
                    {
                        aliases.insert(alias);
                    }
                }
                aliases
            }),
            website: optional(
                &mut errors,
                "website",
                draft.website.as_deref(),
                Website::parse,
            ),
            registration_number: optional(
                &mut errors,
                "registration_number",
                draft.registration_number.as_deref(),
                ShortText::parse,
            ),
            incorporation_date: optional(
                &mut errors,
                "incorporation_date",
                draft.incorporation_date.as_deref(),
                |raw| dates::parse_past_date(raw, today),
            ),
            incorporation_country: optional(
                &mut errors,
                "incorporation_country",
                draft.incorporation_country.as_deref(),
                CountryCode::parse,
            ),
            entity_type: optional(
                &mut errors,
                "entity_type",
                draft.entity_type.as_deref(),
                EntityType::parse,
            ),
            entity_type_description: optional(
                &mut errors,
                "entity_type_description",
                draft.entity_type_description.as_deref(),
                LongText::parse,
            ),
            incorporation_subdivision: optional(
                &mut errors,
                "incorporation_subdivision",
                draft.incorporation_subdivision.as_deref(),
                ShortText::parse,
            ),
            naics_code: optional(
                &mut errors,
                "naics_code",
                draft.naics_code.as_deref(),
                NaicsCode::parse,
            ),
            naics_description: optional(
                &mut errors,
                "naics_description",
                draft.naics_description.as_deref(),
                LongText::parse,
            ),
            business_description: optional(
                &mut errors,
                "business_description",
                draft.business_description.as_deref(),
                LongText::parse,
            ),
            operating_address: draft
                .operating_address
                .as_ref()
                .and_then(|raw| errors.collect("operating_address", Address::parse(raw))),
            labels: draft
                .labels
                .as_ref()
                .and_then(|raw| errors.collect("labels", parse_labels(raw))),
            metadata: draft
                .metadata
                .as_ref()
                .and_then(|raw| errors.collect("metadata", parse_metadata(raw))),
        };
        errors.finish(|| details)
    }

    /// The fields this value gives.
    pub fn given_fields(&self) -> Vec<DetailField> {
        let given = [
            (
                DetailField::Name,
                self.name.is_some() || self.legal_name.is_some(),
            ),
            (DetailField::Address, self.address.is_some()),
            (DetailField::PhoneNumber, self.phone_number.is_some()),
            (DetailField::EmailAddress, self.email_address.is_some()),
            (DetailField::DateOfBirth, self.date_of_birth.is_some()),
            (DetailField::Nationality, self.nationality.is_some()),
            (DetailField::Gender, self.gender.is_some()),
            (DetailField::Occupation, self.occupation.is_some()),
            (
                DetailField::EmploymentStatus,
                self.employment_status.is_some(),
            ),
            (
                DetailField::UsResidencyStatus,
                self.us_residency_status.is_some(),
            ),
            (DetailField::EmployerName, self.employer_name.is_some()),
            (DetailField::JobTitle, self.job_title.is_some()),
            (
                DetailField::EmploymentDescription,
                self.employment_description.is_some(),
            ),
            (DetailField::SourceOfFunds, self.source_of_funds.is_some()),
            (
                DetailField::InvestmentProfile,
                self.investment_profile.is_some(),
            ),
            (DetailField::Jurisdictions, self.jurisdictions.is_some()),
            (DetailField::Activities, self.activities.is_some()),
            (DetailField::SocCode, self.soc_code.is_some()),
            (DetailField::CountryOfBirth, self.country_of_birth.is_some()),
            (
                DetailField::CountryOfResidence,
                self.country_of_residence.is_some(),
            ),
            (DetailField::Pep, self.pep.is_some()),
            (
                DetailField::TaxIdentification,
                self.tax_identification.is_some(),
            ),
            (
                DetailField::IdentificationNumbers,
                self.identification_numbers.is_some(),
            ),
            (DetailField::Aliases, self.aliases.is_some()),
            (DetailField::Website, self.website.is_some()),
            (
                DetailField::RegistrationNumber,
                self.registration_number.is_some(),
            ),
            (
                DetailField::IncorporationDate,
                self.incorporation_date.is_some(),
            ),
            (
                DetailField::IncorporationCountry,
                self.incorporation_country.is_some(),
            ),
            (DetailField::EntityType, self.entity_type.is_some()),
            (
                DetailField::EntityTypeDescription,
                self.entity_type_description.is_some(),
            ),
            (
                DetailField::IncorporationSubdivision,
                self.incorporation_subdivision.is_some(),
            ),
            (DetailField::NaicsCode, self.naics_code.is_some()),
            (
                DetailField::NaicsDescription,
                self.naics_description.is_some(),
            ),
            (
                DetailField::BusinessDescription,
                self.business_description.is_some(),
            ),
            (
                DetailField::OperatingAddress,
                self.operating_address.is_some(),
            ),
            (DetailField::Labels, self.labels.is_some()),
            (DetailField::Metadata, self.metadata.is_some()),
        ];
        given
            .into_iter()
            .filter(|(_, g)| *g)
            .map(|(f, _)| f)
            .collect()
    }

    /// Overwrites every field that `patch` gives.
    pub fn merge(&mut self, patch: &CustomerDetails) {
        with_detail_fields!(overwrite_given!(self, patch,));
    }

    /// Rules across fields, checked on the details as they would be after a change.
    pub fn check_consistency(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.tax_identification.is_some() && self.address.is_none() {
            errors.push(FieldError::new(
                "address",
                ValidationCode::MissingDependency,
                "is required when tax_identification is given",
            ));
        }
        errors.finish(|| ())
    }

    /// True when `draft` gives none of the detail fields.
    pub fn is_empty(&self) -> bool {
        self.given_fields().is_empty()
    }

    /// The customer's own identity values these details give, normalised (see
    /// [`super::identity`]): on a change, exactly the new values of [`Self::identity_kinds`].
    pub fn identity_values(&self) -> Vec<IdentityValue> {
        let mut values = Vec::new();
        values.extend(self.email_address.as_ref().map(IdentityValue::of_email));
        values.extend(self.phone_number.as_ref().map(IdentityValue::of_phone));
        values.extend(
            self.tax_identification
                .as_ref()
                .map(|tax| IdentityValue::of_tax(tax.kind, tax.country_code, &tax.number)),
        );
        values.extend(self.identification_numbers.iter().flatten().map(|id| {
            IdentityValue::of_identification(
                id.kind,
                id.issuing_country_code,
                &id.identification_number,
            )
        }));
        values
    }

    /// The kinds of identity value these details give (an empty list of identification
    /// numbers gives its kind, with no value: a change that clears them).
    pub fn identity_kinds(&self) -> Vec<IdentityKind> {
        [
            (IdentityKind::Email, self.email_address.is_some()),
            (IdentityKind::Phone, self.phone_number.is_some()),
            (IdentityKind::TaxId, self.tax_identification.is_some()),
            (
                IdentityKind::IdentificationNumber,
                self.identification_numbers.is_some(),
            ),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(kind, _)| kind)
        .collect()
    }
}

/// The detail fields a draft gives, before validation.
pub fn given_fields(draft: &CustomerDraft) -> Vec<DetailField> {
    let given = [
        (DetailField::Name, draft.name.is_some()),
        (DetailField::Address, draft.address.is_some()),
        (DetailField::PhoneNumber, draft.phone_number.is_some()),
        (DetailField::EmailAddress, draft.email_address.is_some()),
        (DetailField::DateOfBirth, draft.date_of_birth.is_some()),
        (DetailField::Nationality, draft.nationality.is_some()),
        (DetailField::Gender, draft.gender.is_some()),
        (DetailField::Occupation, draft.occupation.is_some()),
        (
            DetailField::EmploymentStatus,
            draft.employment_status.is_some(),
        ),
        (
            DetailField::UsResidencyStatus,
            draft.us_residency_status.is_some(),
        ),
        (DetailField::EmployerName, draft.employer_name.is_some()),
        (DetailField::JobTitle, draft.job_title.is_some()),
        (
            DetailField::EmploymentDescription,
            draft.employment_description.is_some(),
        ),
        (DetailField::SourceOfFunds, draft.source_of_funds.is_some()),
        (
            DetailField::InvestmentProfile,
            draft.investment_profile.is_some(),
        ),
        (DetailField::Jurisdictions, draft.jurisdictions.is_some()),
        (DetailField::Activities, draft.activities.is_some()),
        (DetailField::SocCode, draft.soc_code.is_some()),
        (
            DetailField::CountryOfBirth,
            draft.country_of_birth.is_some(),
        ),
        (
            DetailField::CountryOfResidence,
            draft.country_of_residence.is_some(),
        ),
        (DetailField::Pep, draft.pep.is_some()),
        (
            DetailField::TaxIdentification,
            draft.tax_identification.is_some(),
        ),
        (
            DetailField::IdentificationNumbers,
            draft.identification_numbers.is_some(),
        ),
        (DetailField::Aliases, draft.aliases.is_some()),
        (DetailField::Website, draft.website.is_some()),
        (
            DetailField::RegistrationNumber,
            draft.registration_number.is_some(),
        ),
        (
            DetailField::IncorporationDate,
            draft.incorporation_date.is_some(),
        ),
        (
            DetailField::IncorporationCountry,
            draft.incorporation_country.is_some(),
        ),
        (DetailField::EntityType, draft.entity_type.is_some()),
        (
            DetailField::EntityTypeDescription,
            draft.entity_type_description.is_some(),
        ),
        (
            DetailField::IncorporationSubdivision,
            draft.incorporation_subdivision.is_some(),
        ),
        (DetailField::NaicsCode, draft.naics_code.is_some()),
        (
            DetailField::NaicsDescription,
            draft.naics_description.is_some(),
        ),
        (
            DetailField::BusinessDescription,
            draft.business_description.is_some(),
        ),
        (
            DetailField::OperatingAddress,
            draft.operating_address.is_some(),
        ),
        (DetailField::Labels, draft.labels.is_some()),
        (DetailField::Metadata, draft.metadata.is_some()),
    ];
    given
        .into_iter()
        .filter(|(_, g)| *g)
        .map(|(f, _)| f)
        .collect()
}

/// Parses the draft's `external_id`, if given.
pub fn parse_external_id(draft: &CustomerDraft) -> Result<Option<ExternalId>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let id = optional(
        &mut errors,
        "external_id",
        draft.external_id.as_deref(),
        ExternalId::parse,
    );
    errors.finish(|| id)
}
