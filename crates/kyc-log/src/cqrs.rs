//! cqrs-es 0.5's `PersistedEventRepository` over the commit-ordered log.
//!
//! `PersistedEventStore::new_event_store(LogRepository::new(pool, chain))` gives a
//! `CqrsFramework` whose events land in the same table, with the same guarantees, as the
//! service's own appends:
//!
//! * each event's metadata carries its hash-chain link in [`LINK_FIELD`], computed by the
//!   caller's [`ChainLink`] from the stream's previous link, the payload and the rest of the
//!   metadata as stored, so `kycctl verify` holds;
//! * the commit is announced to the log's tailers ([`crate::CommitAnnouncer`]);
//! * `stream_all_events` replays in commit (`global_position`) order, through [`read_after`]:
//!   postgres-es's `replay_all` orders by per-aggregate sequence instead, and can stop early.
//!
//! Snapshots are not stored (`get_snapshot` answers none, `persist` refuses one): cqrs-es
//! 0.5.0's snapshot and aggregate stores apply each new event twice to the stored snapshot, so
//! use `PersistedEventStore::new_event_store`.

use std::future::Future;

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayFeed, ReplayStream, SerializedEvent,
    SerializedSnapshot,
};
use cqrs_es::Aggregate;
use serde_json::Value;
use sqlx::PgPool;

use crate::{
    append, last_link, load_stream, read_after, CommitAnnouncer, LogError, NewEvent, StoredEvent,
};

/// The metadata field that holds an event's link in its stream's hash chain.
pub const LINK_FIELD: &str = "hash";

/// Events a replay reads per round trip.
const REPLAY_PAGE: i64 = 1_000;

/// Events a replay buffers ahead of its consumer.
const REPLAY_QUEUE: usize = 1_024;

/// How an event is chained to the one before it in its stream (the log stores the link; what
/// it is computed from is the caller's business).
pub trait ChainLink: Send + Sync {
    /// The link of an event following one whose link is `previous` (`None`: the stream's
    /// first event). `payload` and `metadata` are what the log will store, except that the
    /// repository then sets [`LINK_FIELD`] to the returned link; the chain may add fields of
    /// its own to `metadata` first (a version mark), and should cover them.
    fn link(
        &self,
        previous: Option<&str>,
        event_type: &str,
        event_version: &str,
        payload: &Value,
        metadata: &mut serde_json::Map<String, Value>,
    ) -> String;
}

/// cqrs-es's repository over the log. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LogRepository<L> {
    pool: PgPool,
    chain: L,
    announcer: CommitAnnouncer,
}

impl<L: ChainLink> LogRepository<L> {
    /// A repository over a migrated database, chaining events with `chain`.
    pub fn new(pool: PgPool, chain: L) -> Self {
        let announcer = CommitAnnouncer::new(&pool);
        Self {
            pool,
            chain,
            announcer,
        }
    }

    async fn append_linked(
        &self,
        aggregate_type: &str,
        events: &[SerializedEvent],
    ) -> Result<(), PersistenceError> {
        let Some(first) = events.first() else {
            return Ok(());
        };
        let aggregate_id = first.aggregate_id.as_str();
        if events.iter().any(|e| e.aggregate_id != aggregate_id) {
            return Err(unknown("one commit must hold the events of one aggregate"));
        }
        let expected =
            i64::try_from(first.sequence).map_err(|_| unknown("sequence out of range"))? - 1;
        let mut tx = self.pool.begin().await.map_err(|e| persistence(e.into()))?;
        // A read, so the appended events stay the transaction's first write. Should another
        // writer append meanwhile, `append` finds the stream moved and refuses.
        let mut previous = last_link(&mut *tx, aggregate_type, aggregate_id)
            .await
            .map_err(persistence)?
            .and_then(|(_, link)| link);
        let mut linked = Vec::with_capacity(events.len());
        for event in events {
            let mut metadata = match &event.metadata {
                Value::Object(fields) => fields.clone(),
                Value::Null => serde_json::Map::new(),
                _ => return Err(unknown("event metadata must be a JSON object")),
            };
            metadata.remove(LINK_FIELD);
            let link = self.chain.link(
                previous.as_deref(),
                &event.event_type,
                &event.event_version,
                &event.payload,
                &mut metadata,
            );
            metadata.insert(LINK_FIELD.to_owned(), Value::String(link.clone()));
            linked.push(NewEvent {
                event_type: event.event_type.clone(),
                event_version: event.event_version.clone(),
                payload: event.payload.clone(),
                metadata: Value::Object(metadata),
            });
            previous = Some(link);
        }
        append(&mut tx, aggregate_type, aggregate_id, expected, &linked)
            .await
            .map_err(persistence)?;
        tx.commit().await.map_err(|e| persistence(e.into()))?;
        self.announcer.announce();
        Ok(())
    }
}

impl<L: ChainLink> PersistedEventRepository for LogRepository<L> {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        load_stream(&self.pool, A::TYPE, aggregate_id)
            .await
            .map_err(persistence)?
            .into_iter()
            .map(serialized)
            .collect()
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let after = i64::try_from(last_sequence).unwrap_or(i64::MAX);
        load_stream(&self.pool, A::TYPE, aggregate_id)
            .await
            .map_err(persistence)?
            .into_iter()
            .filter(|e| e.sequence > after)
            .map(serialized)
            .collect()
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        _aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        Ok(None)
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        if snapshot_update.is_some() {
            return Err(unknown(
                "the log stores no snapshots; use PersistedEventStore::new_event_store",
            ));
        }
        self.append_linked(A::TYPE, events).await
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        let events = load_stream(&self.pool, A::TYPE, aggregate_id)
            .await
            .map_err(persistence)?;
        let (feed, stream) = ReplayStream::new(events.len().max(1));
        tokio::spawn(feed_all(feed, events));
        Ok(stream)
    }

    /// Every event of `A::TYPE` in commit order, up to the reader horizon at the time each
    /// page is read (an event still being committed is not waited for).
    fn stream_all_events<A: Aggregate>(
        &self,
    ) -> impl Future<Output = Result<ReplayStream, PersistenceError>> + Send {
        let (feed, stream) = ReplayStream::new(REPLAY_QUEUE);
        tokio::spawn(replay_log(self.pool.clone(), A::TYPE, feed));
        std::future::ready(Ok(stream))
    }
}

/// Feeds already loaded events to a replay; stops early when the consumer went away.
async fn feed_all(mut feed: ReplayFeed, events: Vec<StoredEvent>) {
    for event in events {
        if feed.push(serialized(event)).await.is_err() {
            return;
        }
    }
}

/// Feeds the whole log's events of one aggregate type, page by page in position order.
async fn replay_log(pool: PgPool, aggregate_type: &'static str, mut feed: ReplayFeed) {
    let mut after = 0;
    loop {
        let page = match read_after(&pool, after, REPLAY_PAGE).await {
            Ok(page) => page,
            Err(error) => {
                let _ = feed.push(Err(persistence(error))).await;
                return;
            }
        };
        let Some(last) = page.last().map(|e| e.global_position) else {
            return;
        };
        for event in page
            .into_iter()
            .filter(|e| e.aggregate_type == aggregate_type)
        {
            if feed.push(serialized(event)).await.is_err() {
                return;
            }
        }
        after = last;
    }
}

/// A stored event as cqrs-es's `SerializedEvent` (metadata values as strings), for
/// repositories that wrap this one.
pub fn serialized(event: StoredEvent) -> Result<SerializedEvent, PersistenceError> {
    Ok(SerializedEvent {
        aggregate_id: event.aggregate_id,
        sequence: usize::try_from(event.sequence).map_err(|_| unknown("negative sequence"))?,
        aggregate_type: event.aggregate_type,
        event_type: event.event_type,
        event_version: event.event_version,
        payload: event.payload,
        metadata: string_metadata(event.metadata),
    })
}

/// cqrs-es reads metadata as a map of strings; the log's may hold other JSON values (a
/// chain's version mark is a number). Those are handed over as their JSON text, so events
/// written by any writer load through the framework.
fn string_metadata(metadata: Value) -> Value {
    match metadata {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, value)| match value {
                    Value::String(_) => (key, value),
                    other => (key, Value::String(other.to_string())),
                })
                .collect(),
        ),
        other => other,
    }
}

fn persistence(error: LogError) -> PersistenceError {
    match error {
        LogError::Conflict { .. } => PersistenceError::OptimisticLockError,
        LogError::Unavailable(_) => PersistenceError::ConnectionError(Box::new(error)),
        LogError::Undecodable { .. } => PersistenceError::DeserializationError(Box::new(error)),
        other => PersistenceError::UnknownError(Box::new(other)),
    }
}

fn unknown(reason: &'static str) -> PersistenceError {
    PersistenceError::UnknownError(reason.into())
}
