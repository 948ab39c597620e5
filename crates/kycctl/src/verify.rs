//! `kycctl verify`: proves the log is intact — per-customer sequence continuity, the hash
//! chain, every payload readable — and that every projection row equals a fresh fold.

use std::fmt;

use chrono::SubsecRound;
use futures::TryStreamExt;
use kyc_app::chain::{expected_link, GENESIS_HASH, HASH_FIELD};
use kyc_app::operator_queues::awaiting_second_approval;
use kyc_app::AGGREGATE_TYPE;
use kyc_domain::Customer;
use kyc_log::StoredEvent;
use kyc_store::codec::{open_event_value, open_record};
use kyc_store::keys::{CustomerKeys, KeyState};
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
            Self::SequenceGap {
                customer,
                expected,
                found,
            } => {
                write!(
                    f,
                    "customer {customer}: expected sequence {expected}, found {found}"
                )
            }
            Self::BrokenChain { customer, sequence } => {
                write!(
                    f,
                    "customer {customer}: hash chain broken at sequence {sequence}"
                )
            }
            Self::Unreadable {
                customer,
                sequence,
                reason,
            } => {
                write!(
                    f,
                    "customer {customer}: event {sequence} unreadable: {reason}"
                )
            }
            Self::ProjectionMismatch {
                projection,
                customer,
                detail,
            } => {
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

/// A row of the customer projection.
struct ViewRow {
    customer: String,
    last_sequence: i64,
    record: serde_json::Value,
    /// The denormalised columns lists and queues filter on, in `columns()` order.
    columns: [String; COLUMNS],
}

/// How many denormalised columns are compared.
const COLUMNS: usize = 8;

/// Their names, in [`ViewRow::columns`] order.
const COLUMN_NAMES: [&str; COLUMNS] = [
    "bank_guid",
    "customer_type",
    "state",
    "profile_status",
    "labels",
    "risk_level",
    "awaiting_second_approval_since",
    "first_approver",
];

/// The denormalised columns a row should carry for `record`, in [`ViewRow::columns`] order;
/// an absent value is empty, a time is RFC 3339 to the microsecond (as `verify_views.sql`
/// renders the column).
fn columns(record: &kyc_domain::CustomerRecord) -> [String; COLUMNS] {
    let labels: Vec<String> = record
        .details
        .labels
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    let first_approval = awaiting_second_approval(record);
    [
        record.bank_guid.to_string(),
        record.customer_type.as_str().to_owned(),
        record.state.as_str().to_owned(),
        record.verification_profile().status.as_str().to_owned(),
        labels.join(","),
        record
            .risk
            .as_ref()
            .map(|risk| risk.level.as_str().to_owned())
            .unwrap_or_default(),
        first_approval.map_or_else(String::new, |approval| {
            approval
                .at
                .trunc_subsecs(6)
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string()
        }),
        first_approval
            .map(|approval| approval.approver.as_str().to_owned())
            .unwrap_or_default(),
    ]
}

/// The state of one customer's stream while it is being checked.
struct StreamCheck {
    customer: String,
    /// The customer's data key, to open its sealed fields.
    key: KeyState,
    expected_sequence: i64,
    previous_hash: String,
    chain_broken: bool,
    folded: Customer,
    readable: bool,
    /// The customer's projection row, if it has one.
    view: Option<ViewRow>,
    /// The fold at the row's `last_sequence`, once reached: the record and its columns.
    folded_at_view: Option<(serde_json::Value, [String; COLUMNS])>,
    /// An event the projection should have applied (at or below its checkpoint) but did not.
    missed: Option<i64>,
}

/// The projection's rows, read in customer order alongside the events.
struct Views<'a> {
    rows: futures::stream::BoxStream<'a, Result<sqlx::postgres::PgRow, sqlx::Error>>,
    peeked: Option<ViewRow>,
}

fn orphan(customer: String) -> Finding {
    Finding::ProjectionMismatch {
        projection: "customer_views".into(),
        customer,
        detail: "row without events".into(),
    }
}

impl Views<'_> {
    async fn next_row(&mut self) -> Result<Option<ViewRow>, sqlx::Error> {
        if let Some(view) = self.peeked.take() {
            return Ok(Some(view));
        }
        let Some(row) = self.rows.try_next().await? else {
            return Ok(None);
        };
        Ok(Some(ViewRow {
            customer: row.try_get("customer_guid")?,
            last_sequence: row.try_get("last_sequence")?,
            record: row.try_get("record")?,
            columns: [
                row.try_get("bank_guid")?,
                row.try_get("customer_type")?,
                row.try_get("state")?,
                row.try_get("profile_status")?,
                row.try_get("labels")?,
                row.try_get("risk_level")?,
                row.try_get("awaiting_second_approval_since")?,
                row.try_get("first_approver")?,
            ],
        }))
    }

    /// The row of `customer`, reporting rows before it (they have no events).
    async fn take_for(
        &mut self,
        customer: &str,
        findings: &mut Vec<Finding>,
    ) -> Result<Option<ViewRow>, sqlx::Error> {
        while let Some(view) = self.next_row().await? {
            match view.customer.as_str().cmp(customer) {
                std::cmp::Ordering::Less => findings.push(orphan(view.customer)),
                std::cmp::Ordering::Equal => return Ok(Some(view)),
                std::cmp::Ordering::Greater => {
                    self.peeked = Some(view);
                    return Ok(None);
                }
            }
        }
        Ok(None)
    }

    /// Reports every remaining row (no events follow).
    async fn drain(&mut self, findings: &mut Vec<Finding>) -> Result<(), sqlx::Error> {
        while let Some(view) = self.next_row().await? {
            findings.push(orphan(view.customer));
        }
        Ok(())
    }
}

/// Checks every customer's stream, and compares the `customer_views` projection with a fresh
/// fold of the events it has applied (the projection may trail the log while kycd runs: only
/// events at or below its checkpoint must be in it).
pub async fn verify(
    pool: &PgPool,
    keys: &CustomerKeys,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<Report> {
    let checkpoint = kyc_log::read_checkpoint(pool, kyc_store::projector::CUSTOMER_VIEWS).await?;
    let mut report = Report::default();
    let mut rows = kyc_log::streams_of_type(pool, AGGREGATE_TYPE);
    let mut views = Views {
        rows: sqlx::query(include_str!("verify_views.sql")).fetch(pool),
        peeked: None,
    };
    let mut current: Option<StreamCheck> = None;
    while let Some(event) = rows.try_next().await? {
        let customer = event.aggregate_id.clone();
        if current.as_ref().is_none_or(|c| c.customer != customer) {
            if let Some(done) = current.take() {
                finish(&done, &mut report);
            }
            report.customers += 1;
            let key = keys.get(pool, &customer).await?;
            let mut view = views.take_for(&customer, &mut report.findings).await?;
            if let Some(view) = view.as_mut() {
                // Sealed fields are compared opened: each seal has its own random nonce.
                if let Err(error) =
                    open_record(&mut view.record, &customer, view.last_sequence, &key)
                {
                    report.findings.push(Finding::Unreadable {
                        customer: customer.clone(),
                        sequence: view.last_sequence,
                        reason: format!("customer_views record: {error}"),
                    });
                }
            }
            current = Some(StreamCheck {
                key,
                customer,
                expected_sequence: 1,
                previous_hash: GENESIS_HASH.to_owned(),
                chain_broken: false,
                folded: Customer::default(),
                readable: true,
                view,
                folded_at_view: None,
                missed: None,
            });
        }
        let Some(check) = current.as_mut() else {
            continue;
        };
        report.events += 1;
        if report.events % 1000 == 0 {
            progress(report.events);
        }
        check_event(check, event, checkpoint, &mut report.findings);
    }
    if let Some(done) = current.take() {
        finish(&done, &mut report);
    }
    views.drain(&mut report.findings).await?;
    progress(report.events);
    Ok(report)
}

/// Checks one event of the current customer: sequence, hash link, readability, projection.
fn check_event(
    check: &mut StreamCheck,
    event: StoredEvent,
    checkpoint: i64,
    findings: &mut Vec<Finding>,
) {
    let StoredEvent {
        sequence,
        global_position: position,
        event_type,
        event_version,
        payload,
        metadata,
        ..
    } = event;
    if sequence != check.expected_sequence {
        findings.push(Finding::SequenceGap {
            customer: check.customer.clone(),
            expected: check.expected_sequence,
            found: sequence,
        });
    }
    check.expected_sequence = sequence + 1;
    // v1 events (no `chain` mark) by the old formula, v2 ones over payload and metadata; an
    // unknown mark cannot be checked, so it breaks the chain too.
    let expected_hash = expected_link(
        &check.previous_hash,
        &event_type,
        &event_version,
        &payload,
        &metadata,
    )
    .ok();
    let stored_hash = metadata
        .get(HASH_FIELD)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if expected_hash.as_deref() != Some(stored_hash.as_str()) && !check.chain_broken {
        check.chain_broken = true;
        findings.push(Finding::BrokenChain {
            customer: check.customer.clone(),
            sequence,
        });
    }
    // Continue from the stored link, so one edit is reported once, not at every later event.
    check.previous_hash = stored_hash;
    match open_event_value(payload, &check.customer, sequence, &check.key) {
        Ok(event) => check.folded.apply(&event),
        Err(error) => {
            check.readable = false;
            findings.push(Finding::Unreadable {
                customer: check.customer.clone(),
                sequence,
                reason: error
                    .into_store_error(&check.customer, sequence)
                    .to_string(),
            });
            return;
        }
    }
    let applied_by_view = check.view.as_ref().map_or(0, |v| v.last_sequence);
    if sequence == applied_by_view {
        check.folded_at_view = check.folded.record().and_then(|record| {
            serde_json::to_value(record)
                .ok()
                .map(|json| (json, columns(record)))
        });
    } else if sequence > applied_by_view && position <= checkpoint && check.missed.is_none() {
        check.missed = Some(sequence);
    }
}

fn finish(check: &StreamCheck, report: &mut Report) {
    if !check.readable {
        return;
    }
    let mismatch = |detail: String| Finding::ProjectionMismatch {
        projection: "customer_views".into(),
        customer: check.customer.clone(),
        detail,
    };
    if let Some(sequence) = check.missed {
        report.findings.push(mismatch(format!(
            "event {sequence} is at or below the projection's checkpoint but not applied"
        )));
    }
    let Some(view) = &check.view else { return };
    if view.last_sequence >= check.expected_sequence {
        report.findings.push(mismatch(format!(
            "the row claims sequence {} but the log ends at {}",
            view.last_sequence,
            check.expected_sequence - 1
        )));
    } else {
        match &check.folded_at_view {
            Some((record, _)) if record != &view.record => report.findings.push(mismatch(format!(
                "the row's record differs from a fresh fold of events 1..={}",
                view.last_sequence
            ))),
            Some((_, expected)) if expected != &view.columns => {
                let differing: Vec<String> = COLUMN_NAMES
                    .iter()
                    .zip(expected.iter().zip(&view.columns))
                    .filter(|(_, (want, have))| want != have)
                    .map(|(name, (want, have))| {
                        format!("{name} is {have:?}, the fold says {want:?}")
                    })
                    .collect();
                report.findings.push(mismatch(differing.join("; ")));
            }
            Some(_) => {}
            None => report.findings.push(mismatch(
                "the row's customer does not fold to a record".into(),
            )),
        }
    }
}
