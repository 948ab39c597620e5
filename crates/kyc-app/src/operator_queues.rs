//! Operator queues (issue #13, point 7): the work waiting for a tenant's operators, one page at
//! a time, oldest first.
//!
//! - [`OperatorQueue::DocumentsPendingReview`]: one entry per submitted document that a
//!   reviewer can decide now (of an `unverified` or a `verified` customer).
//! - [`OperatorQueue::AwaitingSecondApproval`]: one entry per customer whose first approval is
//!   recorded and whose risk level needs a second approver.
//! - [`OperatorQueue::ReviewsFallingDue`]: one entry per verified customer whose periodic
//!   review falls due within the asked number of days (or is overdue), soonest first.
//! - [`OperatorQueue::DocumentsExpiring`]: one entry per document in force that expires within
//!   the asked number of days (or has expired and awaits the scheduler), soonest first.
//!
//! Who belongs in a queue is decided here, once, from the [`CustomerRecord`]
//! ([`awaits_review`], [`awaiting_second_approval`], [`review_clock`], [`document_expiry`]):
//! the PostgreSQL projector writes the
//! answers into clear, indexed columns (the record itself is sealed, so nothing can filter
//! inside it), the in-memory store folds them on demand, and `kycctl verify` checks the
//! columns against a fresh fold. A queue names ids, types, states, levels, actors and times,
//! never personal data: no names, no file names, no messages.
//!
//! A new queue is one more [`OperatorQueue`] variant with its [`QueueEntries`] arm; the HTTP
//! route, the NATS subject and the OpenAPI entry are generated from [`OperatorQueue::ALL`].

use chrono::{DateTime, NaiveDate, Utc};
use kyc_domain::customer::{
    ActorId, Approval, Document, DocumentKind, DocumentStatus, RiskLevel, RiskPolicy,
};
use kyc_domain::ids::{AssociateGuid, BankGuid, CustomerGuid, DocumentGuid};
use kyc_domain::{CustomerRecord, CustomerState, CustomerType};

/// A queue of work for a tenant's operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorQueue {
    /// Documents a reviewer can accept or reject now, oldest submission first.
    DocumentsPendingReview,
    /// Customers whose first approval awaits the senior second one, oldest approval first.
    AwaitingSecondApproval,
    /// Verified customers whose periodic review falls due within a window, soonest first.
    ReviewsFallingDue,
    /// Documents in force that expire within a window, soonest first.
    DocumentsExpiring,
}

impl OperatorQueue {
    /// Every queue.
    pub const ALL: [Self; 4] = [
        Self::DocumentsPendingReview,
        Self::AwaitingSecondApproval,
        Self::ReviewsFallingDue,
        Self::DocumentsExpiring,
    ];

    /// Its name: the last segment of `GET /api/queues/<name>` and the NATS query operation.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DocumentsPendingReview => "documents_pending_review",
            Self::AwaitingSecondApproval => "awaiting_second_approval",
            Self::ReviewsFallingDue => "reviews_falling_due",
            Self::DocumentsExpiring => "documents_expiring",
        }
    }

    /// True for the queues of things falling due, which take a window (`within_days`).
    pub fn takes_window(self) -> bool {
        matches!(self, Self::ReviewsFallingDue | Self::DocumentsExpiring)
    }

    /// The queue of that name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|queue| queue.as_str() == raw)
    }

    /// Its HTTP path.
    pub fn path(self) -> String {
        format!("/api/queues/{}", self.as_str())
    }

    /// One line on what it holds and in which order (for the OpenAPI document).
    pub fn summary(self) -> &'static str {
        match self {
            Self::DocumentsPendingReview => {
                "Documents awaiting review, oldest submission first (one entry per document)"
            }
            Self::AwaitingSecondApproval => {
                "Customers awaiting the second, senior approval, oldest first approval first"
            }
            Self::ReviewsFallingDue => {
                "Verified customers whose periodic review falls due within `within_days` days \
                 (overdue ones included), soonest due first"
            }
            Self::DocumentsExpiring => {
                "Documents in force that expire within `within_days` days (expired ones the \
                 scheduler has not yet recorded included), soonest expiry first"
            }
        }
    }
}

impl std::fmt::Display for OperatorQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// True when `document` of `record` waits for a reviewer: it is pending and its customer is
/// in a state in which the domain accepts a review: `unverified`, or `verified` (which submits
/// documents to answer a periodic review or replace an expired one). This restates the
/// transition table's `ReviewDocument` row, which the domain keeps private; the HTTP tests
/// hold the two together (`the_review_queue_holds_exactly_the_documents_a_review_would_take`).
/// A pending document of a rejected, frozen or closed customer cannot be decided, and would
/// otherwise sit in the queue for good (an unfreeze or a resubmission brings it back).
pub fn awaits_review(record: &CustomerRecord, document: &Document) -> bool {
    document.status == DocumentStatus::Pending
        && matches!(
            record.state,
            CustomerState::Unverified | CustomerState::Verified
        )
}

/// The first approval of a customer that awaits the second one: `unverified`, with a first
/// approval recorded, rated at a level that needs four eyes. `None` otherwise.
///
/// Approvals are kept in the order they were given; the earliest is the one waiting longest.
pub fn awaiting_second_approval(record: &CustomerRecord) -> Option<&Approval> {
    let four_eyes = record.risk.as_ref().is_some_and(|risk| risk.four_eyes);
    if record.state == CustomerState::Unverified && four_eyes {
        record.approvals.first()
    } else {
        None
    }
}

/// The periodic review clock of `record`: its risk level (low before any rating, as the
/// due-diligence check counts it) and when it was verified or last completed a review, while
/// it is verified and not erased. `None` for a customer no review can fall due for.
pub fn review_clock(record: &CustomerRecord) -> Option<(RiskLevel, DateTime<Utc>)> {
    if record.state != CustomerState::Verified || record.erased_at.is_some() {
        return None;
    }
    let level = record
        .risk
        .as_ref()
        .map_or(RiskLevel::Low, |risk| risk.level);
    record.last_reviewed_at.map(|at| (level, at))
}

/// The expiry date of `document` of `record` while the due-diligence check watches it: a
/// document in force (accepted, not yet recorded as expired) with an expiry date, of a customer
/// that is `unverified` or `verified` and not erased. `None` otherwise.
pub fn document_expiry(record: &CustomerRecord, document: &Document) -> Option<NaiveDate> {
    let watched = record.erased_at.is_none()
        && matches!(
            record.state,
            CustomerState::Unverified | CustomerState::Verified
        );
    document
        .expires_on
        .filter(|_| watched && document.is_in_force())
}

/// The review periods of a tenant's risk policy, by level: what the falling-due queue adds
/// to each customer's last review. Read from the policy at query time, so a policy change
/// moves every due date at once and no stored due date goes stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewPeriods {
    /// Of low-risk (and unrated) customers.
    pub low: chrono::Duration,
    /// Of medium-risk customers.
    pub medium: chrono::Duration,
    /// Of high-risk customers.
    pub high: chrono::Duration,
}

impl ReviewPeriods {
    /// The periods `policy` sets.
    pub fn of(policy: &RiskPolicy) -> Self {
        Self {
            low: policy.review_period(RiskLevel::Low),
            medium: policy.review_period(RiskLevel::Medium),
            high: policy.review_period(RiskLevel::High),
        }
    }

    /// The period of `level`.
    pub fn of_level(&self, level: RiskLevel) -> chrono::Duration {
        match level {
            RiskLevel::Low => self.low,
            RiskLevel::Medium => self.medium,
            RiskLevel::High => self.high,
        }
    }
}

/// The window of the queues of things falling due: everything due by `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueWindow {
    /// The end of the window: reviews due at or before it, documents whose expiry date is on
    /// or before its date.
    pub until: DateTime<Utc>,
    /// The tenant's review periods.
    pub review_periods: ReviewPeriods,
}

impl DueWindow {
    /// Whether a review last done at `last_reviewed_at` for a customer at `level` falls due
    /// in the window, and when.
    pub fn review_due(
        &self,
        level: RiskLevel,
        last_reviewed_at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let due_at = last_reviewed_at + self.review_periods.of_level(level);
        (due_at <= self.until).then_some(due_at)
    }

    /// Whether a document expiring on `expires_on` falls in the window. A document is valid
    /// through its expiry date, so one expiring on the window's last day is in it.
    pub fn expires_within(&self, expires_on: NaiveDate) -> bool {
        expires_on <= self.until.date_naive()
    }
}

/// Which queue, for which tenant, which page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueQuery {
    /// The tenant.
    pub bank_guid: BankGuid,
    /// The queue.
    pub queue: OperatorQueue,
    /// Zero-based page.
    pub page: u32,
    /// Page size, 1–100.
    pub per_page: u32,
    /// The window of a queue of things falling due ([`OperatorQueue::takes_window`]); the
    /// other queues ignore it.
    pub window: DueWindow,
}

impl QueueQuery {
    /// How many entries come before this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page) * u64::from(self.per_page)
    }
}

/// One page of a queue and the number of entries in all pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePage {
    /// Entries in all pages.
    pub total: u64,
    /// This page's entries, in the queue's order.
    pub entries: QueueEntries,
}

/// A page's entries, of the queue that was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueEntries {
    /// Of [`OperatorQueue::DocumentsPendingReview`].
    DocumentsPendingReview(Vec<PendingDocument>),
    /// Of [`OperatorQueue::AwaitingSecondApproval`].
    AwaitingSecondApproval(Vec<AwaitingApproval>),
    /// Of [`OperatorQueue::ReviewsFallingDue`].
    ReviewsFallingDue(Vec<ReviewFallingDue>),
    /// Of [`OperatorQueue::DocumentsExpiring`].
    DocumentsExpiring(Vec<ExpiringDocument>),
}

impl QueueEntries {
    /// Number of entries on the page.
    pub fn len(&self) -> usize {
        match self {
            Self::DocumentsPendingReview(entries) => entries.len(),
            Self::AwaitingSecondApproval(entries) => entries.len(),
            Self::ReviewsFallingDue(entries) => entries.len(),
            Self::DocumentsExpiring(entries) => entries.len(),
        }
    }

    /// True for an empty page.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A document awaiting review. Queues are ordered by `(submitted_at, document_guid)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDocument {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Its type.
    pub customer_type: CustomerType,
    /// Its state.
    pub state: CustomerState,
    /// The document.
    pub document_guid: DocumentGuid,
    /// What it is.
    pub document_kind: DocumentKind,
    /// The associate it identifies, for a business's associate documents.
    pub associate_guid: Option<AssociateGuid>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
}

impl PendingDocument {
    /// The entries of `record`'s documents that await review.
    pub fn of(record: &CustomerRecord) -> impl Iterator<Item = Self> + '_ {
        record
            .documents
            .values()
            .filter(|document| awaits_review(record, document))
            .map(|document| Self {
                customer_guid: record.guid,
                customer_type: record.customer_type,
                state: record.state,
                document_guid: document.guid,
                document_kind: document.kind,
                associate_guid: document.associate_guid,
                submitted_at: document.submitted_at,
            })
    }
}

/// A customer awaiting the second approval. Queues are ordered by
/// `(first_approved_at, customer_guid)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingApproval {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Its type.
    pub customer_type: CustomerType,
    /// Its risk level (one that needs four eyes).
    pub risk_level: RiskLevel,
    /// Who gave the first approval (the second must be someone else).
    pub first_approver: ActorId,
    /// When.
    pub first_approved_at: DateTime<Utc>,
}

impl AwaitingApproval {
    /// `record`'s entry, when it awaits the second approval.
    pub fn of(record: &CustomerRecord) -> Option<Self> {
        let approval = awaiting_second_approval(record)?;
        let risk = record.risk.as_ref()?;
        Some(Self {
            customer_guid: record.guid,
            customer_type: record.customer_type,
            risk_level: risk.level,
            first_approver: approval.approver.clone(),
            first_approved_at: approval.at,
        })
    }
}

/// A verified customer whose periodic review falls due in the window. Queues are ordered by
/// `(due_at, customer_guid)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFallingDue {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Its type.
    pub customer_type: CustomerType,
    /// The risk level whose period applies (low before any rating).
    pub risk_level: RiskLevel,
    /// When it was verified or last completed a review.
    pub last_reviewed_at: DateTime<Utc>,
    /// When the review falls (or fell) due under the tenant's current policy.
    pub due_at: DateTime<Utc>,
}

impl ReviewFallingDue {
    /// `record`'s entry, when its review falls due in `window`.
    pub fn of(record: &CustomerRecord, window: &DueWindow) -> Option<Self> {
        let (risk_level, last_reviewed_at) = review_clock(record)?;
        let due_at = window.review_due(risk_level, last_reviewed_at)?;
        Some(Self {
            customer_guid: record.guid,
            customer_type: record.customer_type,
            risk_level,
            last_reviewed_at,
            due_at,
        })
    }
}

/// A document in force that expires in the window. Queues are ordered by
/// `(expires_on, document_guid)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringDocument {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Its type.
    pub customer_type: CustomerType,
    /// Its state (`unverified` or `verified`).
    pub state: CustomerState,
    /// The document.
    pub document_guid: DocumentGuid,
    /// What it is.
    pub document_kind: DocumentKind,
    /// The associate it identifies, for a business's associate documents.
    pub associate_guid: Option<AssociateGuid>,
    /// Its last valid day.
    pub expires_on: NaiveDate,
}

impl ExpiringDocument {
    /// The entries of `record`'s documents that expire in `window`.
    pub fn of<'a>(
        record: &'a CustomerRecord,
        window: &'a DueWindow,
    ) -> impl Iterator<Item = Self> + 'a {
        record.documents.values().filter_map(move |document| {
            let expires_on = document_expiry(record, document)?;
            window.expires_within(expires_on).then_some(Self {
                customer_guid: record.guid,
                customer_type: record.customer_type,
                state: record.state,
                document_guid: document.guid,
                document_kind: document.kind,
                associate_guid: document.associate_guid,
                expires_on,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for queue in OperatorQueue::ALL {
            assert_eq!(OperatorQueue::parse(queue.as_str()), Some(queue));
            assert_eq!(queue.path(), format!("/api/queues/{queue}"));
        }
        assert_eq!(OperatorQueue::parse("everything"), None);
    }

    #[test]
    fn the_offset_does_not_overflow() {
        let query = QueueQuery {
            bank_guid: BankGuid::from_uuid(uuid::Uuid::nil()),
            queue: OperatorQueue::AwaitingSecondApproval,
            page: u32::MAX,
            per_page: 100,
            window: DueWindow {
                until: DateTime::<Utc>::MIN_UTC,
                review_periods: ReviewPeriods::of(&RiskPolicy::default()),
            },
        };
        assert_eq!(query.offset(), u64::from(u32::MAX) * 100);
    }
}
