//! The PostgreSQL adapter of `kyc-app`'s ports: [`PgCustomerStore`] and its
//! [`PgCustomerTransaction`].
//!
//! It is a thin translation layer over this crate's domain-agnostic functions: events are
//! (de)serialized here, the SQL stays where it is, and every [`StoreError`] becomes the
//! [`StoreFailure`] the application can act on (retry a conflict, answer 503 when the
//! database is down, report corrupt data loudly).

mod current;

use std::time::Duration;

use kyc_app::metadata::EventMetadata;
use kyc_app::ports::{
    CurrentCustomer, CustomerStore, CustomerTransaction, Cut, IdempotencyClaim, ListPage,
    ListQuery, RecordedEvent, StoreFailure, StoredDocument,
};
use kyc_app::{CommandOutcome, AGGREGATE_TYPE};
use kyc_domain::customer::ContentType;
use kyc_domain::ids::{BankGuid, CustomerGuid, DocumentGuid, ExternalId};
use kyc_domain::{CustomerEvent, CustomerRecord};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool, Postgres, Row, Transaction};

use kyc_log::{AsOf, CommitAnnouncer, NewEvent, Progress, StoredEvent};

use crate::codec::recorded_event;
use crate::error::is_serialization_failure;
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
}

impl PgCustomerStore {
    /// A store over a migrated database. Commits that append events are announced to the
    /// event log's tailers (see [`CommitAnnouncer`]).
    pub fn new(pool: PgPool) -> Self {
        let announcer = CommitAnnouncer::new(&pool);
        Self {
            pool,
            announcer,
            projection: None,
        }
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
}

/// One unit of work: a PostgreSQL transaction (READ COMMITTED, which the idempotency claim
/// relies on). Dropping it without [`CustomerTransaction::commit`] rolls it back.
#[derive(Debug)]
pub struct PgCustomerTransaction {
    tx: Transaction<'static, Postgres>,
    announcer: CommitAnnouncer,
    appended: bool,
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

fn recorded_events(stored: &[StoredEvent]) -> Result<Vec<RecordedEvent>, StoreFailure> {
    stored
        .iter()
        .map(recorded_event)
        .collect::<Result<_, _>>()
        .map_err(failure)
}

impl CustomerStore for PgCustomerStore {
    type Transaction = PgCustomerTransaction;

    async fn begin(&self) -> Result<Self::Transaction, StoreFailure> {
        let tx = self.pool.begin().await.map_err(sqlx_failure)?;
        Ok(PgCustomerTransaction {
            tx,
            announcer: self.announcer.clone(),
            appended: false,
        })
    }

    async fn load(
        &self,
        guid: CustomerGuid,
        cut: Option<Cut>,
    ) -> Result<Vec<RecordedEvent>, StoreFailure> {
        let id = guid.to_string();
        match cut {
            None => recorded_events(
                &kyc_log::load_stream(&self.pool, AGGREGATE_TYPE, &id)
                    .await
                    .map_err(failure)?,
            ),
            Some(Cut::Position(position)) => {
                // Positions follow transaction ids, not sequences (see the projector's module
                // docs): a later sequence can sit below an earlier one. Only the contiguous
                // prefix is a state the customer was really in.
                let cut = recorded_events(
                    &kyc_log::load_stream_as_of(
                        &self.pool,
                        AGGREGATE_TYPE,
                        &id,
                        AsOf::GlobalPosition(position),
                    )
                    .await
                    .map_err(failure)?,
                )?;
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
                let all = recorded_events(
                    &kyc_log::load_stream(&self.pool, AGGREGATE_TYPE, &id)
                        .await
                        .map_err(failure)?,
                )?;
                Ok(all
                    .into_iter()
                    .take_while(|recorded| recorded.event.at() <= instant)
                    .collect())
            }
        }
    }

    async fn load_current(&self, guid: CustomerGuid) -> Result<CurrentCustomer, StoreFailure> {
        let mut conn = self.pool.acquire().await.map_err(sqlx_failure)?;
        current::load_current(&mut conn, guid).await
    }

    async fn list(&self, query: &ListQuery) -> Result<ListPage, StoreFailure> {
        // Lists read the projection, which trails the log by milliseconds. Waiting (briefly)
        // until it has applied everything already committed means a caller always sees its
        // own earlier writes; if the projector is stuck, the list is served as it stands.
        // The newest committed position, not the newest visible to tailing readers: the
        // caller's own write may sit above an older transaction that is still running.
        if let Some(projection) = &self.projection {
            let target = kyc_log::last_committed_position(&self.pool)
                .await
                .map_err(failure)?;
            if !projection.reached(target, LIST_FRESHNESS_WAIT).await {
                tracing::warn!(
                    target,
                    "customer list served before the projection caught up"
                );
            }
        }
        let per_page = i64::from(query.per_page);
        let offset = i64::from(query.page) * per_page;
        let row = sqlx::query(include_str!("list.sql"))
            .bind(query.bank_guid.to_string())
            .bind(query.customer_type.map(kyc_domain::CustomerType::as_str))
            .bind(query.state.map(kyc_domain::CustomerState::as_str))
            .bind(query.label.as_deref())
            .bind(per_page)
            .bind(offset)
            .fetch_one(&self.pool)
            .await
            .map_err(sqlx_failure)?;
        let total: i64 = row.try_get("total").map_err(sqlx_failure)?;
        let records: serde_json::Value = row.try_get("records").map_err(sqlx_failure)?;
        let items: Vec<CustomerRecord> = serde_json::from_value(records).map_err(|e| {
            StoreFailure::Corrupt(format!(
                "customer_views record of {}: {}",
                query.bank_guid,
                kyc_log::describe_json_error(&e)
            ))
        })?;
        Ok(ListPage {
            total: u64::try_from(total).unwrap_or_default(),
            items,
        })
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
        let content_type = ContentType::parse(&stored.content_type).map_err(|_| {
            StoreFailure::Corrupt(format!(
                "document {document_guid} has content type {:?}",
                stored.content_type
            ))
        })?;
        Ok(Some(StoredDocument {
            content: stored.content,
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

impl CustomerTransaction for PgCustomerTransaction {
    async fn claim_idempotency(
        &mut self,
        scope: &str,
        key: &str,
        fingerprint: &str,
    ) -> Result<IdempotencyClaim, StoreFailure> {
        let claim = crate::claim_idempotency_key(&mut self.tx, scope, key, fingerprint)
            .await
            .map_err(failure)?;
        Ok(match claim {
            RawClaim::Fresh => IdempotencyClaim::Fresh,
            RawClaim::Replay(outcome) => {
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
        let outcome = serde_json::to_value(outcome)
            .map_err(|e| StoreFailure::Other(format!("serializing an outcome: {e}")))?;
        crate::complete_idempotency_key(&mut self.tx, scope, key, &outcome, customer.as_deref())
            .await
            .map_err(failure)
    }

    async fn load(&mut self, guid: CustomerGuid) -> Result<Vec<RecordedEvent>, StoreFailure> {
        recorded_events(
            &kyc_log::load_stream(&mut *self.tx, AGGREGATE_TYPE, &guid.to_string())
                .await
                .map_err(failure)?,
        )
    }

    /// Reads `customer_views` (see the `current` module on why its lock cannot deadlock with a
    /// replay's swap).
    async fn load_current(&mut self, guid: CustomerGuid) -> Result<CurrentCustomer, StoreFailure> {
        current::load_current(&mut self.tx, guid).await
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
        let new_events = events
            .iter()
            .map(|(event, metadata)| {
                Ok(NewEvent {
                    event_type: event.event_type().to_owned(),
                    event_version: event.event_version().to_owned(),
                    payload: serde_json::to_value(event)?,
                    metadata: serde_json::to_value(metadata)?,
                })
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()
            .map_err(|e| StoreFailure::Other(format!("serializing events of {guid}: {e}")))?;
        let appended = kyc_log::append(
            &mut self.tx,
            AGGREGATE_TYPE,
            &guid.to_string(),
            expected,
            &new_events,
        )
        .await
        .map_err(failure)?;
        self.appended = true;
        appended
            .into_iter()
            .zip(events)
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
            .collect()
    }

    async fn put_document(
        &mut self,
        bank_guid: BankGuid,
        customer_guid: CustomerGuid,
        document_guid: DocumentGuid,
        content: &[u8],
        content_type: ContentType,
    ) -> Result<(), StoreFailure> {
        crate::put_document_content(
            &mut self.tx,
            NewDocumentContent {
                document_guid: &document_guid.to_string(),
                bank_guid: &bank_guid.to_string(),
                customer_guid: &customer_guid.to_string(),
                content_type: content_type.as_str(),
                content,
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
        // data key destruction: added by the encryption work (delete the customer's data key
        // here, in this transaction, so the key and CustomerErased commit together).
        Ok(())
    }

    async fn commit(self) -> Result<(), StoreFailure> {
        self.tx.commit().await.map_err(sqlx_failure)?;
        if self.appended {
            self.announcer.announce();
        }
        Ok(())
    }
}
