//! Verification profiles: which criteria a customer has met, awaits review on, or still owes.
//!
//! A profile is a pure function of the customer and a policy version. Verification records the
//! version it was decided under, so that a replay years later reproduces the same decision even
//! after the rules have moved on.

use serde::{Deserialize, Serialize};

use super::documents::{Document, DocumentKind, DocumentStatus};
use super::risk::RiskLevel;
use super::{CustomerRecord, CustomerState, CustomerType};
use crate::ids::AssociateGuid;
use crate::values::{closed_enum::closed_enum, AssociateDetails, AssociateRole, PepStatus};

closed_enum! {
    /// A version of the verification rules.
    pub enum PolicyVersion {
        /// The first rules: `kyc_profile_a` and `kyb_profile_a` as DESIGN.md §2 lists them.
        V1 => "v1",
        /// V1 plus risk: a high rating adds enhanced-due-diligence criteria
        /// (`source_of_funds_document`, `proof_of_address_document`) and a rating that demands
        /// four eyes adds `senior_approval`.
        V2 => "v2",
    }
}

impl PolicyVersion {
    /// The rules new decisions are made under.
    pub const CURRENT: Self = Self::V2;
}

closed_enum! {
    /// A named set of criteria.
    pub enum ProfileName {
        /// Individuals.
        KycProfileA => "kyc_profile_a",
        /// Businesses.
        KybProfileA => "kyb_profile_a",
    }
}

closed_enum! {
    /// Overall standing of a profile.
    pub enum ProfileStatus {
        /// Something is still required.
        Incomplete => "incomplete",
        /// Nothing is required; review or a decision is outstanding.
        Pending => "pending",
        /// The customer is verified.
        Approved => "approved",
        /// The customer is rejected.
        Rejected => "rejected",
    }
}

closed_enum! {
    /// One thing a profile asks for.
    pub enum Criterion {
        /// The person's name.
        Name => "name",
        /// Date of birth.
        DateOfBirth => "date_of_birth",
        /// Email address.
        EmailAddress => "email_address",
        /// Phone number.
        PhoneNumber => "phone_number",
        /// Residential address.
        ResidentialAddress => "residential_address",
        /// Tax identification.
        TaxIdentificationNumber => "tax_identification_number",
        /// An accepted passport, driver's licence or national id.
        IdentityDocument => "identity_document",
        /// An accepted liveness report.
        LivenessReportDocument => "liveness_report_document",
        /// An accepted source-of-funds document (PEPs only).
        SourceOfFundsDocument => "source_of_funds_document",
        /// The business's legal name.
        BusinessName => "business_name",
        /// The business's registration number.
        RegistrationNumber => "registration_number",
        /// The business's registered address.
        RegisteredAddress => "registered_address",
        /// An accepted certificate of incorporation.
        IncorporationDocument => "incorporation_document",
        /// An accepted proof of address.
        ProofOfAddressDocument => "proof_of_address_document",
        /// An accepted ownership structure document.
        OwnershipStructureDocument => "ownership_structure_document",
        /// Every owner of 25% or more fully identified.
        BeneficialOwners => "beneficial_owners",
        /// At least one identified control person.
        ControlPerson => "control_person",
        /// A periodic review that fell due: required, with a `review_due` error, until a
        /// document accepted after the due date completes it.
        PeriodicReview => "periodic_review",
        /// The second of two approvals (four eyes), given by verifying: required until a first
        /// approval is recorded, then pending until a senior approver verifies.
        SeniorApproval => "senior_approval",
        /// No open possible duplicate. Listed (as required, with a `duplicate_identity` error
        /// per duplicate) only while one is open, so profiles without any read as before.
        UniqueIdentity => "unique_identity",
        /// Screened against the tenant's sanctions lists with no undecided potential match:
        /// pending while a screened field changed since the last screening, required with a
        /// `screening_match` error naming the match ids while matches are open. Listed once
        /// the customer has been screened (a tenant with no list screens nobody).
        SanctionsScreening => "sanctions_screening",
        /// The same for PEP lists.
        PepScreening => "pep_screening",
    }
}

/// The error code of a criterion whose accepted document expired.
pub const DOCUMENT_EXPIRED: &str = "document_expired";

/// The error code of an open periodic review.
pub const REVIEW_DUE: &str = "review_due";

/// The error code of undecided potential screening matches.
pub const SCREENING_MATCH: &str = "screening_match";

/// A criterion that a rejected document sent back to `required`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionError {
    /// The criterion.
    pub name: Criterion,
    /// The rejection reason code.
    pub code: String,
    /// The reviewer's message; `None` once the customer's personal data is erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Criteria by standing; each criterion is in exactly one of the three lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criteria {
    /// Met.
    pub complete: Vec<Criterion>,
    /// Awaiting review.
    pub pending: Vec<Criterion>,
    /// Still owed.
    pub required: Vec<Criterion>,
    /// Why some required criteria were sent back.
    pub errors: Vec<CriterionError>,
}

/// One associate's own criteria (v2): each beneficial owner and control person of a business
/// passes KYC as a person. On the wire they appear in the business's profile as
/// `ubo:<associate guid>:<criterion>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociateCriteria {
    /// The associate.
    pub associate_guid: AssociateGuid,
    /// Its criteria by standing.
    pub criteria: Criteria,
}

/// A profile and the customer's standing in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationProfile {
    /// Which profile.
    pub name: ProfileName,
    /// The rules it was evaluated under.
    pub policy_version: PolicyVersion,
    /// Overall standing.
    pub status: ProfileStatus,
    /// The customer's risk level, which decides the enhanced criteria (v2 onwards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_level: Option<RiskLevel>,
    /// Criteria by standing.
    pub criteria: Criteria,
    /// The criteria of each beneficial owner and control person of a business (v2 onwards);
    /// the business's `beneficial_owners` and `control_person` criteria summarise them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub associates: Vec<AssociateCriteria>,
}

impl VerificationProfile {
    /// True when nothing is required, pending or in error.
    pub fn is_satisfied(&self) -> bool {
        self.criteria.required.is_empty()
            && self.criteria.pending.is_empty()
            && self.criteria.errors.is_empty()
    }
}

/// Where one criterion stands.
enum Standing {
    Complete,
    Pending,
    Required(Option<CriterionError>),
}

/// Evaluates the customer's profile under `policy`.
pub fn evaluate(record: &CustomerRecord, policy: PolicyVersion) -> VerificationProfile {
    match policy {
        PolicyVersion::V1 => evaluate_v1(record),
        PolicyVersion::V2 => evaluate_v2(record),
    }
}

/// V1's criteria, then what the customer's risk rating adds; a business's associates pass KYC
/// each on their own.
fn evaluate_v2(record: &CustomerRecord) -> VerificationProfile {
    let (name, mut standings) = standings_v1(record);
    let rating = record.risk.as_ref();
    let mut associates = Vec::new();
    if record.customer_type == CustomerType::Business {
        let threshold = rating.map_or(DEFAULT_UBO_THRESHOLD_BP, |r| r.ubo_threshold_bp);
        let liveness = rating.is_some_and(|r| r.associate_liveness);
        associates = associate_profiles(record, threshold, liveness);
        let owners: Vec<&AssociateCriteria> = associates
            .iter()
            .filter(|a| {
                record
                    .associates
                    .get(&a.associate_guid)
                    .is_some_and(|details| owns_at_least(details, threshold))
            })
            .collect();
        let controllers: Vec<&AssociateCriteria> = associates
            .iter()
            .filter(|a| {
                record
                    .associates
                    .get(&a.associate_guid)
                    .is_some_and(|details| details.has_role(AssociateRole::ControlPerson))
            })
            .collect();
        for (criterion, standing) in &mut standings {
            match criterion {
                Criterion::BeneficialOwners => {
                    *standing = all_pass(Criterion::BeneficialOwners, &owners);
                }
                Criterion::ControlPerson => {
                    *standing = one_passes(Criterion::ControlPerson, &controllers);
                }
                _ => {}
            }
        }
    }
    if rating.is_some_and(|r| r.level == RiskLevel::High) {
        for (criterion, kind) in [
            (
                Criterion::SourceOfFundsDocument,
                DocumentKind::SourceOfFunds,
            ),
            (
                Criterion::ProofOfAddressDocument,
                DocumentKind::ProofOfAddress,
            ),
        ] {
            if !standings.iter().any(|(c, _)| *c == criterion) {
                let standing = own_document_standing(record, criterion, |k| k == kind);
                standings.push((criterion, standing));
            }
        }
    }
    if rating.is_some_and(|r| r.four_eyes) {
        let standing = if decided_state(record) == CustomerState::Verified {
            Standing::Complete
        } else if record.approvals.is_empty() {
            Standing::Required(None)
        } else {
            Standing::Pending
        };
        standings.push((Criterion::SeniorApproval, standing));
    }
    standings.extend(screening_standings(record));
    let mut profile = profile_of(record, PolicyVersion::V2, name, standings);
    profile.risk_level = rating.map(|r| r.level);
    profile.associates = associates;
    profile
}

/// The screening criteria, once the customer has been screened: pending while the screening
/// is stale, required while potential matches of the topic are undecided.
fn screening_standings(record: &CustomerRecord) -> Vec<(Criterion, Standing)> {
    use super::screening::ScreeningTopic;
    let screening = &record.screening;
    if screening.latest.is_none() {
        return Vec::new();
    }
    [
        (Criterion::SanctionsScreening, ScreeningTopic::Sanctions),
        (Criterion::PepScreening, ScreeningTopic::Pep),
    ]
    .into_iter()
    .map(|(criterion, topic)| {
        let open: Vec<&str> = screening
            .open_hits(topic)
            .map(|hit| hit.match_id.as_str())
            .collect();
        let standing = if !open.is_empty() {
            Standing::Required(Some(CriterionError {
                name: criterion,
                code: SCREENING_MATCH.to_owned(),
                message: (record.erased_at.is_none())
                    .then(|| format!("potential matches to resolve: {}", open.join(", "))),
            }))
        } else if screening.is_stale() {
            Standing::Pending
        } else {
            Standing::Complete
        };
        (criterion, standing)
    })
    .collect()
}

/// The ownership share from which an owner is a beneficial owner when no rating says
/// otherwise: 25% (the `FinCEN` CDD rule, AMLD Art. 3(6)).
pub const DEFAULT_UBO_THRESHOLD_BP: u16 =
    crate::values::OwnershipPercentage::BENEFICIAL_OWNER_THRESHOLD.basis_points();

fn owns_at_least(associate: &AssociateDetails, threshold_bp: u16) -> bool {
    associate
        .ownership_percentage
        .is_some_and(|share| share.basis_points() >= threshold_bp)
}

/// The criteria of every associate who must pass KYC: owners at or above the threshold, and
/// control persons.
fn associate_profiles(
    record: &CustomerRecord,
    threshold_bp: u16,
    liveness: bool,
) -> Vec<AssociateCriteria> {
    record
        .associates
        .iter()
        .filter(|(_, a)| owns_at_least(a, threshold_bp) || a.has_role(AssociateRole::ControlPerson))
        .map(|(guid, associate)| {
            let about = |kind: fn(DocumentKind) -> bool, criterion: Criterion| {
                document_standing(
                    criterion,
                    record
                        .documents
                        .values()
                        .filter(|d| d.associate_guid == Some(*guid) && kind(d.kind)),
                )
            };
            let mut standings = vec![
                (Criterion::Name, present(associate.name.is_some())),
                (
                    Criterion::DateOfBirth,
                    present(associate.date_of_birth.is_some()),
                ),
                (
                    Criterion::ResidentialAddress,
                    present(associate.address.is_some()),
                ),
                (
                    Criterion::IdentityDocument,
                    about(DocumentKind::is_identity, Criterion::IdentityDocument),
                ),
            ];
            if liveness {
                standings.push((
                    Criterion::LivenessReportDocument,
                    about(
                        |k| k == DocumentKind::LivenessReport,
                        Criterion::LivenessReportDocument,
                    ),
                ));
            }
            let mut criteria = Criteria::default();
            for (criterion, standing) in standings {
                match standing {
                    Standing::Complete => criteria.complete.push(criterion),
                    Standing::Pending => criteria.pending.push(criterion),
                    Standing::Required(error) => {
                        criteria.required.push(criterion);
                        criteria.errors.extend(error);
                    }
                }
            }
            AssociateCriteria {
                associate_guid: *guid,
                criteria,
            }
        })
        .collect()
}

/// Every one of `associates` passes: complete; any still owing something: required (with the
/// first error, under `criterion`); otherwise pending. None at all: complete (a widely held
/// business, which the ownership structure document evidences).
fn all_pass(criterion: Criterion, associates: &[&AssociateCriteria]) -> Standing {
    if let Some(owing) = associates.iter().find(|a| !a.criteria.required.is_empty()) {
        return Standing::Required(owing.criteria.errors.first().map(|e| CriterionError {
            name: criterion,
            ..e.clone()
        }));
    }
    if associates.iter().any(|a| !a.criteria.pending.is_empty()) {
        return Standing::Pending;
    }
    Standing::Complete
}

/// At least one of `associates` passes: complete; else one awaiting review: pending; else
/// required.
fn one_passes(criterion: Criterion, associates: &[&AssociateCriteria]) -> Standing {
    let passes =
        |a: &&&AssociateCriteria| a.criteria.required.is_empty() && a.criteria.pending.is_empty();
    if associates.iter().any(|a| passes(&a)) {
        Standing::Complete
    } else if associates.iter().any(|a| a.criteria.required.is_empty()) {
        Standing::Pending
    } else {
        Standing::Required(
            associates
                .iter()
                .find_map(|a| a.criteria.errors.first())
                .map(|e| CriterionError {
                    name: criterion,
                    ..e.clone()
                }),
        )
    }
}

fn present(given: bool) -> Standing {
    if given {
        Standing::Complete
    } else {
        Standing::Required(None)
    }
}

/// The standing of a criterion met by a document of the customer's own (not an associate's)
/// whose kind passes `kind`.
fn own_document_standing(
    record: &CustomerRecord,
    criterion: Criterion,
    kind: impl Fn(DocumentKind) -> bool,
) -> Standing {
    document_standing(
        criterion,
        record
            .documents
            .values()
            .filter(|d| d.associate_guid.is_none() && kind(d.kind)),
    )
}

/// `kyc_profile_a`.
fn individual_standings(record: &CustomerRecord) -> Vec<(Criterion, Standing)> {
    let details = &record.details;
    let mut standings = vec![
        (Criterion::Name, present(details.name.is_some())),
        (
            Criterion::DateOfBirth,
            present(details.date_of_birth.is_some()),
        ),
        (
            Criterion::EmailAddress,
            present(details.email_address.is_some()),
        ),
        (
            Criterion::PhoneNumber,
            present(details.phone_number.is_some()),
        ),
        (
            Criterion::ResidentialAddress,
            present(details.address.is_some()),
        ),
        (
            Criterion::TaxIdentificationNumber,
            present(details.tax_identification.is_some()),
        ),
        (
            Criterion::IdentityDocument,
            own_document_standing(
                record,
                Criterion::IdentityDocument,
                DocumentKind::is_identity,
            ),
        ),
        (
            Criterion::LivenessReportDocument,
            own_document_standing(record, Criterion::LivenessReportDocument, |k| {
                k == DocumentKind::LivenessReport
            }),
        ),
    ];
    if details.pep.as_ref().is_some_and(PepStatus::is_exposed) {
        standings.push((
            Criterion::SourceOfFundsDocument,
            own_document_standing(record, Criterion::SourceOfFundsDocument, |k| {
                k == DocumentKind::SourceOfFunds
            }),
        ));
    }
    standings
}

/// `kyb_profile_a`.
fn business_standings(record: &CustomerRecord) -> Vec<(Criterion, Standing)> {
    let details = &record.details;
    vec![
        (
            Criterion::BusinessName,
            present(details.legal_name.is_some()),
        ),
        (
            Criterion::RegistrationNumber,
            present(details.registration_number.is_some()),
        ),
        (
            Criterion::RegisteredAddress,
            present(details.address.is_some()),
        ),
        (
            Criterion::TaxIdentificationNumber,
            present(details.tax_identification.is_some()),
        ),
        (
            Criterion::IncorporationDocument,
            own_document_standing(record, Criterion::IncorporationDocument, |k| {
                k == DocumentKind::IncorporationCertificate
            }),
        ),
        (
            Criterion::ProofOfAddressDocument,
            own_document_standing(record, Criterion::ProofOfAddressDocument, |k| {
                k == DocumentKind::ProofOfAddress
            }),
        ),
        (
            Criterion::OwnershipStructureDocument,
            own_document_standing(record, Criterion::OwnershipStructureDocument, |k| {
                k == DocumentKind::OwnershipStructure
            }),
        ),
        (
            Criterion::BeneficialOwners,
            beneficial_owners_standing(record),
        ),
        (Criterion::ControlPerson, control_person_standing(record)),
    ]
}

fn standings_v1(record: &CustomerRecord) -> (ProfileName, Vec<(Criterion, Standing)>) {
    match record.customer_type {
        CustomerType::Individual => (ProfileName::KycProfileA, individual_standings(record)),
        CustomerType::Business => (ProfileName::KybProfileA, business_standings(record)),
    }
}

fn evaluate_v1(record: &CustomerRecord) -> VerificationProfile {
    let (name, standings) = standings_v1(record);
    profile_of(record, PolicyVersion::V1, name, standings)
}

/// The state a profile's status reflects: a frozen customer's is the one before the freeze.
fn decided_state(record: &CustomerRecord) -> CustomerState {
    match record.state {
        CustomerState::Frozen => record
            .frozen
            .as_ref()
            .map_or(CustomerState::Unverified, |f| f.previous_state),
        state => state,
    }
}

/// Sorts standings into a profile, with the open duplicates and the overall status.
fn profile_of(
    record: &CustomerRecord,
    policy_version: PolicyVersion,
    name: ProfileName,
    standings: Vec<(Criterion, Standing)>,
) -> VerificationProfile {
    let mut criteria = Criteria::default();
    for (criterion, standing) in standings {
        match standing {
            Standing::Complete => criteria.complete.push(criterion),
            Standing::Pending => criteria.pending.push(criterion),
            Standing::Required(error) => {
                criteria.required.push(criterion);
                criteria.errors.extend(error);
            }
        }
    }
    let open_duplicates: Vec<CriterionError> = record
        .duplicates
        .iter()
        .filter(|flag| flag.resolution.is_none())
        .map(|flag| CriterionError {
            name: Criterion::UniqueIdentity,
            code: "duplicate_identity".to_owned(),
            message: Some(format!(
                "customer {} has the same {}",
                flag.other_customer_guid,
                flag.kind.as_str().replace('_', " ")
            )),
        })
        .collect();
    if !open_duplicates.is_empty() {
        criteria.required.push(Criterion::UniqueIdentity);
        criteria.errors.extend(open_duplicates);
    }
    if let Some(due_at) = record.review_due_at {
        criteria.required.push(Criterion::PeriodicReview);
        criteria.errors.push(CriterionError {
            name: Criterion::PeriodicReview,
            code: REVIEW_DUE.to_owned(),
            message: Some(format!(
                "a periodic review fell due on {}: submit a current document",
                due_at.date_naive()
            )),
        });
    }
    let status = match decided_state(record) {
        CustomerState::Verified => ProfileStatus::Approved,
        CustomerState::Rejected => ProfileStatus::Rejected,
        _ if !criteria.required.is_empty() => ProfileStatus::Incomplete,
        _ => ProfileStatus::Pending,
    };
    VerificationProfile {
        name,
        policy_version,
        status,
        risk_level: None,
        criteria,
        associates: Vec::new(),
    }
}

/// A document criterion: complete once a matching document is accepted and not expired;
/// pending while one awaits review; otherwise required, with the latest rejection or expiry as
/// its error.
fn document_standing<'a>(
    criterion: Criterion,
    documents: impl Iterator<Item = &'a Document>,
) -> Standing {
    let mut any_pending = false;
    let mut latest_setback: Option<&Document> = None;
    for document in documents {
        if document.is_in_force() {
            return Standing::Complete;
        }
        match &document.status {
            DocumentStatus::Pending => any_pending = true,
            DocumentStatus::Rejected { .. } | DocumentStatus::Accepted => {
                if latest_setback.is_none_or(|r| r.submitted_at <= document.submitted_at) {
                    latest_setback = Some(document);
                }
            }
        }
    }
    if any_pending {
        return Standing::Pending;
    }
    Standing::Required(latest_setback.and_then(|document| {
        match &document.status {
            DocumentStatus::Rejected { reason, message } => Some(CriterionError {
                name: criterion,
                code: reason.as_str().to_owned(),
                message: message.as_ref().map(|m| m.as_str().to_owned()),
            }),
            // Accepted but no longer in force: it expired.
            DocumentStatus::Accepted => Some(CriterionError {
                name: criterion,
                code: DOCUMENT_EXPIRED.to_owned(),
                message: document
                    .expires_on
                    .map(|date| format!("the accepted document expired on {date}")),
            }),
            DocumentStatus::Pending => None,
        }
    }))
}

/// True when the associate has the data an identification needs.
fn is_identified_person(associate: &AssociateDetails) -> bool {
    associate.name.is_some() && associate.date_of_birth.is_some() && associate.address.is_some()
}

fn associate_identity_standing(
    record: &CustomerRecord,
    guid: AssociateGuid,
    criterion: Criterion,
) -> Standing {
    document_standing(
        criterion,
        record
            .documents
            .values()
            .filter(|d| d.associate_guid == Some(guid) && d.kind.is_identity()),
    )
}

/// Every associate owning 25% or more needs name, date of birth, address and an accepted
/// identity document. With no such owner (a widely held business) the criterion is met; the
/// ownership structure document is what evidences that.
fn beneficial_owners_standing(record: &CustomerRecord) -> Standing {
    let mut pending = false;
    let mut first_error = None;
    let mut required = false;
    for (guid, associate) in record
        .associates
        .iter()
        .filter(|(_, a)| a.is_beneficial_owner())
    {
        if !is_identified_person(associate) {
            required = true;
            continue;
        }
        match associate_identity_standing(record, *guid, Criterion::BeneficialOwners) {
            Standing::Complete => {}
            Standing::Pending => pending = true,
            Standing::Required(error) => {
                required = true;
                if first_error.is_none() {
                    first_error = error;
                }
            }
        }
    }
    if required {
        Standing::Required(first_error)
    } else if pending {
        Standing::Pending
    } else {
        Standing::Complete
    }
}

/// At least one control person with name, date of birth and address.
fn control_person_standing(record: &CustomerRecord) -> Standing {
    let identified = record
        .associates
        .values()
        .any(|a| a.has_role(AssociateRole::ControlPerson) && is_identified_person(a));
    if identified {
        Standing::Complete
    } else {
        Standing::Required(None)
    }
}
