//! Commands: what a caller asks of a customer.
//!
//! Fields the caller typed arrive as drafts and are validated by the aggregate, which knows the
//! customer's type and state. Values the server produced — new ids, the time, what the uploaded
//! bytes are — arrive already typed, so the domain never needs a clock, a random source or IO.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::approval::ApproveDraft;
use super::details::CustomerDraft;
use super::documents::{DocumentContent, DocumentDraft, ReviewDraft};
use super::identity::IdentityMatch;
use super::retention::RetentionPeriod;
use super::screening::ResolveMatchDraft;
use crate::ids::{AssociateGuid, BankGuid, CustomerGuid, DocumentGuid};
use crate::values::AssociateDraft;

/// A request to change a customer.
///
/// [`CommandKind`], the fieldless twin used by errors and the transition table, is derived
/// from this enum, so a new command is declared once.
#[derive(Debug, Clone, PartialEq, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(CommandKind),
    doc = "The kind of a command, for errors and the transition table.",
    derive(Hash, Serialize, Deserialize, strum::EnumIter, strum::IntoStaticStr),
    serde(rename_all = "snake_case"),
    strum(serialize_all = "snake_case")
)]
pub enum CustomerCommand {
    /// Create the customer.
    Create {
        /// The new customer's id.
        customer_guid: CustomerGuid,
        /// The tenant, from the caller's credentials.
        bank_guid: BankGuid,
        /// Type and details.
        draft: CustomerDraft,
        /// Other customers of the tenant that hold a tax or identification number this one
        /// gives, as the store's blind index found them (the domain does no IO).
        identity_matches: Vec<IdentityMatch>,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Change details.
    UpdateDetails {
        /// The fields to change.
        draft: CustomerDraft,
        /// Other customers of the tenant that hold a tax or identification number this
        /// change gives.
        identity_matches: Vec<IdentityMatch>,
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
    /// Record the first of the two approvals a customer needing four eyes is verified on.
    Approve {
        /// The approver's note.
        draft: ApproveDraft,
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
    /// Decide a potential sanctions or PEP match of the latest screening.
    ResolveScreeningMatch {
        /// The match, as the caller named it.
        match_id: String,
        /// The decision and why.
        draft: ResolveMatchDraft,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Screen the customer again because a list changed (not routed: the list import's
    /// re-screening issues it). Records a screening only when its matches differ.
    Rescreen {
        /// Now.
        at: DateTime<Utc>,
    },
    /// Lift a freeze, restoring the state before it.
    Unfreeze {
        /// Now.
        at: DateTime<Utc>,
    },
    /// End the relationship: the customer is `closed` and accepts only erasure and legal hold.
    Close {
        /// Why.
        draft: CloseDraft,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Place or lift a legal hold, which blocks erasure while it is on.
    SetLegalHold {
        /// On or off, and why.
        draft: LegalHoldDraft,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Erase the customer's personal data.
    Erase {
        /// Why (kept in clear for audit: never personal data).
        draft: EraseDraft,
        /// How long records must be kept after the retention clock starts: the tenant's
        /// policy, supplied by the server.
        retention: RetentionPeriod,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Apply ongoing due diligence as of `at`: expire documents past their date, open a
    /// periodic review that fell due, and lapse a verification whose grace period ran out (the
    /// due-diligence scheduler; the periods come from the tenant's risk policy).
    CheckDueDiligence {
        /// Now.
        at: DateTime<Utc>,
    },
    /// Settle a possible duplicate: a reviewer says whether the other customer is the same.
    ResolveDuplicate {
        /// The other customer, the resolution and a note.
        draft: ResolveDuplicateDraft,
        /// Now.
        at: DateTime<Utc>,
    },
}

impl std::fmt::Display for CommandKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CommandKind {
    /// Every kind, in declaration order.
    pub fn all() -> impl Iterator<Item = Self> {
        <Self as strum::IntoEnumIterator>::iter()
    }

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl CustomerCommand {
    /// The command's kind.
    pub fn kind(&self) -> CommandKind {
        self.into()
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
            | Self::Approve { at, .. }
            | Self::Verify { at }
            | Self::Reject { at, .. }
            | Self::Freeze { at, .. }
            | Self::Unfreeze { at }
            | Self::Close { at, .. }
            | Self::SetLegalHold { at, .. }
            | Self::Erase { at, .. }
            | Self::ResolveDuplicate { at, .. }
            | Self::CheckDueDiligence { at }
            | Self::ResolveScreeningMatch { at, .. }
            | Self::Rescreen { at } => *at,
        }
    }
}

/// A rejection as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RejectDraft {
    /// One or more reason codes.
    pub reason_codes: Option<Vec<String>>,
    /// Explanation.
    pub message: Option<String>,
    /// Whether the customer may resubmit (`true`) or the rejection is final (`false`).
    pub retryable: Option<bool>,
}

/// A freeze as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FreezeDraft {
    /// Why the customer is frozen.
    pub reason: Option<String>,
}

/// A closure as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CloseDraft {
    /// `customer_request`, `risk_exit`, `deceased`, `dormant` or `other`.
    pub reason: Option<String>,
    /// Explanation.
    pub message: Option<String>,
}

/// A legal hold change as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LegalHoldDraft {
    /// `true` places the hold, `false` lifts it.
    pub on: Option<bool>,
    /// Why.
    pub reason: Option<String>,
}

/// An erasure as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EraseDraft {
    /// Why; it survives the erasure, so it must hold no personal data.
    pub reason: Option<String>,
}

/// A duplicate's resolution as a reviewer sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResolveDuplicateDraft {
    /// The other customer named by the `duplicate_identity` entry.
    pub other_customer_guid: Option<String>,
    /// `not_same_person` or `same_person_allowed`.
    pub resolution: Option<String>,
    /// The reviewer's note.
    pub note: Option<String>,
}
