//! The bulk phase of a rebuild: the whole log, folded in memory, written in a few large
//! transactions.
//!
//! The incremental projector is built for a trickle: each batch reads full events, reloads
//! the rows it touches and writes them back. Replaying millions of events that way spends
//! most of its time on round trips and on rows written again and again. Here instead:
//!
//! * a reader task streams only what a fold needs (guid, sequence, position, payload),
//!   decoding each payload straight into a `CustomerEvent`, one keyset page after another;
//! * the caller's task folds the events into customers held in memory, so a customer's
//!   row is written once per flush, not once per event batch;
//! * every `flush_events` events the changed customers go to a writer task, which writes them
//!   on two connections at once and then moves the rebuild's checkpoint, while folding goes
//!   on. Flushes are written one after the other, so the checkpoint only ever trails rows that
//!   have committed, and an interruption resumes after the last completed flush (rows written
//!   beyond it are harmless: a resumed fold skips the events a row already holds).
//!
//! Reading, folding and writing thus overlap, which matters on a machine with few cores:
//! PostgreSQL serves the read and the writes while this process decodes and folds.
//!
//! Customers are kept in memory between flushes; once more than `resident_customers` are held,
//! those already written are dropped, and a later event of one of them reloads its row from the
//! rebuild table (which the completed flush made current).

use std::collections::{HashMap, HashSet};

use foldhash::fast::RandomState;
use futures::TryStreamExt;
use kyc_app::AGGREGATE_TYPE;
use kyc_domain::{Customer, CustomerEvent};
use kyc_log::{load_checkpoint, save_checkpoint, RangeEvent};
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};
use tokio_util::task::AbortOnDropHandle;

use super::{fold_committed_prefix, load_folds, ViewRows};
use crate::codec::open_event_value;
use crate::error::{db_code_and_constraint, UNIQUE_VIOLATION};
use crate::keys::{CustomerKeys, KeyState};
use crate::StoreError;

/// How a bulk rebuild trades memory for speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkSettings {
    /// Events folded between two flushes (each flush is one transaction and a resume point).
    pub flush_events: u64,
    /// Customers kept in memory before those already written are dropped.
    pub resident_customers: usize,
}

impl Default for BulkSettings {
    fn default() -> Self {
        Self {
            flush_events: 50_000,
            resident_customers: 250_000,
        }
    }
}

/// Events the reader hands over at once.
const CHUNK: usize = 2_048;

/// Events one read statement returns (keyset pages keep each statement's snapshot short).
const PAGE: i64 = 100_000;

/// One event as the bulk fold needs it.
struct BulkEvent {
    guid: String,
    sequence: i64,
    position: i64,
    event: CustomerEvent,
}

/// The customers in memory, by guid. `SipHash`, the default, took ~6% of the folding thread.
type Folds = HashMap<String, Fold, RandomState>;

/// A customer folded in memory.
struct Fold {
    customer: Customer,
    last_position: i64,
    /// Changed since the last flush.
    dirty: bool,
    /// Has (or may have) a row already: written by an earlier flush, or loaded from one.
    stored: bool,
}

/// Applies the customer events with `after < global_position <= upto` to the projection
/// tables of `rebuild` (a pool whose `search_path` resolves them) and advances checkpoint
/// `name`, which must stand at `after`. `log` reads the events. Returns the events applied;
/// `progress` receives the running count.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_range(
    log: &PgPool,
    rebuild: &PgPool,
    keys: &CustomerKeys,
    name: &str,
    after: i64,
    upto: i64,
    settings: BulkSettings,
    mut progress: impl FnMut(u64),
) -> Result<u64, StoreError> {
    let (sender, mut chunks) = mpsc::channel(8);
    // Both tasks end when this future is dropped (an interrupted rebuild), not behind a
    // resumed one's back.
    let mut reader = AbortOnDropHandle::new(tokio::spawn(stream_range(
        log.clone(),
        keys.clone(),
        after,
        upto,
        sender,
    )));
    let (jobs, queued) = mpsc::channel(1);
    let (written, mut flushes_written) = watch::channel(0u64);
    let mut writer = AbortOnDropHandle::new(tokio::spawn(write_flushes(
        rebuild.clone(),
        name.to_owned(),
        queued,
        written,
    )));
    let mut folds = Folds::default();
    let mut applied = 0u64;
    let mut unflushed = 0u64;
    let mut flushes = Flushes {
        jobs,
        sent: 0,
        checkpoint: after,
    };
    let outcome = async {
        let mut position = after;
        while let Some(chunk) = chunks.recv().await {
            let chunk = chunk?;
            load_missing(log, rebuild, keys, &mut folds, &chunk).await?;
            for event in chunk {
                position = event.position;
                fold(log, keys, &mut folds, event).await?;
                applied += 1;
                unflushed += 1;
            }
            progress(applied);
            if unflushed >= settings.flush_events {
                if folds.len() > settings.resident_customers {
                    // Rows may only be reloaded from the table once their flush committed.
                    let previous = flushes.sent;
                    if flushes_written.wait_for(|w| *w >= previous).await.is_err() {
                        break; // The writer failed; its error is reported below.
                    }
                    folds.retain(|_, f| f.dirty);
                }
                if !flushes.send(log, keys, &mut folds, position).await? {
                    break;
                }
                unflushed = 0;
            }
        }
        // The channel also closes when the reader panics: only a reader that ended well has
        // read the whole range.
        (&mut reader)
            .await
            .map_err(|e| StoreError::TaskFailed(e.to_string()))?;
        // The last page may end before `upto` (trailing events of other aggregate types):
        // the checkpoint still moves to `upto`, every event up to it having been seen.
        flushes.send(log, keys, &mut folds, upto).await?;
        Ok(applied)
    }
    .await;
    reader.abort();
    // Closing the queue ends the writer once it has written what it holds; its error, if any,
    // is the first cause of a failure above.
    drop(flushes);
    let written = (&mut writer)
        .await
        .map_err(|e| StoreError::TaskFailed(e.to_string()))
        .and_then(|result| result);
    written.and(outcome)
}

/// The queue of flushes to the writer task.
struct Flushes {
    jobs: mpsc::Sender<FlushJob>,
    /// Flushes queued so far.
    sent: u64,
    /// Where the last queued flush leaves the checkpoint.
    checkpoint: i64,
}

impl Flushes {
    /// Queues the customers changed since the last flush, to move the checkpoint to `to`;
    /// false when the writer has stopped (it failed).
    async fn send(
        &mut self,
        log: &PgPool,
        keys: &CustomerKeys,
        folds: &mut Folds,
        to: i64,
    ) -> Result<bool, StoreError> {
        let mut parts: Vec<Part> = (0..WRITERS).map(|_| Part::default()).collect();
        let dirty_guids: Vec<&str> = folds
            .iter()
            .filter(|(_, f)| f.dirty)
            .map(|(guid, _)| guid.as_str())
            .collect();
        let states = keys.get_many(log, &dirty_guids).await?;
        let dirty = folds.iter_mut().filter(|(_, f)| f.dirty);
        for ((guid, fold), part) in dirty.zip((0..WRITERS).cycle()) {
            let key = states.get(guid).unwrap_or(&KeyState::Absent);
            let rows = if fold.stored {
                &mut parts[part].stored
            } else {
                &mut parts[part].new
            };
            rows.push(guid, &fold.customer, fold.last_position, key)?;
            fold.dirty = false;
            fold.stored = true;
        }
        let job = FlushJob {
            parts,
            from: self.checkpoint,
            to,
        };
        if self.jobs.send(job).await.is_err() {
            return Ok(false);
        }
        self.sent += 1;
        self.checkpoint = to;
        Ok(true)
    }
}

/// Connections one flush writes on at once, each with its share of the customers.
const WRITERS: usize = 2;

/// One writer's share of a flush.
#[derive(Default)]
struct Part {
    /// Customers never written: inserted with `COPY`.
    new: ViewRows,
    /// Customers that have (or may have) rows: upserted.
    stored: ViewRows,
}

impl Part {
    /// Writes the part in one transaction. Should a "new" customer have a row after all (an
    /// interrupted run wrote past its checkpoint), `COPY` fails on the key and the part is
    /// written again with upserts.
    async fn write(self, rebuild: &PgPool) -> Result<(), StoreError> {
        let mut tx = rebuild.begin().await?;
        match self.new.copy(&mut tx).await {
            Ok(()) => {}
            Err(StoreError::Database(error)) if is_unique_violation(&error) => {
                tx.rollback().await?;
                tx = rebuild.begin().await?;
                self.new.write(&mut tx).await?;
            }
            Err(error) => return Err(error),
        }
        self.stored.write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// One flush: the rows, in disjoint parts, and the checkpoint move they complete.
struct FlushJob {
    parts: Vec<Part>,
    from: i64,
    to: i64,
}

/// Writes the flushes in order. A flush's parts are written in parallel transactions; once all
/// have committed, the checkpoint moves. A crash in between leaves rows ahead of the checkpoint,
/// which is harmless: a resumed rebuild skips the events a row already holds (by sequence).
/// `written` counts the flushes done.
async fn write_flushes(
    rebuild: PgPool,
    name: String,
    mut jobs: mpsc::Receiver<FlushJob>,
    written: watch::Sender<u64>,
) -> Result<(), StoreError> {
    while let Some(job) = jobs.recv().await {
        let writes = job.parts.into_iter().map(|part| {
            let rebuild = rebuild.clone();
            AbortOnDropHandle::new(tokio::spawn(async move { part.write(&rebuild).await }))
        });
        for write in futures::future::join_all(writes).await {
            write.map_err(|e| StoreError::TaskFailed(e.to_string()))??;
        }
        let mut tx = rebuild.begin().await?;
        let found = load_checkpoint(&mut tx, &name).await?;
        if found != job.from {
            return Err(StoreError::CheckpointMoved {
                name,
                expected: job.from,
                found,
            });
        }
        save_checkpoint(&mut tx, &name, job.to).await?;
        tx.commit().await?;
        written.send_modify(|w| *w += 1);
    }
    Ok(())
}

/// Streams the range's customer events to `chunks`, page by page.
async fn stream_range(
    log: PgPool,
    keys: CustomerKeys,
    after: i64,
    upto: i64,
    chunks: mpsc::Sender<Result<Vec<BulkEvent>, StoreError>>,
) {
    let mut from = after;
    loop {
        let mut rows = kyc_log::read_range::<Value>(&log, AGGREGATE_TYPE, from, upto, PAGE);
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut in_page = 0;
        loop {
            match rows.try_next().await {
                Ok(Some(row)) => {
                    from = row.global_position;
                    chunk.push(row);
                    in_page += 1;
                }
                Ok(None) => break,
                Err(error) => {
                    let _ = chunks.send(Err(error.into())).await;
                    return;
                }
            }
            if chunk.len() == CHUNK {
                let raw = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                if chunks
                    .send(open_chunk(&log, &keys, raw).await)
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
        if !chunk.is_empty()
            && chunks
                .send(open_chunk(&log, &keys, chunk).await)
                .await
                .is_err()
        {
            return;
        }
        if in_page < PAGE {
            return;
        }
    }
}

/// Opens a chunk of stored events with their customers' keys (one query for those not cached).
async fn open_chunk(
    log: &PgPool,
    keys: &CustomerKeys,
    rows: Vec<RangeEvent<Value>>,
) -> Result<Vec<BulkEvent>, StoreError> {
    let mut guids: Vec<&str> = rows.iter().map(|row| row.aggregate_id.as_str()).collect();
    guids.sort_unstable();
    guids.dedup();
    let states = keys.get_many(log, &guids).await?;
    rows.into_iter()
        .map(|row| {
            let key = states.get(&row.aggregate_id).unwrap_or(&KeyState::Absent);
            let event: CustomerEvent =
                open_event_value(row.payload, &row.aggregate_id, row.sequence, key)
                    .map_err(|e| e.into_store_error(&row.aggregate_id, row.sequence))?;
            Ok(BulkEvent {
                guid: row.aggregate_id,
                sequence: row.sequence,
                position: row.global_position,
                event,
            })
        })
        .collect()
}

/// Loads the stored rows of customers that continue in `chunk` but are not in memory (dropped
/// after a flush, or written by an interrupted run), in one query.
async fn load_missing(
    log: &PgPool,
    rebuild: &PgPool,
    keys: &CustomerKeys,
    folds: &mut Folds,
    chunk: &[BulkEvent],
) -> Result<(), StoreError> {
    // Customers created within the chunk are not missing, only not folded yet.
    let mut created: HashSet<&str, RandomState> = HashSet::default();
    let mut missing = Vec::new();
    for event in chunk {
        if event.sequence == 1 {
            created.insert(event.guid.as_str());
        } else if !folds.contains_key(&event.guid) && !created.contains(event.guid.as_str()) {
            missing.push(event.guid.as_str());
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    missing.sort_unstable();
    missing.dedup();
    let states = keys.get_many(log, &missing).await?;
    for (guid, (customer, last_position)) in load_folds(rebuild, &missing, &states).await? {
        let fold = Fold {
            customer,
            last_position,
            dirty: false,
            stored: true,
        };
        folds.insert(guid, fold);
    }
    Ok(())
}

/// Folds one event; skips what the customer already holds, and re-folds from the log when the
/// event does not follow on (see the projector's module docs on holes).
async fn fold(
    log: &PgPool,
    keys: &CustomerKeys,
    folds: &mut Folds,
    event: BulkEvent,
) -> Result<(), StoreError> {
    let applied = folds.get(&event.guid).map_or(0, |f| f.customer.version());
    let sequence = u64::try_from(event.sequence).unwrap_or_default();
    if sequence <= applied {
        return Ok(());
    }
    if sequence == applied + 1 {
        let fold = folds.entry(event.guid).or_insert_with(|| Fold {
            customer: Customer::default(),
            last_position: 0,
            dirty: false,
            stored: false,
        });
        fold.customer.apply(&event.event);
        fold.last_position = fold.last_position.max(event.position);
        fold.dirty = true;
        return Ok(());
    }
    tracing::debug!(
        customer_guid = %event.guid,
        sequence,
        applied,
        "event ahead of the fold; re-folding the customer from the log"
    );
    let key = keys.get(log, &event.guid).await?;
    let (customer, last_position) = fold_committed_prefix(log, &key, &event.guid).await?;
    folds.insert(
        event.guid,
        Fold {
            customer,
            last_position,
            dirty: true,
            stored: true,
        },
    );
    Ok(())
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    db_code_and_constraint(error).is_some_and(|(code, _)| code == UNIQUE_VIOLATION)
}
