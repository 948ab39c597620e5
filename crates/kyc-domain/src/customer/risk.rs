//! Risk rating: how much scrutiny a customer needs, scored from its facts under a tenant's
//! versioned risk policy (AMLD Art. 18–18a, FATF Recommendations 10 and 12).
//!
//! The policy is data, not code: the server reads it from configuration and hands it to the
//! domain with every command, and the domain appends `RiskRated` whenever the result changes.
//! A rating names the kinds of facts that contributed and their points, never the facts
//! themselves (a factor `high_risk_nationality` says nothing about which country), so ratings
//! stay in clear and survive erasure without revealing anyone's personal data.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::documents::DocumentKind;
use super::{CustomerRecord, CustomerType};
use crate::values::{closed_enum::closed_enum, CountryCode, PepStatus};

closed_enum! {
    /// How much scrutiny a customer needs.
    pub enum RiskLevel {
        /// Standard due diligence.
        Low => "low",
        /// Standard due diligence, reviewed more often.
        Medium => "medium",
        /// Enhanced due diligence: more evidence and a senior approver.
        High => "high",
    }
}

closed_enum! {
    /// A kind of fact that raises a customer's risk.
    pub enum RiskFactorKind {
        /// The person (or, for a business, an associate) is a politically exposed person.
        PoliticallyExposed => "politically_exposed",
        /// Nationality in a high-risk jurisdiction (FATF "call for action").
        HighRiskNationality => "high_risk_nationality",
        /// Residence or registered address in a high-risk jurisdiction.
        HighRiskResidence => "high_risk_residence",
        /// Nationality in a jurisdiction under increased monitoring (FATF "grey list").
        GreyListNationality => "grey_list_nationality",
        /// Residence or registered address in a jurisdiction under increased monitoring.
        GreyListResidence => "grey_list_residence",
        /// A business incorporated in a high-risk jurisdiction.
        HighRiskIncorporation => "high_risk_incorporation",
        /// A business incorporated in a jurisdiction under increased monitoring.
        GreyListIncorporation => "grey_list_incorporation",
        /// An associate of a business lives in, or is a national of, a high-risk or grey-listed
        /// jurisdiction.
        AssociateInListedJurisdiction => "associate_in_listed_jurisdiction",
        /// The customer is a legal entity rather than a natural person.
        LegalEntity => "legal_entity",
        /// No owner of the business is recorded, so who ultimately owns it is not known.
        UndisclosedOwnership => "undisclosed_ownership",
        /// The recorded owners hold less than half of the business between them.
        FragmentedOwnership => "fragmented_ownership",
        /// No source-of-funds document has been accepted.
        MissingSourceOfFunds => "missing_source_of_funds",
        /// An operator confirmed a potential PEP match of the screening.
        ConfirmedPepMatch => "confirmed_pep_match",
        /// The customer declares sending or receiving funds in a high-risk jurisdiction.
        HighRiskJurisdictionDeclared => "high_risk_jurisdiction_declared",
        /// The customer declares sending or receiving funds in a jurisdiction under increased
        /// monitoring.
        GreyListJurisdictionDeclared => "grey_list_jurisdiction_declared",
        /// The customer declares a restricted activity (gambling, firearms, tumbling …).
        RestrictedActivityDeclared => "restricted_activity_declared",
    }
}

/// The name a tenant gives one version of its risk policy, recorded on every rating.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RiskPolicyVersion(String);

impl RiskPolicyVersion {
    /// A version name: 1–64 printable ASCII characters, no spaces.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty()
            || trimmed.len() > 64
            || !trimmed.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err("must be 1-64 printable characters without spaces".to_owned());
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RiskPolicyVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The FATF lists the default policy ships: the plenary of 24 October 2025.
pub const FATF_LISTS_PUBLISHED_ON: (i32, u32, u32) = (2025, 10, 24);

/// "High-risk jurisdictions subject to a call for action" (FATF, October 2025).
pub const FATF_CALL_FOR_ACTION: &[&str] = &["KP", "IR", "MM"];

/// "Jurisdictions under increased monitoring" (FATF, October 2025).
pub const FATF_INCREASED_MONITORING: &[&str] = &[
    "DZ", "AO", "BO", "BG", "CM", "CI", "CD", "HT", "KE", "LA", "LB", "MC", "NA", "NP", "SS", "SY",
    "VE", "VN", "VG", "YE",
];

/// A year of 365 days, as every duration setting counts it.
const YEAR: std::time::Duration = std::time::Duration::from_secs(365 * 86_400);

/// One tenant's risk policy: which facts count, how much, and what each level demands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskPolicy {
    /// Recorded on every rating made under it.
    pub version: RiskPolicyVersion,
    /// High-risk jurisdictions.
    pub high_risk_countries: BTreeSet<CountryCode>,
    /// Jurisdictions under increased monitoring.
    pub grey_countries: BTreeSet<CountryCode>,
    /// When the two lists were published.
    pub lists_published_on: NaiveDate,
    /// Points per factor; a factor without points does not count.
    pub weights: BTreeMap<RiskFactorKind, u32>,
    /// The score from which a customer is medium risk.
    pub medium_from: u32,
    /// The score from which a customer is high risk.
    pub high_from: u32,
    /// The levels whose verification needs two approvers.
    pub four_eyes: BTreeSet<RiskLevel>,
    /// Whether an actor who reviewed one of the customer's documents may give the second,
    /// verifying approval.
    pub reviewer_may_verify: bool,
    /// How long after verification (or the last completed review) a periodic review falls
    /// due, by level.
    pub review_every: BTreeMap<RiskLevel, std::time::Duration>,
    /// How long a verified customer keeps its standing after something fell due (a review,
    /// an expired document) before the verification lapses.
    pub lapse_grace: std::time::Duration,
    /// The ownership share, in basis points, from which an owner is a beneficial owner who
    /// must pass KYC (2,500 = 25% by default; 1,000 = 10% for high-risk regimes).
    pub ubo_threshold_bp: u16,
    /// The levels at which a business's associates need a liveness report too.
    pub associate_liveness: BTreeSet<RiskLevel>,
    /// The screening topics whose potential matches two reviewers decide: the first decision
    /// is a proposal, which another reviewer confirms. None by default.
    pub match_four_eyes: BTreeSet<super::ScreeningTopic>,
}

impl Default for RiskPolicy {
    /// FATF's October 2025 lists; PEPs and call-for-action jurisdictions are high risk on
    /// their own, a grey-listed jurisdiction is medium, and high risk needs four eyes.
    fn default() -> Self {
        let countries = |codes: &[&str]| {
            codes
                .iter()
                .filter_map(|code| CountryCode::parse(code).ok())
                .collect()
        };
        let (year, month, day) = FATF_LISTS_PUBLISHED_ON;
        Self {
            version: RiskPolicyVersion(format!("default-fatf-{year:04}-{month:02}")),
            high_risk_countries: countries(FATF_CALL_FOR_ACTION),
            grey_countries: countries(FATF_INCREASED_MONITORING),
            lists_published_on: NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default(),
            weights: BTreeMap::from([
                (RiskFactorKind::PoliticallyExposed, 60),
                (RiskFactorKind::HighRiskNationality, 60),
                (RiskFactorKind::HighRiskResidence, 60),
                (RiskFactorKind::HighRiskIncorporation, 60),
                (RiskFactorKind::GreyListNationality, 30),
                (RiskFactorKind::GreyListResidence, 30),
                (RiskFactorKind::GreyListIncorporation, 30),
                (RiskFactorKind::AssociateInListedJurisdiction, 30),
                (RiskFactorKind::LegalEntity, 10),
                (RiskFactorKind::UndisclosedOwnership, 30),
                (RiskFactorKind::FragmentedOwnership, 10),
                (RiskFactorKind::MissingSourceOfFunds, 5),
                (RiskFactorKind::ConfirmedPepMatch, 60),
                (RiskFactorKind::HighRiskJurisdictionDeclared, 60),
                (RiskFactorKind::GreyListJurisdictionDeclared, 30),
                (RiskFactorKind::RestrictedActivityDeclared, 30),
            ]),
            medium_from: 30,
            high_from: 60,
            four_eyes: BTreeSet::from([RiskLevel::High]),
            reviewer_may_verify: false,
            review_every: BTreeMap::from([
                (RiskLevel::High, YEAR),
                (RiskLevel::Medium, YEAR.saturating_mul(2)),
                (RiskLevel::Low, YEAR.saturating_mul(5)),
            ]),
            lapse_grace: std::time::Duration::from_secs(30 * 86_400),
            ubo_threshold_bp: super::profile::DEFAULT_UBO_THRESHOLD_BP,
            associate_liveness: BTreeSet::from([RiskLevel::High]),
            match_four_eyes: BTreeSet::new(),
        }
    }
}

/// One contributing factor of a rating.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RiskFactor {
    /// What kind of fact.
    pub kind: RiskFactorKind,
    /// The points it added.
    pub points: u32,
}

/// A customer's risk, as a policy scored it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskRating {
    /// The level.
    pub level: RiskLevel,
    /// The sum of the factors' points.
    pub score: u32,
    /// What contributed, in the policy's order of factor kinds.
    pub factors: Vec<RiskFactor>,
    /// The policy it was scored under.
    pub policy_version: RiskPolicyVersion,
    /// Whether the policy demands two distinct approvers at this level.
    pub four_eyes: bool,
    /// The beneficial-owner threshold the policy set, in basis points.
    pub ubo_threshold_bp: u16,
    /// Whether the policy demands a liveness report of each associate at this level.
    pub associate_liveness: bool,
    /// When it was recorded.
    pub rated_at: DateTime<Utc>,
}

impl RiskPolicy {
    /// The `RiskRated` event `record` needs under this policy at `at`, or `None` when its
    /// latest rating already says the same (time aside).
    pub fn rerating(
        &self,
        record: &CustomerRecord,
        at: DateTime<Utc>,
    ) -> Option<super::CustomerEvent> {
        let (level, score, factors) = self.score(record);
        let four_eyes = self.needs_four_eyes(level);
        let associate_liveness = self.associate_liveness.contains(&level);
        let unchanged = record.risk.as_ref().is_some_and(|r| {
            r.level == level
                && r.score == score
                && r.factors == factors
                && r.policy_version == self.version
                && r.four_eyes == four_eyes
                && r.ubo_threshold_bp == self.ubo_threshold_bp
                && r.associate_liveness == associate_liveness
        });
        (!unchanged).then(|| super::CustomerEvent::RiskRated {
            level,
            score,
            factors,
            policy_version: self.version.clone(),
            four_eyes,
            ubo_threshold_bp: self.ubo_threshold_bp,
            associate_liveness,
            at,
        })
    }
}

impl RiskPolicy {
    /// The level a score reaches.
    pub fn level_of(&self, score: u32) -> RiskLevel {
        if score >= self.high_from {
            RiskLevel::High
        } else if score >= self.medium_from {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        }
    }

    /// The review period of `level` (five years when the policy names none).
    pub fn review_period(&self, level: RiskLevel) -> chrono::Duration {
        let period = self
            .review_every
            .get(&level)
            .copied()
            .unwrap_or(YEAR.saturating_mul(5));
        chrono::Duration::from_std(period).unwrap_or(chrono::Duration::MAX)
    }

    /// The grace period before a verification lapses.
    pub fn grace(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.lapse_grace).unwrap_or(chrono::Duration::MAX)
    }

    /// True when verifying a customer of `level` needs two distinct approvers.
    pub fn needs_four_eyes(&self, level: RiskLevel) -> bool {
        self.four_eyes.contains(&level)
    }

    /// Scores `record`: its level, score and contributing factors.
    pub fn score(&self, record: &CustomerRecord) -> (RiskLevel, u32, Vec<RiskFactor>) {
        let factors: Vec<RiskFactor> = self
            .facts(record)
            .into_iter()
            .filter_map(|kind| {
                let points = self.weights.get(&kind).copied().unwrap_or(0);
                (points > 0).then_some(RiskFactor { kind, points })
            })
            .collect();
        let score = factors.iter().map(|f| f.points).sum();
        (self.level_of(score), score, factors)
    }

    fn listed(
        &self,
        country: Option<CountryCode>,
        high: RiskFactorKind,
        grey: RiskFactorKind,
    ) -> Option<RiskFactorKind> {
        let country = country?;
        if self.high_risk_countries.contains(&country) {
            Some(high)
        } else if self.grey_countries.contains(&country) {
            Some(grey)
        } else {
            None
        }
    }

    /// The kinds of fact present in `record`, each once, in declaration order.
    fn facts(&self, record: &CustomerRecord) -> BTreeSet<RiskFactorKind> {
        use RiskFactorKind as F;
        let details = &record.details;
        let mut facts = BTreeSet::new();
        let exposed_associate = record
            .associates
            .values()
            .any(|a| a.pep.as_ref().is_some_and(PepStatus::is_exposed));
        if details.pep.as_ref().is_some_and(PepStatus::is_exposed) || exposed_associate {
            facts.insert(F::PoliticallyExposed);
        }
        facts.extend(self.listed(
            details.nationality,
            F::HighRiskNationality,
            F::GreyListNationality,
        ));
        // Residence: the address, and the declared country of residence, the worse of the two.
        let residence = [
            details.address.as_ref().map(|a| a.country_code),
            details.country_of_residence,
        ]
        .into_iter()
        .filter_map(|country| self.listed(country, F::HighRiskResidence, F::GreyListResidence))
        .min();
        facts.extend(residence);
        let declared = details
            .jurisdictions
            .iter()
            .flatten()
            .filter_map(|country| {
                self.listed(
                    Some(*country),
                    F::HighRiskJurisdictionDeclared,
                    F::GreyListJurisdictionDeclared,
                )
            })
            .min();
        facts.extend(declared);
        if details
            .activities
            .iter()
            .flatten()
            .any(|activity| *activity != crate::values::Activity::None)
        {
            facts.insert(F::RestrictedActivityDeclared);
        }
        if record.customer_type == CustomerType::Business {
            facts.insert(F::LegalEntity);
            facts.extend(self.listed(
                details.incorporation_country,
                F::HighRiskIncorporation,
                F::GreyListIncorporation,
            ));
            let owned: u32 = record
                .associates
                .values()
                .filter_map(|a| a.ownership_percentage)
                .map(|p| u32::from(p.basis_points()))
                .sum();
            if owned == 0 {
                facts.insert(F::UndisclosedOwnership);
            } else if owned < 5_000 {
                facts.insert(F::FragmentedOwnership);
            }
            let listed = |country: &CountryCode| {
                self.high_risk_countries.contains(country) || self.grey_countries.contains(country)
            };
            if record.associates.values().any(|a| {
                a.address
                    .as_ref()
                    .is_some_and(|address| listed(&address.country_code))
                    || a.nationality.as_ref().is_some_and(listed)
            }) {
                facts.insert(F::AssociateInListedJurisdiction);
            }
        }
        if record.screening.has_true_pep_match() {
            facts.insert(F::ConfirmedPepMatch);
        }
        let source_of_funds_accepted = record
            .documents
            .values()
            .any(|d| d.kind == DocumentKind::SourceOfFunds && d.is_in_force());
        if !source_of_funds_accepted {
            facts.insert(F::MissingSourceOfFunds);
        }
        facts
    }
}
