//! Who is calling, for which tenant, with which scopes.

use std::collections::BTreeSet;
use std::fmt;

use kyc_domain::ids::BankGuid;

/// A permission a caller's credentials grant (DESIGN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Read customers (without PII).
    CustomersRead,
    /// Create and update customers, submit documents, manage associates.
    CustomersWrite,
    /// Reserved for executing customer workflows (Cybrid's scope); grants nothing extra here.
    CustomersExecute,
    /// Read personal data, together with `include_pii=true`.
    CustomersPiiRead,
    /// Review documents, verify and reject customers.
    CustomersReview,
    /// Freeze and unfreeze customers.
    CustomersFreeze,
    /// Close relationships and place or lift legal holds.
    CustomersClose,
    /// Erase customers' personal data.
    CustomersErase,
    /// Give the second, verifying approval of a customer that needs four eyes.
    CustomersApproveHighRisk,
    /// Screen a name against the sanctions and PEP lists, ad hoc (`POST /api/screenings`).
    ScreeningRead,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Self; 10] = [
        Self::CustomersRead,
        Self::CustomersWrite,
        Self::CustomersExecute,
        Self::CustomersPiiRead,
        Self::CustomersReview,
        Self::CustomersFreeze,
        Self::CustomersClose,
        Self::CustomersErase,
        Self::CustomersApproveHighRisk,
        Self::ScreeningRead,
    ];

    /// The scope as written in a token's `scope` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomersRead => "customers:read",
            Self::CustomersWrite => "customers:write",
            Self::CustomersExecute => "customers:execute",
            Self::CustomersPiiRead => "customers:pii:read",
            Self::CustomersReview => "customers:review",
            Self::CustomersFreeze => "customers:freeze",
            Self::CustomersClose => "customers:close",
            Self::CustomersErase => "customers:erase",
            Self::CustomersApproveHighRisk => "customers:approve_high_risk",
            Self::ScreeningRead => "screening:read",
        }
    }

    /// Parses one scope; unknown scopes are `None` (and ignored by [`Principal::new`]).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated caller: the actor, the tenant it acts for, and its scopes.
///
/// The tenant comes from credentials only, never from a request body: that is what keeps one
/// platform's customers invisible to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    subject: String,
    bank_guid: BankGuid,
    scopes: BTreeSet<Scope>,
}

impl Principal {
    /// A principal from verified credentials; `scope` is the space-separated claim.
    pub fn new(subject: impl Into<String>, bank_guid: BankGuid, scope: &str) -> Self {
        Self {
            subject: subject.into(),
            bank_guid,
            scopes: scope.split_whitespace().filter_map(Scope::parse).collect(),
        }
    }

    /// The actor (the token's `sub`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The tenant.
    pub fn bank_guid(&self) -> BankGuid {
        self.bank_guid
    }

    /// True when the principal holds `scope`.
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// The scopes held.
    pub fn scopes(&self) -> impl Iterator<Item = Scope> + '_ {
        self.scopes.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_parsed_from_the_claim_and_unknown_ones_ignored() {
        let bank = BankGuid::parse("0190f5a3c2b47c3e8a1d2e3f4a5b6c7d").unwrap();
        let principal = Principal::new("ops", bank, "customers:read  customers:review admin");
        assert!(principal.has(Scope::CustomersRead));
        assert!(principal.has(Scope::CustomersReview));
        assert!(!principal.has(Scope::CustomersWrite));
        assert_eq!(principal.scopes().count(), 2);
    }
}
