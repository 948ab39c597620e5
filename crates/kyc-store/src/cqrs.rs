//! The Customer through cqrs-es: `CqrsFramework` over the commit-ordered log.
//!
//! [`customer_cqrs`] wires kyc-app's [`CustomerAggregate`] to kyc-log's [`LogRepository`],
//! chaining each event with kyc-app's [`link_hash_v2`], so events written this way are
//! indistinguishable in the log from the service's own: same table, same positions, same hash
//! chain (`kycctl verify` checks it), announced to the same tailers.
//!
//! The framework's metadata map becomes the event's metadata object. `kycctl verify` and the
//! service read it as [`kyc_app::metadata::EventMetadata`], so callers pass its fields
//! (`actor`, `bank_guid`, `request_id`, `source`, `occurred_at`); the chain adds `chain: 2` and
//! the repository `hash`, a link over the payload and every other metadata field.

use std::collections::HashMap;
use std::future::Future;

use cqrs_es::persist::{
    PersistedEventRepository, PersistedEventStore, PersistenceError, ReplayFeed, ReplayStream,
    SerializedEvent, SerializedSnapshot,
};
use cqrs_es::{Aggregate, CqrsFramework, Query};
use kyc_app::aggregate::CustomerAggregate;
use kyc_app::chain::{link_hash_v2, CHAIN_FIELD, CHAIN_VERSION, GENESIS_HASH};
use kyc_log::{ChainLink, LogRepository};
use serde_json::Value;
use sqlx::PgPool;

use crate::codec::{has_personal_data, open_payload, seal_event};
use crate::keys::{CustomerKeys, KeyState};
use crate::StoreError;

/// The Customer's hash chain (see [`kyc_app::chain`]) as kyc-log's [`ChainLink`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CustomerChain;

impl ChainLink for CustomerChain {
    fn link(
        &self,
        previous: Option<&str>,
        event_type: &str,
        event_version: &str,
        payload: &Value,
        metadata: &mut serde_json::Map<String, Value>,
    ) -> String {
        metadata.insert(CHAIN_FIELD.to_owned(), Value::from(CHAIN_VERSION));
        link_hash_v2(
            previous.unwrap_or(GENESIS_HASH),
            event_type,
            event_version,
            payload,
            metadata,
        )
    }
}

/// kyc-log's [`LogRepository`] with the customers' personal fields sealed on the way in and
/// opened on the way out, exactly as the service's own appends and reads do.
#[derive(Debug, Clone)]
pub struct SealedLogRepository {
    inner: LogRepository<CustomerChain>,
    pool: PgPool,
    keys: CustomerKeys,
}

impl SealedLogRepository {
    /// The log repository over `pool`, sealing with `keys`.
    pub fn new(pool: PgPool, keys: CustomerKeys) -> Self {
        Self {
            inner: LogRepository::new(pool.clone(), CustomerChain),
            pool,
            keys,
        }
    }

    async fn open(&self, events: &mut [SerializedEvent]) -> Result<(), PersistenceError> {
        open_events(&self.pool, &self.keys, events).await
    }

    async fn seal(&self, events: &mut [SerializedEvent]) -> Result<(), PersistenceError> {
        let mut states: HashMap<String, KeyState> = HashMap::new();
        for event in events.iter_mut() {
            if !states.contains_key(&event.aggregate_id) {
                let bank_guid = event
                    .metadata
                    .get("bank_guid")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let state = self
                    .keys
                    .ensure(&self.pool, &bank_guid, &event.aggregate_id)
                    .await
                    .map_err(store_error)?;
                states.insert(event.aggregate_id.clone(), state);
            }
            let sequence = i64::try_from(event.sequence).unwrap_or(i64::MAX);
            match states.get(&event.aggregate_id) {
                Some(KeyState::Active(key)) => seal_event(
                    &mut event.payload,
                    &event.event_type,
                    &event.aggregate_id,
                    sequence,
                    key,
                )
                .map_err(store_error)?,
                _ if has_personal_data(&event.payload, &event.event_type) => {
                    return Err(store_error(StoreError::MissingDataKey(
                        event.aggregate_id.clone(),
                    )))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

async fn open_events(
    pool: &PgPool,
    keys: &CustomerKeys,
    events: &mut [SerializedEvent],
) -> Result<(), PersistenceError> {
    let mut guids: Vec<&str> = events.iter().map(|e| e.aggregate_id.as_str()).collect();
    guids.sort_unstable();
    guids.dedup();
    let states = keys.get_many(pool, &guids).await.map_err(store_error)?;
    for event in events.iter_mut() {
        let key = states.get(&event.aggregate_id).unwrap_or(&KeyState::Absent);
        let sequence = i64::try_from(event.sequence).unwrap_or(i64::MAX);
        open_payload(
            &mut event.payload,
            &event.event_type,
            &event.aggregate_id,
            sequence,
            key,
        )
        .map_err(store_error)?;
    }
    Ok(())
}

fn store_error(error: StoreError) -> PersistenceError {
    match error {
        StoreError::Unavailable(_) => PersistenceError::ConnectionError(Box::new(error)),
        StoreError::Corrupt { .. } => PersistenceError::DeserializationError(Box::new(error)),
        other => PersistenceError::UnknownError(Box::new(other)),
    }
}

impl PersistedEventRepository for SealedLogRepository {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let mut events = self.inner.get_events::<A>(aggregate_id).await?;
        self.open(&mut events).await?;
        Ok(events)
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let mut events = self
            .inner
            .get_last_events::<A>(aggregate_id, last_sequence)
            .await?;
        self.open(&mut events).await?;
        Ok(events)
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        self.inner.get_snapshot::<A>(aggregate_id).await
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        let mut sealed = events.to_vec();
        self.seal(&mut sealed).await?;
        self.inner.persist::<A>(&sealed, snapshot_update).await
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        let events = self.get_events::<A>(aggregate_id).await?;
        let (mut feed, stream) = ReplayStream::new(events.len().max(1));
        tokio::spawn(async move {
            for event in events {
                if feed.push(Ok(event)).await.is_err() {
                    return;
                }
            }
        });
        Ok(stream)
    }

    fn stream_all_events<A: Aggregate>(
        &self,
    ) -> impl Future<Output = Result<ReplayStream, PersistenceError>> + Send {
        let (feed, stream) = ReplayStream::new(REPLAY_PAGE);
        tokio::spawn(replay_opened(
            self.pool.clone(),
            self.keys.clone(),
            A::TYPE,
            feed,
        ));
        std::future::ready(Ok(stream))
    }
}

/// Events a whole-log replay reads and opens at once.
const REPLAY_PAGE: usize = 1_000;
/// [`REPLAY_PAGE`] as the log's page size.
const REPLAY_PAGE_ROWS: i64 = 1_000;

/// Feeds every event of one aggregate type, opened, page by page in commit order.
async fn replay_opened(
    pool: PgPool,
    keys: CustomerKeys,
    aggregate_type: &'static str,
    mut feed: ReplayFeed,
) {
    let mut after = 0;
    loop {
        let page = match kyc_log::read_after(&pool, after, REPLAY_PAGE_ROWS).await {
            Ok(page) => page,
            Err(error) => {
                let _ = feed.push(Err(store_error(error.into()))).await;
                return;
            }
        };
        let Some(last) = page.last().map(|e| e.global_position) else {
            return;
        };
        after = last;
        let events: Result<Vec<SerializedEvent>, PersistenceError> = page
            .into_iter()
            .filter(|e| e.aggregate_type == aggregate_type)
            .map(kyc_log::serialized)
            .collect();
        let mut events = match events {
            Ok(events) => events,
            Err(error) => {
                let _ = feed.push(Err(error)).await;
                return;
            }
        };
        if let Err(error) = open_events(&pool, &keys, &mut events).await {
            let _ = feed.push(Err(error)).await;
            return;
        }
        for event in events {
            if feed.push(Ok(event)).await.is_err() {
                return;
            }
        }
    }
}

/// The event store of [`CustomerCqrs`]: events only, no snapshots (DESIGN.md §3).
pub type CustomerEventStore = PersistedEventStore<SealedLogRepository, CustomerAggregate>;

/// A cqrs-es framework for the Customer on the log.
pub type CustomerCqrs = CqrsFramework<CustomerAggregate, CustomerEventStore>;

/// The Customer's cqrs-es framework over a migrated database, sealing personal data with
/// `keys`, with `queries` run after each commit (in-process and lost on a crash: durable read
/// models tail the log instead).
pub fn customer_cqrs(
    pool: PgPool,
    keys: CustomerKeys,
    queries: Vec<Box<dyn Query<CustomerAggregate>>>,
) -> CustomerCqrs {
    let store = PersistedEventStore::new_event_store(SealedLogRepository::new(pool, keys));
    CqrsFramework::new(store, queries, ())
}
