//! The event log: append to one stream, load a stream, tail the whole log by global position.
//!
//! # Why `global_position` is not a serial
//!
//! A tailing reader (projection, relay) remembers the last position it applied and asks for
//! everything after it. With a serial column that breaks: numbers are drawn at insert time but
//! become visible at commit time, so position 11 can be visible while 10 is still in flight,
//! and a reader that checkpointed 11 never sees 10. Taking a global lock would fix ordering but
//! would serialise every command of every customer.
//!
//! Here a trigger sets `global_position = (transaction id << 16) + index within transaction`,
//! and [`read_after`] only returns events of transactions whose id is below the `xmin` of the
//! reader's snapshot: those transactions have all finished, and any transaction that can still
//! commit has a larger id. So positions become visible in increasing order and a reader that
//! has passed position N never later finds a new event below N.
//!
//! Caveat: `xmin` is cluster-wide. A long-running transaction that holds a transaction id,
//! in any database of the cluster, delays every tailing reader until it ends. Readers are then
//! late, never wrong; keep write transactions short.

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, PgPool, Row};

use crate::error::{db_code_and_constraint, describe_json_error, UNIQUE_VIOLATION};
use crate::LogError;

/// Events one transaction may append in total (the low 16 bits of `global_position`).
pub const MAX_EVENTS_PER_TRANSACTION: usize = 1 << 16;

/// SQLSTATE `program_limit_exceeded`, raised by the position trigger past 65536 events.
const PROGRAM_LIMIT_EXCEEDED: &str = "54000";
/// SQLSTATE `object_not_in_prerequisite_state`, raised by the position trigger when the events
/// are not the transaction's first write (migrations/0006).
const NOT_FIRST_WRITE: &str = "55000";

/// An event to append, already serialized by the domain.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Event name, e.g. `CustomerCreated`.
    pub event_type: String,
    /// Schema version of the payload, for upcasting.
    pub event_version: String,
    /// The serialized event.
    pub payload: Value,
    /// Correlation data (request id, principal, ...).
    pub metadata: Value,
}

/// Where an appended event landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendedEvent {
    /// Its sequence within the stream (1-based).
    pub sequence: i64,
    /// Its position in the whole log.
    pub global_position: i64,
    /// Start time of the writing transaction (`now()`), as [`StoredEvent::recorded_at`].
    pub recorded_at: DateTime<Utc>,
}

/// An event as stored in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Position in the whole log; increases in the order tailing readers see events.
    pub global_position: i64,
    /// Aggregate type of the stream.
    pub aggregate_type: String,
    /// Aggregate id of the stream.
    pub aggregate_id: String,
    /// Sequence within the stream (1-based, contiguous).
    pub sequence: i64,
    /// Event name.
    pub event_type: String,
    /// Schema version of the payload.
    pub event_version: String,
    /// The serialized event.
    pub payload: Value,
    /// Correlation data.
    pub metadata: Value,
    /// Start time of the transaction that wrote the event (`now()`), not its commit time.
    pub recorded_at: DateTime<Utc>,
}

/// The cut for [`load_stream_as_of`]: "state as of".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// Events with `global_position <= position`. Use a position obtained from [`read_after`]
    /// or [`last_position`]: below the reader horizon, no event can still appear.
    GlobalPosition(i64),
    /// Events with `recorded_at <= instant`. `recorded_at` is the writing transaction's start
    /// time, so an event committed after `instant` by a transaction that began before it counts.
    RecordedAt(DateTime<Utc>),
}

/// Appends `events` to the stream after `expected_last_sequence` (0 for a new stream), inside
/// the caller's transaction (pass `&mut *tx`), as one multi-row INSERT.
///
/// Returns the sequence and global position of each event, in order. A stale
/// `expected_last_sequence` yields [`LogError::Conflict`]; after any error the caller's
/// transaction must be rolled back. Position order matches commit order only for readers
/// using [`read_after`]. The events must be the transaction's first write
/// ([`LogError::EventsNotFirstWrite`] otherwise), so that positions rise with sequences.
pub async fn append(
    conn: &mut PgConnection,
    aggregate_type: &str,
    aggregate_id: &str,
    expected_last_sequence: i64,
    events: &[NewEvent],
) -> Result<Vec<AppendedEvent>, LogError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    if events.len() > MAX_EVENTS_PER_TRANSACTION {
        return Err(LogError::TooManyEventsInTransaction);
    }
    let conflict = || LogError::Conflict {
        aggregate_type: aggregate_type.to_owned(),
        aggregate_id: aggregate_id.to_owned(),
        expected: expected_last_sequence,
    };
    let event_types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    let versions: Vec<&str> = events.iter().map(|e| e.event_version.as_str()).collect();
    let payloads: Vec<&Value> = events.iter().map(|e| &e.payload).collect();
    let metadata: Vec<&Value> = events.iter().map(|e| &e.metadata).collect();

    let rows = sqlx::query(include_str!("append.sql"))
        .bind(aggregate_type)
        .bind(aggregate_id)
        .bind(expected_last_sequence)
        .bind(event_types)
        .bind(versions)
        .bind(payloads)
        .bind(metadata)
        .fetch_all(conn)
        .await
        .map_err(|err| match db_code_and_constraint(&err) {
            Some((code, Some(constraint)))
                if code == UNIQUE_VIOLATION && constraint == "events_pkey" =>
            {
                conflict()
            }
            Some((code, _)) if code == PROGRAM_LIMIT_EXCEEDED => {
                LogError::TooManyEventsInTransaction
            }
            Some((code, _)) if code == NOT_FIRST_WRITE => LogError::EventsNotFirstWrite,
            _ => LogError::from(err),
        })?;
    if rows.len() != events.len() {
        // The guard found a different last sequence: nothing was inserted.
        return Err(conflict());
    }
    let mut appended = rows
        .iter()
        .map(|row| {
            Ok(AppendedEvent {
                sequence: row.try_get("sequence")?,
                global_position: row.try_get("global_position")?,
                recorded_at: row.try_get("recorded_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    appended.sort_by_key(|a| a.sequence);
    Ok(appended)
}

/// Loads one whole stream in sequence order (empty if it does not exist).
pub async fn load_stream<'e, E: PgExecutor<'e>>(
    executor: E,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<StoredEvent>, LogError> {
    let rows = sqlx::query(include_str!("load_stream.sql"))
        .bind(aggregate_type)
        .bind(aggregate_id)
        .fetch_all(executor)
        .await?;
    rows.iter().map(stored_event).collect()
}

/// Loads one stream in sequence order, up to a position or an instant (see [`AsOf`]).
pub async fn load_stream_as_of<'e, E: PgExecutor<'e>>(
    executor: E,
    aggregate_type: &str,
    aggregate_id: &str,
    as_of: AsOf,
) -> Result<Vec<StoredEvent>, LogError> {
    let (position, instant) = match as_of {
        AsOf::GlobalPosition(p) => (Some(p), None),
        AsOf::RecordedAt(t) => (None, Some(t)),
    };
    let rows = sqlx::query(include_str!("load_stream_as_of.sql"))
        .bind(aggregate_type)
        .bind(aggregate_id)
        .bind(position)
        .bind(instant)
        .fetch_all(executor)
        .await?;
    rows.iter().map(stored_event).collect()
}

/// Up to `limit` events with `global_position > after_position`, in position order, limited
/// to transactions that can no longer be overtaken (see the module docs). Start from 0.
///
/// An empty answer means "nothing safe to read yet", not "nothing written": a running
/// transaction may hold the horizon back.
/// Called inside a transaction that has itself written, it never returns that transaction's
/// own events: its own id is part of the horizon.
pub async fn read_after<'e, E: PgExecutor<'e>>(
    executor: E,
    after_position: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, LogError> {
    let rows = sqlx::query(include_str!("read_after.sql"))
        .bind(after_position)
        .bind(limit)
        .fetch_all(executor)
        .await?;
    rows.iter().map(stored_event).collect()
}

/// The highest position [`read_after`] can currently return (0 for an empty log).
pub async fn last_position<'e, E: PgExecutor<'e>>(executor: E) -> Result<i64, LogError> {
    Ok(sqlx::query_scalar(include_str!("last_position.sql"))
        .fetch_one(executor)
        .await?)
}

/// The position of event `sequence` of a stream, if the log holds it.
pub async fn position_of<'e, E: PgExecutor<'e>>(
    executor: E,
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: i64,
) -> Result<Option<i64>, LogError> {
    Ok(sqlx::query_scalar(include_str!("position_of.sql"))
        .bind(aggregate_type)
        .bind(aggregate_id)
        .bind(sequence)
        .fetch_optional(executor)
        .await?)
}

/// How many events lie in the position range `(after, up_to]`, e.g. a consumer's backlog.
pub async fn count_between<'e, E: PgExecutor<'e>>(
    executor: E,
    after: i64,
    up_to: i64,
) -> Result<u64, LogError> {
    let count: i64 = sqlx::query_scalar(include_str!("count_between.sql"))
        .bind(after)
        .bind(up_to)
        .fetch_one(executor)
        .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// How many events the log holds.
pub async fn count_events<'e, E: PgExecutor<'e>>(executor: E) -> Result<u64, LogError> {
    let count: i64 = sqlx::query_scalar(include_str!("count.sql"))
        .fetch_one(executor)
        .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The newest *committed* position (0 for an empty log), which may lie above what
/// [`read_after`] can return yet: the target for a caller that waits until a tailer has applied
/// its own earlier writes, which can sit above an older transaction that is still running.
pub async fn last_committed_position<'e, E: PgExecutor<'e>>(executor: E) -> Result<i64, LogError> {
    Ok(
        sqlx::query_scalar(include_str!("last_committed_position.sql"))
            .fetch_one(executor)
            .await?,
    )
}

/// Every stream of `aggregate_type`, one after the other (by aggregate id), each in sequence
/// order; streamed from the database rather than loaded at once (for audits of the whole log).
pub fn streams_of_type<'a>(
    pool: &'a PgPool,
    aggregate_type: &'a str,
) -> BoxStream<'a, Result<StoredEvent, LogError>> {
    sqlx::query(include_str!("by_stream.sql"))
        .bind(aggregate_type)
        .fetch(pool)
        .map_err(LogError::from)
        .and_then(|row| async move { stored_event(&row) })
        .boxed()
}

/// Reads every payload once, as text, in position order, and returns how many it read: the
/// cheapest full read of the log, the baseline replay speeds are measured against.
pub async fn scan_payloads(pool: &PgPool) -> Result<u64, LogError> {
    let mut rows = sqlx::query_scalar::<_, String>(include_str!("payload_scan.sql")).fetch(pool);
    let mut read = 0u64;
    while let Some(payload) = rows.try_next().await? {
        std::hint::black_box(payload);
        read += 1;
    }
    Ok(read)
}

/// Refreshes the planner's statistics of the event table if they are missing or stale (never
/// analyzed, or a tenth of the rows changed since), or always when `force`. Returns whether it
/// analyzed.
///
/// Bulk reads by position want the index on `global_position`. Without statistics (autovacuum
/// off, or not yet run after a large import) PostgreSQL estimated 71 rows for a million and
/// chose a bitmap scan with an on-disk sort of the whole log for every page.
pub async fn analyze(pool: &PgPool, force: bool) -> Result<bool, LogError> {
    let stale: bool = force
        || sqlx::query_scalar(include_str!("statistics_stale.sql"))
            .fetch_one(pool)
            .await?;
    if stale {
        sqlx::query("ANALYZE events").execute(pool).await?;
    }
    Ok(stale)
}

/// One event of a bulk read ([`read_range`]): only what a fold needs, the payload decoded
/// straight into the caller's type.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeEvent<P> {
    /// Aggregate id of the stream.
    pub aggregate_id: String,
    /// Sequence within the stream.
    pub sequence: i64,
    /// Position in the whole log.
    pub global_position: i64,
    /// The decoded payload.
    pub payload: P,
}

/// One keyset page of a bulk read: up to `limit` events of `aggregate_type` with positions in
/// `(after, up_to]`, in position order, payloads decoded into `P` without an intermediate
/// [`Value`]. Choose `up_to` at or below [`last_position`], so no event can still appear in the
/// range. A payload that does not decode is [`LogError::Undecodable`].
pub fn read_range<'a, P: DeserializeOwned + Send + 'a>(
    pool: &'a PgPool,
    aggregate_type: &'a str,
    after: i64,
    up_to: i64,
    limit: i64,
) -> BoxStream<'a, Result<RangeEvent<P>, LogError>> {
    sqlx::query(include_str!("read_range.sql"))
        .bind(aggregate_type)
        .bind(after)
        .bind(up_to)
        .bind(limit)
        .fetch(pool)
        .map_err(LogError::from)
        .and_then(|row| async move { range_event(&row) })
        .boxed()
}

fn range_event<P: DeserializeOwned>(
    row: &sqlx::postgres::PgRow,
) -> Result<RangeEvent<P>, LogError> {
    let aggregate_id: String = row.try_get("aggregate_id")?;
    let sequence: i64 = row.try_get("sequence")?;
    let payload = match row.try_get::<Json<P>, _>("payload") {
        Ok(Json(payload)) => payload,
        Err(sqlx::Error::ColumnDecode { source, .. }) => {
            return Err(LogError::Undecodable {
                aggregate_id,
                sequence,
                reason: match source.downcast_ref::<serde_json::Error>() {
                    Some(json) => format!("event payload: {}", describe_json_error(json)),
                    None => format!("event payload: {source}"),
                },
            })
        }
        Err(other) => return Err(other.into()),
    };
    Ok(RangeEvent {
        aggregate_id,
        sequence,
        global_position: row.try_get("global_position")?,
        payload,
    })
}

/// The last event of a stream: its sequence and its metadata's `hash` (the hash-chain link),
/// or `None` for a stream that does not exist yet.
pub async fn last_link<'e, E: PgExecutor<'e>>(
    executor: E,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Option<(i64, Option<String>)>, LogError> {
    let row = sqlx::query(include_str!("last_hash.sql"))
        .bind(aggregate_type)
        .bind(aggregate_id)
        .fetch_optional(executor)
        .await?;
    row.map(|row| Ok((row.try_get("sequence")?, row.try_get("hash")?)))
        .transpose()
}

/// One event of a [`FoldedStream`]: its sequence, its payload as JSON text (for a reader that
/// decodes it straight into its own types) and its chain link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuffixEvent {
    /// Its sequence in the stream.
    pub sequence: i64,
    /// The payload, as JSON text.
    pub payload: String,
    /// The metadata's `hash`, if it has one.
    pub hash: Option<String>,
}

/// A caller's stored fold of a stream's first events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFold {
    /// How many events it covers.
    pub last_sequence: i64,
    /// The caller's serialization of it.
    pub body: String,
}

/// What [`load_after_fold`] reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoldedStream {
    /// The stored fold, if the caller has one for this stream.
    pub fold: Option<StoredFold>,
    /// The stream's first event, when there is a fold: to check that the fold is this stream's.
    pub first: Option<SuffixEvent>,
    /// The events from the fold's last one on (all of them without a fold).
    pub events: Vec<SuffixEvent>,
}

/// A stream's events after the caller's stored fold, with the fold, in one statement: one
/// round trip, and one snapshot, so the fold can never be ahead of the events.
///
/// `fold_query` is the caller's SQL for its fold of stream `$2` (the aggregate id): at most one
/// row `(last_sequence bigint, body text)`. The log composes it with its own reads of the event
/// table, which therefore stay in this crate.
pub async fn load_after_fold<'e, E: PgExecutor<'e>>(
    executor: E,
    fold_query: &str,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<FoldedStream, LogError> {
    let statement = include_str!("load_after_fold.sql").replace("{fold}", fold_query);
    let rows = sqlx::query(&statement)
        .bind(aggregate_type)
        .bind(aggregate_id)
        .fetch_all(executor)
        .await?;
    let mut folded = FoldedStream::default();
    for row in rows {
        let sequence: i64 = row.try_get("sequence")?;
        let body: String = row.try_get("body")?;
        let hash: Option<String> = row.try_get("hash")?;
        match row.try_get::<i32, _>("part")? {
            0 => {
                folded.fold = Some(StoredFold {
                    last_sequence: sequence,
                    body,
                });
            }
            1 => {
                folded.first = Some(SuffixEvent {
                    sequence,
                    payload: body,
                    hash,
                });
            }
            _ => folded.events.push(SuffixEvent {
                sequence,
                payload: body,
                hash,
            }),
        }
    }
    Ok(folded)
}

fn stored_event(row: &sqlx::postgres::PgRow) -> Result<StoredEvent, LogError> {
    Ok(StoredEvent {
        global_position: row.try_get("global_position")?,
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        sequence: row.try_get("sequence")?,
        event_type: row.try_get("event_type")?,
        event_version: row.try_get("event_version")?,
        payload: row.try_get("payload")?,
        metadata: row.try_get("metadata")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}
