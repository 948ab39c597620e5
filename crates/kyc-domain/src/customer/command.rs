//! Commands: what a caller asks of a customer.
//!
//! Fields the caller typed arrive as drafts and are validated by the aggregate, which knows the
//! customer's type and state. Values the server produced — new ids, the time, what the uploaded
//! bytes are — arrive already typed, so the domain never needs a clock, a random source or IO.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::details::CustomerDraft;
use super::documents::{DocumentContent, DocumentDraft, ReviewDraft};
use crate::ids::{AssociateGuid, BankGuid, CustomerGuid, DocumentGuid};
use crate::values::AssociateDraft;

/// A request to change a customer.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerCommand {
    /// Create the customer.
    Create {
        /// The new customer's id.
        customer_guid: CustomerGuid,
        /// The tenant, from the caller's credentials.
        bank_guid: BankGuid,
        /// Type and details.
        draft: CustomerDraft,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Change details.
    UpdateDetails {
        /// The fields to change.
        draft: CustomerDraft,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Submit a document for review.
    SubmitDocument {
        /// The new document's id.
        document_guid: DocumentGuid,
        /// What the caller says the document is.
        draft: DocumentDraft,
        /// What the bytes are.
        content: DocumentContent,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Accept or reject a pending document.
    ReviewDocument {
        /// The document.
        document_guid: DocumentGuid,
        /// The decision.
        draft: ReviewDraft,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Add an owner, director, control person or signer to a business.
    AddAssociate {
        /// The new associate's id.
        associate_guid: AssociateGuid,
        /// The associate's details.
        draft: AssociateDraft,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Change an associate's details.
    UpdateAssociate {
        /// The associate.
        associate_guid: AssociateGuid,
        /// The fields to change.
        draft: AssociateDraft,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Remove an associate.
    RemoveAssociate {
        /// The associate.
        associate_guid: AssociateGuid,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Mark the customer verified; only when the verification profile is complete.
    Verify {
        /// Now.
        at: DateTime<Utc>,
    },
    /// Reject the customer.
    Reject {
        /// Reasons, message and whether the customer may try again.
        draft: RejectDraft,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Freeze the customer.
    Freeze {
        /// Why.
        draft: FreezeDraft,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Lift a freeze, restoring the state before it.
    Unfreeze {
        /// Now.
        at: DateTime<Utc>,
    },
}

/// The kind of a command, for errors and the transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    /// [`CustomerCommand::Create`].
    Create,
    /// [`CustomerCommand::UpdateDetails`].
    UpdateDetails,
    /// [`CustomerCommand::SubmitDocument`].
    SubmitDocument,
    /// [`CustomerCommand::ReviewDocument`].
    ReviewDocument,
    /// [`CustomerCommand::AddAssociate`].
    AddAssociate,
    /// [`CustomerCommand::UpdateAssociate`].
    UpdateAssociate,
    /// [`CustomerCommand::RemoveAssociate`].
    RemoveAssociate,
    /// [`CustomerCommand::Verify`].
    Verify,
    /// [`CustomerCommand::Reject`].
    Reject,
    /// [`CustomerCommand::Freeze`].
    Freeze,
    /// [`CustomerCommand::Unfreeze`].
    Unfreeze,
}

impl CommandKind {
    /// Every kind.
    pub const ALL: [Self; 11] = [
        Self::Create,
        Self::UpdateDetails,
        Self::SubmitDocument,
        Self::ReviewDocument,
        Self::AddAssociate,
        Self::UpdateAssociate,
        Self::RemoveAssociate,
        Self::Verify,
        Self::Reject,
        Self::Freeze,
        Self::Unfreeze,
    ];

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::UpdateDetails => "update_details",
            Self::SubmitDocument => "submit_document",
            Self::ReviewDocument => "review_document",
            Self::AddAssociate => "add_associate",
            Self::UpdateAssociate => "update_associate",
            Self::RemoveAssociate => "remove_associate",
            Self::Verify => "verify",
            Self::Reject => "reject",
            Self::Freeze => "freeze",
            Self::Unfreeze => "unfreeze",
        }
    }
}

impl std::fmt::Display for CommandKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CustomerCommand {
    /// The command's kind.
    pub fn kind(&self) -> CommandKind {
        match self {
            Self::Create { .. } => CommandKind::Create,
            Self::UpdateDetails { .. } => CommandKind::UpdateDetails,
            Self::SubmitDocument { .. } => CommandKind::SubmitDocument,
            Self::ReviewDocument { .. } => CommandKind::ReviewDocument,
            Self::AddAssociate { .. } => CommandKind::AddAssociate,
            Self::UpdateAssociate { .. } => CommandKind::UpdateAssociate,
            Self::RemoveAssociate { .. } => CommandKind::RemoveAssociate,
            Self::Verify { .. } => CommandKind::Verify,
            Self::Reject { .. } => CommandKind::Reject,
            Self::Freeze { .. } => CommandKind::Freeze,
            Self::Unfreeze { .. } => CommandKind::Unfreeze,
        }
    }

    /// When the command was issued.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Create { at, .. }
            | Self::UpdateDetails { at, .. }
            | Self::SubmitDocument { at, .. }
            | Self::ReviewDocument { at, .. }
            | Self::AddAssociate { at, .. }
            | Self::UpdateAssociate { at, .. }
            | Self::RemoveAssociate { at, .. }
            | Self::Verify { at }
            | Self::Reject { at, .. }
            | Self::Freeze { at, .. }
            | Self::Unfreeze { at } => *at,
        }
    }
}

/// A rejection as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectDraft {
    /// One or more reason codes.
    pub reason_codes: Option<Vec<String>>,
    /// Explanation.
    pub message: Option<String>,
    /// Whether the customer may resubmit (`true`) or the rejection is final (`false`).
    pub retryable: Option<bool>,
}

/// A freeze as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeDraft {
    /// Why the customer is frozen.
    pub reason: Option<String>,
}
