//! The PostgreSQL adapter of `kyc-app`'s ports: [`PgCustomerStore`] and its
//! [`PgCustomerTransaction`].
//!
//! It is a thin translation layer over this crate's domain-agnostic functions: events are
//! (de)serialized here, the SQL stays where it is, and every [`StoreError`] becomes the
//! [`StoreFailure`] the application can act on (retry a conflict, answer 503 when the
//! database is down, report corrupt data loudly).

mod chain;
mod current;
mod open;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kyc_crypto::{DataKey, WrappedKey};
use serde::Deserialize;

use kyc_app::chain::GENESIS_HASH;
use kyc_app::metadata::EventMetadata;
use kyc_app::operator_queues::{QueuePage, QueueQuery};
use kyc_app::ports::{
    CurrentCustomer, CustomerStore, CustomerTransaction, Cut, IdempotencyClaim, ListPage,
    ListQuery, RecordedEvent, StoreFailure, StoredDocument,
};
use kyc_app::{CommandOutcome, AGGREGATE_TYPE};
use kyc_domain::customer::{ContentType, IdentityKind, IdentityMatch, IdentityValue};
use kyc_domain::ids::{BankGuid, CustomerGuid, DocumentGuid, ExternalId};
use kyc_domain::{CustomerEvent, CustomerRecord};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool, Postgres, Row, Transaction};

use kyc_log::{AsOf, CommitAnnouncer, Progress, StoredEvent};

use self::chain::{chain_events, Unlinked};
use crate::blind::BlindIndexes;
use crate::codec::{
    answer_customer, has_personal_data, open_answer, open_document, open_record, recorded_event,
    seal_answer, seal_document, seal_event,
};
use crate::error::is_serialization_failure;
use crate::keys::{CustomerKeys, KeyState, PendingKeys};
use crate::{IdempotencyClaim as RawClaim, NewDocumentContent, StoreError};

/// How long a request waits for a pooled connection before the store reports
/// [`StoreFailure::Unavailable`]: short, so a dead database turns into a quick 503.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Pooled connections idle at least this long are pinged before use.
const CHECK_IDLE_AFTER: Duration = Duration::from_secs(5);

/// How long a list waits for the projection to apply what is already committed.
pub const LIST_FRESHNESS_WAIT: Duration = Duration::from_secs(2);

/// Opens a pool for the service.
///
/// Connections are checked when released (and before use after a few idle seconds) and
/// replaced after errors, so the pool recovers by itself when PostgreSQL comes back; while it
/// is down, acquiring fails after [`ACQUIRE_TIMEOUT`] with [`StoreError::Unavailable`]. Fails
/// immediately if the database cannot be reached now.
pub async fn connect(database_url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    let options: PgConnectOptions = database_url.parse()?;
    let pool = PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .min_connections(0)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .idle_timeout(Some(Duration::from_secs(600)))
        .max_lifetime(Some(Duration::from_secs(1800)))
        // sqlx pings every connection when it is released, so a connection that broke while
        // in use never goes back to the pool; pinging again before each use would cost every
        // command a round trip. Only connections idle long enough to have been cut meanwhile
        // (PostgreSQL restarted, a proxy timed out) are checked before use.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= CHECK_IDLE_AFTER {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options.application_name("kyc"))
        .await?;
    Ok(pool)
}

/// The customer store over PostgreSQL. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct PgCustomerStore {
    pool: PgPool,
    announcer: CommitAnnouncer,
    projection: Option<Progress>,
    keys: CustomerKeys,
    blind: BlindIndexes,
    idempotency_window: Duration,
}

impl PgCustomerStore {
    /// A store over a migrated database, sealing personal data with data keys from `keys`.
    /// Commits that append events are announced to the event log's tailers (see
    /// [`CommitAnnouncer`]).
    pub fn new(pool: PgPool, keys: CustomerKeys) -> Self {
        let announcer = CommitAnnouncer::new(&pool);
        let blind = BlindIndexes::new(pool.clone(), keys.clone());
        Self {
            pool,
            announcer,
            projection: None,
            keys,
            blind,
            idempotency_window: crate::DEFAULT_IDEMPOTENCY_WINDOW,
        }
    }

    /// The customers' data keys.
    pub fn keys(&self) -> &CustomerKeys {
        &self.keys
    }

    /// Reads the secrets every command may need (the blind-index root) before serving: see
    /// the `blind` module on why not on first use.
    pub async fn prepare(&self) -> Result<(), StoreFailure> {
        self.blind.prepare().await.map_err(failure)
    }

    /// Idempotency answers are replayed for `window` after they were stored (see
    /// [`crate::claim_idempotency_key`]); [`crate::DEFAULT_IDEMPOTENCY_WINDOW`] without this.
    /// Purge with the same window.
    #[must_use]
    pub fn with_idempotency_window(mut self, window: Duration) -> Self {
        self.idempotency_window = window;
        self
    }

    /// How long idempotency answers are replayed.
    pub fn idempotency_window(&self) -> Duration {
        self.idempotency_window
    }

    /// Lists then wait (up to [`LIST_FRESHNESS_WAIT`]) until the customer projection running
    /// in this process (its tailer's [`Progress`], see [`crate::projector::tailer`]) has
    /// applied everything already committed. Without it, lists are served as the projection
    /// stands.
    #[must_use]
    pub fn with_projection(mut self, progress: Progress) -> Self {
        self.projection = Some(progress);
        self
    }

    /// The pool, e.g. to run the projector beside the store.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Waits (at most [`LIST_FRESHNESS_WAIT`]) until the projection has applied every event
    /// already committed, before `what` (a list, a queue) is read from it.
    ///
    /// The projection trails the log by milliseconds; waiting means a caller always sees its
    /// own earlier writes. If the projector is stuck, the read is served as it stands. The
    /// target is the newest committed position, not the newest visible to tailing readers:
    /// the caller's own write may sit above an older transaction that is still running.
    pub(crate) async fn until_projected(&self, what: &str) -> Result<(), StoreFailure> {
        if let Some(projection) = &self.projection {
            let target = kyc_log::last_committed_position(&self.pool)
                .await
                .map_err(failure)?;
            if !projection.reached(target, LIST_FRESHNESS_WAIT).await {
                tracing::warn!(
                    target,
                    read = what,
                    "served before the projection caught up"
                );
            }
        }
        Ok(())
    }
}

/// One unit of work: a PostgreSQL transaction (READ COMMITTED, which the idempotency claim
/// relies on). Dropping it without [`CustomerTransaction::commit`] rolls it back.
#[derive(Debug)]
pub struct PgCustomerTransaction {
    tx: Transaction<'static, Postgres>,
    announcer: CommitAnnouncer,
    appended: bool,
    keys: CustomerKeys,
    blind: BlindIndexes,
    /// Data keys created in this transaction (cached only once it commits).
    pending: PendingKeys,
    idempotency_window: Duration,
    /// The latest chain link this transaction read or wrote: an append after it links from
    /// it without reading it again (a command's `load_current` then `append`).
    head: Option<ChainHead>,
}

/// A customer's latest link at a sequence. Events are immutable, so it stays true; an
/// append after it still fails if the stream has moved on since.
#[derive(Debug, Clone)]
struct ChainHead {
    guid: CustomerGuid,
    sequence: u64,
    hash: String,
}

impl PgCustomerTransaction {
    /// The key state of `guid` as this transaction sees it, its own new keys included.
    async fn key_state(&mut self, guid: &str) -> Result<KeyState, StoreFailure> {
        if let Some(key) = self.pending.get(guid) {
            return Ok(KeyState::Active(key));
        }
        self.keys.get(&mut *self.tx, guid).await.map_err(failure)
    }

    /// Seals the personal fields of events about to follow sequence `expected` of `id`. Returns
    /// the new data key to store after the append when the customer has none yet (a new
    /// customer, or one created before encryption).
    async fn seal(
        &mut self,
        id: &str,
        expected: i64,
        events: &mut [Unlinked],
    ) -> Result<Option<NewKey>, StoreFailure> {
        if !self.keys.seals() {
            // kyc-bench's plaintext baseline: events are stored as before encryption.
            return Ok(None);
        }
        let state = if expected == 0 {
            KeyState::Absent
        } else {
            self.key_state(id).await?
        };
        let (key, new_key) = match state {
            KeyState::Active(key) => (key, None),
            KeyState::Absent => {
                let (key, wrapped) = self.keys.new_key(id).await.map_err(failure)?;
                (Arc::clone(&key), Some((key, wrapped)))
            }
            KeyState::Destroyed => {
                // Erased: nothing personal can be stored for this customer any more.
                if let Some(event) = events
                    .iter()
                    .find(|e| has_personal_data(&e.payload, &e.event_type))
                {
                    return Err(StoreFailure::Other(format!(
                        "customer {id} is erased; refusing to store personal data in {}",
                        event.event_type
                    )));
                }
                return Ok(None);
            }
        };
        for (sequence, event) in (expected + 1..).zip(events.iter_mut()) {
            seal_event(&mut event.payload, &event.event_type, id, sequence, &key)
                .map_err(failure)?;
        }
        Ok(new_key)
    }
}

/// A data key made for a customer in this transaction and its wrapped form, to store.
type NewKey = (Arc<DataKey>, WrappedKey);

fn key_ref(key: Option<&KeyState>) -> impl FnOnce(&str) -> Option<KeyState> + '_ {
    move |_| key.cloned()
}

/// Maps a store (or log) error to what the application can act on.
pub fn failure(err: impl Into<StoreError>) -> StoreFailure {
    match err.into() {
        StoreError::Conflict { .. } => StoreFailure::Conflict,
        StoreError::Database(ref source) if is_serialization_failure(source) => {
            StoreFailure::Conflict
        }
        StoreError::Unavailable(source) => StoreFailure::Unavailable(source.to_string()),
        StoreError::Corrupt {
            aggregate_id,
            sequence,
            reason,
        } => StoreFailure::Corrupt(format!(
            "customer {aggregate_id} at sequence {sequence}: {reason}"
        )),
        StoreError::Database(source) => StoreFailure::Other(format!("database error: {source}")),
        other => StoreFailure::Other(other.to_string()),
    }
}

fn sqlx_failure(err: sqlx::Error) -> StoreFailure {
    failure(StoreError::from(err))
}

fn recorded_events(
    stored: &[StoredEvent],
    key: &KeyState,
) -> Result<Vec<RecordedEvent>, StoreFailure> {
    stored
        .iter()
        .map(|event| recorded_event(event, key))
        .collect::<Result<_, _>>()
        .map_err(failure)
}

/// Reads a customer's stream and opens it with its key (looked up only if it has events).
async fn load_opened(
    conn: &mut sqlx::PgConnection,
    keys: &CustomerKeys,
    id: &str,
    as_of: Option<AsOf>,
) -> Result<Vec<RecordedEvent>, StoreFailure> {
    let stored = match as_of {
        None => kyc_log::load_stream(&mut *conn, AGGREGATE_TYPE, id).await,
        Some(as_of) => kyc_log::load_stream_as_of(&mut *conn, AGGREGATE_TYPE, id, as_of).await,
    }
    .map_err(failure)?;
    if stored.is_empty() {
        return Ok(Vec::new());
    }
    let key = keys.get(&mut *conn, id).await.map_err(failure)?;
    recorded_events(&stored, &key)
}

impl CustomerStore for PgCustomerStore {
    type Transaction = PgCustomerTransaction;

    async fn begin(&self) -> Result<Self::Transaction, StoreFailure> {
        let tx = self.pool.begin().await.map_err(sqlx_failure)?;
        Ok(PgCustomerTransaction {
            tx,
            announcer: self.announcer.clone(),
            appended: false,
            keys: self.keys.clone(),
            blind: self.blind.clone(),
            pending: PendingKeys::default(),
            idempotency_window: self.idempotency_window,
            head: None,
        })
    }

    async fn load(
        &self,
        guid: CustomerGuid,
        cut: Option<Cut>,
    ) -> Result<Vec<RecordedEvent>, StoreFailure> {
        let id = guid.to_string();
        let mut conn = self.pool.acquire().await.map_err(sqlx_failure)?;
        match cut {
            None => load_opened(&mut conn, &self.keys, &id, None).await,
            Some(Cut::Position(position)) => {
                // Positions follow transaction ids, not sequences (see the projector's module
                // docs): a later sequence can sit below an earlier one. Only the contiguous
                // prefix is a state the customer was really in.
                let cut = load_opened(
                    &mut conn,
                    &self.keys,
                    &id,
                    Some(AsOf::GlobalPosition(position)),
                )
                .await?;
                Ok(cut
                    .into_iter()
                    .zip(1_u64..)
                    .take_while(|(recorded, expected)| recorded.sequence == *expected)
                    .map(|(recorded, _)| recorded)
                    .collect())
            }
            Some(Cut::Instant(instant)) => {
                // The cut is on the time the command was received (the payload's time), not
                // on recorded_at. Taken as a prefix: a fold of a history with holes would
                // describe a customer that never existed.
                let all = load_opened(&mut conn, &self.keys, &id, None).await?;
                Ok(all
                    .into_iter()
                    .take_while(|recorded| recorded.event.at() <= instant)
                    .collect())
            }
        }
    }

    async fn load_current(&self, guid: CustomerGuid) -> Result<CurrentCustomer, StoreFailure> {
        let mut conn = self.pool.acquire().await.map_err(sqlx_failure)?;
        current::load_current(&mut conn, &self.keys, guid).await
    }

    async fn list(&self, query: &ListQuery) -> Result<ListPage, StoreFailure> {
        self.until_projected("customer list").await?;
        let per_page = i64::from(query.per_page);
        let offset = i64::try_from(query.first_row()).unwrap_or(i64::MAX);
        let identity = self
            .blind
            .digests(query.bank_guid, &query.identity_filters())
            .await
            .map_err(failure)?;
        let row = sqlx::query(include_str!("list.sql"))
            .bind(query.bank_guid.to_string())
            .bind(query.customer_type.map(kyc_domain::CustomerType::as_str))
            .bind(
                query
                    .states
                    .iter()
                    .map(|state| state.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(query.label.as_deref())
            .bind(per_page)
            .bind(offset)
            .bind(&identity.kinds)
            .bind(&identity.digests)
            .bind(
                query
                    .profile_statuses
                    .iter()
                    .map(|status| status.as_str())
                    .collect::<Vec<_>>(),
            )
            .fetch_one(&self.pool)
            .await
            .map_err(sqlx_failure)?;
        let total: i64 = row.try_get("total").map_err(sqlx_failure)?;
        let records: serde_json::Value = row.try_get("records").map_err(sqlx_failure)?;
        let mut records = match records {
            serde_json::Value::Array(records) => records,
            serde_json::Value::Null => Vec::new(),
            _ => {
                return Err(StoreFailure::Corrupt(format!(
                    "customer_views records of {} are not a list",
                    query.bank_guid
                )))
            }
        };
        let guids: Vec<String> = records
            .iter()
            .map(|record| {
                record
                    .get("guid")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        let guid_refs: Vec<&str> = guids.iter().map(String::as_str).collect();
        let keys = self
            .keys
            .get_many(&self.pool, &guid_refs)
            .await
            .map_err(failure)?;
        let mut items = Vec::with_capacity(records.len());
        for (record, guid) in records.iter_mut().zip(&guids) {
            let key = keys.get(guid).cloned().unwrap_or(KeyState::Absent);
            open_record(record, guid, 0, &key).map_err(failure)?;
            items.push(CustomerRecord::deserialize(&*record).map_err(|e| {
                StoreFailure::Corrupt(format!(
                    "customer_views record of {guid}: {}",
                    kyc_log::describe_json_error(&e)
                ))
            })?);
        }
        Ok(ListPage {
            total: u64::try_from(total).unwrap_or_default(),
            items,
        })
    }

    async fn queue(&self, query: &QueueQuery) -> Result<QueuePage, StoreFailure> {
        self.until_projected("operator queue").await?;
        crate::queues::page(&self.pool, query).await
    }

    async fn document_content(
        &self,
        bank_guid: BankGuid,
        document_guid: DocumentGuid,
    ) -> Result<Option<StoredDocument>, StoreFailure> {
        let Some(stored) = crate::get_document_content(
            &self.pool,
            &bank_guid.to_string(),
            &document_guid.to_string(),
        )
        .await
        .map_err(failure)?
        else {
            return Ok(None);
        };
        let content = if stored.sealed {
            match self
                .keys
                .get(&self.pool, &stored.customer_guid)
                .await
                .map_err(failure)?
            {
                KeyState::Active(key) => open_document(
                    &stored.content,
                    &stored.customer_guid,
                    &stored.document_guid,
                    &key,
                )
                .map_err(failure)?,
                // Erased: the bytes are deleted with the key; a leftover never opens.
                KeyState::Destroyed => return Ok(None),
                KeyState::Absent => {
                    return Err(failure(StoreError::MissingDataKey(
                        stored.customer_guid.clone(),
                    )))
                }
            }
        } else {
            stored.content
        };
        let content_type = ContentType::parse(&stored.content_type).map_err(|_| {
            StoreFailure::Corrupt(format!(
                "document {document_guid} has content type {:?}",
                stored.content_type
            ))
        })?;
        Ok(Some(StoredDocument {
            content,
            content_type,
        }))
    }

    async fn ping(&self) -> Result<(), StoreFailure> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(sqlx_failure)?;
        Ok(())
    }
}

impl PgCustomerTransaction {
    /// The link an append after `expected_sequence` chains from: the head this transaction
    /// already knows when it is that one, else read (a conflict at once when the stream is
    /// not at `expected_sequence`, as the append would find).
    async fn previous_hash(
        &mut self,
        guid: CustomerGuid,
        expected_sequence: u64,
    ) -> Result<String, StoreFailure> {
        if expected_sequence == 0 {
            return Ok(GENESIS_HASH.to_owned());
        }
        if let Some(head) = &self.head {
            if head.guid == guid && head.sequence == expected_sequence {
                return Ok(head.hash.clone());
            }
        }
        match kyc_log::last_link(&mut *self.tx, AGGREGATE_TYPE, &guid.to_string())
            .await
            .map_err(failure)?
        {
            Some((sequence, hash)) if u64::try_from(sequence).ok() == Some(expected_sequence) => {
                hash.ok_or_else(|| {
                    StoreFailure::Corrupt(format!(
                        "customer {guid} at sequence {sequence}: no hash in the metadata"
                    ))
                })
            }
            _ => Err(StoreFailure::Conflict),
        }
    }
}

impl CustomerTransaction for PgCustomerTransaction {
    async fn claim_idempotency(
        &mut self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<IdempotencyClaim, StoreFailure> {
        let claim = crate::claim_idempotency_key(
            &mut self.tx,
            scope,
            key,
            fingerprint,
            now,
            self.idempotency_window,
        )
        .await
        .map_err(failure)?;
        Ok(match claim {
            RawClaim::Fresh => IdempotencyClaim::Fresh,
            RawClaim::Replay(stored) => {
                let key_state = match answer_customer(&stored).map(str::to_owned) {
                    Some(customer) => Some(self.key_state(&customer).await?),
                    None => None,
                };
                let outcome = open_answer(stored, scope, key, key_ref(key_state.as_ref()))
                    .map_err(failure)?;
                IdempotencyClaim::Replay(serde_json::from_value(outcome).map_err(|e| {
                    StoreFailure::Corrupt(format!(
                        "stored idempotency outcome: {}",
                        kyc_log::describe_json_error(&e)
                    ))
                })?)
            }
            RawClaim::Mismatch => IdempotencyClaim::Mismatch,
        })
    }

    async fn complete_idempotency(
        &mut self,
        scope: &str,
        key: &str,
        outcome: &CommandOutcome,
    ) -> Result<(), StoreFailure> {
        let customer = kyc_app::outcome::outcome_customer(outcome).map(|g| g.to_string());
        let clear = serde_json::to_value(outcome)
            .map_err(|e| StoreFailure::Other(format!("serializing an outcome: {e}")))?;
        // An executed command's answer repeats the customer's details: sealed under its key,
        // and so erased with it. Refusals carry field names and codes only.
        let stored = match outcome {
            Ok(executed) => match self.key_state(&executed.customer.guid).await? {
                KeyState::Active(data_key) => {
                    seal_answer(&clear, &executed.customer.guid, scope, key, &data_key)
                }
                // The erasure's own answer: the customer it shows is already blank. The
                // benchmarks' plaintext baseline stores every answer clear.
                KeyState::Destroyed => clear,
                KeyState::Absent if !self.keys.seals() => clear,
                KeyState::Absent => {
                    return Err(failure(StoreError::MissingDataKey(
                        executed.customer.guid.clone(),
                    )))
                }
            },
            Err(_) => clear,
        };
        crate::complete_idempotency_key(&mut self.tx, scope, key, &stored, customer.as_deref())
            .await
            .map_err(failure)
    }

    async fn load(&mut self, guid: CustomerGuid) -> Result<Vec<RecordedEvent>, StoreFailure> {
        load_opened(&mut self.tx, &self.keys, &guid.to_string(), None).await
    }

    /// Reads `customer_views` (see the `current` module on why its lock cannot deadlock with a
    /// replay's swap).
    async fn load_current(&mut self, guid: CustomerGuid) -> Result<CurrentCustomer, StoreFailure> {
        let current = current::load_current(&mut self.tx, &self.keys, guid).await?;
        self.head = Some(ChainHead {
            guid,
            sequence: current.customer.version(),
            hash: current.previous_hash().to_owned(),
        });
        Ok(current)
    }

    async fn external_id_owner(
        &mut self,
        bank_guid: BankGuid,
        external_id: &ExternalId,
    ) -> Result<Option<CustomerGuid>, StoreFailure> {
        let bank = bank_guid.to_string();
        let owner: Option<String> = sqlx::query_scalar(include_str!("external_id_owner.sql"))
            .bind(&bank)
            .bind(external_id.as_str())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(sqlx_failure)?;
        owner
            .map(|owner| {
                CustomerGuid::parse(&owner).map_err(|e| {
                    StoreFailure::Corrupt(format!("external id owner {owner:?} of {bank}: {e:?}"))
                })
            })
            .transpose()
    }

    async fn identity_matches(
        &mut self,
        bank_guid: BankGuid,
        values: &[IdentityValue],
    ) -> Result<Vec<IdentityMatch>, StoreFailure> {
        self.blind
            .matches(&mut self.tx, bank_guid, values)
            .await
            .map_err(failure)
    }

    async fn index_identity(
        &mut self,
        bank_guid: BankGuid,
        customer_guid: CustomerGuid,
        kinds: &[IdentityKind],
        values: &[IdentityValue],
    ) -> Result<(), StoreFailure> {
        self.blind
            .replace(&mut self.tx, bank_guid, customer_guid, kinds, values)
            .await
            .map_err(failure)
    }

    async fn reserve_external_id(
        &mut self,
        bank_guid: BankGuid,
        external_id: &ExternalId,
        guid: CustomerGuid,
    ) -> Result<(), StoreFailure> {
        let bank = bank_guid.to_string();
        let reserved: Option<String> = sqlx::query_scalar(include_str!("reserve_external_id.sql"))
            .bind(&bank)
            .bind(external_id.as_str())
            .bind(guid.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(sqlx_failure)?;
        if reserved.is_some() {
            return Ok(());
        }
        let owner: String = sqlx::query_scalar(include_str!("external_id_owner.sql"))
            .bind(&bank)
            .bind(external_id.as_str())
            .fetch_one(&mut *self.tx)
            .await
            .map_err(sqlx_failure)?;
        let owner = CustomerGuid::parse(&owner).map_err(|e| {
            StoreFailure::Corrupt(format!("external id owner {owner:?} of {bank}: {e:?}"))
        })?;
        if owner == guid {
            // Already ours (reserved earlier in this transaction).
            Ok(())
        } else {
            Err(StoreFailure::ExternalIdTaken(owner))
        }
    }

    async fn append(
        &mut self,
        guid: CustomerGuid,
        expected_sequence: u64,
        events: Vec<(CustomerEvent, EventMetadata)>,
    ) -> Result<Vec<RecordedEvent>, StoreFailure> {
        let expected = i64::try_from(expected_sequence)
            .map_err(|_| StoreFailure::Other(format!("sequence {expected_sequence} too large")))?;
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let id = guid.to_string();
        let previous_hash = self.previous_hash(guid, expected_sequence).await?;
        let unlinked = events
            .into_iter()
            .map(|(event, metadata)| {
                let unlinked = Unlinked {
                    event_type: event.event_type().to_owned(),
                    event_version: event.event_version().to_owned(),
                    payload: serde_json::to_value(&event)?,
                    metadata,
                };
                Ok((event, unlinked))
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()
            .map_err(|e| StoreFailure::Other(format!("serializing events of {guid}: {e}")))?;
        let (events, mut unlinked): (Vec<_>, Vec<_>) = unlinked.into_iter().unzip();
        let bank_guid = unlinked
            .first()
            .map(|event| event.metadata.bank_guid.clone())
            .unwrap_or_default();
        let new_key = self.seal(&id, expected, &mut unlinked).await?;
        // The chain covers the payloads exactly as stored (sealed): it is linked last.
        let (new_events, metadata): (Vec<_>, Vec<_>) = chain_events(&previous_hash, unlinked)
            .map_err(|e| StoreFailure::Other(format!("linking events of {guid}: {e}")))?
            .into_iter()
            .unzip();
        let appended = kyc_log::append(&mut self.tx, AGGREGATE_TYPE, &id, expected, &new_events)
            .await
            .map_err(failure)?;
        self.appended = true;
        // The key row after the events: they must be the transaction's first write.
        if let Some((key, wrapped)) = new_key {
            self.keys
                .store_new(
                    &mut self.tx,
                    &mut self.pending,
                    &bank_guid,
                    &id,
                    key,
                    &wrapped,
                )
                .await
                .map_err(failure)?;
        }
        let recorded = appended
            .into_iter()
            .zip(events.into_iter().zip(metadata))
            .map(|(at, (event, metadata))| {
                Ok(RecordedEvent {
                    sequence: u64::try_from(at.sequence)
                        .map_err(|e| StoreFailure::Corrupt(format!("sequence of {guid}: {e}")))?,
                    global_position: at.global_position,
                    event,
                    metadata,
                    recorded_at: at.recorded_at,
                })
            })
            .collect::<Result<Vec<_>, StoreFailure>>()?;
        if let Some(last) = recorded.last() {
            self.head = Some(ChainHead {
                guid,
                sequence: last.sequence,
                hash: last.metadata.hash.clone(),
            });
        }
        Ok(recorded)
    }

    async fn put_document(
        &mut self,
        bank_guid: BankGuid,
        customer_guid: CustomerGuid,
        document_guid: DocumentGuid,
        content: &[u8],
        content_type: ContentType,
    ) -> Result<(), StoreFailure> {
        let (customer, document) = (customer_guid.to_string(), document_guid.to_string());
        let sealed = match self.key_state(&customer).await? {
            KeyState::Active(key) => Some(seal_document(content, &customer, &document, &key)),
            // The benchmarks' plaintext baseline stores the bytes clear.
            KeyState::Absent if !self.keys.seals() => None,
            _ => return Err(failure(StoreError::MissingDataKey(customer))),
        };
        crate::put_document_content(
            &mut self.tx,
            NewDocumentContent {
                document_guid: &document,
                bank_guid: &bank_guid.to_string(),
                customer_guid: &customer,
                content_type: content_type.as_str(),
                content,
                sealed: sealed.as_deref(),
            },
        )
        .await
        .map(drop)
        .map_err(failure)
    }

    async fn erase_customer_data(
        &mut self,
        bank_guid: BankGuid,
        customer_guid: CustomerGuid,
    ) -> Result<(), StoreFailure> {
        let (bank, customer) = (bank_guid.to_string(), customer_guid.to_string());
        sqlx::query(include_str!("erase_documents.sql"))
            .bind(&bank)
            .bind(&customer)
            .execute(&mut *self.tx)
            .await
            .map_err(sqlx_failure)?;
        sqlx::query(include_str!("erase_answers.sql"))
            .bind(&customer)
            .execute(&mut *self.tx)
            .await
            .map_err(sqlx_failure)?;
        // Nothing may find the customer by a value it gave any more.
        crate::blind::delete_customer(&mut self.tx, customer_guid)
            .await
            .map_err(failure)?;
        // The key goes in the same transaction as CustomerErased: everything sealed with it,
        // in the log, the projections and anywhere else, can never be opened again.
        self.pending.destroy(&customer);
        self.keys
            .destroy(&mut self.tx, &bank, &customer)
            .await
            .map_err(failure)
    }

    async fn commit(self) -> Result<(), StoreFailure> {
        self.tx.commit().await.map_err(sqlx_failure)?;
        self.keys.committed(self.pending);
        if self.appended {
            self.announcer.announce();
        }
        Ok(())
    }
}
