//! Record keeping: when a customer's records must be kept, until when, and when an abandoned
//! application counts as dormant.
//!
//! The rules (README, "Closing, legal hold and erasure"):
//! - A **record-keeping duty** begins with the first submitted document or the first decision
//!   (verification or rejection). A customer without one — created by mistake, never submitted
//!   anything — may be erased at once.
//! - The **retention clock** starts when the relationship ends: at the close, or at a final
//!   (non-retryable) rejection; a close after a final rejection restarts it, so the period is
//!   never cut short.
//! - Records are kept for the tenant's period after the clock starts (`retention_until`).
//! - A **legal hold** blocks erasure while it is on; it does not change `retention_until`.
//!
//! Every answer is derived from the record, not stored beside it, so it holds for records
//! folded before these rules existed.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::{CustomerRecord, CustomerState};

/// How long records are kept once the retention clock has started: a tenant's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RetentionPeriod(Duration);

impl RetentionPeriod {
    /// A period of `duration`.
    pub const fn new(duration: Duration) -> Self {
        Self(duration)
    }

    /// The period.
    pub const fn duration(self) -> Duration {
        self.0
    }

    /// `start` plus the period; a period past any representable time ends never.
    pub fn after(self, start: DateTime<Utc>) -> DateTime<Utc> {
        after(start, self.0)
    }
}

fn after(start: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(duration)
        .ok()
        .and_then(|delta| start.checked_add_signed(delta))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl CustomerRecord {
    /// True once a record-keeping duty has begun: a document was submitted, or the customer was
    /// verified or rejected. (A correction after a retryable rejection reopens it without a
    /// document, so the first decision is remembered on its own.)
    pub fn has_record_keeping_duty(&self) -> bool {
        self.has_documents()
            || self.verified_under.is_some()
            || self.rejection.is_some()
            || self.first_decision_at.is_some()
    }

    /// When the retention clock started: the close, else a final rejection; `None` while the
    /// relationship is still open.
    pub fn retention_clock_start(&self) -> Option<DateTime<Utc>> {
        self.closure.as_ref().map(|c| c.at).or_else(|| {
            self.rejection
                .as_ref()
                .filter(|r| !r.retryable)
                .map(|r| r.at)
        })
    }

    /// Until when records must be kept under `period`: `None` when the clock has not started
    /// or no duty ever began (nothing must be kept).
    pub fn retention_until(&self, period: RetentionPeriod) -> Option<DateTime<Utc>> {
        if !self.has_record_keeping_duty() {
            return None;
        }
        self.retention_clock_start()
            .map(|start| period.after(start))
    }

    /// True when this is an application (unverified, or rejected with leave to resubmit) that
    /// has seen no command for `dormant_after`: the retention sweeper closes it as `dormant`.
    pub fn is_dormant(&self, now: DateTime<Utc>, dormant_after: Duration) -> bool {
        let open_application = match self.state {
            CustomerState::Unverified => true,
            CustomerState::Rejected => self.rejection.as_ref().is_some_and(|r| r.retryable),
            _ => false,
        };
        open_application && self.erased_at.is_none() && after(self.updated_at, dormant_after) <= now
    }

    /// True while a legal hold is on.
    pub fn legal_hold_on(&self) -> bool {
        self.legal_hold.is_some()
    }
}
