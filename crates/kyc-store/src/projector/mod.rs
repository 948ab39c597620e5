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
use std::future::Future;
use std::time::{Duration, Instant};

use kyc_app::AGGREGATE_TYPE;
use kyc_domain::customer::DocumentStatus;
use kyc_domain::Customer;
use serde_json::{json, Value};
use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool, Row};

mod bulk;
mod copy;
pub mod rebuild;

use crate::customers::recorded_event;
use crate::{load_checkpoint, load_stream, read_after, save_checkpoint, StoreError, StoredEvent};

/// Checkpoint name of the customer projection.
pub const CUSTOMER_VIEWS: &str = "customer_views";

/// Events one [`run_projector`] transaction applies at most.
pub const BATCH_SIZE: i64 = 500;

/// How often [`run_projector`] looks for events when no notification arrives: notifications
/// are only hints (see [`crate::listen`]).
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Longest pause after repeated failures.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// A customer's stored fold while a batch works on it.
struct View {
    customer: Customer,
    last_position: i64,
    dirty: bool,
}

/// Applies up to `limit` events after checkpoint `name` to the customer views and returns
/// how many events it read (fewer than `limit`: caught up for now).
///
/// Reading and folding happen outside any transaction that holds a transaction id: a
/// checkpoint row lock taken first would make this the oldest running transaction and hold
/// back every tailing reader (the relay, list freshness) for the whole batch. Only the write is
/// a transaction: it locks the checkpoint, makes sure no other projector moved it meanwhile
/// (else the batch is dropped, the other instance having done the work), and writes the rows
/// and the new checkpoint together.
pub async fn project_batch(pool: &PgPool, name: &str, limit: i64) -> Result<usize, StoreError> {
    let checkpoint = crate::read_checkpoint(pool, name).await?;
    let events = read_after(pool, checkpoint, limit).await?;
    let Some(last) = events.last().map(|e| e.global_position) else {
        return Ok(0);
    };
    let mut views = load_views(pool, &events).await?;
    for stored in events.iter().filter(|e| e.aggregate_type == AGGREGATE_TYPE) {
        fold(pool, &mut views, stored).await?;
    }
    let mut tx = pool.begin().await?;
    if load_checkpoint(&mut tx, name).await? != checkpoint {
        tx.rollback().await?;
        return Ok(0);
    }
    write_views(&mut tx, &views).await?;
    save_checkpoint(&mut tx, name, last).await?;
    tx.commit().await?;
    Ok(events.len())
}

/// Applies batches until one comes back short of `limit`; returns the events read in all.
pub async fn project_until_caught_up(
    pool: &PgPool,
    name: &str,
    limit: i64,
) -> Result<usize, StoreError> {
    let full = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut total = 0;
    loop {
        let read = project_batch(pool, name, limit).await?;
        total += read;
        if read < full {
            return Ok(total);
        }
    }
}

/// Keeps the customer views up to date until `shutdown` completes: woken by the event log's
/// notifications, polling every [`POLL_INTERVAL`] as well. Failures (database down, a corrupt
/// event) are logged and retried with exponential back-off; this function never gives up.
pub async fn run_projector(pool: PgPool, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut listener: Option<PgListener> = None;
    let mut backoff = POLL_INTERVAL;
    loop {
        if listener.is_none() {
            match crate::listen(&pool).await {
                Ok(l) => listener = Some(l),
                Err(error) => tracing::warn!(?error, "projector cannot listen; polling only"),
            }
        }
        let pause = match project_until_caught_up(&pool, CUSTOMER_VIEWS, BATCH_SIZE).await {
            Ok(read) => {
                if read > 0 {
                    tracing::debug!(read, "customer views projected");
                }
                backoff = POLL_INTERVAL;
                None
            }
            Err(error) => {
                tracing::error!(?error, projection = CUSTOMER_VIEWS, "projection failed");
                let pause = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                Some(pause)
            }
        };
        tokio::select! {
            () = &mut shutdown => return,
            () = wait(&mut listener, pause) => {}
        }
    }
}

/// Waits for a notification or the poll interval, or exactly `pause` after a failure.
async fn wait(listener: &mut Option<PgListener>, pause: Option<Duration>) {
    if let Some(pause) = pause {
        tokio::time::sleep(pause).await;
        return;
    }
    let Some(l) = listener.as_mut() else {
        tokio::time::sleep(POLL_INTERVAL).await;
        return;
    };
    match tokio::time::timeout(POLL_INTERVAL, l.recv()).await {
        Ok(Ok(_)) => crate::gather_notifications(l).await,
        Err(_) => {}
        Ok(Err(error)) => {
            tracing::warn!(?error, "projector listener failed; reconnecting");
            *listener = None;
        }
    }
}

/// Waits until checkpoint `name` has reached `position` (e.g. the position of one's own
/// write), checking every few milliseconds. Returns whether it did within `timeout`.
pub async fn wait_for_position(
    pool: &PgPool,
    name: &str,
    position: i64,
    timeout: Duration,
) -> Result<bool, StoreError> {
    let deadline = Instant::now() + timeout;
    loop {
        if crate::read_checkpoint(pool, name).await? >= position {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The stored views of every customer in `events`.
async fn load_views(
    pool: &PgPool,
    events: &[StoredEvent],
) -> Result<HashMap<String, View>, StoreError> {
    let guids: Vec<&str> = events
        .iter()
        .filter(|e| e.aggregate_type == AGGREGATE_TYPE)
        .map(|e| e.aggregate_id.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(load_folds(pool, &guids)
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
) -> Result<HashMap<String, (Customer, i64)>, StoreError> {
    let rows = sqlx::query(include_str!("load_views.sql"))
        .bind(guids)
        .fetch_all(executor)
        .await?;
    let mut folds = HashMap::with_capacity(guids.len());
    for row in rows {
        let guid: String = row.try_get("customer_guid")?;
        let last_sequence: i64 = row.try_get("last_sequence")?;
        let record: Value = row.try_get("record")?;
        // The serialized form of `Customer` (its fields are private to the domain); the unit
        // test below pins this shape.
        let customer: Customer = serde_json::from_value(
            json!({ "record": record, "version": last_sequence }),
        )
        .map_err(|e| StoreError::Corrupt {
            aggregate_id: guid.clone(),
            sequence: last_sequence,
            reason: format!("customer_views record: {e}"),
        })?;
        folds.insert(guid, (customer, row.try_get("last_position")?));
    }
    Ok(folds)
}

/// Folds one event onto its customer's view.
async fn fold(
    pool: &PgPool,
    views: &mut HashMap<String, View>,
    stored: &StoredEvent,
) -> Result<(), StoreError> {
    let applied = views
        .get(&stored.aggregate_id)
        .map_or(0, |v| v.customer.version());
    let sequence = u64::try_from(stored.sequence).unwrap_or_default();
    if sequence <= applied {
        return Ok(());
    }
    let view = if sequence == applied + 1 {
        let event = recorded_event(stored)?.event;
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
        let (customer, last_position) = fold_committed_prefix(pool, &stored.aggregate_id).await?;
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
    guid: &str,
) -> Result<(Customer, i64), StoreError> {
    let history = load_stream(pool, AGGREGATE_TYPE, guid).await?;
    let mut customer = Customer::default();
    let mut last_position = 0;
    for (expected, item) in (1_i64..).zip(&history) {
        if item.sequence != expected {
            break;
        }
        customer.apply(&recorded_event(item)?.event);
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
}

/// Upserts the changed customer and document rows.
async fn write_views(
    conn: &mut PgConnection,
    views: &HashMap<String, View>,
) -> Result<(), StoreError> {
    let mut rows = ViewRows::default();
    for (guid, view) in views.iter().filter(|(_, v)| v.dirty) {
        rows.push(guid, &view.customer, view.last_position)?;
    }
    rows.write(conn).await
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
        let serialized = serde_json::to_string(record).map_err(|e| StoreError::Corrupt {
            aggregate_id: guid.to_owned(),
            sequence,
            reason: e.to_string(),
        })?;
        let customers = &mut self.customers;
        customers.customer_guid.push(guid.to_owned());
        customers.bank_guid.push(record.bank_guid.to_string());
        customers.customer_type.push(record.customer_type.as_str());
        customers.state.push(record.state.as_str());
        customers.labels.push(json!(labels));
        customers
            .external_id
            .push(record.external_id.as_ref().map(|e| e.as_str().to_owned()));
        customers
            .profile_status
            .push(record.verification_profile().status.as_str());
        customers.created_at.push(record.created_at);
        customers.updated_at.push(record.updated_at);
        customers.last_sequence.push(sequence);
        customers.last_position.push(last_position);
        customers.record.push(serialized);
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
