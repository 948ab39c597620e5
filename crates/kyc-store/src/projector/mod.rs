//! The customer projector: keeps `customer_views` and `document_views` equal to a fold of the
//! event log.
//!
//! Each [`project_batch`] reads the events after the checkpoint, folds each onto the stored
//! state of its customer, then in one short transaction locks the checkpoint, checks it did not
//! move, upserts the rows and saves the checkpoint. Rows and checkpoint therefore never
//! disagree, a crash loses nothing, and a second projector instance drops its batch instead of
//! applying events twice.
//!
//! The stored state is the [`CustomerRecord`] plus `last_sequence`: together they are the
//! serialized [`Customer`], so a batch folds onto the row without reloading any history.
//! Events at or below `last_sequence` are skipped, which makes re-projection idempotent.
//!
//! `global_position` follows the order in which transactions *took an id*. Since migration
//! 0006 requires events to be a transaction's first write, that order also follows each
//! customer's sequence. The projector still never folds across a hole: should an event's
//! sequence not be `last_sequence + 1` (a writer outside kyc, or data from before 0006), it
//! re-folds the customer from the log, which holds a contiguous committed prefix, and skips
//! the late event when it arrives.
//!
//! The write transaction holds a transaction id, which holds back every tailing reader's
//! horizon until it ends; reading and folding therefore happen before it starts.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use kyc_app::operator_queues::{
    awaiting_second_approval, awaits_review, document_expiry, review_clock,
};
use kyc_app::AGGREGATE_TYPE;
use kyc_domain::customer::DocumentStatus;
use kyc_domain::Customer;
use kyc_log::{
    load_checkpoint, load_stream, read_after, read_checkpoint, save_checkpoint, Advance, Batch,
    StoredEvent, TailConfig, TailHandler, Tailer,
};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool, Row};

mod bulk;
mod copy;
pub mod rebuild;

use crate::codec::{open_record, recorded_event, seal_record};
use crate::keys::{CustomerKeys, KeyState};
use crate::StoreError;

/// Checkpoint name of the customer projection.
pub const CUSTOMER_VIEWS: &str = "customer_views";

/// Events one batch of the projector applies at most.
pub const BATCH_SIZE: i64 = 500;

/// How often the projector looks for events when no notification arrives: notifications
/// are only hints (see [`kyc_log::listen`]).
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// A customer's stored fold while a batch works on it.
struct View {
    customer: Customer,
    last_position: i64,
    dirty: bool,
}

/// The customer projection as a handler of the log's tailer: it writes the rows of a batch
/// and the checkpoint in one transaction ([`Advance::Saved`]), and lets the tailer resume
/// when another instance applied the batch first. It opens events and seals the rows it
/// writes with the customers' data keys.
#[derive(Debug, Clone)]
pub struct CustomerViews {
    keys: CustomerKeys,
}

impl CustomerViews {
    /// The projection, with the customers' data keys.
    pub fn new(keys: CustomerKeys) -> Self {
        Self { keys }
    }
}

impl TailHandler for CustomerViews {
    type Error = StoreError;

    async fn handle(&mut self, pool: &PgPool, batch: &Batch<'_>) -> Result<Advance, StoreError> {
        Ok(
            if apply_batch(
                pool,
                &self.keys,
                batch.checkpoint,
                batch.after,
                batch.events,
            )
            .await?
            {
                Advance::Saved
            } else {
                Advance::Resume
            },
        )
    }
}

/// The tailer that keeps the customer views up to date (checkpoint [`CUSTOMER_VIEWS`]): run it
/// with [`Tailer::run`], and hand its [`Tailer::progress`] to
/// [`crate::PgCustomerStore::with_projection`] so lists see their callers' writes.
pub fn tailer(pool: PgPool, keys: CustomerKeys) -> Tailer<CustomerViews> {
    Tailer::new(
        pool,
        CustomerViews::new(keys),
        config(CUSTOMER_VIEWS, BATCH_SIZE),
    )
}

fn config(name: &str, limit: i64) -> TailConfig {
    TailConfig {
        batch_size: limit,
        poll_interval: POLL_INTERVAL,
        ..TailConfig::new(name)
    }
}

/// Applies up to `limit` events after checkpoint `name` to the customer views and returns
/// how many events it read (fewer than `limit`: caught up for now; 0 as well when another
/// projector applied them first).
pub async fn project_batch(
    pool: &PgPool,
    keys: &CustomerKeys,
    name: &str,
    limit: i64,
) -> Result<usize, StoreError> {
    let checkpoint = read_checkpoint(pool, name).await?;
    let events = read_after(pool, checkpoint, limit).await?;
    if events.is_empty() || !apply_batch(pool, keys, name, checkpoint, &events).await? {
        return Ok(0);
    }
    Ok(events.len())
}

/// Folds `events` (read after `checkpoint`) onto the customer views and writes them with the
/// new checkpoint; false, writing nothing, when checkpoint `name` is no longer at `checkpoint`.
///
/// Reading and folding happen outside any transaction that holds a transaction id: a
/// checkpoint row lock taken first would make this the oldest running transaction and hold
/// back every tailing reader (the relay, list freshness) for the whole batch. Only the write is
/// a transaction: it locks the checkpoint, makes sure no other projector moved it meanwhile
/// (else the batch is dropped, the other instance having done the work), and writes the rows
/// and the new checkpoint together.
async fn apply_batch(
    pool: &PgPool,
    keys: &CustomerKeys,
    name: &str,
    checkpoint: i64,
    events: &[StoredEvent],
) -> Result<bool, StoreError> {
    let Some(last) = events.last().map(|e| e.global_position) else {
        return Ok(true);
    };
    let guids: Vec<&str> = events
        .iter()
        .filter(|e| e.aggregate_type == AGGREGATE_TYPE)
        .map(|e| e.aggregate_id.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let key_states = keys.get_many(pool, &guids).await?;
    let mut views = load_views(pool, &guids, &key_states).await?;
    for stored in events.iter().filter(|e| e.aggregate_type == AGGREGATE_TYPE) {
        fold(pool, &key_states, &mut views, stored).await?;
    }
    let rows = write_views(&views, &key_states)?;
    let mut tx = pool.begin().await?;
    if load_checkpoint(&mut tx, name).await? != checkpoint {
        tx.rollback().await?;
        return Ok(false);
    }
    rows.write(&mut tx).await?;
    save_checkpoint(&mut tx, name, last).await?;
    tx.commit().await?;
    Ok(true)
}

/// Applies batches until one comes back short of `limit`; returns the events read in all.
/// The projector's tailer, run once instead of forever (for tools, tests and benchmarks).
pub async fn project_until_caught_up(
    pool: &PgPool,
    keys: &CustomerKeys,
    name: &str,
    limit: i64,
) -> Result<usize, StoreError> {
    Tailer::new(
        pool.clone(),
        CustomerViews::new(keys.clone()),
        config(name, limit),
    )
    .catch_up()
    .await
}

/// The stored views of the customers `guids`.
async fn load_views(
    pool: &PgPool,
    guids: &[&str],
    keys: &HashMap<String, KeyState>,
) -> Result<HashMap<String, View>, StoreError> {
    Ok(load_folds(pool, guids, keys)
        .await?
        .into_iter()
        .map(|(guid, (customer, last_position))| {
            let view = View {
                customer,
                last_position,
                dirty: false,
            };
            (guid, view)
        })
        .collect())
}

/// The stored folds (customer and the position it was folded up to) of the given customers,
/// from whichever `customer_views` the executor's `search_path` resolves; absent ones are
/// missing from the map.
pub(crate) async fn load_folds<'e, E: sqlx::PgExecutor<'e>>(
    executor: E,
    guids: &[&str],
    keys: &HashMap<String, KeyState>,
) -> Result<HashMap<String, (Customer, i64)>, StoreError> {
    let rows = sqlx::query(include_str!("load_views.sql"))
        .bind(guids)
        .fetch_all(executor)
        .await?;
    let mut folds = HashMap::with_capacity(guids.len());
    for row in rows {
        let guid: String = row.try_get("customer_guid")?;
        let last_sequence: i64 = row.try_get("last_sequence")?;
        let mut record: Value = row.try_get("record")?;
        open_record(
            &mut record,
            &guid,
            last_sequence,
            keys.get(&guid).unwrap_or(&KeyState::Absent),
        )?;
        // The serialized form of `Customer` (its fields are private to the domain); the unit
        // test below pins this shape.
        let customer: Customer = serde_json::from_value(
            json!({ "record": record, "version": last_sequence }),
        )
        .map_err(|e| StoreError::Corrupt {
            aggregate_id: guid.clone(),
            sequence: last_sequence,
            reason: format!(
                "customer_views record: {}",
                kyc_log::describe_json_error(&e)
            ),
        })?;
        folds.insert(guid, (customer, row.try_get("last_position")?));
    }
    Ok(folds)
}

/// Folds one event onto its customer's view.
async fn fold(
    pool: &PgPool,
    keys: &HashMap<String, KeyState>,
    views: &mut HashMap<String, View>,
    stored: &StoredEvent,
) -> Result<(), StoreError> {
    let key = keys.get(&stored.aggregate_id).unwrap_or(&KeyState::Absent);
    let applied = views
        .get(&stored.aggregate_id)
        .map_or(0, |v| v.customer.version());
    let sequence = u64::try_from(stored.sequence).unwrap_or_default();
    if sequence <= applied {
        return Ok(());
    }
    let view = if sequence == applied + 1 {
        let event = recorded_event(stored, key)?.event;
        let view = views.entry(stored.aggregate_id.clone()).or_insert(View {
            customer: Customer::default(),
            last_position: 0,
            dirty: false,
        });
        view.customer.apply(&event);
        view.last_position = view.last_position.max(stored.global_position);
        view
    } else {
        // A hole (see the module docs): fold the committed, contiguous stream instead.
        tracing::debug!(
            customer_guid = %stored.aggregate_id,
            sequence,
            applied,
            "event ahead of the view; re-folding the customer"
        );
        let (customer, last_position) =
            fold_committed_prefix(pool, key, &stored.aggregate_id).await?;
        views.insert(
            stored.aggregate_id.clone(),
            View {
                customer,
                last_position,
                dirty: false,
            },
        );
        views
            .get_mut(&stored.aggregate_id)
            .ok_or_else(|| StoreError::Corrupt {
                aggregate_id: stored.aggregate_id.clone(),
                sequence: stored.sequence,
                reason: "view vanished".to_owned(),
            })?
    };
    view.dirty = true;
    Ok(())
}

/// A customer folded from the log's contiguous committed prefix of its stream, and the
/// position of the last event folded: the answer to a hole (see the module docs).
pub(crate) async fn fold_committed_prefix(
    pool: &PgPool,
    key: &KeyState,
    guid: &str,
) -> Result<(Customer, i64), StoreError> {
    let history = load_stream(pool, AGGREGATE_TYPE, guid).await?;
    let mut customer = Customer::default();
    let mut last_position = 0;
    for (expected, item) in (1_i64..).zip(&history) {
        if item.sequence != expected {
            break;
        }
        customer.apply(&recorded_event(item, key)?.event);
        last_position = last_position.max(item.global_position);
    }
    Ok((customer, last_position))
}

/// The changed rows of one batch, column by column: sent as one array per column and
/// `UNNEST`ed, which PostgreSQL reads far faster than one large JSON document of rows.
#[derive(Default)]
struct CustomerRows {
    customer_guid: Vec<String>,
    bank_guid: Vec<String>,
    customer_type: Vec<&'static str>,
    state: Vec<&'static str>,
    labels: Vec<Value>,
    external_id: Vec<Option<String>>,
    profile_status: Vec<&'static str>,
    created_at: Vec<chrono::DateTime<chrono::Utc>>,
    updated_at: Vec<chrono::DateTime<chrono::Utc>>,
    last_sequence: Vec<i64>,
    last_position: Vec<i64>,
    /// The serialized `CustomerRecord`: JSON text, parsed once by PostgreSQL.
    record: Vec<String>,
    /// When the retention clock started (the sweeper's candidates).
    retention_starts_at: Vec<Option<chrono::DateTime<chrono::Utc>>>,
    /// A legal hold is on.
    legal_hold: Vec<bool>,
    /// The personal data is erased.
    erased: Vec<bool>,
    /// The latest risk rating's level.
    risk_level: Vec<Option<&'static str>>,
    /// When the first approval of a customer awaiting the second was given (the queue's order).
    awaiting_second_approval_since: Vec<Option<chrono::DateTime<chrono::Utc>>>,
    /// Who gave it.
    first_approver: Vec<Option<String>>,
    /// The earliest expiry of a document in force (the due-diligence scheduler's candidates).
    next_expiry_on: Vec<Option<chrono::NaiveDate>>,
    /// When a verified customer was verified or last reviewed.
    last_reviewed_at: Vec<Option<chrono::DateTime<chrono::Utc>>>,
    /// Since when something has been due for a verified customer.
    due_since: Vec<Option<chrono::DateTime<chrono::Utc>>>,
}

/// Document rows, column by column.
#[derive(Default)]
struct DocumentRows {
    document_guid: Vec<String>,
    customer_guid: Vec<String>,
    bank_guid: Vec<String>,
    kind: Vec<&'static str>,
    status: Vec<&'static str>,
    submitted_at: Vec<chrono::DateTime<chrono::Utc>>,
    last_position: Vec<i64>,
    associate_guid: Vec<Option<String>>,
    /// In the review queue (`kyc_app::operator_queues::awaits_review`).
    awaiting_review: Vec<bool>,
    /// Its last valid day while the due-diligence check watches it
    /// (`kyc_app::operator_queues::document_expiry`).
    expires_on: Vec<Option<chrono::NaiveDate>>,
}

/// One `customer_views` row in the JSON shape of `to_jsonb(customer_views)`: for benchmarks
/// that write the row of a command the way the projector does, without folding events.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerViewRow(pub Value);

impl CustomerViewRow {
    /// Upserts the row with the projector's own statement.
    pub async fn upsert(&self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let view = &self.0;
        let text = |key: &str| view[key].as_str().map(ToOwned::to_owned);
        let time = |key: &str| -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
            let raw = view[key].as_str().unwrap_or_default();
            chrono::DateTime::parse_from_rfc3339(raw)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|e| StoreError::Corrupt {
                    aggregate_id: text("customer_guid").unwrap_or_default(),
                    sequence: view["last_sequence"].as_i64().unwrap_or_default(),
                    reason: format!("{key}: {e}"),
                })
        };
        let optional_time = |key: &str| match view[key] {
            Value::Null => Ok(None),
            _ => time(key).map(Some),
        };
        // The statement takes one array per column; here each holds one row.
        sqlx::query(include_str!("upsert_customers.sql"))
            .bind(vec![text("customer_guid").unwrap_or_default()])
            .bind(vec![text("bank_guid").unwrap_or_default()])
            .bind(vec![text("customer_type").unwrap_or_default()])
            .bind(vec![text("state").unwrap_or_default()])
            .bind(vec![view["labels"].clone()])
            .bind(vec![text("external_id")])
            .bind(vec![text("profile_status").unwrap_or_default()])
            .bind(vec![time("created_at")?])
            .bind(vec![time("updated_at")?])
            .bind(vec![view["last_sequence"].as_i64().unwrap_or_default()])
            .bind(vec![view["last_position"].as_i64().unwrap_or_default()])
            .bind(vec![view["record"].clone()])
            .bind(vec![optional_time("retention_starts_at")?])
            .bind(vec![view["legal_hold"].as_bool().unwrap_or_default()])
            .bind(vec![view["erased"].as_bool().unwrap_or_default()])
            .bind(vec![text("risk_level")])
            .bind(vec![optional_time("awaiting_second_approval_since")?])
            .bind(vec![text("first_approver")])
            .bind(vec![view["next_expiry_on"].as_str().and_then(|raw| {
                chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()
            })])
            .bind(vec![optional_time("last_reviewed_at")?])
            .bind(vec![optional_time("due_since")?])
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// The clear facts the due-diligence scheduler selects by (migrations/0016): the earliest
/// expiry of a document in force while the customer can still be checked, and for a verified
/// customer its last review and since when something has been due.
fn due_diligence_columns(
    record: &kyc_domain::CustomerRecord,
    profile: &kyc_domain::customer::VerificationProfile,
) -> (
    Option<chrono::NaiveDate>,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<chrono::DateTime<chrono::Utc>>,
) {
    let next_expiry_on = record
        .documents
        .values()
        .filter_map(|d| document_expiry(record, d))
        .min();
    let last_reviewed_at = review_clock(record).map(|(_, at)| at);
    let verified =
        record.erased_at.is_none() && record.state == kyc_domain::CustomerState::Verified;
    let due_since = if verified {
        record.due_since_under(profile)
    } else {
        None
    };
    (next_expiry_on, last_reviewed_at, due_since)
}

/// The rows of the changed customers and their documents.
fn write_views(
    views: &HashMap<String, View>,
    keys: &HashMap<String, KeyState>,
) -> Result<ViewRows, StoreError> {
    let mut rows = ViewRows::default();
    for (guid, view) in views.iter().filter(|(_, v)| v.dirty) {
        let key = keys.get(guid).unwrap_or(&KeyState::Absent);
        rows.push(guid, &view.customer, view.last_position, key)?;
    }
    Ok(rows)
}

/// Customer and document rows of several customers, ready to be written in two statements.
#[derive(Default)]
pub(crate) struct ViewRows {
    customers: CustomerRows,
    documents: DocumentRows,
}

impl ViewRows {
    /// Adds the rows of one customer folded up to `last_position`.
    pub(crate) fn push(
        &mut self,
        guid: &str,
        customer: &Customer,
        last_position: i64,
        key: &KeyState,
    ) -> Result<(), StoreError> {
        let Some(record) = customer.record() else {
            tracing::warn!(customer_guid = %guid, "stream does not start with CustomerCreated");
            return Ok(());
        };
        let sequence = i64::try_from(customer.version()).unwrap_or(i64::MAX);
        let labels: Vec<&str> = record
            .details
            .labels
            .iter()
            .flatten()
            .map(kyc_domain::values::ShortText::as_str)
            .collect();
        let corrupt = |e: serde_json::Error| StoreError::Corrupt {
            aggregate_id: guid.to_owned(),
            sequence,
            reason: e.to_string(),
        };
        // A customer with a key has its personal fields sealed; one created before
        // encryption keeps its clear record; an erased one has nothing personal left.
        let serialized = match key {
            KeyState::Active(key) => {
                let mut value = serde_json::to_value(record).map_err(corrupt)?;
                seal_record(&mut value, guid, key)?;
                value.to_string()
            }
            KeyState::Destroyed | KeyState::Absent => {
                serde_json::to_string(record).map_err(corrupt)?
            }
        };
        // Evaluated once: the status column and the due-diligence columns both read it.
        let profile = record.verification_profile();
        let customers = &mut self.customers;
        customers.customer_guid.push(guid.to_owned());
        customers.bank_guid.push(record.bank_guid.to_string());
        customers.customer_type.push(record.customer_type.as_str());
        customers.state.push(record.state.as_str());
        customers.labels.push(json!(labels));
        customers
            .external_id
            .push(record.external_id.as_ref().map(|e| e.as_str().to_owned()));
        customers.profile_status.push(profile.status.as_str());
        customers.created_at.push(record.created_at);
        customers.updated_at.push(record.updated_at);
        customers.last_sequence.push(sequence);
        customers.last_position.push(last_position);
        customers.record.push(serialized);
        customers
            .retention_starts_at
            .push(record.retention_clock_start());
        customers.legal_hold.push(record.legal_hold_on());
        customers.erased.push(record.erased_at.is_some());
        customers
            .risk_level
            .push(record.risk.as_ref().map(|risk| risk.level.as_str()));
        let first_approval = awaiting_second_approval(record);
        customers
            .awaiting_second_approval_since
            .push(first_approval.map(|approval| approval.at));
        customers
            .first_approver
            .push(first_approval.map(|approval| approval.approver.as_str().to_owned()));
        let (next_expiry_on, last_reviewed_at, due_since) = due_diligence_columns(record, &profile);
        customers.next_expiry_on.push(next_expiry_on);
        customers.last_reviewed_at.push(last_reviewed_at);
        customers.due_since.push(due_since);
        for document in record.documents.values() {
            let documents = &mut self.documents;
            documents.document_guid.push(document.guid.to_string());
            documents.customer_guid.push(guid.to_owned());
            documents.bank_guid.push(record.bank_guid.to_string());
            documents.kind.push(document.kind.as_str());
            documents.status.push(match document.status {
                DocumentStatus::Pending => "pending",
                DocumentStatus::Accepted => "accepted",
                DocumentStatus::Rejected { .. } => "rejected",
            });
            documents.submitted_at.push(document.submitted_at);
            documents.last_position.push(last_position);
            documents
                .associate_guid
                .push(document.associate_guid.map(|guid| guid.to_string()));
            documents
                .awaiting_review
                .push(awaits_review(record, document));
            documents.expires_on.push(document_expiry(record, document));
        }
        Ok(())
    }

    /// Upserts the rows (into whichever tables `search_path` resolves).
    pub(crate) async fn write(&self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let customers = &self.customers;
        if !customers.customer_guid.is_empty() {
            sqlx::query(include_str!("upsert_customers.sql"))
                .bind(&customers.customer_guid)
                .bind(&customers.bank_guid)
                .bind(&customers.customer_type)
                .bind(&customers.state)
                .bind(&customers.labels)
                .bind(&customers.external_id)
                .bind(&customers.profile_status)
                .bind(&customers.created_at)
                .bind(&customers.updated_at)
                .bind(&customers.last_sequence)
                .bind(&customers.last_position)
                .bind(&customers.record)
                .bind(&customers.retention_starts_at)
                .bind(&customers.legal_hold)
                .bind(&customers.erased)
                .bind(&customers.risk_level)
                .bind(&customers.awaiting_second_approval_since)
                .bind(&customers.first_approver)
                .bind(&customers.next_expiry_on)
                .bind(&customers.last_reviewed_at)
                .bind(&customers.due_since)
                .execute(&mut *conn)
                .await?;
        }
        let documents = &self.documents;
        if !documents.document_guid.is_empty() {
            sqlx::query(include_str!("upsert_documents.sql"))
                .bind(&documents.document_guid)
                .bind(&documents.customer_guid)
                .bind(&documents.bank_guid)
                .bind(&documents.kind)
                .bind(&documents.status)
                .bind(&documents.submitted_at)
                .bind(&documents.last_position)
                .bind(&documents.associate_guid)
                .bind(&documents.awaiting_review)
                .bind(&documents.expires_on)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `load_views` rebuilds a `Customer` from `{record, version}`; a renamed field in the
    /// domain must fail here rather than corrupt the projection.
    #[test]
    fn a_customer_serializes_as_record_and_version() {
        let value = serde_json::to_value(Customer::default()).unwrap();
        assert_eq!(value, json!({ "record": null, "version": 0 }));
        let back: Customer = serde_json::from_value(value).unwrap();
        assert_eq!(back, Customer::default());
    }
}
