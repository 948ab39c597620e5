//! Why the aggregate refused a command. A refusal changes nothing and emits no event.

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::approval::FourEyesBreach;
use super::command::CommandKind;
use super::profile::Criterion;
use super::{CustomerState, CustomerType};
use crate::ids::{AssociateGuid, CustomerGuid, DocumentGuid};
use crate::values::ValidationErrors;

/// A refused command.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CustomerError {
    /// The command names a customer that was never created.
    #[error("customer not found")]
    NotFound,
    /// The command is not allowed in the customer's current state.
    #[error("{command} is not allowed while the customer is {state}")]
    InvalidTransition {
        /// The refused command.
        command: CommandKind,
        /// The customer's state.
        state: CustomerState,
    },
    /// The command would change fields that are locked in this state.
    #[error("fields are locked: {}", .fields.join(", "))]
    FieldLocked {
        /// The locked fields the command tried to change.
        fields: Vec<&'static str>,
        /// Why they are locked.
        reason: LockReason,
    },
    /// Verification needs every criterion complete.
    #[error("the verification profile is not complete")]
    ProfileIncomplete {
        /// Criteria still required.
        required: Vec<Criterion>,
        /// Criteria awaiting review.
        pending: Vec<Criterion>,
        /// Criteria with a rejected document.
        errors: Vec<Criterion>,
    },
    /// The input failed validation.
    #[error("validation failed: {0}")]
    Validation(ValidationErrors),
    /// The command applies only to another type of customer.
    #[error("{command} applies only to {required} customers")]
    WrongCustomerType {
        /// The refused command.
        command: CommandKind,
        /// The type the command needs.
        required: CustomerType,
    },
    /// The request's fields do not fit the customer's type (fixed at creation): the request is
    /// well formed, the customer it targets is of the other type.
    #[error("the request does not fit a {customer_type} customer: {errors}")]
    FieldsOfOtherType {
        /// The customer's type.
        customer_type: CustomerType,
        /// What does not fit, by field.
        errors: ValidationErrors,
    },
    /// A change that is valid on its own but leaves the customer's details inconsistent with
    /// what is stored (tax identification without a stored address): a conflict with the
    /// customer, not invalid input (the same request fits a customer that has an address).
    #[error("the change does not fit the customer's stored details: {0}")]
    InconsistentWithStored(ValidationErrors),
    /// The associates' shares together would exceed 100%: a conflict with the shares already
    /// recorded, not invalid input (the same request fits another business).
    #[error("the associates' shares would exceed 100%")]
    OwnershipExceeded,
    /// No such document on this customer.
    #[error("document {0} not found")]
    UnknownDocument(DocumentGuid),
    /// The document was already reviewed.
    #[error("document {0} was already reviewed")]
    DocumentAlreadyReviewed(DocumentGuid),
    /// No such associate on this customer.
    #[error("associate {0} not found")]
    UnknownAssociate(AssociateGuid),
    /// No possible duplicate naming this customer was flagged.
    #[error("no duplicate naming customer {0} was flagged")]
    UnknownDuplicate(CustomerGuid),
    /// A new document or associate reused an existing id.
    #[error("id {0} is already used on this customer")]
    DuplicateId(String),
    /// The customer's personal data was erased; it accepts no further command.
    #[error("the customer's personal data was erased; it accepts no further command")]
    Erased,
    /// Erasure is blocked while a legal hold is on.
    #[error("a legal hold is on; lift it before erasing the customer")]
    LegalHold,
    /// The records must be kept until the retention period ends.
    #[error("the customer's records must be kept until {}", .retention_until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))]
    RetentionHold {
        /// When the retention period ends.
        retention_until: DateTime<Utc>,
    },
    /// A record-keeping duty began and the relationship is still open: the retention clock has
    /// not started.
    #[error("the customer's records must be kept: close the relationship first; retention runs from the close")]
    RetentionNotStarted,
    /// Verifying this customer needs two distinct approvers, and this request breaks that.
    #[error("four eyes required: {}", .0.explain())]
    FourEyesRequired(FourEyesBreach),
    /// The second approval of a customer that needs four eyes must come from an actor holding
    /// the senior approver's permission (`customers:approve_high_risk`).
    #[error("the verifying approval of this customer needs the senior approver's permission")]
    SeniorApprovalRequired,
    /// A first approval is already recorded; the next step is the verification.
    #[error("a first approval is already recorded; another actor verifies")]
    AlreadyApproved,
    /// The command records who decided, and the request named no one.
    #[error("{0} records who decided, and no actor was given")]
    ActorRequired(CommandKind),
    /// The latest screening holds no potential match of that id.
    #[error("no potential match {0} in the latest screening")]
    UnknownMatch(String),
    /// The potential match was already decided.
    #[error("potential match {0} was already resolved")]
    MatchAlreadyResolved(String),
    /// The legal hold is already as asked.
    #[error("the legal hold is already {}", if *.on { "on" } else { "off" })]
    LegalHoldUnchanged {
        /// The hold's current setting.
        on: bool,
    },
}

/// Why fields are locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockReason {
    /// Identity fields lock once a document has been submitted against them.
    DocumentSubmitted,
    /// A verified customer may change only contact details, labels and metadata.
    Verified,
    /// A business's type and external id never change.
    Immutable,
    /// An associate's name and date of birth lock once its identity document is accepted.
    IdentityDocumentAccepted,
}

impl CustomerError {
    /// The stable code adapters put on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "customer_not_found",
            Self::InvalidTransition { .. } => "invalid_transition",
            Self::FieldLocked { .. } => "field_locked",
            Self::ProfileIncomplete { .. } => "profile_incomplete",
            Self::Validation(_) => "validation",
            Self::WrongCustomerType { .. } | Self::FieldsOfOtherType { .. } => {
                "wrong_customer_type"
            }
            Self::OwnershipExceeded => "ownership_exceeded",
            Self::InconsistentWithStored(_) => "inconsistent_with_stored_details",
            Self::UnknownDocument(_) => "unknown_document",
            Self::DocumentAlreadyReviewed(_) => "document_already_reviewed",
            Self::UnknownAssociate(_) => "unknown_associate",
            Self::DuplicateId(_) => "duplicate_id",
            Self::Erased => "customer_erased",
            Self::LegalHold => "legal_hold",
            Self::RetentionHold { .. } => "retention_hold",
            Self::RetentionNotStarted => "retention_not_started",
            Self::LegalHoldUnchanged { .. } => "legal_hold_unchanged",
            Self::UnknownDuplicate(_) => "unknown_duplicate",
            Self::FourEyesRequired(_) => "four_eyes_required",
            Self::SeniorApprovalRequired => "forbidden",
            Self::AlreadyApproved => "already_approved",
            Self::ActorRequired(_) => "actor_required",
            Self::UnknownMatch(_) => "unknown_screening_match",
            Self::MatchAlreadyResolved(_) => "screening_match_already_resolved",
        }
    }
}

impl From<ValidationErrors> for CustomerError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}
