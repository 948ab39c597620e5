//! Events: what happened to a customer, in the past tense.
//!
//! An event's meaning never changes once released. Each variant's name is its `event_type`
//! and [`CustomerEvent::event_version`] its schema version; a new shape gets a new version and
//! an upcaster, never an edit of an old one.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::approval::ActorId;
use super::details::CustomerDetails;
use super::documents::{DocumentContent, DocumentKind, DocumentRejectionReason, FileName};
use super::identity::{DuplicateResolution, IdentityKind};
use super::profile::PolicyVersion;
use super::reasons::{ClosureReason, CustomerRejectionReason};
use super::risk::{RiskFactor, RiskLevel, RiskPolicyVersion};
use super::screening::{ListVersionRef, MatchDecision, MatchId, ScreeningHit, ScreeningTopic};
use super::{CustomerState, CustomerType};
use crate::ids::{AssociateGuid, BankGuid, CustomerGuid, DocumentGuid, ExternalId};
use crate::values::{AssociateDetails, LongText};

/// Something that happened to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerEvent {
    /// The customer was created, unverified.
    CustomerCreated {
        /// Its id.
        customer_guid: CustomerGuid,
        /// Its tenant.
        bank_guid: BankGuid,
        /// Individual or business.
        customer_type: CustomerType,
        /// The caller's id for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        external_id: Option<ExternalId>,
        /// Its details.
        details: CustomerDetails,
        /// When.
        at: DateTime<Utc>,
    },
    /// Some details changed.
    CustomerDetailsUpdated {
        /// Only the changed fields.
        changes: CustomerDetails,
        /// When.
        at: DateTime<Utc>,
    },
    /// A document was submitted for review.
    DocumentSubmitted {
        /// Its id.
        document_guid: DocumentGuid,
        /// What it is.
        kind: DocumentKind,
        /// The associate it identifies.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        associate_guid: Option<AssociateGuid>,
        /// Original file name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file_name: Option<FileName>,
        /// When it was issued (version 2; sealed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issued_on: Option<NaiveDate>,
        /// When it expires (version 2; sealed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_on: Option<NaiveDate>,
        /// What the bytes are.
        content: DocumentContent,
        /// When.
        at: DateTime<Utc>,
    },
    /// A reviewer accepted a document.
    DocumentAccepted {
        /// The document.
        document_guid: DocumentGuid,
        /// Who reviewed it (version 2; absent in version 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reviewer: Option<ActorId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A reviewer rejected a document.
    DocumentRejected {
        /// The document.
        document_guid: DocumentGuid,
        /// Who reviewed it (version 2; absent in version 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reviewer: Option<ActorId>,
        /// Why.
        reason: DocumentRejectionReason,
        /// Explanation for the customer (always given; blank only after erasure).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<LongText>,
        /// When.
        at: DateTime<Utc>,
    },
    /// An associate was added to a business.
    AssociateAdded {
        /// Its id.
        associate_guid: AssociateGuid,
        /// Its details.
        details: AssociateDetails,
        /// When.
        at: DateTime<Utc>,
    },
    /// An associate's details changed.
    AssociateUpdated {
        /// The associate.
        associate_guid: AssociateGuid,
        /// Only the changed fields.
        changes: AssociateDetails,
        /// When.
        at: DateTime<Utc>,
    },
    /// An associate was removed.
    AssociateRemoved {
        /// The associate.
        associate_guid: AssociateGuid,
        /// When.
        at: DateTime<Utc>,
    },
    /// The customer was verified under a policy version.
    CustomerVerified {
        /// The rules the decision was made under.
        policy_version: PolicyVersion,
        /// Who verified: the second approver when four eyes were needed (version 2; absent in
        /// version 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approver: Option<ActorId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A first approval was recorded; another actor gives the second by verifying.
    ApprovalRecorded {
        /// Who approved.
        approver: ActorId,
        /// What they checked (sealed; blank after erasure).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<LongText>,
        /// When.
        at: DateTime<Utc>,
    },
    /// An accepted document reached its expiry date: it no longer meets its criterion.
    DocumentExpired {
        /// The document.
        document_guid: DocumentGuid,
        /// When.
        at: DateTime<Utc>,
    },
    /// A periodic review fell due (the risk policy's period since the last review).
    ReviewDue {
        /// The date it fell due; one event per due date.
        due_at: DateTime<Utc>,
        /// When it was recorded.
        at: DateTime<Utc>,
    },
    /// A document accepted after a review fell due satisfied it.
    ReviewCompleted {
        /// The due date it satisfied.
        due_at: DateTime<Utc>,
        /// When.
        at: DateTime<Utc>,
    },
    /// What fell due was not met within the policy's grace period: the customer is unverified.
    VerificationLapsed {
        /// Since when something was due.
        due_since: DateTime<Utc>,
        /// When.
        at: DateTime<Utc>,
    },
    /// The customer's risk was (re)rated: an input or the tenant's risk policy changed.
    RiskRated {
        /// The level.
        level: RiskLevel,
        /// The sum of the factors' points.
        score: u32,
        /// The kinds of fact that contributed, with their points (never the facts).
        factors: Vec<RiskFactor>,
        /// The tenant's risk policy version.
        policy_version: RiskPolicyVersion,
        /// Whether verification at this level needs two distinct approvers.
        four_eyes: bool,
        /// The beneficial-owner threshold, in basis points.
        #[serde(default = "default_ubo_threshold_bp")]
        ubo_threshold_bp: u16,
        /// Whether each associate needs a liveness report at this level.
        #[serde(default)]
        associate_liveness: bool,
        /// When.
        at: DateTime<Utc>,
    },
    /// The customer was rejected.
    CustomerRejected {
        /// Why.
        reasons: BTreeSet<CustomerRejectionReason>,
        /// Explanation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<LongText>,
        /// Whether the customer may resubmit.
        retryable: bool,
        /// When.
        at: DateTime<Utc>,
    },
    /// A retryable rejection was reopened by a new submission.
    VerificationReopened {
        /// When.
        at: DateTime<Utc>,
    },
    /// The customer was frozen.
    CustomerFrozen {
        /// Why (always given; blank only after erasure).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<LongText>,
        /// The state a later unfreeze restores.
        previous_state: CustomerState,
        /// When.
        at: DateTime<Utc>,
    },
    /// The freeze was lifted.
    CustomerUnfrozen {
        /// The state restored.
        restored_state: CustomerState,
        /// When.
        at: DateTime<Utc>,
    },
    /// The relationship ended; the retention clock starts.
    CustomerClosed {
        /// Why.
        reason: ClosureReason,
        /// Explanation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<LongText>,
        /// The state it was closed from.
        previous_state: CustomerState,
        /// When.
        at: DateTime<Utc>,
    },
    /// A legal hold was placed (`on`) or lifted.
    LegalHoldChanged {
        /// Whether the hold is on now.
        on: bool,
        /// Why (always given; blank only after erasure).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<LongText>,
        /// When.
        at: DateTime<Utc>,
    },
    /// The customer's personal data was erased: its data key destroyed, document contents and
    /// stored answers deleted. Every personal field reads as erased from now on.
    CustomerErased {
        /// Why; stays in clear for audit, so it never holds personal data.
        reason: LongText,
        /// When.
        at: DateTime<Utc>,
    },
    /// Another customer of the tenant already holds a tax or identification number this one
    /// gave: a possible duplicate, open until a reviewer resolves it.
    DuplicateIdentityFlagged {
        /// The customer that already held the value.
        other_customer_guid: CustomerGuid,
        /// The kind of value they share.
        kind: IdentityKind,
        /// When.
        at: DateTime<Utc>,
    },
    /// A reviewer settled the possible duplicates naming another customer.
    DuplicateIdentityResolved {
        /// The other customer.
        other_customer_guid: CustomerGuid,
        /// Whether it is the same person or business.
        resolution: DuplicateResolution,
        /// The reviewer's note.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<LongText>,
        /// When.
        at: DateTime<Utc>,
    },
    /// The customer and its associates were screened against the tenant's sanctions and PEP
    /// lists, because a screened field changed or a list did.
    ScreeningCompleted {
        /// The list versions screened against.
        list_versions: Vec<ListVersionRef>,
        /// Every potential match found (not only the new ones): the screening's whole answer.
        hits: Vec<ScreeningHit>,
        /// The ids of the matches that are new: not found by the previous screening and not
        /// decided. They are what alerts operators.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        alerts: Vec<MatchId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A reviewer decided a potential match whose topic the tenant's risk policy puts under
    /// four eyes: the decision waits for another reviewer to confirm it.
    ScreeningMatchProposed {
        /// The match.
        match_id: MatchId,
        /// Its topic.
        topic: ScreeningTopic,
        /// The decision proposed.
        decision: MatchDecision,
        /// Who proposed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proposer: Option<ActorId>,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<LongText>,
        /// When.
        at: DateTime<Utc>,
    },
    /// An operator decided a potential match.
    ScreeningMatchResolved {
        /// The match.
        match_id: MatchId,
        /// Its topic (a true sanctions match rejects or freezes; a true PEP match is a risk
        /// factor).
        topic: ScreeningTopic,
        /// True match or false positive.
        decision: MatchDecision,
        /// Who decided (under four eyes: who confirmed the proposal).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolver: Option<ActorId>,
        /// Under four eyes, who proposed the decision the resolver confirmed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proposer: Option<ActorId>,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<LongText>,
        /// When.
        at: DateTime<Utc>,
    },
}

fn default_ubo_threshold_bp() -> u16 {
    super::profile::DEFAULT_UBO_THRESHOLD_BP
}

impl CustomerEvent {
    /// Every event type, as stored in the event log's `event_type` column.
    pub const TYPES: [&'static str; 27] = [
        "CustomerCreated",
        "CustomerDetailsUpdated",
        "DocumentSubmitted",
        "DocumentAccepted",
        "DocumentRejected",
        "AssociateAdded",
        "AssociateUpdated",
        "AssociateRemoved",
        "CustomerVerified",
        "CustomerRejected",
        "VerificationReopened",
        "CustomerFrozen",
        "CustomerUnfrozen",
        "CustomerClosed",
        "LegalHoldChanged",
        "CustomerErased",
        "DuplicateIdentityFlagged",
        "DuplicateIdentityResolved",
        "ApprovalRecorded",
        "RiskRated",
        "DocumentExpired",
        "ReviewDue",
        "ReviewCompleted",
        "VerificationLapsed",
        "ScreeningCompleted",
        "ScreeningMatchProposed",
        "ScreeningMatchResolved",
    ];

    /// The event's type name, stable forever.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::CustomerCreated { .. } => "CustomerCreated",
            Self::CustomerDetailsUpdated { .. } => "CustomerDetailsUpdated",
            Self::DocumentSubmitted { .. } => "DocumentSubmitted",
            Self::DocumentAccepted { .. } => "DocumentAccepted",
            Self::DocumentRejected { .. } => "DocumentRejected",
            Self::AssociateAdded { .. } => "AssociateAdded",
            Self::AssociateUpdated { .. } => "AssociateUpdated",
            Self::AssociateRemoved { .. } => "AssociateRemoved",
            Self::CustomerVerified { .. } => "CustomerVerified",
            Self::CustomerRejected { .. } => "CustomerRejected",
            Self::VerificationReopened { .. } => "VerificationReopened",
            Self::CustomerFrozen { .. } => "CustomerFrozen",
            Self::CustomerUnfrozen { .. } => "CustomerUnfrozen",
            Self::CustomerClosed { .. } => "CustomerClosed",
            Self::LegalHoldChanged { .. } => "LegalHoldChanged",
            Self::CustomerErased { .. } => "CustomerErased",
            Self::DuplicateIdentityFlagged { .. } => "DuplicateIdentityFlagged",
            Self::DuplicateIdentityResolved { .. } => "DuplicateIdentityResolved",
            Self::ApprovalRecorded { .. } => "ApprovalRecorded",
            Self::RiskRated { .. } => "RiskRated",
            Self::DocumentExpired { .. } => "DocumentExpired",
            Self::ReviewDue { .. } => "ReviewDue",
            Self::ReviewCompleted { .. } => "ReviewCompleted",
            Self::VerificationLapsed { .. } => "VerificationLapsed",
            Self::ScreeningCompleted { .. } => "ScreeningCompleted",
            Self::ScreeningMatchProposed { .. } => "ScreeningMatchProposed",
            Self::ScreeningMatchResolved { .. } => "ScreeningMatchResolved",
        }
    }

    /// The schema version of the event's payload.
    ///
    /// Version 2 of the review and verification events adds who decided, and of
    /// `DocumentSubmitted` the document's dates (optional fields, so version-1 payloads read
    /// unchanged).
    pub fn event_version(&self) -> &'static str {
        match self {
            Self::DocumentSubmitted { .. }
            | Self::DocumentAccepted { .. }
            | Self::DocumentRejected { .. }
            | Self::CustomerVerified { .. } => "2",
            _ => "1",
        }
    }

    /// True for events that change what an approver saw (details, documents, associates) or
    /// start a new verification cycle: they void the first approvals of an unverified customer.
    pub fn voids_approvals(&self) -> bool {
        matches!(
            self,
            Self::CustomerDetailsUpdated { .. }
                | Self::DocumentSubmitted { .. }
                | Self::DocumentAccepted { .. }
                | Self::DocumentRejected { .. }
                | Self::AssociateAdded { .. }
                | Self::AssociateUpdated { .. }
                | Self::AssociateRemoved { .. }
                | Self::CustomerRejected { .. }
                | Self::VerificationReopened { .. }
                | Self::VerificationLapsed { .. }
        )
    }

    /// True for events that change what screening looks at: the customer's details (names,
    /// date of birth, countries, numbers) and a business's associates. A screening older than
    /// the latest of them is stale.
    pub fn changes_screened_fields(&self) -> bool {
        match self {
            Self::CustomerDetailsUpdated { changes, .. } => {
                changes.name.is_some()
                    || changes.legal_name.is_some()
                    || changes.aliases.is_some()
                    || changes.date_of_birth.is_some()
                    || changes.nationality.is_some()
                    || changes.address.is_some()
                    || changes.tax_identification.is_some()
                    || changes.identification_numbers.is_some()
                    || changes.registration_number.is_some()
                    || changes.incorporation_country.is_some()
            }
            Self::AssociateUpdated { changes, .. } => {
                changes.name.is_some()
                    || changes.date_of_birth.is_some()
                    || changes.address.is_some()
            }
            Self::AssociateAdded { .. } | Self::AssociateRemoved { .. } => true,
            _ => false,
        }
    }

    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::CustomerCreated { at, .. }
            | Self::CustomerDetailsUpdated { at, .. }
            | Self::DocumentSubmitted { at, .. }
            | Self::DocumentAccepted { at, .. }
            | Self::DocumentRejected { at, .. }
            | Self::AssociateAdded { at, .. }
            | Self::AssociateUpdated { at, .. }
            | Self::AssociateRemoved { at, .. }
            | Self::CustomerVerified { at, .. }
            | Self::CustomerRejected { at, .. }
            | Self::VerificationReopened { at }
            | Self::CustomerFrozen { at, .. }
            | Self::CustomerUnfrozen { at, .. }
            | Self::CustomerClosed { at, .. }
            | Self::LegalHoldChanged { at, .. }
            | Self::CustomerErased { at, .. }
            | Self::DuplicateIdentityFlagged { at, .. }
            | Self::DuplicateIdentityResolved { at, .. }
            | Self::ApprovalRecorded { at, .. }
            | Self::RiskRated { at, .. }
            | Self::DocumentExpired { at, .. }
            | Self::ReviewDue { at, .. }
            | Self::ReviewCompleted { at, .. }
            | Self::VerificationLapsed { at, .. }
            | Self::ScreeningCompleted { at, .. }
            | Self::ScreeningMatchProposed { at, .. }
            | Self::ScreeningMatchResolved { at, .. } => *at,
        }
    }
}
