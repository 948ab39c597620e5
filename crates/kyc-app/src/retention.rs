//! The retention sweeper: erases customers whose retention period has ended, and closes
//! abandoned applications as `dormant` (issue #12).
//!
//! Candidates come from the projection, through the [`RetentionCandidates`] port. Periods differ
//! per tenant, so the port is asked conservatively — by the shortest period of any tenant — and
//! each candidate is then judged by its own tenant's policy. Every action is a real command
//! through the [`CommandService`] (actor [`SWEEPER_ACTOR`], source
//! [`crate::Source::System`]), so the domain has the last word in the command's transaction:
//! an erasure re-checks retention and holds, a dormant close re-checks dormancy
//! ([`CloseDormant`]). A refusal is an answer, not a
//! failure: the sweeper counts it. Erased and closed customers leave the candidates once the
//! projector has written them, so a re-run finds nothing; one that runs before the projector
//! caught up is refused (`customer_erased`, `invalid_transition`) and changes nothing.
//!
//! The clock is a parameter: kycd passes the system time, tests any time they like.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use kyc_domain::customer::{EraseDraft, RetentionPeriod};
use kyc_domain::ids::{BankGuid, CustomerGuid};
use serde::Serialize;

use crate::commands::{CloseDormant, Erase};
use crate::context::RequestContext;
use crate::outcome::CommandOutcome;
use crate::ports::{CustomerStore, StoreFailure};
use crate::CommandService;

/// The actor every sweeper command records.
pub const SWEEPER_ACTOR: &str = "system:retention-sweeper";
/// The reason every sweeper erasure records.
pub const ERASE_REASON: &str = "retention period ended";
/// Commands the sweeper runs at once: erasures of different customers do not contend, and
/// each waits mostly on its own commit.
pub const CONCURRENCY: usize = 8;
/// Candidates read per query.
const PAGE: usize = 1_000;

/// A customer whose retention clock has started, as the projection has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureCandidate {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Its tenant.
    pub bank_guid: BankGuid,
    /// When the clock started (close, else final rejection).
    pub retention_starts_at: DateTime<Utc>,
}

/// An open application (unverified, or rejected with leave to resubmit), as the projection has
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DormantCandidate {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Its tenant.
    pub bank_guid: BankGuid,
    /// The time of its last event.
    pub last_activity: DateTime<Utc>,
}

/// Where a page of candidates starts: after this (time, customer) in the query's order.
pub type Cursor = Option<(DateTime<Utc>, CustomerGuid)>;

/// The queries the sweeper needs; the PostgreSQL store answers them from `customer_views`.
pub trait RetentionCandidates: Send + Sync + 'static {
    /// Customers neither erased nor under a legal hold whose retention clock started at or
    /// before `started_by`, ordered by (start, guid), after `after`, at most `limit`.
    fn erasure_candidates(
        &self,
        started_by: DateTime<Utc>,
        after: Cursor,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ErasureCandidate>, StoreFailure>> + Send;

    /// Like [`Self::erasure_candidates`], but the customers under a legal hold (only counted).
    fn held_candidates(
        &self,
        started_by: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<ErasureCandidate>, StoreFailure>> + Send;

    /// Open applications, not erased, whose last event is at or before `idle_since`, ordered by
    /// (last event, guid), after `after`, at most `limit`.
    fn dormant_candidates(
        &self,
        idle_since: DateTime<Utc>,
        after: Cursor,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DormantCandidate>, StoreFailure>> + Send;
}

/// A customer erased (or, in a dry run, that would be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erased {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Its tenant.
    pub bank_guid: BankGuid,
    /// When its tenant's retention period ended.
    pub retention_until: DateTime<Utc>,
}

/// An application closed as dormant (or, in a dry run, that would be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosedDormant {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Its tenant.
    pub bank_guid: BankGuid,
    /// The time of its last event.
    pub last_activity: DateTime<Utc>,
}

/// A command that failed (not a refusal: the store or the service broke).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failed {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Its tenant.
    pub bank_guid: BankGuid,
    /// The failure's stable code (`internal_error`, `service_unavailable`, …).
    pub code: String,
}

/// What one sweep did, or in a dry run would do. Holds ids and times only, never personal
/// data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// True when nothing was executed.
    pub dry_run: bool,
    /// Customers erased.
    pub erased: Vec<Erased>,
    /// Applications closed as dormant.
    pub closed_dormant: Vec<ClosedDormant>,
    /// Customers whose period has ended but who are under a legal hold.
    pub skipped_legal_hold: usize,
    /// Candidates under the shortest period (retention or dormancy) of any tenant that their
    /// own tenant's longer period still covers.
    pub not_yet_due: usize,
    /// Commands the domain refused when they came to be decided (the customer changed since
    /// the projection showed it, or was already erased or closed).
    pub refused: usize,
    /// Commands that failed.
    pub failed: Vec<Failed>,
}

enum Action {
    Erase(Erased),
    Close(ClosedDormant),
}

impl Action {
    fn ids(&self) -> (CustomerGuid, BankGuid) {
        match self {
            Self::Erase(e) => (e.customer_guid, e.bank_guid),
            Self::Close(c) => (c.customer_guid, c.bank_guid),
        }
    }
}

/// Runs sweeps.
pub struct Sweeper<S, C> {
    service: CommandService<S>,
    candidates: Arc<C>,
    concurrency: usize,
}

impl<S: CustomerStore, C: RetentionCandidates> Sweeper<S, C> {
    /// A sweeper executing through `service` (whose tenant policies it judges by) the actions
    /// `candidates` suggest.
    pub fn new(service: CommandService<S>, candidates: Arc<C>) -> Self {
        Self {
            service,
            candidates,
            concurrency: CONCURRENCY,
        }
    }

    /// The same sweeper running `concurrency` commands at once (at least one).
    #[must_use]
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// One sweep at `now`: at most `limit` actions, erasures first (oldest first), then
    /// dormant closes. With `dry_run`, lists what it would do and executes nothing.
    #[tracing::instrument(skip_all, fields(%now, limit, dry_run))]
    pub async fn sweep(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        dry_run: bool,
    ) -> Result<SweepReport, StoreFailure> {
        let mut report = SweepReport {
            dry_run,
            ..SweepReport::default()
        };
        let mut actions = self.due_erasures(now, limit, &mut report).await?;
        let remaining = limit.saturating_sub(actions.len());
        actions.extend(self.due_dormant(now, remaining, &mut report).await?);
        if dry_run {
            for action in actions {
                record(&mut report, action, Ok(()));
            }
            return Ok(report);
        }
        let request_id = format!("retention-sweep-{}", uuid::Uuid::now_v7());
        let outcomes: Vec<(Action, CommandOutcome)> = futures::stream::iter(actions)
            .map(|action| {
                let request_id = request_id.clone();
                async move {
                    let outcome = self.execute(&action, now, request_id).await;
                    (action, outcome)
                }
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        for (action, outcome) in outcomes {
            record(&mut report, action, outcome.map(|_| ()));
        }
        Ok(report)
    }

    async fn due_erasures(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        report: &mut SweepReport,
    ) -> Result<Vec<Action>, StoreFailure> {
        let policies = self.service.tenant_policies();
        let Some(started_by) = before(now, policies.shortest_retention()) else {
            return Ok(Vec::new());
        };
        for held in self.candidates.held_candidates(started_by).await? {
            if policies
                .policy(held.bank_guid)
                .retention
                .after(held.retention_starts_at)
                <= now
            {
                report.skipped_legal_hold += 1;
            }
        }
        let mut due = Vec::new();
        let mut cursor = None;
        while due.len() < limit {
            let page = self
                .candidates
                .erasure_candidates(started_by, cursor, PAGE)
                .await?;
            for candidate in &page {
                let until = policies
                    .policy(candidate.bank_guid)
                    .retention
                    .after(candidate.retention_starts_at);
                if until > now {
                    report.not_yet_due += 1;
                } else if due.len() < limit {
                    due.push(Action::Erase(Erased {
                        customer_guid: candidate.customer_guid,
                        bank_guid: candidate.bank_guid,
                        retention_until: until,
                    }));
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE => {
                    cursor = Some((last.retention_starts_at, last.customer_guid));
                }
                _ => break,
            }
        }
        Ok(due)
    }

    async fn due_dormant(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        report: &mut SweepReport,
    ) -> Result<Vec<Action>, StoreFailure> {
        let policies = self.service.tenant_policies();
        let shortest = RetentionPeriod::new(policies.shortest_dormant_after());
        let Some(idle_since) = before(now, shortest) else {
            return Ok(Vec::new());
        };
        let mut due = Vec::new();
        let mut cursor = None;
        while due.len() < limit {
            let page = self
                .candidates
                .dormant_candidates(idle_since, cursor, PAGE)
                .await?;
            for candidate in &page {
                let dormant_after = policies.policy(candidate.bank_guid).dormant_after;
                // The rule of `CustomerRecord::is_dormant`, on the projection's copy of the
                // record; the command checks it again on the current one.
                let dormant = RetentionPeriod::new(dormant_after).after(candidate.last_activity);
                if dormant > now {
                    report.not_yet_due += 1;
                } else if due.len() < limit {
                    due.push(Action::Close(ClosedDormant {
                        customer_guid: candidate.customer_guid,
                        bank_guid: candidate.bank_guid,
                        last_activity: candidate.last_activity,
                    }));
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE => {
                    cursor = Some((last.last_activity, last.customer_guid));
                }
                _ => break,
            }
        }
        Ok(due)
    }

    async fn execute(
        &self,
        action: &Action,
        now: DateTime<Utc>,
        request_id: String,
    ) -> CommandOutcome {
        let (customer_guid, bank_guid) = action.ids();
        let ctx = RequestContext::system(
            SWEEPER_ACTOR,
            bank_guid,
            "customers:close customers:erase",
            request_id,
            now,
        );
        match action {
            Action::Erase(_) => {
                self.service
                    .execute(
                        &ctx,
                        Erase {
                            customer_guid,
                            draft: EraseDraft {
                                reason: Some(ERASE_REASON.to_owned()),
                            },
                        },
                    )
                    .await
            }
            Action::Close(_) => {
                self.service
                    .execute(&ctx, CloseDormant { customer_guid })
                    .await
            }
        }
    }
}

/// Files an action under its outcome.
fn record(report: &mut SweepReport, action: Action, outcome: Result<(), crate::Refusal>) {
    let (customer_guid, bank_guid) = action.ids();
    match outcome {
        Ok(()) => match action {
            Action::Erase(erased) => report.erased.push(erased),
            Action::Close(closed) => report.closed_dormant.push(closed),
        },
        Err(refusal) if refusal.code == "legal_hold" => report.skipped_legal_hold += 1,
        Err(refusal) if refusal.is_rule() => {
            tracing::info!(%customer_guid, code = %refusal.code, "sweeper command refused");
            report.refused += 1;
        }
        Err(refusal) => {
            tracing::warn!(%customer_guid, code = %refusal.code, "sweeper command failed");
            report.failed.push(Failed {
                customer_guid,
                bank_guid,
                code: refusal.code,
            });
        }
    }
}

/// `now` minus `period`; `None` when that is before any representable time.
fn before(now: DateTime<Utc>, period: RetentionPeriod) -> Option<DateTime<Utc>> {
    chrono::TimeDelta::from_std(period.duration())
        .ok()
        .and_then(|delta| now.checked_sub_signed(delta))
}
