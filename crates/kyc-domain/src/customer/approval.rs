//! Four-eyes approval: who decides, and the approvals a verification rests on.
//!
//! Who acts is a fact of the request, not of the customer, so it reaches the domain in the
//! [`DecisionContext`] beside the tenant's risk policy; events that record a decision carry
//! the actor in their payload, because the fold (which never sees metadata) must know who
//! approved and who reviewed to apply the four-eyes rule.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::risk::RiskPolicy;
use super::screening::Screener;
use crate::values::LongText;

/// The authenticated actor (a token's `sub`): 1–255 printable characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ActorId(String);

impl ActorId {
    /// An actor id, or `None` when `raw` is empty, too long or holds control characters.
    pub fn parse(raw: &str) -> Option<Self> {
        (!raw.trim().is_empty() && raw.len() <= 255 && !raw.chars().any(char::is_control))
            .then(|| Self(raw.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ActorId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who is deciding, and whether they may give the senior (second) approval of a customer that
/// needs four eyes (`customers:approve_high_risk`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The actor.
    pub id: ActorId,
    /// Holds the senior approver's permission.
    pub senior: bool,
}

/// What the domain decides under, besides the command: who asks, the tenant's risk policy and
/// its screening lists.
///
/// Without a policy nothing is rated and no verification needs four eyes (the lifecycle as it
/// was before risk rating, which tests of other rules use); without an actor nothing can be
/// approved; without a screener nothing is screened.
#[derive(Clone, Copy, Default)]
pub struct DecisionContext<'a> {
    /// Who is deciding.
    pub actor: Option<&'a Actor>,
    /// The tenant's risk policy.
    pub risk: Option<&'a RiskPolicy>,
    /// The tenant's lists.
    pub screener: Option<&'a dyn Screener>,
}

impl std::fmt::Debug for DecisionContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionContext")
            .field("actor", &self.actor)
            .field("risk", &self.risk.map(|policy| &policy.version))
            .field("screener", &self.screener.is_some())
            .finish()
    }
}

/// A first approval, awaiting the second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Who approved.
    pub approver: ActorId,
    /// Their note; `None` once the customer's personal data is erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<LongText>,
    /// When.
    pub at: DateTime<Utc>,
}

/// An approval as a reviewer sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApproveDraft {
    /// What the approver checked, for the audit trail.
    pub note: Option<String>,
}

/// Why a verification or approval broke the four-eyes rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FourEyesBreach {
    /// No first approval is recorded.
    NoFirstApproval,
    /// The actor gave the first approval and cannot give the second.
    SameActor,
    /// The actor reviewed one of the customer's documents, which the policy forbids the
    /// verifying approver to have done.
    ReviewedOwnDocuments,
    /// The actor proposed the decision on a screening match and cannot also confirm it.
    SameMatchReviewer,
}

impl FourEyesBreach {
    /// What the caller must do.
    pub fn explain(self) -> &'static str {
        match self {
            Self::NoFirstApproval => {
                "this customer needs two approvers: record the first with POST …/approve, then \
                 another actor holding customers:approve_high_risk verifies"
            }
            Self::SameActor => "the first approver cannot also give the second approval",
            Self::ReviewedOwnDocuments => {
                "the risk policy forbids an actor who reviewed this customer's documents to give \
                 the verifying approval"
            }
            Self::SameMatchReviewer => {
                "the risk policy puts this match under four eyes: another reviewer confirms the \
                 decision you proposed by sending the same decision"
            }
        }
    }
}
