//! What travels with every request: who, which request, which retry key, from where.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::principal::Principal;

/// Which adapter a request came through; recorded on every event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The HTTP API.
    Http,
    /// The NATS request/reply service.
    Nats,
    /// `kycctl`.
    Cli,
    /// The service itself, acting on a schedule (the retention sweeper in kycd).
    System,
}

/// The request around a command or query.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The authenticated caller.
    pub principal: Principal,
    /// The caller's or a generated request id, echoed and stored in event metadata.
    pub request_id: String,
    /// The caller's idempotency key, if any.
    pub idempotency_key: Option<String>,
    /// The adapter it came through.
    pub source: Source,
    /// When it arrived: the time every event of the command carries.
    pub received_at: DateTime<Utc>,
    /// The caller asked for personal data (`include_pii=true`).
    pub include_pii: bool,
}

impl RequestContext {
    /// A request the service makes of itself (a scheduler, the sweeper, a re-screening):
    /// `actor` with `scopes` for `bank_guid`, at `now`, without an idempotency key or personal
    /// data.
    pub fn system(
        actor: &str,
        bank_guid: kyc_domain::ids::BankGuid,
        scopes: &str,
        request_id: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            principal: Principal::new(actor, bank_guid, scopes),
            request_id,
            idempotency_key: None,
            source: Source::System,
            received_at: now,
            include_pii: false,
        }
    }

    /// Personal data is shown only when asked for and allowed by the PII scope.
    pub fn include_pii(&self) -> bool {
        self.include_pii
            && self
                .principal
                .has(crate::principal::Scope::CustomersPiiRead)
    }
}
