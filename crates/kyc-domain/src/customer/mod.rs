//! The Customer aggregate: one individual or business being onboarded.
//!
//! [`Customer::decide`] turns a command into events or a refusal, and [`Customer::apply`]
//! folds an event into the state. Both are synchronous and side-effect free: the store loads
//! events, calls `decide`, and appends what it returns. Folding the events a command emitted
//! onto the state it was decided on gives the new state — the property tests check exactly that.

mod approval;
mod command;
mod decide;
mod details;
mod documents;
mod erasure;
mod error;
mod event;
mod identity;
pub mod profile;
mod reasons;
mod retention;
pub mod risk;
mod screening;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use approval::{Actor, ActorId, Approval, ApproveDraft, DecisionContext, FourEyesBreach};
pub use command::{
    CloseDraft, CommandKind, CustomerCommand, EraseDraft, FreezeDraft, LegalHoldDraft, RejectDraft,
    ResolveDuplicateDraft,
};
pub use details::{given_fields, CustomerDetails, CustomerDraft, DetailField};
pub use documents::{
    ContentType, Document, DocumentContent, DocumentDraft, DocumentKind, DocumentRejectionReason,
    DocumentStatus, FileName, ReviewDecision, ReviewDraft, Sha256Digest, SignatureByte,
    MAX_DOCUMENT_BYTES, MAX_DOCUMENT_VALIDITY_YEARS,
};
pub use error::{CustomerError, LockReason};
pub use event::CustomerEvent;
pub use identity::{
    DuplicateFlag, DuplicateResolution, IdentityKind, IdentityMatch, IdentityValue,
};
pub use profile::{
    AssociateCriteria, Criteria, Criterion, CriterionError, PolicyVersion, ProfileName,
    ProfileStatus, VerificationProfile, DEFAULT_UBO_THRESHOLD_BP, DOCUMENT_EXPIRED, REVIEW_DUE,
};
pub use reasons::{ClosureReason, CustomerRejectionReason};
pub use retention::RetentionPeriod;
pub use risk::{RiskFactor, RiskFactorKind, RiskLevel, RiskPolicy, RiskPolicyVersion, RiskRating};
pub use screening::{
    ListVersionRef, MatchDecision, MatchId, MatchProposal, MatchResolution, ResolveMatchDraft,
    Screener, Screening, ScreeningHit, ScreeningResult, ScreeningState, ScreeningTopic,
};

use crate::ids::{AssociateGuid, BankGuid, CustomerGuid, DocumentGuid, ExternalId};
use crate::values::{closed_enum::closed_enum, AssociateDetails, LongText};

closed_enum! {
    /// Individual (KYC) or business (KYB); fixed at creation.
    pub enum CustomerType {
        /// A natural person.
        Individual => "individual",
        /// A company or other legal entity.
        Business => "business",
    }
}

closed_enum! {
    /// Lifecycle state (Cybrid's enum).
    pub enum CustomerState {
        /// Being stored. Creation commits synchronously, so no customer is observed in it; it
        /// stays for wire compatibility.
        Storing => "storing",
        /// Created, not yet decided.
        Unverified => "unverified",
        /// Verified.
        Verified => "verified",
        /// Rejected, retryable or final.
        Rejected => "rejected",
        /// Frozen; only unfreezing, closing and legal holds are possible.
        Frozen => "frozen",
        /// The relationship ended (terminal); only legal holds and erasure are possible.
        Closed => "closed",
    }
}

/// The latest rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Why.
    pub reasons: Vec<CustomerRejectionReason>,
    /// Explanation.
    pub message: Option<LongText>,
    /// Whether the customer may resubmit.
    pub retryable: bool,
    /// When.
    pub at: DateTime<Utc>,
}

/// An active freeze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freeze {
    /// Why (always given; blank only after erasure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<LongText>,
    /// The state an unfreeze restores.
    pub previous_state: CustomerState,
    /// When.
    pub at: DateTime<Utc>,
}

/// How a relationship ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Why.
    pub reason: ClosureReason,
    /// Explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<LongText>,
    /// The state it was closed from.
    pub previous_state: CustomerState,
    /// When.
    pub at: DateTime<Utc>,
}

/// An active legal hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalHold {
    /// Why (always given; blank only after erasure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<LongText>,
    /// Since when.
    pub since: DateTime<Utc>,
}

/// Everything known about a created customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRecord {
    /// Its id.
    pub guid: CustomerGuid,
    /// Its tenant.
    pub bank_guid: BankGuid,
    /// Individual or business.
    pub customer_type: CustomerType,
    /// The caller's id for it.
    pub external_id: Option<ExternalId>,
    /// Lifecycle state.
    pub state: CustomerState,
    /// Details.
    pub details: CustomerDetails,
    /// Submitted documents, by id (UUID v7 ids sort by submission time).
    pub documents: BTreeMap<DocumentGuid, Document>,
    /// Associates of a business, by id.
    pub associates: BTreeMap<AssociateGuid, AssociateDetails>,
    /// The latest rejection, while rejected (or frozen from rejected).
    pub rejection: Option<Rejection>,
    /// The active freeze.
    pub frozen: Option<Freeze>,
    /// The policy the verification was decided under.
    pub verified_under: Option<PolicyVersion>,
    /// How the relationship ended, once closed (the retention clock's start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closure: Option<Closure>,
    /// The active legal hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_hold: Option<LegalHold>,
    /// When its personal data was erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<DateTime<Utc>>,
    /// Possible duplicates: other customers of the tenant with the same tax or identification
    /// number, in the order they were noticed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<DuplicateFlag>,
    /// The latest risk rating (none before the first command decided under a risk policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskRating>,
    /// First approvals of the current verification cycle (see [`Approval`]); an input change
    /// before verification voids them, because the approver approved what they saw.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    /// When the customer was verified or last completed a periodic review: the next review is
    /// due a policy period after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reviewed_at: Option<DateTime<Utc>>,
    /// The due date of the open periodic review (`ReviewDue`), until a review completes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_due_at: Option<DateTime<Utc>>,
    /// When the customer was first verified or rejected (a record-keeping duty begins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_decision_at: Option<DateTime<Utc>>,
    /// Who verified the customer, when the verification named its approver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_by: Option<ActorId>,
    /// Sanctions and PEP screening: the latest screening and the decisions on its matches.
    #[serde(default, skip_serializing_if = "screening_is_default")]
    pub screening: ScreeningState,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Time of the latest event.
    pub updated_at: DateTime<Utc>,
}

impl CustomerRecord {
    /// The verification profile: under the recorded policy once verified (so the answer never
    /// changes after the fact), else under the current one.
    pub fn verification_profile(&self) -> VerificationProfile {
        profile::evaluate(self, self.verified_under.unwrap_or(PolicyVersion::CURRENT))
    }

    /// True when a document has been submitted, which locks identity fields.
    pub fn has_documents(&self) -> bool {
        !self.documents.is_empty()
    }

    /// Since when something has been due and unmet: the open periodic review's due date, or
    /// the earliest expiry of an accepted document while the profile asks for a document
    /// again. `None` when nothing is due.
    pub fn due_since(&self) -> Option<DateTime<Utc>> {
        self.due_since_under(&self.verification_profile())
    }

    /// [`Self::due_since`] given the customer's `profile`, for callers that evaluated it
    /// already.
    pub fn due_since_under(&self, profile: &VerificationProfile) -> Option<DateTime<Utc>> {
        let document_owed = profile
            .criteria
            .errors
            .iter()
            .any(|e| e.code == profile::DOCUMENT_EXPIRED);
        let expired = self
            .documents
            .values()
            .filter_map(|d| d.expired_at)
            .min()
            .filter(|_| document_owed);
        [self.review_due_at, expired].into_iter().flatten().min()
    }
}

/// The aggregate: nothing before `CustomerCreated`, then a [`CustomerRecord`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    record: Option<CustomerRecord>,
    version: u64,
}

impl Customer {
    /// Folds events, in order, into a customer.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a CustomerEvent>) -> Self {
        let mut customer = Self::default();
        for event in events {
            customer.apply(event);
        }
        customer
    }

    /// The record, once created.
    pub fn record(&self) -> Option<&CustomerRecord> {
        self.record.as_ref()
    }

    /// Number of events applied; the sequence of the latest event.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The lifecycle state, once created.
    pub fn state(&self) -> Option<CustomerState> {
        self.record.as_ref().map(|r| r.state)
    }

    /// Folds one event into the state. Never fails: events are facts, and one that does not
    /// fit (which `decide` never emits) is recorded in the version and otherwise ignored.
    pub fn apply(&mut self, event: &CustomerEvent) {
        self.version += 1;
        if let CustomerEvent::CustomerCreated {
            customer_guid,
            bank_guid,
            customer_type,
            external_id,
            details,
            at,
        } = event
        {
            self.record = Some(CustomerRecord {
                guid: *customer_guid,
                bank_guid: *bank_guid,
                customer_type: *customer_type,
                external_id: external_id.clone(),
                state: CustomerState::Unverified,
                details: details.clone(),
                documents: BTreeMap::new(),
                associates: BTreeMap::new(),
                rejection: None,
                frozen: None,
                verified_under: None,
                closure: None,
                legal_hold: None,
                erased_at: None,
                duplicates: Vec::new(),
                risk: None,
                approvals: Vec::new(),
                last_reviewed_at: None,
                review_due_at: None,
                first_decision_at: None,
                verified_by: None,
                // Never screened, so stale whatever the count: changes count from here.
                screening: ScreeningState::default(),
                created_at: *at,
                updated_at: *at,
            });
            return;
        }
        if let Some(record) = self.record.as_mut() {
            record.apply(event);
        }
    }
}

fn screening_is_default(state: &ScreeningState) -> bool {
    *state == ScreeningState::default()
}

impl CustomerRecord {
    /// Folds an event that follows creation into the record: one arm per event type.
    #[allow(clippy::too_many_lines)]
    fn apply(&mut self, event: &CustomerEvent) {
        let record = self;
        record.updated_at = event.at();
        if event.voids_approvals() && record.state != CustomerState::Verified {
            record.approvals.clear();
        }
        if event.changes_screened_fields() {
            record.screening.inputs_version += 1;
        }
        match event {
            CustomerEvent::CustomerCreated { .. } => {}
            CustomerEvent::CustomerDetailsUpdated { changes, .. } => record.details.merge(changes),
            CustomerEvent::DocumentSubmitted {
                document_guid,
                kind,
                associate_guid,
                file_name,
                issued_on,
                expires_on,
                content,
                at,
            } => {
                record.documents.insert(
                    *document_guid,
                    Document {
                        guid: *document_guid,
                        kind: *kind,
                        associate_guid: *associate_guid,
                        file_name: file_name.clone(),
                        content: content.clone(),
                        status: DocumentStatus::Pending,
                        submitted_at: *at,
                        reviewed_by: None,
                        issued_on: *issued_on,
                        expires_on: *expires_on,
                        expired_at: None,
                    },
                );
            }
            CustomerEvent::DocumentAccepted {
                document_guid,
                reviewer,
                ..
            } => {
                if let Some(document) = record.documents.get_mut(document_guid) {
                    document.status = DocumentStatus::Accepted;
                    document.reviewed_by.clone_from(reviewer);
                }
            }
            CustomerEvent::DocumentRejected {
                document_guid,
                reviewer,
                reason,
                message,
                ..
            } => {
                if let Some(document) = record.documents.get_mut(document_guid) {
                    document.status = DocumentStatus::Rejected {
                        reason: *reason,
                        message: message.clone(),
                    };
                    document.reviewed_by.clone_from(reviewer);
                }
            }
            CustomerEvent::AssociateAdded {
                associate_guid,
                details,
                ..
            } => {
                record.associates.insert(*associate_guid, details.clone());
            }
            CustomerEvent::AssociateUpdated {
                associate_guid,
                changes,
                ..
            } => {
                if let Some(associate) = record.associates.get_mut(associate_guid) {
                    associate.merge(changes);
                }
            }
            CustomerEvent::AssociateRemoved { associate_guid, .. } => {
                record.associates.remove(associate_guid);
            }
            CustomerEvent::CustomerVerified {
                policy_version,
                approver,
                ..
            } => {
                record.state = CustomerState::Verified;
                record.verified_under = Some(*policy_version);
                record.verified_by.clone_from(approver);
                record.first_decision_at.get_or_insert(record.updated_at);
                record.last_reviewed_at = Some(record.updated_at);
                record.review_due_at = None;
            }
            CustomerEvent::ApprovalRecorded { approver, note, at } => {
                record.approvals.push(Approval {
                    approver: approver.clone(),
                    note: note.clone(),
                    at: *at,
                });
            }
            CustomerEvent::DocumentExpired { document_guid, at } => {
                if let Some(document) = record.documents.get_mut(document_guid) {
                    document.expired_at = Some(*at);
                }
            }
            CustomerEvent::ReviewDue { due_at, .. } => record.review_due_at = Some(*due_at),
            CustomerEvent::ReviewCompleted { at, .. } => {
                record.review_due_at = None;
                record.last_reviewed_at = Some(*at);
            }
            CustomerEvent::VerificationLapsed { .. } => {
                // A new verification cycle, under the rules current when it is decided.
                record.state = CustomerState::Unverified;
                record.verified_under = None;
                record.verified_by = None;
                record.review_due_at = None;
                // The approvals of the verification that lapsed approve nothing now.
                record.approvals.clear();
            }
            CustomerEvent::RiskRated {
                level,
                score,
                factors,
                policy_version,
                four_eyes,
                ubo_threshold_bp,
                associate_liveness,
                at,
            } => {
                record.risk = Some(RiskRating {
                    level: *level,
                    score: *score,
                    factors: factors.clone(),
                    policy_version: policy_version.clone(),
                    four_eyes: *four_eyes,
                    ubo_threshold_bp: *ubo_threshold_bp,
                    associate_liveness: *associate_liveness,
                    rated_at: *at,
                });
            }
            CustomerEvent::CustomerRejected {
                reasons,
                message,
                retryable,
                at,
            } => {
                record.state = CustomerState::Rejected;
                record.first_decision_at.get_or_insert(*at);
                record.rejection = Some(Rejection {
                    reasons: reasons.iter().copied().collect(),
                    message: message.clone(),
                    retryable: *retryable,
                    at: *at,
                });
            }
            CustomerEvent::VerificationReopened { .. } => {
                record.state = CustomerState::Unverified;
                record.rejection = None;
                record.verified_by = None;
            }
            CustomerEvent::CustomerFrozen {
                reason,
                previous_state,
                at,
            } => {
                record.state = CustomerState::Frozen;
                record.frozen = Some(Freeze {
                    reason: reason.clone(),
                    previous_state: *previous_state,
                    at: *at,
                });
            }
            CustomerEvent::CustomerUnfrozen { restored_state, .. } => {
                record.state = *restored_state;
                record.frozen = None;
            }
            CustomerEvent::CustomerClosed {
                reason,
                message,
                previous_state,
                at,
            } => {
                record.state = CustomerState::Closed;
                record.frozen = None;
                record.closure = Some(Closure {
                    reason: *reason,
                    message: message.clone(),
                    previous_state: *previous_state,
                    at: *at,
                });
            }
            CustomerEvent::LegalHoldChanged { on, reason, at } => {
                record.legal_hold = on.then(|| LegalHold {
                    reason: reason.clone(),
                    since: *at,
                });
            }
            CustomerEvent::CustomerErased { at, .. } => {
                // An erased customer is closed, whatever it was erased from.
                *record = record.without_personal_data();
                record.state = CustomerState::Closed;
                record.erased_at = Some(*at);
            }
            CustomerEvent::DuplicateIdentityFlagged {
                other_customer_guid,
                kind,
                at,
            } => record.duplicates.push(DuplicateFlag {
                other_customer_guid: *other_customer_guid,
                kind: *kind,
                flagged_at: *at,
                resolution: None,
            }),
            CustomerEvent::DuplicateIdentityResolved {
                other_customer_guid,
                resolution,
                ..
            } => {
                for flag in record
                    .duplicates
                    .iter_mut()
                    .filter(|f| f.other_customer_guid == *other_customer_guid)
                {
                    flag.resolution = Some(*resolution);
                }
            }
            CustomerEvent::ScreeningCompleted {
                list_versions,
                hits,
                at,
                ..
            } => {
                record.screening.latest = Some(Screening {
                    screened_at: *at,
                    list_versions: list_versions.clone(),
                    hits: hits
                        .iter()
                        .map(|hit| (hit.match_id.clone(), hit.clone()))
                        .collect(),
                    inputs_version: record.screening.inputs_version,
                });
            }
            CustomerEvent::ScreeningMatchProposed {
                match_id,
                decision,
                proposer,
                note,
                at,
                ..
            } => {
                record.screening.proposals.insert(
                    match_id.clone(),
                    MatchProposal {
                        decision: *decision,
                        proposer: proposer.clone(),
                        note: note.clone(),
                        at: *at,
                    },
                );
            }
            CustomerEvent::ScreeningMatchResolved {
                match_id,
                topic,
                decision,
                resolver,
                proposer,
                note,
                at,
            } => {
                record.screening.proposals.remove(match_id);
                record.screening.resolutions.insert(
                    match_id.clone(),
                    MatchResolution {
                        decision: *decision,
                        topic: *topic,
                        resolver: resolver.clone(),
                        proposer: proposer.clone(),
                        note: note.clone(),
                        at: *at,
                    },
                );
            }
        }
    }
}
