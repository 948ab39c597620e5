//! Sanctions and PEP screening as the customer's history records it.
//!
//! Screening itself (lists, names, scores) happens outside the domain, behind the
//! [`Screener`] port: a pure function of the customer's record and the tenant's lists as they
//! stand, which the command service passes in the [`DecisionContext`] beside the risk
//! policy. The domain decides *when* to screen (whenever a screened field changed since the
//! last screening, and when asked to re-screen after a list changed), records what was found
//! ([`CustomerEvent::ScreeningCompleted`]), and applies the operators' decisions on each
//! potential match ([`CustomerEvent::ScreeningMatchResolved`]): a true sanctions match rejects
//! an applicant finally or freezes a verified customer; a true PEP match feeds the risk rating.
//!
//! A match is identified by its [`MatchId`], which the screener derives from the party, the
//! list, the entry and the entry's fingerprint: an unchanged entry keeps its id across
//! re-screenings, so a resolved false positive stays resolved, while a changed entry gets a
//! new id and alerts again.
//!
//! [`DecisionContext`]: super::DecisionContext
//! [`CustomerEvent::ScreeningCompleted`]: super::CustomerEvent::ScreeningCompleted
//! [`CustomerEvent::ScreeningMatchResolved`]: super::CustomerEvent::ScreeningMatchResolved

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::approval::ActorId;
use super::CustomerRecord;
use crate::ids::AssociateGuid;
use crate::values::{closed_enum::closed_enum, LongText};

closed_enum! {
    /// Why a list entry matters: which profile criterion a match on it affects.
    pub enum ScreeningTopic {
        /// A sanctions list entry (`sanctions_screening`).
        Sanctions => "sanctions",
        /// A politically exposed person, or a relative or close associate of one
        /// (`pep_screening`).
        Pep => "pep",
    }
}

closed_enum! {
    /// An operator's decision on a potential match.
    pub enum MatchDecision {
        /// The customer (or associate) is the listed party.
        TrueMatch => "true_match",
        /// Someone else: the match does not alert again unless the list entry changes.
        FalsePositive => "false_positive",
    }
}

/// A potential match's id: 1–64 characters of `[A-Za-z0-9_-]`, derived by the screener from
/// the party, the list, the entry and the entry's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MatchId(String);

impl MatchId {
    /// A match id, or `None` when `raw` is not one.
    pub fn parse(raw: &str) -> Option<Self> {
        (!raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        .then(|| Self(raw.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MatchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One imported version of one list, as a screening names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ListVersionRef {
    /// The list's name (`ofac_sdn`, `un_sc`, `eu_fsf`, `opensanctions`, …).
    pub list: String,
    /// The version the store assigned at import.
    pub version: i64,
}

/// A potential match: a list entry that scored at or above the tenant's threshold against the
/// customer or one of its associates. It names the entry, never the customer's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningHit {
    /// Its id (see [`MatchId`]).
    pub match_id: MatchId,
    /// The associate who matched; `None` for the customer itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate_guid: Option<AssociateGuid>,
    /// Sanctions or PEP.
    pub topic: ScreeningTopic,
    /// The list and version the entry is in.
    pub list: ListVersionRef,
    /// The entry's identifier in the source list (OFAC `uid`, UN reference number, EU logical
    /// id, FollowTheMoney id).
    pub entry_id: String,
    /// The digest of the entry's content when it matched.
    pub entry_fingerprint: String,
    /// The score, in basis points of 1 (0–10 000).
    pub score_bp: u16,
}

/// What a screener found: the lists it screened against and the potential matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreeningResult {
    /// The list versions screened against.
    pub list_versions: Vec<ListVersionRef>,
    /// The potential matches, by id.
    pub hits: Vec<ScreeningHit>,
}

/// Screens a customer (and each associate of a business) against the tenant's lists.
///
/// Implementations are pure over an immutable snapshot of the lists, so a decision that calls
/// one stays a function of its inputs.
pub trait Screener: Send + Sync {
    /// The potential matches of `record`'s parties, or `None` when the tenant screens against
    /// no list (nothing imported): then nothing is recorded and the profile asks for no
    /// screening.
    fn screen(&self, record: &CustomerRecord) -> Option<ScreeningResult>;
}

/// The latest screening of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screening {
    /// When.
    pub screened_at: DateTime<Utc>,
    /// Against which list versions.
    pub list_versions: Vec<ListVersionRef>,
    /// The potential matches it found, by id.
    pub hits: BTreeMap<MatchId, ScreeningHit>,
    /// The [`ScreeningState::inputs_version`] it covered: older than the current one means a
    /// screened field changed since.
    pub inputs_version: u64,
}

/// A decision on a potential match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchResolution {
    /// True match or false positive.
    pub decision: MatchDecision,
    /// The topic of the match decided.
    pub topic: ScreeningTopic,
    /// Who decided (under four eyes: who confirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<ActorId>,
    /// Under four eyes, who proposed the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposer: Option<ActorId>,
    /// Their note; `None` once the customer's personal data is erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<LongText>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A decision on a potential match awaiting a second reviewer (four eyes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchProposal {
    /// The decision proposed.
    pub decision: MatchDecision,
    /// Who proposed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposer: Option<ActorId>,
    /// Their note; `None` once the customer's personal data is erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<LongText>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Everything screening-related a customer's history holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningState {
    /// The latest screening; `None` before the first (or when the tenant screens nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<Screening>,
    /// Decisions on potential matches, by match id; they outlive re-screenings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resolutions: BTreeMap<MatchId, MatchResolution>,
    /// Decisions proposed under four eyes and not yet confirmed, by match id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub proposals: BTreeMap<MatchId, MatchProposal>,
    /// Counts changes of screened fields (the customer's names, date of birth, countries and
    /// numbers, and its associates): a screening is current while it covers the latest count.
    #[serde(default)]
    pub inputs_version: u64,
}

impl ScreeningState {
    /// True when no screening covers the current screened fields.
    pub fn is_stale(&self) -> bool {
        self.latest
            .as_ref()
            .is_none_or(|latest| latest.inputs_version < self.inputs_version)
    }

    /// The latest screening's potential matches of `topic` that no one has decided.
    pub fn open_hits(&self, topic: ScreeningTopic) -> impl Iterator<Item = &ScreeningHit> {
        self.latest
            .iter()
            .flat_map(|latest| latest.hits.values())
            .filter(move |hit| hit.topic == topic && !self.resolutions.contains_key(&hit.match_id))
    }

    /// The latest screening's potential match `match_id`.
    pub fn hit(&self, match_id: &MatchId) -> Option<&ScreeningHit> {
        self.latest.as_ref()?.hits.get(match_id)
    }

    /// True when an operator confirmed a PEP match (a risk factor).
    pub fn has_true_pep_match(&self) -> bool {
        self.resolutions
            .values()
            .any(|r| r.topic == ScreeningTopic::Pep && r.decision == MatchDecision::TrueMatch)
    }
}

/// A decision on a potential match as a reviewer sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResolveMatchDraft {
    /// `true_match` or `false_positive`.
    pub decision: Option<String>,
    /// Why, for the audit trail (required: a decision on a match must be explained).
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_ids_are_short_safe_tokens() {
        assert!(MatchId::parse("m_3f9a0c1d2e4b5a69").is_some());
        for bad in ["", "has space", "slash/", &"a".repeat(65), "é"] {
            assert!(MatchId::parse(bad).is_none(), "{bad}");
        }
    }
}
