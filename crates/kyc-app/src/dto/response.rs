//! Wire shapes shared by the HTTP API and the NATS service: Cybrid's customer resource plus the
//! onboarding flow. Domain types stay inside; these are what callers see.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use kyc_domain::customer::{
    Document, DocumentStatus, ProfileStatus, RetentionPeriod, VerificationProfile,
};
use kyc_domain::values::{Address, AssociateDetails, IdentificationNumber, PepStatus};
use kyc_domain::{CustomerEvent, CustomerRecord, CustomerType};
use serde::{Deserialize, Serialize};

use crate::ports::RecordedEvent;

/// A name: parts for a person, `full` always.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NameDto {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    /// Middle name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    /// Full name, or a business's legal name.
    pub full: String,
}

/// An alias (trading name), in Cybrid's shape: an object, not a bare string, because
/// Cybrid's clients parse each alias as a name object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AliasDto {
    /// The name.
    pub full: String,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AddressDto {
    /// Street and number.
    pub street: String,
    /// Second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street2: Option<String>,
    /// City.
    pub city: String,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country_code: String,
}

impl From<&Address> for AddressDto {
    fn from(a: &Address) -> Self {
        Self {
            street: a.street.to_string(),
            street2: a.street2.as_ref().map(ToString::to_string),
            city: a.city.to_string(),
            subdivision: a.subdivision.as_ref().map(ToString::to_string),
            postal_code: a.postal_code.as_ref().map(ToString::to_string),
            country_code: a.country_code.to_string(),
        }
    }
}

/// An identification number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IdentificationNumberDto {
    /// Kind of number.
    #[serde(rename = "type")]
    pub kind: String,
    /// Issuing country.
    pub issuing_country_code: String,
    /// The number.
    pub identification_number: String,
}

impl From<&IdentificationNumber> for IdentificationNumberDto {
    fn from(n: &IdentificationNumber) -> Self {
        Self {
            kind: n.kind.as_str().to_owned(),
            issuing_country_code: n.issuing_country_code.to_string(),
            identification_number: n.identification_number.as_str().to_owned(),
        }
    }
}

/// Tax identification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxIdentificationDto {
    /// The number.
    pub number: String,
    /// Kind of number.
    #[serde(rename = "type")]
    pub kind: String,
    /// Issuing country.
    pub country_code: String,
    /// What the document is, for type `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A source of funds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceOfFundsDto {
    /// The kind of source.
    pub kind: String,
    /// The caller's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl From<&kyc_domain::values::SourceOfFunds> for SourceOfFundsDto {
    fn from(source: &kyc_domain::values::SourceOfFunds) -> Self {
        Self {
            kind: source.kind.as_str().to_owned(),
            description: source.description.as_ref().map(ToString::to_string),
        }
    }
}

/// Political exposure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PepDto {
    /// Politically exposed.
    pub is_pep: bool,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

impl From<&PepStatus> for PepDto {
    fn from(status: &PepStatus) -> Self {
        match status {
            PepStatus::NotExposed => Self {
                is_pep: false,
                explanation: None,
            },
            PepStatus::Exposed { explanation } => Self {
                is_pep: true,
                explanation: Some(explanation.to_string()),
            },
        }
    }
}

/// A criterion sent back by a rejected document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CriterionErrorDto {
    /// Criterion name.
    pub name: String,
    /// Rejection reason code.
    pub code: String,
    /// Reviewer's message; absent once the customer's personal data is erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Criteria by standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CriteriaDto {
    /// Met.
    pub complete: Vec<String>,
    /// Awaiting review.
    pub pending: Vec<String>,
    /// Still owed.
    pub required: Vec<String>,
    /// Why some were sent back.
    pub errors: Vec<CriterionErrorDto>,
}

/// A verification profile (the shape `SpherePay` uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VerificationProfileDto {
    /// `kyc_profile_a` or `kyb_profile_a`.
    pub name: String,
    /// `incomplete`, `pending`, `approved` or `rejected`.
    pub status: String,
    /// The rules version it was evaluated under.
    pub policy_version: String,
    /// The customer's risk level, which decides the enhanced criteria (`v2` onwards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_level: Option<String>,
    /// Criteria by standing.
    pub criteria: CriteriaDto,
}

impl From<&VerificationProfile> for VerificationProfileDto {
    fn from(p: &VerificationProfile) -> Self {
        let names = |list: &[kyc_domain::customer::Criterion]| {
            list.iter().map(|c| c.as_str().to_owned()).collect()
        };
        Self {
            name: p.name.as_str().to_owned(),
            status: p.status.as_str().to_owned(),
            policy_version: p.policy_version.as_str().to_owned(),
            risk_level: p.risk_level.map(|l| l.as_str().to_owned()),
            criteria: {
                let mut criteria = CriteriaDto {
                    complete: names(&p.criteria.complete),
                    pending: names(&p.criteria.pending),
                    required: names(&p.criteria.required),
                    errors: p
                        .criteria
                        .errors
                        .iter()
                        .map(|e| CriterionErrorDto {
                            name: e.name.as_str().to_owned(),
                            code: e.code.clone(),
                            message: e.message.clone(),
                        })
                        .collect(),
                };
                // Each beneficial owner's and control person's own criteria, by name
                // `ubo:<associate guid>:<criterion>`.
                for associate in &p.associates {
                    let ubo_name = |c: &kyc_domain::customer::Criterion| {
                        format!("ubo:{}:{}", associate.associate_guid, c.as_str())
                    };
                    let own = &associate.criteria;
                    criteria.complete.extend(own.complete.iter().map(ubo_name));
                    criteria.pending.extend(own.pending.iter().map(ubo_name));
                    criteria.required.extend(own.required.iter().map(ubo_name));
                    criteria
                        .errors
                        .extend(own.errors.iter().map(|e| CriterionErrorDto {
                            name: ubo_name(&e.name),
                            code: e.code.clone(),
                            message: e.message.clone(),
                        }));
                }
                criteria
            },
        }
    }
}

/// A submitted document's record (not its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentDto {
    /// Its id.
    pub guid: String,
    /// What it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The associate it identifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate_guid: Option<String>,
    /// Original file name (PII: only with the PII scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Sniffed media type.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
    /// Rejection reason code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// Reviewer's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it was issued (PII: only with the PII scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<NaiveDate>,
    /// When it expires (PII: only with the PII scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    /// When it expired: it no longer meets its criterion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<DateTime<Utc>>,
}

impl DocumentDto {
    /// Renders a document; the file name only with `pii`.
    pub fn new(d: &Document, pii: bool) -> Self {
        let (status, reason_code, message) = match &d.status {
            DocumentStatus::Pending => ("pending", None, None),
            DocumentStatus::Accepted => ("accepted", None, None),
            DocumentStatus::Rejected { reason, message } => (
                "rejected",
                Some(reason.as_str().to_owned()),
                message.as_ref().map(ToString::to_string),
            ),
        };
        Self {
            guid: d.guid.to_string(),
            kind: d.kind.as_str().to_owned(),
            associate_guid: d.associate_guid.map(|g| g.to_string()),
            file_name: d
                .file_name
                .as_ref()
                .filter(|_| pii)
                .map(ToString::to_string),
            content_type: d.content.content_type.as_str().to_owned(),
            size_bytes: d.content.size_bytes,
            sha256: d.content.sha256.as_str().to_owned(),
            status: status.to_owned(),
            reason_code,
            message,
            submitted_at: d.submitted_at,
            issued_on: d.issued_on.filter(|_| pii),
            expires_on: d.expires_on.filter(|_| pii),
            expired_at: d.expired_at,
        }
    }
}

/// An associate of a business; personal fields only with the PII scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssociateDto {
    /// Its id.
    pub guid: String,
    /// Roles.
    pub roles: Vec<String>,
    /// Share owned, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_percentage: Option<f64>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<NameDto>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressDto>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// Political exposure (PII: only with the PII scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pep: Option<PepDto>,
    /// Position in the business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Nationality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Standing under US residency rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub us_residency_status: Option<String>,
    /// Tax number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_identification: Option<TaxIdentificationDto>,
    /// Identity document numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identification_numbers: Option<Vec<IdentificationNumberDto>>,
    /// The tenant's customer this person also is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_guid: Option<String>,
    /// First day the person holds the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub represents_from: Option<NaiveDate>,
    /// Last day the person holds the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub represents_until: Option<NaiveDate>,
}

impl From<&kyc_domain::values::TaxIdentification> for TaxIdentificationDto {
    fn from(t: &kyc_domain::values::TaxIdentification) -> Self {
        Self {
            number: t.number.as_str().to_owned(),
            kind: t.kind.as_str().to_owned(),
            country_code: t.country_code.to_string(),
            description: t.description.as_ref().map(ToString::to_string),
        }
    }
}

impl AssociateDto {
    /// Renders an associate.
    pub fn new(guid: &kyc_domain::ids::AssociateGuid, a: &AssociateDetails, pii: bool) -> Self {
        Self {
            guid: guid.to_string(),
            roles: a
                .roles
                .iter()
                .flatten()
                .map(|r| r.as_str().to_owned())
                .collect(),
            ownership_percentage: a.ownership_percentage.map(f64::from),
            name: a.name.as_ref().filter(|_| pii).map(|n| NameDto {
                first: Some(n.first.to_string()),
                middle: n.middle.as_ref().map(ToString::to_string),
                last: Some(n.last.to_string()),
                full: n.full(),
            }),
            date_of_birth: a.date_of_birth.filter(|_| pii),
            address: a.address.as_ref().filter(|_| pii).map(AddressDto::from),
            email_address: a
                .email_address
                .as_ref()
                .filter(|_| pii)
                .map(|e| e.as_str().to_owned()),
            pep: a.pep.as_ref().filter(|_| pii).map(PepDto::from),
            job_title: a
                .job_title
                .as_ref()
                .filter(|_| pii)
                .map(ToString::to_string),
            phone_number: a
                .phone_number
                .as_ref()
                .filter(|_| pii)
                .map(|p| p.as_str().to_owned()),
            nationality: a.nationality.filter(|_| pii).map(|c| c.to_string()),
            us_residency_status: a
                .us_residency_status
                .filter(|_| pii)
                .map(|status| status.as_str().to_owned()),
            tax_identification: a
                .tax_identification
                .as_ref()
                .filter(|_| pii)
                .map(TaxIdentificationDto::from),
            identification_numbers: a
                .identification_numbers
                .as_ref()
                .filter(|_| pii)
                .map(|list| list.iter().map(IdentificationNumberDto::from).collect()),
            customer_guid: a.customer_guid.filter(|_| pii).map(|guid| guid.to_string()),
            represents_from: a.represents_from.filter(|_| pii),
            represents_until: a.represents_until.filter(|_| pii),
        }
    }
}

/// A rejection, as shown on a rejected customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RejectionDto {
    /// Reason codes.
    pub reason_codes: Vec<String>,
    /// Explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Whether the customer may resubmit.
    pub retryable: bool,
    /// When.
    pub rejected_at: DateTime<Utc>,
}

/// A customer's risk rating, with what contributed (kinds of fact, never the facts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskDto {
    /// `low`, `medium` or `high`.
    pub level: String,
    /// The sum of the factors' points.
    pub score: u32,
    /// The contributing factors.
    pub factors: Vec<RiskFactorDto>,
    /// The tenant's risk policy version it was scored under.
    pub policy_version: String,
    /// Whether verification needs two distinct approvers.
    pub four_eyes: bool,
    /// When it was recorded.
    pub rated_at: DateTime<Utc>,
}

/// A customer's latest screening: against what, when, and the potential matches still to
/// decide (entries of public lists; never the customer's data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScreeningSummaryDto {
    /// When.
    pub screened_at: DateTime<Utc>,
    /// The list versions, as `<list>:<version>`.
    pub list_versions: Vec<String>,
    /// Whether a screened field changed since (a new screening is due).
    pub stale: bool,
    /// The potential matches no one has decided yet.
    pub open_matches: Vec<OpenMatchDto>,
}

/// A potential match awaiting a decision (`POST …/screening_matches/{match_id}/resolve`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenMatchDto {
    /// Its id.
    pub match_id: String,
    /// `sanctions` or `pep`.
    pub topic: String,
    /// The associate who matched; absent for the customer itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate_guid: Option<String>,
    /// The list.
    pub list: String,
    /// The entry's identifier in the source list.
    pub entry_id: String,
    /// The score, in basis points of 1.
    pub score_bp: u16,
    /// Under four eyes, the decision a first reviewer proposed: another reviewer confirms it
    /// by sending the same decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed: Option<MatchProposalDto>,
}

/// A decision on a match awaiting its second reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchProposalDto {
    /// `true_match` or `false_positive`.
    pub decision: String,
    /// Who proposed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_by: Option<String>,
    /// When.
    pub proposed_at: DateTime<Utc>,
}

/// One contributing risk factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskFactorDto {
    /// What kind of fact, e.g. `politically_exposed`, `grey_list_residence`.
    pub kind: String,
    /// The points it added.
    pub points: u32,
}

/// A first approval awaiting (or followed by) the verifying one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApprovalDto {
    /// Who approved (the token's `sub`).
    pub approver: String,
    /// What they checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When.
    pub approved_at: DateTime<Utc>,
}

/// An active freeze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FreezeDto {
    /// Why; absent once the customer's personal data is erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The state an unfreeze restores.
    pub previous_state: String,
    /// When.
    pub frozen_at: DateTime<Utc>,
}

/// How a relationship ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClosureDto {
    /// `customer_request`, `risk_exit`, `deceased`, `dormant` or `other`.
    pub reason: String,
    /// Explanation; absent once the customer's personal data is erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The state it was closed from.
    pub previous_state: String,
    /// When (the retention clock starts).
    pub closed_at: DateTime<Utc>,
}

/// Whether a legal hold blocks erasure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LegalHoldDto {
    /// True while the hold is on.
    pub on: bool,
    /// Since when, while on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Why, while on; absent once the customer's personal data is erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Whether the customer's personal data can still be read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonalData {
    /// Stored (shown to callers with the PII scope).
    #[default]
    Available,
    /// Erased: every personal field is absent, for good.
    Erased,
}

/// The customer resource (Cybrid's fields first, then the onboarding flow's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerDto {
    /// Id, 32 hex characters.
    pub guid: String,
    /// Tenant.
    pub bank_guid: String,
    /// `individual` or `business`.
    #[serde(rename = "type")]
    pub customer_type: String,
    /// Lifecycle state.
    pub state: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Caller's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Labels.
    pub labels: Vec<String>,
    /// Name (a person's: PII; a business's legal name is shown to every reader).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<NameDto>,
    /// Address (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressDto>,
    /// Phone (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Email (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// Date of birth (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// Identification numbers (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identification_numbers: Option<Vec<IdentificationNumberDto>>,
    /// Trading names, as Cybrid's `[{"full": ...}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<AliasDto>>,
    /// Website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Nationality (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Gender (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Occupation (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
    /// Employment status (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment_status: Option<String>,
    /// US residency status (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub us_residency_status: Option<String>,
    /// Employer's name (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer_name: Option<String>,
    /// Job title (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// What the person's work is (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment_description: Option<String>,
    /// Primary source of funds (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_of_funds: Option<SourceOfFundsDto>,
    /// Holdings and expected monthly movements, measure to band (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investment_profile: Option<BTreeMap<String, String>>,
    /// Countries funds are sent to or received from (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdictions: Option<Vec<String>>,
    /// Restricted activities declared (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activities: Option<Vec<String>>,
    /// Detailed SOC 2018 occupation code (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soc_code: Option<String>,
    /// Country of birth (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_birth: Option<String>,
    /// Country of residence for tax purposes (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_residence: Option<String>,
    /// Political exposure (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pep: Option<PepDto>,
    /// Tax identification (PII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_identification: Option<TaxIdentificationDto>,
    /// Registration number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    /// Incorporation date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incorporation_date: Option<NaiveDate>,
    /// Incorporation country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incorporation_country: Option<String>,
    /// Legal form (businesses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    /// The legal form in words (businesses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type_description: Option<String>,
    /// State or province of incorporation (businesses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incorporation_subdivision: Option<String>,
    /// NAICS industry code (businesses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naics_code: Option<String>,
    /// The industry in words (businesses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naics_description: Option<String>,
    /// What the business does (businesses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_description: Option<String>,
    /// Where the business operates (businesses; shown with personal data, like `address`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_address: Option<AddressDto>,
    /// Caller's metadata (PII: callers put anything there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Verification profiles.
    pub verification_profiles: Vec<VerificationProfileDto>,
    /// Submitted documents.
    pub documents: Vec<DocumentDto>,
    /// Associates (businesses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub associates: Vec<AssociateDto>,
    /// The latest risk rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskDto>,
    /// The latest sanctions and PEP screening, once the customer has been screened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screening: Option<ScreeningSummaryDto>,
    /// First approvals of the current verification cycle (four eyes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ApprovalDto>,
    /// Who verified the customer (the second approver when four eyes were needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_by: Option<String>,
    /// When the customer was verified or last completed a periodic review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reviewed_at: Option<DateTime<Utc>>,
    /// The due date of an open periodic review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_due_at: Option<DateTime<Utc>>,
    /// The latest rejection, while rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<RejectionDto>,
    /// The active freeze.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen: Option<FreezeDto>,
    /// How the relationship ended, once closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closure: Option<ClosureDto>,
    /// The legal hold.
    #[serde(default)]
    #[schema(required = true)]
    pub legal_hold: LegalHoldDto,
    /// Until when records must be kept under the tenant's policy, once the retention clock has
    /// started (close or final rejection) and only when there is something to keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_until: Option<DateTime<Utc>>,
    /// `available`, or `erased` once erased: then every personal field is absent.
    #[serde(default)]
    #[schema(required = true)]
    pub personal_data: PersonalData,
    /// When the personal data was erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<DateTime<Utc>>,
}

impl CustomerDto {
    /// Renders a customer; personal data only when `pii`. One line per field, so the PII
    /// decision of each is visible in one place.
    #[allow(clippy::too_many_lines)]
    pub fn new(record: &CustomerRecord, pii: bool) -> Self {
        let d = &record.details;
        let personal = |show: bool| pii && show;
        let name = match record.customer_type {
            CustomerType::Individual => d.name.as_ref().filter(|_| pii).map(|n| NameDto {
                first: Some(n.first.to_string()),
                middle: n.middle.as_ref().map(ToString::to_string),
                last: Some(n.last.to_string()),
                full: n.full(),
            }),
            CustomerType::Business => d.legal_name.as_ref().map(|n| NameDto {
                first: None,
                middle: None,
                last: None,
                full: n.to_string(),
            }),
        };
        Self {
            guid: record.guid.to_string(),
            bank_guid: record.bank_guid.to_string(),
            customer_type: record.customer_type.as_str().to_owned(),
            state: record.state.as_str().to_owned(),
            created_at: record.created_at,
            updated_at: record.updated_at,
            external_id: record.external_id.as_ref().map(|e| e.as_str().to_owned()),
            labels: d.labels.iter().flatten().map(ToString::to_string).collect(),
            name,
            address: d
                .address
                .as_ref()
                .filter(|_| personal(true))
                .map(AddressDto::from),
            phone_number: d
                .phone_number
                .as_ref()
                .filter(|_| pii)
                .map(|p| p.as_str().to_owned()),
            email_address: d
                .email_address
                .as_ref()
                .filter(|_| pii)
                .map(|e| e.as_str().to_owned()),
            date_of_birth: d.date_of_birth.filter(|_| pii),
            identification_numbers: d
                .identification_numbers
                .as_ref()
                .filter(|_| pii)
                .map(|list| list.iter().map(IdentificationNumberDto::from).collect()),
            aliases: d.aliases.as_ref().map(|list| {
                list.iter()
                    .map(|alias| AliasDto {
                        full: alias.to_string(),
                    })
                    .collect()
            }),
            website: d.website.as_ref().map(|w| w.as_str().to_owned()),
            nationality: d.nationality.filter(|_| pii).map(|c| c.to_string()),
            gender: d.gender.filter(|_| pii).map(|g| g.as_str().to_owned()),
            occupation: d.occupation.filter(|_| pii).map(|o| o.as_str().to_owned()),
            employment_status: d
                .employment_status
                .filter(|_| pii)
                .map(|e| e.as_str().to_owned()),
            us_residency_status: d
                .us_residency_status
                .filter(|_| pii)
                .map(|status| status.as_str().to_owned()),
            employer_name: d
                .employer_name
                .as_ref()
                .filter(|_| pii)
                .map(ToString::to_string),
            job_title: d
                .job_title
                .as_ref()
                .filter(|_| pii)
                .map(ToString::to_string),
            employment_description: d
                .employment_description
                .as_ref()
                .filter(|_| pii)
                .map(ToString::to_string),
            source_of_funds: d
                .source_of_funds
                .as_ref()
                .filter(|_| pii)
                .map(SourceOfFundsDto::from),
            investment_profile: d.investment_profile.as_ref().filter(|_| pii).map(|p| {
                p.0.iter()
                    .map(|(measure, band)| (measure.as_str().to_owned(), band.as_str().to_owned()))
                    .collect()
            }),
            jurisdictions: d
                .jurisdictions
                .as_ref()
                .filter(|_| pii)
                .map(|list| list.iter().map(ToString::to_string).collect()),
            activities: d
                .activities
                .as_ref()
                .filter(|_| pii)
                .map(|list| list.iter().map(|a| a.as_str().to_owned()).collect()),
            soc_code: d
                .soc_code
                .as_ref()
                .filter(|_| pii)
                .map(|c| c.as_str().to_owned()),
            country_of_birth: d.country_of_birth.filter(|_| pii).map(|c| c.to_string()),
            country_of_residence: d
                .country_of_residence
                .filter(|_| pii)
                .map(|c| c.to_string()),
            pep: d.pep.as_ref().filter(|_| pii).map(PepDto::from),
            tax_identification: d
                .tax_identification
                .as_ref()
                .filter(|_| pii)
                .map(TaxIdentificationDto::from),
            registration_number: d.registration_number.as_ref().map(ToString::to_string),
            incorporation_date: d.incorporation_date,
            incorporation_country: d.incorporation_country.map(|c| c.to_string()),
            entity_type: d.entity_type.map(|e| e.as_str().to_owned()),
            entity_type_description: d.entity_type_description.as_ref().map(ToString::to_string),
            incorporation_subdivision: d
                .incorporation_subdivision
                .as_ref()
                .map(ToString::to_string),
            naics_code: d.naics_code.as_ref().map(|c| c.as_str().to_owned()),
            naics_description: d.naics_description.as_ref().map(ToString::to_string),
            business_description: d.business_description.as_ref().map(ToString::to_string),
            operating_address: d
                .operating_address
                .as_ref()
                .filter(|_| pii)
                .map(AddressDto::from),
            metadata: d.metadata.as_ref().filter(|_| pii).map(|m| {
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            }),
            verification_profiles: vec![VerificationProfileDto::from(
                &record.verification_profile(),
            )],
            documents: record
                .documents
                .values()
                .map(|doc| DocumentDto::new(doc, pii))
                .collect(),
            associates: record
                .associates
                .iter()
                .map(|(guid, a)| AssociateDto::new(guid, a, pii))
                .collect(),
            risk: record.risk.as_ref().map(|r| RiskDto {
                level: r.level.as_str().to_owned(),
                score: r.score,
                factors: r
                    .factors
                    .iter()
                    .map(|f| RiskFactorDto {
                        kind: f.kind.as_str().to_owned(),
                        points: f.points,
                    })
                    .collect(),
                policy_version: r.policy_version.to_string(),
                four_eyes: r.four_eyes,
                rated_at: r.rated_at,
            }),
            screening: record.screening.latest.as_ref().map(|latest| {
                let state = &record.screening;
                let open = state
                    .open_hits(kyc_domain::customer::ScreeningTopic::Sanctions)
                    .chain(state.open_hits(kyc_domain::customer::ScreeningTopic::Pep));
                ScreeningSummaryDto {
                    screened_at: latest.screened_at,
                    list_versions: latest
                        .list_versions
                        .iter()
                        .map(|v| format!("{}:{}", v.list, v.version))
                        .collect(),
                    stale: state.is_stale(),
                    open_matches: open
                        .map(|hit| OpenMatchDto {
                            match_id: hit.match_id.to_string(),
                            topic: hit.topic.as_str().to_owned(),
                            associate_guid: hit.associate_guid.map(|g| g.to_string()),
                            list: hit.list.list.clone(),
                            entry_id: hit.entry_id.clone(),
                            score_bp: hit.score_bp,
                            proposed: state.proposals.get(&hit.match_id).map(|p| {
                                MatchProposalDto {
                                    decision: p.decision.as_str().to_owned(),
                                    proposed_by: p.proposer.as_ref().map(ToString::to_string),
                                    proposed_at: p.at,
                                }
                            }),
                        })
                        .collect(),
                }
            }),
            approvals: record
                .approvals
                .iter()
                .map(|a| ApprovalDto {
                    approver: a.approver.to_string(),
                    note: a.note.as_ref().map(ToString::to_string),
                    approved_at: a.at,
                })
                .collect(),
            verified_by: record.verified_by.as_ref().map(ToString::to_string),
            last_reviewed_at: record.last_reviewed_at,
            review_due_at: record.review_due_at,
            rejection: record.rejection.as_ref().map(|r| RejectionDto {
                reason_codes: r.reasons.iter().map(|c| c.as_str().to_owned()).collect(),
                message: r.message.as_ref().map(ToString::to_string),
                retryable: r.retryable,
                rejected_at: r.at,
            }),
            frozen: record.frozen.as_ref().map(|f| FreezeDto {
                reason: f.reason.as_ref().map(ToString::to_string),
                previous_state: f.previous_state.as_str().to_owned(),
                frozen_at: f.at,
            }),
            closure: record.closure.as_ref().map(|c| ClosureDto {
                reason: c.reason.as_str().to_owned(),
                message: c.message.as_ref().map(ToString::to_string),
                previous_state: c.previous_state.as_str().to_owned(),
                closed_at: c.at,
            }),
            legal_hold: record
                .legal_hold
                .as_ref()
                .map(|hold| LegalHoldDto {
                    on: true,
                    since: Some(hold.since),
                    reason: hold.reason.as_ref().map(ToString::to_string),
                })
                .unwrap_or_default(),
            retention_until: None,
            personal_data: if record.erased_at.is_some() {
                PersonalData::Erased
            } else {
                PersonalData::Available
            },
            erased_at: record.erased_at,
        }
    }

    /// The same customer with `retention_until` under the tenant's retention period.
    #[must_use]
    pub fn with_retention(mut self, record: &CustomerRecord, period: RetentionPeriod) -> Self {
        self.retention_until = record.retention_until(period);
        self
    }
}

/// A page of customers (Cybrid's list shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerListDto {
    /// Matching customers in all pages.
    pub total: u64,
    /// This page, from 0.
    pub page: u32,
    /// Page size.
    pub per_page: u32,
    /// The customers.
    pub objects: Vec<CustomerDto>,
}

/// A customer's verification profiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VerificationProfilesDto {
    /// One profile per set of rules that applies.
    pub verification_profiles: Vec<VerificationProfileDto>,
}

/// A customer's audit trail: every event, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditTrailDto {
    /// The customer.
    pub customer_guid: String,
    /// Its events.
    pub events: Vec<AuditEntryDto>,
}

/// One entry of a customer's audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntryDto {
    /// Sequence within the customer.
    pub sequence: u64,
    /// Position in the whole log.
    pub global_position: i64,
    /// Event type.
    pub event_type: String,
    /// Event schema version.
    pub event_version: String,
    /// When the command was received.
    pub occurred_at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// Which request.
    pub request_id: String,
    /// Through which adapter.
    pub source: String,
    /// State before the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_before: Option<String>,
    /// State after it.
    pub state_after: String,
    /// The event's hash-chain link.
    pub hash: String,
    /// Why: the reason codes and message a transition or a review recorded. Absent for
    /// events that are neither (creation, detail and associate changes, submissions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<AuditDecisionDto>,
}

/// What a transition or a review recorded about itself. Each field is present only when the
/// event type records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditDecisionDto {
    /// Reason codes (a rejection's, a document rejection's); empty when the event records none.
    pub reason_codes: Vec<String>,
    /// The explanation: a rejection's message, or the free-text reason of a freeze.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Whether a rejected customer may resubmit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
    /// The rules a verification was decided under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<String>,
    /// The document a review was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_guid: Option<String>,
    /// Who reviewed, approved or verified, as the decision recorded it (four-eyes evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// The level a risk rating gave (its factors are the reason codes, its policy the
    /// `policy_version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_level: Option<String>,
    /// The potential screening match a resolution or proposal decided (its decision is the
    /// reason code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_id: Option<String>,
    /// Under four eyes, who proposed the decision a resolution confirmed (the `approver`
    /// confirmed it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposer: Option<String>,
}

impl AuditDecisionDto {
    /// The decision `event` records, if it is a transition or a review.
    ///
    /// One arm per event type and no catch-all: a new event type does not compile until it
    /// says here what its audit entry shows.
    // One arm per event type is the point: it grows with the event list.
    #[allow(clippy::too_many_lines)]
    pub fn of(event: &CustomerEvent) -> Option<Self> {
        use CustomerEvent as E;
        match event {
            E::CustomerCreated { .. }
            | E::CustomerDetailsUpdated { .. }
            | E::DocumentSubmitted { .. }
            | E::AssociateAdded { .. }
            | E::AssociateUpdated { .. }
            | E::AssociateRemoved { .. } => None,
            E::DocumentAccepted {
                document_guid,
                reviewer,
                ..
            } => Some(Self {
                document_guid: Some(document_guid.to_string()),
                approver: reviewer.as_ref().map(ToString::to_string),
                ..Self::default()
            }),
            E::DocumentRejected {
                document_guid,
                reviewer,
                reason,
                message,
                ..
            } => Some(Self {
                reason_codes: vec![reason.as_str().to_owned()],
                message: message.as_ref().map(ToString::to_string),
                document_guid: Some(document_guid.to_string()),
                approver: reviewer.as_ref().map(ToString::to_string),
                ..Self::default()
            }),
            E::CustomerVerified {
                policy_version,
                approver,
                ..
            } => Some(Self {
                policy_version: Some(policy_version.as_str().to_owned()),
                approver: approver.as_ref().map(ToString::to_string),
                ..Self::default()
            }),
            E::ApprovalRecorded { approver, note, .. } => Some(Self {
                message: note.as_ref().map(ToString::to_string),
                approver: Some(approver.to_string()),
                ..Self::default()
            }),
            E::ScreeningCompleted {
                list_versions,
                hits,
                ..
            } => Some(Self {
                // The ids of the potential matches found (none: screened clear).
                reason_codes: hits.iter().map(|h| h.match_id.to_string()).collect(),
                message: Some(format!(
                    "screened against {}",
                    list_versions
                        .iter()
                        .map(|v| format!("{} version {}", v.list, v.version))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                ..Self::default()
            }),
            E::ScreeningMatchProposed {
                match_id,
                decision,
                proposer,
                note,
                ..
            } => Some(Self {
                reason_codes: vec![decision.as_str().to_owned()],
                message: note.as_ref().map(ToString::to_string),
                proposer: proposer.as_ref().map(ToString::to_string),
                match_id: Some(match_id.to_string()),
                ..Self::default()
            }),
            E::ScreeningMatchResolved {
                match_id,
                decision,
                resolver,
                proposer,
                note,
                ..
            } => Some(Self {
                reason_codes: vec![decision.as_str().to_owned()],
                message: note.as_ref().map(ToString::to_string),
                approver: resolver.as_ref().map(ToString::to_string),
                match_id: Some(match_id.to_string()),
                proposer: proposer.as_ref().map(ToString::to_string),
                ..Self::default()
            }),
            E::DocumentExpired { document_guid, .. } => Some(Self {
                reason_codes: vec![kyc_domain::customer::DOCUMENT_EXPIRED.to_owned()],
                document_guid: Some(document_guid.to_string()),
                ..Self::default()
            }),
            E::ReviewDue { due_at, .. } => Some(Self {
                reason_codes: vec![kyc_domain::customer::REVIEW_DUE.to_owned()],
                message: Some(format!(
                    "a periodic review fell due on {}",
                    due_at.date_naive()
                )),
                ..Self::default()
            }),
            E::ReviewCompleted { due_at, .. } => Some(Self {
                reason_codes: vec!["review_completed".to_owned()],
                message: Some(format!(
                    "the periodic review due on {} was completed",
                    due_at.date_naive()
                )),
                ..Self::default()
            }),
            E::VerificationLapsed { due_since, .. } => Some(Self {
                reason_codes: vec!["verification_lapsed".to_owned()],
                message: Some(format!(
                    "due since {} and not met within the grace period",
                    due_since.date_naive()
                )),
                ..Self::default()
            }),
            E::RiskRated {
                level,
                factors,
                policy_version,
                ..
            } => Some(Self {
                reason_codes: factors.iter().map(|f| f.kind.as_str().to_owned()).collect(),
                policy_version: Some(policy_version.to_string()),
                risk_level: Some(level.as_str().to_owned()),
                ..Self::default()
            }),
            E::CustomerRejected {
                reasons,
                message,
                retryable,
                ..
            } => Some(Self {
                reason_codes: reasons.iter().map(|r| r.as_str().to_owned()).collect(),
                message: message.as_ref().map(ToString::to_string),
                retryable: Some(*retryable),
                ..Self::default()
            }),
            E::CustomerFrozen { reason, .. } => Some(Self {
                message: reason.as_ref().map(ToString::to_string),
                ..Self::default()
            }),
            E::CustomerClosed {
                reason, message, ..
            } => Some(Self {
                reason_codes: vec![reason.as_str().to_owned()],
                message: message.as_ref().map(ToString::to_string),
                ..Self::default()
            }),
            E::LegalHoldChanged { on, reason, .. } => Some(Self {
                reason_codes: vec![if *on {
                    "legal_hold_on"
                } else {
                    "legal_hold_off"
                }
                .to_owned()],
                message: reason.as_ref().map(ToString::to_string),
                ..Self::default()
            }),
            E::CustomerErased { reason, .. } => Some(Self {
                message: Some(reason.to_string()),
                ..Self::default()
            }),
            E::DuplicateIdentityFlagged {
                other_customer_guid,
                kind,
                ..
            } => Some(Self {
                reason_codes: vec!["duplicate_identity".to_owned()],
                message: Some(format!(
                    "customer {other_customer_guid} has the same {}",
                    kind.as_str().replace('_', " ")
                )),
                ..Self::default()
            }),
            E::DuplicateIdentityResolved {
                other_customer_guid,
                resolution,
                note,
                ..
            } => Some(Self {
                reason_codes: vec![resolution.as_str().to_owned()],
                message: Some(match note {
                    Some(note) => format!("customer {other_customer_guid}: {note}"),
                    None => format!("customer {other_customer_guid}"),
                }),
                ..Self::default()
            }),
            // Transitions that record no reason: the entry still says it is one.
            E::VerificationReopened { .. } | E::CustomerUnfrozen { .. } => Some(Self::default()),
        }
    }
}

/// Builds the audit trail of a customer's events: who, when, the state before → after, and
/// the reasons of each transition or review.
pub fn audit_trail(events: &[RecordedEvent]) -> Vec<AuditEntryDto> {
    let mut customer = kyc_domain::Customer::default();
    events
        .iter()
        .map(|recorded| {
            let before = customer.state();
            customer.apply(&recorded.event);
            AuditEntryDto {
                sequence: recorded.sequence,
                global_position: recorded.global_position,
                event_type: recorded.event.event_type().to_owned(),
                event_version: recorded.event.event_version().to_owned(),
                occurred_at: recorded.event.at(),
                actor: recorded.metadata.actor.clone(),
                request_id: recorded.metadata.request_id.clone(),
                source: serde_json::to_value(recorded.metadata.source)
                    .ok()
                    .and_then(|v| v.as_str().map(ToOwned::to_owned))
                    .unwrap_or_default(),
                state_before: before.map(|s| s.as_str().to_owned()),
                state_after: customer
                    .state()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                hash: recorded.metadata.hash.clone(),
                decision: AuditDecisionDto::of(&recorded.event),
            }
        })
        .collect()
}

/// Profile status summary used by list filters and dashboards.
pub fn profile_status(record: &CustomerRecord) -> ProfileStatus {
    record.verification_profile().status
}
