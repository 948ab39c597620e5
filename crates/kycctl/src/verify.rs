//! `kycctl verify`: proves the log is intact — per-customer sequence continuity, the hash
//! chain, every payload readable — and that every projection row equals a fresh fold.

use std::fmt;

use futures::TryStreamExt;
use kyc_app::chain::{link_hash, GENESIS_HASH};
use kyc_app::metadata::EventMetadata;
use kyc_domain::{Customer, CustomerEvent};
use serde::Serialize;
use sqlx::{PgPool, Row};

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// A sequence number is missing or repeated: an event was removed or inserted.
    SequenceGap {
        /// The customer.
        customer: String,
        /// The sequence that should have come next.
        expected: i64,
        /// The sequence found.
        found: i64,
    },
    /// The stored hash differs from the recomputed one: this event or one before it changed.
    BrokenChain {
        /// The customer.
        customer: String,
        /// The first event whose link does not match.
        sequence: i64,
    },
    /// The payload or metadata does not deserialize.
    Unreadable {
        /// The customer.
        customer: String,
        /// The event.
        sequence: i64,
        /// Why.
        reason: String,
    },
    /// A projection row differs from the fold of the customer's events.
    ProjectionMismatch {
        /// The projection.
        projection: String,
        /// The customer.
        customer: String,
        /// What differs.
        detail: String,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SequenceGap { customer, expected, found } => {
                write!(f, "customer {customer}: expected sequence {expected}, found {found}")
            }
            Self::BrokenChain { customer, sequence } => {
                write!(f, "customer {customer}: hash chain broken at sequence {sequence}")
            }
            Self::Unreadable { customer, sequence, reason } => {
                write!(f, "customer {customer}: event {sequence} unreadable: {reason}")
            }
            Self::ProjectionMismatch { projection, customer, detail } => {
                write!(f, "projection {projection}, customer {customer}: {detail}")
            }
        }
    }
}

/// What `verify` checked and found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Customers checked.
    pub customers: u64,
    /// Events checked.
    pub events: u64,
    /// Everything found wrong; empty when the log is intact.
    pub findings: Vec<Finding>,
}

/// The state of one customer's stream while it is being checked.
struct StreamCheck {
    customer: String,
    expected_sequence: i64,
    previous_hash: String,
    chain_broken: bool,
    folded: Customer,
    readable: bool,
}

impl StreamCheck {
    fn new(customer: String) -> Self {
        Self {
            customer,
            expected_sequence: 1,
            previous_hash: GENESIS_HASH.to_owned(),
            chain_broken: false,
            folded: Customer::default(),
            readable: true,
        }
    }
}

/// Checks every customer's stream; `on_customer` receives each fully folded customer (for
/// projection comparison) and `progress` the number of events checked so far.
pub async fn verify_streams(
    pool: &PgPool,
    mut on_customer: impl FnMut(&str, &Customer, &mut Vec<Finding>),
    mut progress: impl FnMut(u64),
) -> Result<Report, sqlx::Error> {
    let mut report = Report::default();
    let mut rows = sqlx::query(include_str!("verify_streams.sql")).fetch(pool);
    let mut current: Option<StreamCheck> = None;
    while let Some(row) = rows.try_next().await? {
        let customer: String = row.try_get("aggregate_id")?;
        let sequence: i64 = row.try_get("sequence")?;
        if current.as_ref().is_none_or(|c| c.customer != customer) {
            if let Some(done) = current.take() {
                finish(done, &mut report, &mut on_customer);
            }
            report.customers += 1;
            current = Some(StreamCheck::new(customer.clone()));
        }
        let Some(check) = current.as_mut() else { continue };
        report.events += 1;
        if report.events % 1000 == 0 {
            progress(report.events);
        }
        if sequence != check.expected_sequence {
            report.findings.push(Finding::SequenceGap {
                customer: customer.clone(),
                expected: check.expected_sequence,
                found: sequence,
            });
        }
        check.expected_sequence = sequence + 1;
        let event_type: String = row.try_get("event_type")?;
        let event_version: String = row.try_get("event_version")?;
        let payload: serde_json::Value = row.try_get("payload")?;
        let metadata: serde_json::Value = row.try_get("metadata")?;
        let expected_hash = link_hash(&check.previous_hash, &event_type, &event_version, &payload);
        let stored_hash = serde_json::from_value::<EventMetadata>(metadata)
            .map(|m| m.hash)
            .unwrap_or_default();
        if stored_hash != expected_hash && !check.chain_broken {
            check.chain_broken = true;
            report.findings.push(Finding::BrokenChain { customer: customer.clone(), sequence });
        }
        // Continue from the stored link, so one edit is reported once, not at every later event.
        check.previous_hash = stored_hash;
        match serde_json::from_value::<CustomerEvent>(payload) {
            Ok(event) => check.folded.apply(&event),
            Err(error) => {
                check.readable = false;
                report.findings.push(Finding::Unreadable { customer, sequence, reason: error.to_string() });
            }
        }
    }
    if let Some(done) = current.take() {
        finish(done, &mut report, &mut on_customer);
    }
    progress(report.events);
    Ok(report)
}

fn finish(
    check: StreamCheck,
    report: &mut Report,
    on_customer: &mut impl FnMut(&str, &Customer, &mut Vec<Finding>),
) {
    if check.readable {
        on_customer(&check.customer, &check.folded, &mut report.findings);
    }
}
