//! The due-diligence scheduler: finds customers with something that may have fallen due (a
//! document past its expiry date, a periodic review, a grace period run out) and has the
//! domain decide each, as of an injected time.
//!
//! Candidates come from clear columns of the customer projection, chosen by the shortest
//! period of any tenant and level and judged by each customer's own (the domain decides, so a
//! customer not yet due appends nothing). The domain never emits twice for one due date: an
//! expired document is no longer in force, and a review already open is not opened again. So a
//! run can be repeated, overlap another, or be killed at any point.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use kyc_domain::ids::{BankGuid, CustomerGuid};
use serde::Serialize;

use crate::commands::{CheckDueDiligence, CommandService};
use crate::context::RequestContext;
use crate::ports::{CustomerStore, StoreFailure};

/// The actor recorded on the scheduler's events.
pub const SCHEDULER_ACTOR: &str = "system:due-diligence";

/// Commands run at once.
const CONCURRENCY: usize = 8;

/// What makes a customer a candidate: any of these bounds reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueBounds {
    /// A document in force whose expiry date is before this day (today: a document is valid
    /// through its expiry date).
    pub expiring_by: NaiveDate,
    /// A verified customer was last reviewed at or before this time.
    pub reviewed_by: DateTime<Utc>,
    /// Something has been due for a verified customer since at or before this time.
    pub due_by: DateTime<Utc>,
}

/// A customer to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueCandidate {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Its tenant.
    pub bank_guid: BankGuid,
}

/// The query the scheduler needs; the PostgreSQL store answers it from `customer_views`.
pub trait DueDiligenceCandidates: Send + Sync + 'static {
    /// Customers, not erased, meeting any of `bounds`, ordered by guid, after `after`, at most
    /// `limit`.
    fn due_diligence_candidates(
        &self,
        bounds: DueBounds,
        after: Option<CustomerGuid>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DueCandidate>, StoreFailure>> + Send;
}

/// What one run did. Ids and counts only, never personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DueDiligenceReport {
    /// Candidates checked.
    pub checked: usize,
    /// Customers the check changed (a document expired, a review fell due, a verification
    /// lapsed), by id.
    pub changed: Vec<CustomerGuid>,
    /// Checks the domain refused (the customer moved on since the projection showed it).
    pub refused: usize,
    /// Checks that failed (the store or the service broke); the next run tries again.
    pub failed: usize,
}

/// Runs due-diligence checks.
pub struct Scheduler<S, C> {
    service: CommandService<S>,
    candidates: Arc<C>,
}

impl<S: CustomerStore, C: DueDiligenceCandidates> Scheduler<S, C> {
    /// A scheduler executing through `service` (whose tenants' risk policies the domain
    /// decides under) the checks `candidates` suggest.
    pub fn new(service: CommandService<S>, candidates: Arc<C>) -> Self {
        Self {
            service,
            candidates,
        }
    }

    /// The candidate bounds at `now`, under the shortest periods of any tenant.
    pub fn bounds(&self, now: DateTime<Utc>) -> DueBounds {
        let policies = self.service.tenant_policies();
        let back = |period: chrono::Duration| {
            now.checked_sub_signed(period)
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        };
        DueBounds {
            expiring_by: now.date_naive(),
            reviewed_by: back(policies.shortest_review_period()),
            due_by: back(policies.shortest_grace()),
        }
    }

    /// One run at `now`: at most `limit` candidates, each checked by the domain.
    #[tracing::instrument(skip_all, fields(%now, limit))]
    pub async fn run(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<DueDiligenceReport, StoreFailure> {
        let bounds = self.bounds(now);
        let mut candidates = Vec::new();
        let mut after = None;
        while candidates.len() < limit {
            let page = self
                .candidates
                .due_diligence_candidates(bounds, after, (limit - candidates.len()).min(1_000))
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.customer_guid);
            candidates.extend(page);
        }
        let request_id = format!("due-diligence-{}", uuid::Uuid::now_v7());
        let outcomes: Vec<(DueCandidate, crate::CommandOutcome)> =
            futures::stream::iter(candidates)
                .map(|candidate| {
                    let request_id = request_id.clone();
                    async move {
                        let ctx = RequestContext::system(
                            SCHEDULER_ACTOR,
                            candidate.bank_guid,
                            "customers:review",
                            request_id,
                            now,
                        );
                        let command = CheckDueDiligence {
                            customer_guid: candidate.customer_guid,
                        };
                        (candidate, self.service.execute(&ctx, command).await)
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
        let mut report = DueDiligenceReport::default();
        for (candidate, outcome) in outcomes {
            report.checked += 1;
            match outcome {
                // Events were appended exactly when the customer's last event is this run's.
                Ok(executed) if executed.customer.updated_at == now => {
                    report.changed.push(candidate.customer_guid);
                }
                Ok(_) => {}
                Err(refusal) if refusal.is_rule() => report.refused += 1,
                Err(refusal) => {
                    tracing::warn!(customer_guid = %candidate.customer_guid, code = %refusal.code, "due-diligence check failed");
                    report.failed += 1;
                }
            }
        }
        report.changed.sort();
        Ok(report)
    }
}
