//! Per-tenant policy: how long a tenant's records are kept once a relationship ends, after
//! how long without a command an application counts as abandoned, and how customers are
//! risk-rated.
//!
//! Defaults come from `KYC_RETENTION_DEFAULT` (5y), `KYC_DORMANT_AFTER` (1y) and
//! [`RiskPolicy::default`] (FATF's lists of October 2025); the JSON file named by
//! `KYC_TENANT_POLICY_FILE` may replace the default risk policy (`risk`) and override any of
//! them per tenant:
//!
//! ```json
//! {"risk": {"version": "acme-2026-01", "grey_countries": ["BG", "MC"]},
//!  "tenants": {"0190f5a3c2b47c3e8a1d2e3f4a5b6c7d": {"retention": "7y", "dormant_after": "180d",
//!              "risk": {"version": "acme-strict-1", "four_eyes": ["medium", "high"],
//!                       "match_four_eyes": ["sanctions"]}}}}
//! ```
//!
//! A risk override starts from the default policy and must name its `version`: ratings record
//! it, so two policies that score differently never share a name.
//!
//! Durations use the one grammar of [`crate::settings`]. Reading the file is the binary's job;
//! this module only parses its text, so it stays free of IO.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use kyc_domain::customer::{
    RetentionPeriod, RiskFactorKind, RiskLevel, RiskPolicy, RiskPolicyVersion, ScreeningTopic,
};
use kyc_domain::ids::BankGuid;
use kyc_domain::values::CountryCode;
use serde::Deserialize;
use thiserror::Error;

use crate::screening::ScreeningPolicy;
use crate::settings::parse_duration;

/// The retention period when nothing else is configured: five years.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(5 * 365 * 86_400);
/// The dormancy threshold when nothing else is configured: one year.
pub const DEFAULT_DORMANT_AFTER: Duration = Duration::from_secs(365 * 86_400);

/// One tenant's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantPolicy {
    /// How long records are kept after the retention clock starts.
    pub retention: RetentionPeriod,
    /// How long an application may see no command before it is closed as `dormant`.
    pub dormant_after: Duration,
    /// How customers are risk-rated, and what each level demands.
    pub risk: Arc<RiskPolicy>,
    /// Which lists customers are screened against, and the threshold of a potential match.
    pub screening: ScreeningPolicy,
}

impl TenantPolicy {
    /// A policy keeping records for `retention` and calling applications dormant after
    /// `dormant_after`, under the default risk policy.
    pub fn new(retention: Duration, dormant_after: Duration) -> Self {
        Self {
            retention: RetentionPeriod::new(retention),
            dormant_after,
            risk: Arc::new(RiskPolicy::default()),
            screening: ScreeningPolicy::default(),
        }
    }

    /// The same policy under `risk`.
    #[must_use]
    pub fn with_risk(mut self, risk: RiskPolicy) -> Self {
        self.risk = Arc::new(risk);
        self
    }
}

impl Default for TenantPolicy {
    fn default() -> Self {
        Self::new(DEFAULT_RETENTION, DEFAULT_DORMANT_AFTER)
    }
}

/// Every tenant's policy: the defaults, and the tenants that override them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantPolicies {
    defaults: TenantPolicy,
    tenants: HashMap<BankGuid, TenantPolicy>,
}

/// Why a tenant policy file was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TenantPolicyError {
    /// The text is not the expected JSON shape.
    #[error("the tenant policy file is not {{\"tenants\": {{\"<bank_guid>\": {{\"retention\": \"7y\", \"dormant_after\": \"180d\"}}}}}}: {0}")]
    Shape(String),
    /// A key is not a tenant id.
    #[error("tenant {0:?}: not a bank_guid (32 lowercase hex characters)")]
    Tenant(String),
    /// A risk policy field could not be read.
    #[error("{scope}: risk.{field}: {message}")]
    Risk {
        /// `risk` (the default policy) or `tenant <bank_guid>`.
        scope: String,
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A screening setting could not be read.
    #[error("{scope}: screening.{field}: {message}")]
    Screening {
        /// `screening` (the default settings) or `tenant <bank_guid>`.
        scope: String,
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A duration could not be read.
    #[error("tenant {tenant}: {field}: {message}")]
    Duration {
        /// The tenant.
        tenant: String,
        /// `retention` or `dormant_after`.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    risk: Option<RiskOverride>,
    screening: Option<ScreeningOverride>,
    #[serde(default)]
    tenants: BTreeMap<String, PolicyOverride>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyOverride {
    retention: Option<String>,
    dormant_after: Option<String>,
    risk: Option<RiskOverride>,
    screening: Option<ScreeningOverride>,
}

/// Screening settings as configured; each field falls back to the default settings.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScreeningOverride {
    threshold: Option<f64>,
    lists: Option<Vec<String>>,
}

impl ScreeningOverride {
    fn apply(
        self,
        base: &ScreeningPolicy,
        scope: &str,
    ) -> Result<ScreeningPolicy, TenantPolicyError> {
        let mut policy = base.clone();
        if let Some(threshold) = self.threshold {
            if !(0.5..=1.0).contains(&threshold) {
                return Err(TenantPolicyError::Screening {
                    scope: scope.to_owned(),
                    field: "threshold",
                    message: "must be a score from 0.5 to 1".to_owned(),
                });
            }
            policy.threshold_bp = format!("{:.0}", threshold * 10_000.0)
                .parse()
                .map_err(|_| TenantPolicyError::Screening {
                    scope: scope.to_owned(),
                    field: "threshold",
                    message: "must be a number".to_owned(),
                })?;
        }
        if let Some(lists) = self.lists {
            if lists.is_empty() || lists.iter().any(|l| l.trim().is_empty()) {
                return Err(TenantPolicyError::Screening {
                    scope: scope.to_owned(),
                    field: "lists",
                    message: "must name at least one list, each non-empty".to_owned(),
                });
            }
            policy.lists = Some(lists.into_iter().collect());
        }
        Ok(policy)
    }
}

/// A risk policy as configured: every field but `version` falls back to the default policy.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskOverride {
    version: Option<String>,
    high_risk_countries: Option<Vec<String>>,
    grey_countries: Option<Vec<String>>,
    lists_published_on: Option<String>,
    weights: Option<BTreeMap<String, u32>>,
    medium_from: Option<u32>,
    high_from: Option<u32>,
    four_eyes: Option<Vec<String>>,
    reviewer_may_verify: Option<bool>,
    review_every: Option<BTreeMap<String, String>>,
    lapse_grace: Option<String>,
    ubo_threshold: Option<f64>,
    associate_liveness: Option<Vec<String>>,
    match_four_eyes: Option<Vec<String>>,
}

/// The message of a one-value parser's (only) error.
fn first_message(errors: &kyc_domain::values::ValidationErrors) -> String {
    errors
        .errors()
        .first()
        .map_or_else(|| "is not accepted".to_owned(), |e| e.message.clone())
}

impl RiskOverride {
    /// `base` with this override's fields; errors name `scope` and the field.
    fn apply(self, base: &RiskPolicy, scope: &str) -> Result<RiskPolicy, TenantPolicyError> {
        let error = |field: &str, message: String| TenantPolicyError::Risk {
            scope: scope.to_owned(),
            field: field.to_owned(),
            message,
        };
        let version = self
            .version
            .ok_or_else(|| error("version", "is required: ratings record it".to_owned()))?;
        let mut policy = base.clone();
        policy.version = RiskPolicyVersion::parse(&version).map_err(|m| error("version", m))?;
        let countries = |field: &str, codes: Vec<String>| {
            codes
                .iter()
                .enumerate()
                .map(|(index, code)| {
                    CountryCode::parse(code).map_err(|_| {
                        error(
                            &format!("{field}[{index}]"),
                            "must be an ISO 3166-1 alpha-2 country code".to_owned(),
                        )
                    })
                })
                .collect::<Result<BTreeSet<_>, _>>()
        };
        if let Some(codes) = self.high_risk_countries {
            policy.high_risk_countries = countries("high_risk_countries", codes)?;
        }
        if let Some(codes) = self.grey_countries {
            policy.grey_countries = countries("grey_countries", codes)?;
        }
        if let Some(date) = self.lists_published_on {
            policy.lists_published_on = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                .map_err(|_| error("lists_published_on", "must be a date, YYYY-MM-DD".into()))?;
        }
        if let Some(weights) = self.weights {
            for (name, points) in weights {
                let kind = RiskFactorKind::parse(&name)
                    .map_err(|e| error(&format!("weights.{name}"), first_message(&e)))?;
                policy.weights.insert(kind, points);
            }
        }
        policy.medium_from = self.medium_from.unwrap_or(policy.medium_from);
        policy.high_from = self.high_from.unwrap_or(policy.high_from);
        if policy.medium_from > policy.high_from {
            return Err(error(
                "medium_from",
                format!("must not exceed high_from ({})", policy.high_from),
            ));
        }
        let levels = |field: &str, raw: Vec<String>| {
            raw.iter()
                .enumerate()
                .map(|(index, level)| {
                    RiskLevel::parse(level)
                        .map_err(|e| error(&format!("{field}[{index}]"), first_message(&e)))
                })
                .collect::<Result<BTreeSet<_>, _>>()
        };
        if let Some(raw) = self.four_eyes {
            policy.four_eyes = levels("four_eyes", raw)?;
        }
        policy.reviewer_may_verify = self
            .reviewer_may_verify
            .unwrap_or(policy.reviewer_may_verify);
        if let Some(periods) = self.review_every {
            for (level, period) in periods {
                let field = format!("review_every.{level}");
                let level =
                    RiskLevel::parse(&level).map_err(|e| error(&field, first_message(&e)))?;
                let period = parse_duration(&period).map_err(|e| error(&field, e.to_string()))?;
                policy.review_every.insert(level, period);
            }
        }
        if let Some(percent) = self.ubo_threshold {
            if !(10.0..=25.0).contains(&percent) {
                return Err(error(
                    "ubo_threshold",
                    "must be a percentage from 10 to 25".to_owned(),
                ));
            }
            // A percentage with at most two decimals, as ownership shares are.
            policy.ubo_threshold_bp = format!("{:.0}", percent * 100.0)
                .parse()
                .map_err(|_| error("ubo_threshold", "must be a percentage".to_owned()))?;
        }
        if let Some(raw) = self.associate_liveness {
            policy.associate_liveness = levels("associate_liveness", raw)?;
        }
        if let Some(grace) = self.lapse_grace {
            policy.lapse_grace =
                parse_duration(&grace).map_err(|e| error("lapse_grace", e.to_string()))?;
        }
        if let Some(raw) = self.match_four_eyes {
            policy.match_four_eyes = topics(&raw)
                .map_err(|(index, message)| error(&format!("match_four_eyes[{index}]"), message))?;
        }
        Ok(policy)
    }
}

/// Screening topics by name; an unknown one is refused with its index.
fn topics(raw: &[String]) -> Result<BTreeSet<ScreeningTopic>, (usize, String)> {
    raw.iter()
        .enumerate()
        .map(|(index, topic)| ScreeningTopic::parse(topic).map_err(|e| (index, first_message(&e))))
        .collect()
}

impl TenantPolicies {
    /// The same policy for every tenant.
    pub fn uniform(defaults: TenantPolicy) -> Self {
        Self {
            defaults,
            tenants: HashMap::new(),
        }
    }

    /// `defaults`, with the overrides of a policy file's text.
    pub fn from_json(defaults: TenantPolicy, json: &str) -> Result<Self, TenantPolicyError> {
        let file: PolicyFile =
            serde_json::from_str(json).map_err(|e| TenantPolicyError::Shape(e.to_string()))?;
        let mut defaults = defaults;
        if let Some(risk) = file.risk {
            defaults.risk = Arc::new(risk.apply(&defaults.risk, "risk")?);
        }
        if let Some(screening) = file.screening {
            defaults.screening = screening.apply(&defaults.screening, "screening")?;
        }
        let mut tenants = HashMap::new();
        for (raw, given) in file.tenants {
            let bank_guid =
                BankGuid::parse(&raw).map_err(|_| TenantPolicyError::Tenant(raw.clone()))?;
            let read = |field: &'static str, value: Option<&String>| {
                value.map(|v| parse_duration(v)).transpose().map_err(|e| {
                    TenantPolicyError::Duration {
                        tenant: raw.clone(),
                        field,
                        message: e.to_string(),
                    }
                })
            };
            let retention = read("retention", given.retention.as_ref())?;
            let dormant_after = read("dormant_after", given.dormant_after.as_ref())?;
            let risk = match given.risk {
                Some(risk) => Arc::new(risk.apply(&defaults.risk, &format!("tenant {raw}"))?),
                None => Arc::clone(&defaults.risk),
            };
            let screening = match given.screening {
                Some(screening) => {
                    screening.apply(&defaults.screening, &format!("tenant {raw}"))?
                }
                None => defaults.screening.clone(),
            };
            tenants.insert(
                bank_guid,
                TenantPolicy {
                    retention: retention.map_or(defaults.retention, RetentionPeriod::new),
                    dormant_after: dormant_after.unwrap_or(defaults.dormant_after),
                    risk,
                    screening,
                },
            );
        }
        Ok(Self { defaults, tenants })
    }

    /// The shortest retention period of any tenant: customers whose clock started longer ago
    /// than this are the candidates of an erasure sweep, each then judged by its own tenant's.
    pub fn shortest_retention(&self) -> RetentionPeriod {
        self.tenants
            .values()
            .map(|p| p.retention)
            .fold(self.defaults.retention, Ord::min)
    }

    /// The shortest `dormant_after` of any tenant (see [`Self::shortest_retention`]).
    pub fn shortest_dormant_after(&self) -> Duration {
        self.tenants
            .values()
            .map(|p| p.dormant_after)
            .fold(self.defaults.dormant_after, Ord::min)
    }

    /// The shortest review period of any level of any tenant's risk policy: verified customers
    /// last reviewed longer ago than this are the due-diligence scheduler's candidates, each
    /// then judged by its own tenant's period for its level.
    pub fn shortest_review_period(&self) -> chrono::Duration {
        self.all()
            .flat_map(|p| {
                RiskLevel::ALL
                    .iter()
                    .map(|level| p.risk.review_period(*level))
            })
            .min()
            .unwrap_or(chrono::Duration::MAX)
    }

    /// The shortest grace period of any tenant's risk policy (see
    /// [`Self::shortest_review_period`]).
    pub fn shortest_grace(&self) -> chrono::Duration {
        self.all()
            .map(|p| p.risk.grace())
            .min()
            .unwrap_or(chrono::Duration::MAX)
    }

    fn all(&self) -> impl Iterator<Item = &TenantPolicy> {
        std::iter::once(&self.defaults).chain(self.tenants.values())
    }

    /// The policy of `bank_guid`.
    pub fn policy(&self, bank_guid: BankGuid) -> TenantPolicy {
        self.tenants
            .get(&bank_guid)
            .unwrap_or(&self.defaults)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANK: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";
    const OTHER: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7e";

    #[test]
    fn screening_settings_default_and_override_per_tenant() {
        let json = format!(
            r#"{{"screening": {{"threshold": 0.85}},
                "tenants": {{"{BANK}": {{"screening": {{"lists": ["ofac_sdn", "un_sc"]}}}}}}}}"#
        );
        let policies = TenantPolicies::from_json(TenantPolicy::default(), &json).unwrap();
        let bank = policies.policy(BankGuid::parse(BANK).unwrap()).screening;
        assert_eq!(
            bank.threshold_bp, 8_500,
            "the default's threshold is inherited"
        );
        assert!(bank.covers("un_sc") && !bank.covers("opensanctions"));
        let other = policies.policy(BankGuid::parse(OTHER).unwrap()).screening;
        assert_eq!(other.threshold_bp, 8_500);
        assert!(other.covers("opensanctions"), "no lists named: every list");
        assert_eq!(
            TenantPolicy::default().screening.threshold_bp,
            7_800,
            "the matcher's evaluated default"
        );
        for (bad, field) in [
            (
                r#"{"screening": {"threshold": 1.5}}"#,
                "screening.threshold",
            ),
            (r#"{"screening": {"lists": []}}"#, "screening.lists"),
        ] {
            let error = TenantPolicies::from_json(TenantPolicy::default(), bad).unwrap_err();
            assert!(error.to_string().contains(field), "{bad}: {error}");
        }
    }

    #[test]
    fn tenants_override_the_defaults_field_by_field() {
        let json = format!(r#"{{"tenants": {{"{BANK}": {{"retention": "7y"}}}}}}"#);
        let policies = TenantPolicies::from_json(TenantPolicy::default(), &json).unwrap();
        let bank = policies.policy(BankGuid::parse(BANK).unwrap());
        assert_eq!(
            bank.retention.duration(),
            Duration::from_secs(7 * 365 * 86_400)
        );
        assert_eq!(bank.dormant_after, DEFAULT_DORMANT_AFTER);
        assert_eq!(
            policies.policy(BankGuid::parse(OTHER).unwrap()),
            TenantPolicy::default()
        );
    }

    #[test]
    fn the_shortest_periods_are_the_sweeps_conservative_bounds() {
        let json = format!(
            r#"{{"tenants": {{"{BANK}": {{"retention": "7y", "dormant_after": "30d"}}, "{OTHER}": {{"retention": "2y"}}}}}}"#
        );
        let policies = TenantPolicies::from_json(TenantPolicy::default(), &json).unwrap();
        assert_eq!(
            policies.shortest_retention().duration(),
            Duration::from_secs(2 * 365 * 86_400)
        );
        assert_eq!(
            policies.shortest_dormant_after(),
            Duration::from_secs(30 * 86_400)
        );
        let uniform = TenantPolicies::uniform(TenantPolicy::default());
        assert_eq!(uniform.shortest_retention().duration(), DEFAULT_RETENTION);
    }

    #[test]
    fn a_bad_file_names_the_tenant_and_the_field() {
        let json = format!(r#"{{"tenants": {{"{BANK}": {{"dormant_after": "soon"}}}}}}"#);
        let error = TenantPolicies::from_json(TenantPolicy::default(), &json).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(BANK) && message.contains("dormant_after"),
            "{message}"
        );
        let error =
            TenantPolicies::from_json(TenantPolicy::default(), r#"{"tenants": {"acme": {}}}"#)
                .unwrap_err();
        assert_eq!(error, TenantPolicyError::Tenant("acme".into()));
        assert!(matches!(
            TenantPolicies::from_json(TenantPolicy::default(), r#"{"tenant": {}}"#),
            Err(TenantPolicyError::Shape(_))
        ));
    }
}
