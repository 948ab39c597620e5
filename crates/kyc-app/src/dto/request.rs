//! Request bodies as callers send them, and their conversion into the domain's drafts.
//!
//! Every body refuses unknown fields. Values are parsed as far as JSON can say (types, closed
//! lists, patterns, lengths, which the OpenAPI schema states too); rules that need the
//! customer's type or state (required fields, locks, age) are the domain's.

use std::collections::BTreeMap;

use kyc_domain::customer::{
    ApproveDraft, CloseDraft, CustomerDraft, DocumentDraft, EraseDraft, FreezeDraft,
    LegalHoldDraft, RejectDraft, ResolveDuplicateDraft, ReviewDraft,
};
use kyc_domain::values::{
    AddressDraft, AssociateDraft, FieldError, IdentificationNumberDraft, NameDraft, PepDraft,
    SourceOfFundsDraft, TaxIdentificationDraft, ValidationCode, ValidationErrors,
};
use serde::{Deserialize, Serialize};

/// Cybrid's names for identification types that have an equivalent here.
pub const CYBRID_IDENTIFICATION_TYPES: [(&str, &str); 3] = [
    ("passport", "passport_number"),
    ("drivers_license", "drivers_license_number"),
    ("national_identification_number", "national_id"),
];

/// A customer on create, or the fields to change on update.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    /// `individual` or `business`; required on create, never changes.
    #[serde(rename = "type")]
    pub customer_type: Option<String>,
    /// The caller's own id for the customer, unique per tenant; set on create only.
    pub external_id: Option<String>,
    /// A person's name parts, or `full` for a business's legal name.
    pub name: Option<NameBody>,
    /// Residential (individual) or registered (business) address.
    pub address: Option<AddressBody>,
    /// E.164 phone number.
    pub phone_number: Option<String>,
    /// Email address.
    pub email_address: Option<String>,
    /// Date of birth (individuals), `YYYY-MM-DD`, at least 18 years ago.
    pub date_of_birth: Option<String>,
    /// Nationality (individuals), ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    /// `M`, `F` or `O` (individuals; default `O`).
    pub gender: Option<String>,
    /// Occupation code (individuals).
    pub occupation: Option<String>,
    /// Employment status (individuals).
    pub employment_status: Option<String>,
    /// `us_citizen`, `resident_alien` or `non_resident_alien` (individuals).
    pub us_residency_status: Option<String>,
    /// Employer's name (individuals).
    pub employer_name: Option<String>,
    /// Job title (individuals).
    pub job_title: Option<String>,
    /// What the person's work is (individuals).
    pub employment_description: Option<String>,
    /// Primary source of funds: `kind`, and the caller's `description`.
    pub source_of_funds: Option<SourceOfFundsBody>,
    /// Holdings and expected monthly movements: measure name to band (`null` = not given).
    pub investment_profile: Option<BTreeMap<String, Option<String>>>,
    /// Countries funds are sent to or received from, ISO 3166-1 alpha-2.
    pub jurisdictions: Option<Vec<String>>,
    /// Restricted activities the customer engages in, or `["none"]`.
    pub activities: Option<Vec<String>>,
    /// Detailed SOC 2018 occupation code, `NN-NNNN` (individuals).
    pub soc_code: Option<String>,
    /// Country of birth, ISO 3166-1 alpha-2 (individuals).
    pub country_of_birth: Option<String>,
    /// Country of residence for tax purposes, ISO 3166-1 alpha-2 (individuals).
    pub country_of_residence: Option<String>,
    /// Political exposure (individuals).
    pub pep: Option<PepBody>,
    /// Tax identification: number, type and country together, with an address.
    pub tax_identification: Option<TaxIdentificationBody>,
    /// Government identification numbers.
    pub identification_numbers: Option<Vec<IdentificationNumberBody>>,
    /// Trading names (businesses): strings, or Cybrid's `{"full": …}` objects.
    pub aliases: Option<Vec<AliasBody>>,
    /// Website (businesses).
    pub website: Option<String>,
    /// Company registration number (businesses).
    pub registration_number: Option<String>,
    /// Date of incorporation (businesses), `YYYY-MM-DD`, in the past.
    pub incorporation_date: Option<String>,
    /// Country of incorporation (businesses), ISO 3166-1 alpha-2.
    pub incorporation_country: Option<String>,
    /// Legal form (businesses).
    pub entity_type: Option<String>,
    /// The legal form in words, for `other` (businesses).
    pub entity_type_description: Option<String>,
    /// State or province of incorporation (businesses).
    pub incorporation_subdivision: Option<String>,
    /// NAICS industry code, 2 to 6 digits (businesses).
    pub naics_code: Option<String>,
    /// The industry in words (businesses).
    pub naics_description: Option<String>,
    /// What the business does (businesses).
    pub business_description: Option<String>,
    /// Where the business operates, when not at its registered address (businesses).
    pub operating_address: Option<AddressBody>,
    /// The caller's labels (at most 20, each at most 64 characters).
    pub labels: Option<Vec<String>>,
    /// The caller's key/value metadata (at most 50 entries).
    pub metadata: Option<BTreeMap<String, String>>,
}

/// A name: `first`/`middle`/`last` for a person, `full` for a business.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameBody {
    /// Given name.
    pub first: Option<String>,
    /// Middle name(s).
    pub middle: Option<String>,
    /// Family name.
    pub last: Option<String>,
    /// A business's legal name; derived for a person.
    pub full: Option<String>,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
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

/// A source of funds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceOfFundsBody {
    /// The kind of source.
    pub kind: Option<String>,
    /// The caller's words.
    pub description: Option<String>,
}

/// Political exposure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PepBody {
    /// Whether the person is a politically exposed person.
    pub is_pep: Option<bool>,
    /// Why; required when `is_pep` is true.
    pub explanation: Option<String>,
}

/// Tax identification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxIdentificationBody {
    /// The number.
    pub number: Option<String>,
    /// Kind of number.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Issuing country, ISO 3166-1 alpha-2.
    pub country_code: Option<String>,
    /// What the document is, for type `other` (required then, refused otherwise).
    pub description: Option<String>,
}

/// A government identification number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentificationNumberBody {
    /// Kind of number (ours, or Cybrid's spelling of the same kind).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Issuing country, ISO 3166-1 alpha-2.
    pub issuing_country_code: Option<String>,
    /// The number.
    pub identification_number: Option<String>,
    /// Cybrid's issuing subdivision: only `null` is accepted, since it is not stored.
    pub issuing_subdivision: Option<String>,
}

/// A trading name: a string, or Cybrid's alias object carrying it as `full`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AliasBody {
    /// The name.
    Name(String),
    /// Cybrid's alias object.
    Object(AliasObject),
}

/// Cybrid's alias object: an alias is one name, so only `full` may be set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliasObject {
    /// The name.
    pub full: String,
    /// Must be absent or `null`.
    pub first: Option<String>,
    /// Must be absent or `null`.
    pub middle: Option<String>,
    /// Must be absent or `null`.
    pub last: Option<String>,
}

/// An owner, director, control person or signer of a business.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssociateBody {
    /// The person's name.
    pub name: Option<NameBody>,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// Residential address.
    pub address: Option<AddressBody>,
    /// Email address.
    pub email_address: Option<String>,
    /// Share of the business owned, 0–100.
    pub ownership_percentage: Option<f64>,
    /// Roles; at least one.
    pub roles: Option<Vec<String>>,
    /// Political exposure: `is_pep`, and the explanation when true.
    pub pep: Option<PepBody>,
    /// Position in the business (`CEO`, `Treasurer` …).
    pub job_title: Option<String>,
    /// Phone number, E.164.
    pub phone_number: Option<String>,
    /// Nationality, ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    /// `us_citizen`, `resident_alien` or `non_resident_alien`.
    pub us_residency_status: Option<String>,
    /// The person's tax number: number, type and issuing country together.
    pub tax_identification: Option<TaxIdentificationBody>,
    /// The person's identity document numbers.
    pub identification_numbers: Option<Vec<AssociateIdentificationNumberBody>>,
    /// The tenant's customer this person also is (32 hex characters).
    pub customer_guid: Option<String>,
    /// First day the person holds the role, `YYYY-MM-DD`.
    pub represents_from: Option<String>,
    /// Last day the person holds the role, `YYYY-MM-DD`; not before `represents_from`.
    pub represents_until: Option<String>,
}

/// An associate's identity document number (Cybrid's `issuing_subdivision` has no place here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssociateIdentificationNumberBody {
    /// Kind of number.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Issuing country, ISO 3166-1 alpha-2.
    pub issuing_country_code: Option<String>,
    /// The number.
    pub identification_number: Option<String>,
}

/// Changes to an associate: the fields of [`AssociateBody`], none required, at least one given.
/// A type of its own so that its published schema can differ from an addition's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssociateChanges(pub AssociateBody);

/// A review decision on a pending document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// `accept` or `reject`.
    pub decision: Option<String>,
    /// Reason code; required for `reject`.
    pub reason_code: Option<String>,
    /// Explanation; required for `reject`.
    pub message: Option<String>,
}

/// A rejection of the customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// One or more reason codes.
    pub reason_codes: Option<Vec<String>>,
    /// Explanation.
    pub message: Option<String>,
    /// Whether the customer may resubmit (`true`) or the rejection is final (`false`).
    pub retryable: Option<bool>,
}

/// A freeze.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeBody {
    /// Why the customer is frozen.
    pub reason: Option<String>,
}

/// A first approval (four eyes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// What the approver checked, for the audit trail.
    pub note: Option<String>,
}

/// A closure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// `customer_request`, `risk_exit`, `deceased`, `dormant` or `other`.
    pub reason: Option<String>,
    /// Explanation.
    pub message: Option<String>,
}

/// A legal hold placed or lifted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalHoldBody {
    /// `true` places the hold, `false` lifts it.
    pub on: Option<bool>,
    /// Why.
    pub reason: Option<String>,
}

/// An erasure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    /// Why. Kept in clear after the erasure, for audit: never put personal data here.
    pub reason: Option<String>,
}

/// A reviewer's resolution of a possible duplicate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveDuplicateBody {
    /// The other customer named by the `duplicate_identity` entry.
    pub other_customer_guid: Option<String>,
    /// `not_same_person` or `same_person_allowed`.
    pub resolution: Option<String>,
    /// The reviewer's note.
    pub note: Option<String>,
}

/// A reviewer's decision on a potential screening match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveMatchBody {
    /// `true_match` or `false_positive`.
    pub decision: Option<String>,
    /// Why (required): what the reviewer compared.
    pub note: Option<String>,
}

impl From<ResolveMatchBody> for kyc_domain::customer::ResolveMatchDraft {
    fn from(body: ResolveMatchBody) -> Self {
        Self {
            decision: body.decision,
            note: body.note,
        }
    }
}

/// An empty object: commands that take no data accept `{}` or no body at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFields {}

/// A document as JSON: what it is and its bytes, base64-encoded. Over HTTP the same fields
/// may come as a multipart form with a `file` part instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentUpload {
    /// What the document is.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// For a business, the associate whose identity document this is.
    pub associate_guid: Option<String>,
    /// The original file name.
    pub file_name: Option<String>,
    /// When the document was issued, `YYYY-MM-DD`.
    pub issued_on: Option<String>,
    /// When an identity document expires, `YYYY-MM-DD`.
    pub expires_on: Option<String>,
    /// The bytes, standard base64: a PDF, JPEG, PNG, HEIC or TIFF file of at most 15 MiB.
    pub content_base64: String,
}

/// Cybrid's `PATCH /api/customers/{guid}`: a state change or detail changes, never both.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CustomerPatchBody {
    /// `frozen` freezes; `unverified`, `verified` or `rejected` lifts a freeze, restoring the
    /// state from before it.
    pub state: Option<String>,
    /// Why, with `state: frozen` only.
    pub freeze_reason: Option<String>,
    /// Detail changes, when no `state` is given.
    #[serde(flatten)]
    pub details: CustomerBody,
}

/// By hand rather than with `#[serde(flatten)]`: a flattened body no longer refuses unknown
/// fields, and a misspelt field must not be dropped silently.
impl<'de> Deserialize<'de> for CustomerPatchBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let mut text = |name: &str| match fields.remove(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(D::Error::custom(format!("{name} must be a string"))),
        };
        let state = text("state")?;
        let freeze_reason = text("freeze_reason")?;
        let details = CustomerBody::deserialize(serde_json::Value::Object(fields))
            .map_err(D::Error::custom)?;
        Ok(Self {
            state,
            freeze_reason,
            details,
        })
    }
}

/// Collects field errors of the wire layer, then hands back the value or all errors.
fn finish<T>(errors: ValidationErrors, value: T) -> Result<T, ValidationErrors> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

impl CustomerBody {
    /// The domain's draft; Cybrid's spellings are mapped, and what would be lost is refused.
    pub fn into_draft(self) -> Result<CustomerDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let aliases = self.aliases.map(|aliases| {
            aliases
                .into_iter()
                .enumerate()
                .map(|(index, alias)| match alias {
                    AliasBody::Name(name) => name,
                    AliasBody::Object(object) => {
                        for (part, value) in [
                            ("first", &object.first),
                            ("middle", &object.middle),
                            ("last", &object.last),
                        ] {
                            if value.is_some() {
                                errors.push(FieldError::new(
                                    format!("aliases[{index}].{part}"),
                                    ValidationCode::NotAllowed,
                                    "an alias is one name: send it as full",
                                ));
                            }
                        }
                        object.full
                    }
                })
                .collect()
        });
        let identification_numbers = self.identification_numbers.map(|numbers| {
            numbers
                .into_iter()
                .enumerate()
                .map(|(index, number)| {
                    if number.issuing_subdivision.is_some() {
                        errors.push(FieldError::new(
                            format!("identification_numbers[{index}].issuing_subdivision"),
                            ValidationCode::NotAllowed,
                            "is not supported; send the number without it",
                        ));
                    }
                    number.into_draft()
                })
                .collect()
        });
        let draft = CustomerDraft {
            customer_type: self.customer_type,
            external_id: self.external_id,
            name: self.name.map(NameBody::into_draft),
            address: self.address.map(AddressBody::into_draft),
            phone_number: self.phone_number,
            email_address: self.email_address,
            date_of_birth: self.date_of_birth,
            nationality: self.nationality,
            gender: self.gender,
            occupation: self.occupation,
            employment_status: self.employment_status,
            us_residency_status: self.us_residency_status,
            employer_name: self.employer_name,
            job_title: self.job_title,
            employment_description: self.employment_description,
            source_of_funds: self.source_of_funds.map(|source| SourceOfFundsDraft {
                kind: source.kind,
                description: source.description,
            }),
            investment_profile: self.investment_profile.map(|profile| {
                profile
                    .into_iter()
                    .filter_map(|(measure, band)| band.map(|band| (measure, band)))
                    .collect()
            }),
            jurisdictions: self.jurisdictions,
            activities: self.activities,
            soc_code: self.soc_code,
            country_of_birth: self.country_of_birth,
            country_of_residence: self.country_of_residence,
            pep: self.pep.map(|pep| PepDraft {
                is_pep: pep.is_pep,
                explanation: pep.explanation,
            }),
            tax_identification: self
                .tax_identification
                .map(TaxIdentificationBody::into_draft),
            identification_numbers,
            aliases,
            website: self.website,
            registration_number: self.registration_number,
            incorporation_date: self.incorporation_date,
            incorporation_country: self.incorporation_country,
            entity_type: self.entity_type,
            entity_type_description: self.entity_type_description,
            incorporation_subdivision: self.incorporation_subdivision,
            naics_code: self.naics_code,
            naics_description: self.naics_description,
            business_description: self.business_description,
            operating_address: self.operating_address.map(AddressBody::into_draft),
            labels: self.labels,
            metadata: self.metadata,
        };
        finish(errors, draft)
    }
}

impl NameBody {
    fn into_draft(self) -> NameDraft {
        NameDraft {
            first: self.first,
            middle: self.middle,
            last: self.last,
            full: self.full,
        }
    }
}

impl AddressBody {
    fn into_draft(self) -> AddressDraft {
        AddressDraft {
            street: self.street,
            street2: self.street2,
            city: self.city,
            subdivision: self.subdivision,
            postal_code: self.postal_code,
            country_code: self.country_code,
        }
    }
}

impl TaxIdentificationBody {
    /// The domain's draft of the number.
    pub fn into_draft(self) -> TaxIdentificationDraft {
        TaxIdentificationDraft {
            number: self.number,
            kind: self.kind,
            country_code: self.country_code,
            description: self.description,
        }
    }
}

impl IdentificationNumberBody {
    fn into_draft(self) -> IdentificationNumberDraft {
        let kind = self.kind.map(|kind| {
            CYBRID_IDENTIFICATION_TYPES
                .iter()
                .find(|(cybrid, _)| *cybrid == kind)
                .map_or(kind, |(_, ours)| (*ours).to_owned())
        });
        IdentificationNumberDraft {
            kind,
            issuing_country_code: self.issuing_country_code,
            identification_number: self.identification_number,
        }
    }
}

impl From<AssociateBody> for AssociateDraft {
    fn from(body: AssociateBody) -> Self {
        Self {
            customer_guid: body.customer_guid,
            represents_from: body.represents_from,
            represents_until: body.represents_until,
            job_title: body.job_title,
            phone_number: body.phone_number,
            nationality: body.nationality,
            us_residency_status: body.us_residency_status,
            tax_identification: body
                .tax_identification
                .map(TaxIdentificationBody::into_draft),
            identification_numbers: body.identification_numbers.map(|numbers| {
                numbers
                    .into_iter()
                    .map(|n| {
                        IdentificationNumberBody {
                            kind: n.kind,
                            issuing_country_code: n.issuing_country_code,
                            identification_number: n.identification_number,
                            issuing_subdivision: None,
                        }
                        .into_draft()
                    })
                    .collect()
            }),
            name: body.name.map(NameBody::into_draft),
            date_of_birth: body.date_of_birth,
            address: body.address.map(AddressBody::into_draft),
            email_address: body.email_address,
            ownership_percentage: body.ownership_percentage,
            roles: body.roles,
            pep: body.pep.map(|pep| PepDraft {
                is_pep: pep.is_pep,
                explanation: pep.explanation,
            }),
        }
    }
}

impl From<ReviewBody> for ReviewDraft {
    fn from(body: ReviewBody) -> Self {
        Self {
            decision: body.decision,
            reason_code: body.reason_code,
            message: body.message,
        }
    }
}

impl From<RejectBody> for RejectDraft {
    fn from(body: RejectBody) -> Self {
        Self {
            reason_codes: body.reason_codes,
            message: body.message,
            retryable: body.retryable,
        }
    }
}

impl From<ResolveDuplicateBody> for ResolveDuplicateDraft {
    fn from(body: ResolveDuplicateBody) -> Self {
        Self {
            other_customer_guid: body.other_customer_guid,
            resolution: body.resolution,
            note: body.note,
        }
    }
}

impl From<ApproveBody> for ApproveDraft {
    fn from(body: ApproveBody) -> Self {
        Self { note: body.note }
    }
}

impl From<FreezeBody> for FreezeDraft {
    fn from(body: FreezeBody) -> Self {
        Self {
            reason: body.reason,
        }
    }
}

impl From<CloseBody> for CloseDraft {
    fn from(body: CloseBody) -> Self {
        Self {
            reason: body.reason,
            message: body.message,
        }
    }
}

impl From<LegalHoldBody> for LegalHoldDraft {
    fn from(body: LegalHoldBody) -> Self {
        Self {
            on: body.on,
            reason: body.reason,
        }
    }
}

impl From<EraseBody> for EraseDraft {
    fn from(body: EraseBody) -> Self {
        Self {
            reason: body.reason,
        }
    }
}

impl DocumentUpload {
    /// The domain's description of the document (the bytes travel apart).
    pub fn draft(&self) -> DocumentDraft {
        DocumentDraft {
            kind: self.kind.clone(),
            associate_guid: self.associate_guid.clone(),
            file_name: self.file_name.clone(),
            issued_on: self.issued_on.clone(),
            expires_on: self.expires_on.clone(),
        }
    }
}
