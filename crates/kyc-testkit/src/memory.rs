//! An in-memory [`CustomerStore`]: the port contract of `kyc_app::ports` without PostgreSQL.
//!
//! It keeps the promises adapters and the command service rely on, so tests of those layers
//! exercise the real rules rather than a convenient fake:
//!
//! - a transaction's writes become visible only when it commits, all together or not at all;
//! - an append with a stale expected sequence fails with [`StoreFailure::Conflict`] (at append
//!   time or, if a competing transaction committed in between, at commit time);
//! - an idempotency key is held by the first transaction that claims it until that transaction
//!   commits or rolls back; a concurrent claim of the same key waits, then sees the committed
//!   answer (or a fresh key, after a rollback);
//! - external ids are unique per tenant;
//! - `global_position` is drawn like the PostgreSQL store does: `(transaction id << 16) + index`;
//! - lists are newest first, filtered by type, state, label and identity values;
//! - operator queues hold who `kyc_app::operator_queues` says, in the queue's order, with times
//!   to the microsecond (as PostgreSQL's `timestamptz` keeps them);
//! - the identity index is per tenant (it keeps normalised values, where PostgreSQL keeps
//!   keyed digests: the same equalities, without the crypto);
//! - appends link the hash chain (v2) over the payload as this store keeps it (`serde_json`'s).
//!
//! [`MemoryStore::set_unavailable`] simulates an outage: every operation then fails with
//! [`StoreFailure::Unavailable`]. [`MemoryStore::until_claims_wait`] tells a test that claims
//! are queued behind a held key, where PostgreSQL tests look at `pg_locks` ([`crate::locks`]).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, SubsecRound, Utc};
use kyc_app::chain::link_event;
use kyc_app::metadata::EventMetadata;
use kyc_app::operator_queues::{
    review_clock, AwaitingApproval, ExpiringDocument, OperatorQueue, PendingDocument, QueueEntries,
    QueuePage, QueueQuery, ReviewFallingDue,
};
use kyc_app::ports::{
    CurrentCustomer, CustomerStore, CustomerTransaction, Cut, IdempotencyClaim, ListPage,
    ListQuery, RecordedEvent, StoreFailure, StoredDocument,
};
use kyc_app::CommandOutcome;
use kyc_domain::customer::{ContentType, IdentityKind, IdentityMatch, IdentityValue};
use kyc_domain::ids::{BankGuid, CustomerGuid, DocumentGuid, ExternalId};
use kyc_domain::{Customer, CustomerEvent, CustomerRecord};
use tokio::sync::OwnedMutexGuard;

/// An idempotency key within its scope.
type KeyId = (String, String);

/// A stored idempotency record.
#[derive(Debug, Clone)]
struct IdempotencyRecord {
    fingerprint: String,
    answer: Option<CommandOutcome>,
    created_at: DateTime<Utc>,
}

impl IdempotencyRecord {
    fn customer(&self) -> Option<CustomerGuid> {
        self.answer
            .as_ref()
            .and_then(kyc_app::outcome::outcome_customer)
    }
}

/// What committed transactions left behind.
#[derive(Debug, Default)]
struct Committed {
    streams: HashMap<CustomerGuid, Vec<RecordedEvent>>,
    idempotency: HashMap<KeyId, IdempotencyRecord>,
    external_ids: HashMap<(BankGuid, String), CustomerGuid>,
    documents: HashMap<(BankGuid, DocumentGuid), (CustomerGuid, StoredDocument)>,
    identities: IdentityIndex,
}

/// The identity index: (tenant, value, customer) rows.
type IdentityIndex = HashSet<(BankGuid, IdentityValue, CustomerGuid)>;

/// One `index_identity` call, applied at commit.
#[derive(Debug, Clone)]
struct IndexWrite {
    bank_guid: BankGuid,
    customer_guid: CustomerGuid,
    kinds: Vec<IdentityKind>,
    values: Vec<IdentityValue>,
}

impl IndexWrite {
    fn apply(&self, index: &mut IdentityIndex) {
        index.retain(|(bank, value, customer)| {
            !(*bank == self.bank_guid
                && *customer == self.customer_guid
                && self.kinds.contains(&value.kind))
        });
        for value in &self.values {
            index.insert((self.bank_guid, value.clone(), self.customer_guid));
        }
    }
}

/// Customers of `bank` holding every one of `wanted`.
fn holders_of_all(
    index: &IdentityIndex,
    bank: BankGuid,
    wanted: &[&IdentityValue],
) -> Option<HashSet<CustomerGuid>> {
    if wanted.is_empty() {
        return None;
    }
    let holders = |value: &IdentityValue| -> HashSet<CustomerGuid> {
        index
            .iter()
            .filter(|(b, v, _)| *b == bank && v == value)
            .map(|(_, _, c)| *c)
            .collect()
    };
    let mut all = holders(wanted[0]);
    for value in &wanted[1..] {
        let these = holders(value);
        all.retain(|c| these.contains(c));
    }
    Some(all)
}

#[derive(Debug, Default)]
struct Shared {
    committed: Mutex<Committed>,
    /// One lock per idempotency key, held by the transaction that claimed it.
    key_locks: Mutex<HashMap<KeyId, Arc<tokio::sync::Mutex<()>>>>,
    next_transaction: AtomicI64,
    unavailable: AtomicBool,
    /// How long idempotency answers are replayed; `None`: the PostgreSQL store's default.
    idempotency_window: Mutex<Option<std::time::Duration>>,
    /// How many claims found their key held and wait for it: the signal tests wait on.
    claims_waiting: tokio::sync::watch::Sender<usize>,
}

impl Shared {
    fn committed(&self) -> MutexGuard<'_, Committed> {
        // A panicking test thread must not poison the store for the others.
        self.committed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn check_available(&self) -> Result<(), StoreFailure> {
        if self.unavailable.load(Ordering::SeqCst) {
            Err(StoreFailure::Unavailable(
                "memory store switched off".to_owned(),
            ))
        } else {
            Ok(())
        }
    }

    fn key_lock(&self, key: &KeyId) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .key_locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(locks.entry(key.clone()).or_default())
    }
}

/// The in-memory store. Clones share the same data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Idempotency answers are replayed for `window` after they were stored, as
    /// [`kyc_store::PgCustomerStore::with_idempotency_window`] (its default without this).
    #[must_use]
    pub fn with_idempotency_window(self, window: std::time::Duration) -> Self {
        *self
            .shared
            .idempotency_window
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(window);
        self
    }

    /// Simulates an outage (`true`) or its end (`false`).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.shared.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// Resolves once at least `count` idempotency claims are waiting for a key that another
    /// transaction holds: the explicit signal that a concurrent claim has queued (a sleep
    /// proves nothing on a loaded machine).
    ///
    /// # Panics
    ///
    /// When that many claims do not queue within [`crate::locks::DEADLINE`].
    pub async fn until_claims_wait(&self, count: usize) {
        let mut waiting = self.shared.claims_waiting.subscribe();
        let queued = tokio::time::timeout(
            crate::locks::DEADLINE,
            waiting.wait_for(|waiting| *waiting >= count),
        )
        .await
        // Drop the borrow at once: it holds the channel's read lock.
        .is_ok_and(|seen| seen.is_ok());
        assert!(
            queued,
            "expected {count} idempotency claim(s) waiting for a held key, saw {} within {:?}",
            *self.shared.claims_waiting.borrow(),
            crate::locks::DEADLINE
        );
    }

    /// Number of customers committed so far, of every tenant.
    pub fn customer_count(&self) -> usize {
        self.shared.committed().streams.len()
    }

    /// Number of events committed so far, of every customer.
    pub fn event_count(&self) -> usize {
        self.shared.committed().streams.values().map(Vec::len).sum()
    }
}

/// Folds a stream into the customer's record.
fn fold(events: &[RecordedEvent]) -> Option<CustomerRecord> {
    Customer::from_events(events.iter().map(|r| &r.event))
        .record()
        .cloned()
}

/// `at` as PostgreSQL's `timestamptz` keeps it: cut to the microsecond.
fn to_microseconds(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// The entries of `query`'s page among `all` (in the queue's order).
fn page_of<T>(all: Vec<T>, query: &QueueQuery) -> Vec<T> {
    let skip = usize::try_from(query.offset()).unwrap_or(usize::MAX);
    all.into_iter()
        .skip(skip)
        .take(query.per_page as usize)
        .collect()
}

/// The current state of a stream: a fold of all of it (this store keeps no snapshots), and the
/// latest event's chain link.
fn current(events: &[RecordedEvent]) -> CurrentCustomer {
    CurrentCustomer {
        customer: Customer::from_events(events.iter().map(|r| &r.event)),
        last_hash: events.last().map(|r| r.metadata.hash.clone()),
    }
}

impl CustomerStore for MemoryStore {
    type Transaction = MemoryTransaction;

    async fn begin(&self) -> Result<MemoryTransaction, StoreFailure> {
        self.shared.check_available()?;
        let id = self.shared.next_transaction.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(MemoryTransaction {
            shared: Arc::clone(&self.shared),
            id,
            started_at: Utc::now(),
            held_keys: HashMap::new(),
            appends: Vec::new(),
            appended_in_tx: 0,
            external_ids: Vec::new(),
            documents: Vec::new(),
            erasures: Vec::new(),
            index_writes: Vec::new(),
        })
    }

    async fn load(
        &self,
        guid: CustomerGuid,
        cut: Option<Cut>,
    ) -> Result<Vec<RecordedEvent>, StoreFailure> {
        self.shared.check_available()?;
        let committed = self.shared.committed();
        let stream = committed.streams.get(&guid).cloned().unwrap_or_default();
        Ok(match cut {
            None => stream,
            Some(Cut::Position(position)) => stream
                .into_iter()
                .filter(|r| r.global_position <= position)
                .collect(),
            Some(Cut::Instant(at)) => stream
                .into_iter()
                .filter(|r| r.metadata.occurred_at <= at)
                .collect(),
        })
    }

    async fn load_current(&self, guid: CustomerGuid) -> Result<CurrentCustomer, StoreFailure> {
        self.shared.check_available()?;
        let committed = self.shared.committed();
        Ok(current(
            committed.streams.get(&guid).map_or(&[], Vec::as_slice),
        ))
    }

    async fn list(&self, query: &ListQuery) -> Result<ListPage, StoreFailure> {
        self.shared.check_available()?;
        let mut matching: Vec<CustomerRecord> = {
            let committed = self.shared.committed();
            let holders = holders_of_all(
                &committed.identities,
                query.bank_guid,
                &query.identity_filters(),
            );
            committed
                .streams
                .values()
                .filter_map(|stream| fold(stream))
                .filter(|r| r.bank_guid == query.bank_guid)
                .filter(|r| holders.as_ref().is_none_or(|h| h.contains(&r.guid)))
                .filter(|r| query.customer_type.is_none_or(|t| r.customer_type == t))
                .filter(|r| query.states.is_empty() || query.states.contains(&r.state))
                .filter(|r| {
                    query.profile_statuses.is_empty()
                        || query
                            .profile_statuses
                            .contains(&r.verification_profile().status)
                })
                .filter(|r| {
                    query.label.as_deref().is_none_or(|wanted| {
                        r.details
                            .labels
                            .iter()
                            .flatten()
                            .any(|label| label.to_string() == wanted)
                    })
                })
                .collect()
        };
        // Newest first; UUID v7 guids break ties in creation order.
        matching.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.guid.as_uuid().cmp(&a.guid.as_uuid()))
        });
        let total = matching.len() as u64;
        let skip = usize::try_from(query.first_row()).unwrap_or(usize::MAX);
        let items = matching
            .into_iter()
            .skip(skip)
            .take(query.per_page as usize)
            .collect();
        Ok(ListPage { total, items })
    }

    async fn queue(&self, query: &QueueQuery) -> Result<QueuePage, StoreFailure> {
        self.shared.check_available()?;
        let records: Vec<CustomerRecord> = {
            let committed = self.shared.committed();
            committed
                .streams
                .values()
                .filter_map(|stream| fold(stream))
                .filter(|r| r.bank_guid == query.bank_guid)
                .collect()
        };
        let (total, entries) = match query.queue {
            OperatorQueue::DocumentsPendingReview => {
                let mut all: Vec<PendingDocument> = records
                    .iter()
                    .flat_map(PendingDocument::of)
                    .map(|entry| PendingDocument {
                        submitted_at: to_microseconds(entry.submitted_at),
                        ..entry
                    })
                    .collect();
                all.sort_by_key(|e| (e.submitted_at, e.document_guid.as_uuid()));
                (
                    all.len(),
                    QueueEntries::DocumentsPendingReview(page_of(all, query)),
                )
            }
            OperatorQueue::AwaitingSecondApproval => {
                let mut all: Vec<AwaitingApproval> = records
                    .iter()
                    .filter_map(AwaitingApproval::of)
                    .map(|entry| AwaitingApproval {
                        first_approved_at: to_microseconds(entry.first_approved_at),
                        ..entry
                    })
                    .collect();
                all.sort_by_key(|e| (e.first_approved_at, e.customer_guid.as_uuid()));
                (
                    all.len(),
                    QueueEntries::AwaitingSecondApproval(page_of(all, query)),
                )
            }
            OperatorQueue::ReviewsFallingDue => {
                // From the clock cut to the microsecond, as PostgreSQL stores it.
                let mut all: Vec<ReviewFallingDue> = records
                    .iter()
                    .filter_map(|record| {
                        let (risk_level, at) = review_clock(record)?;
                        let last_reviewed_at = to_microseconds(at);
                        let due_at = query.window.review_due(risk_level, last_reviewed_at)?;
                        Some(ReviewFallingDue {
                            customer_guid: record.guid,
                            customer_type: record.customer_type,
                            risk_level,
                            last_reviewed_at,
                            due_at,
                        })
                    })
                    .collect();
                all.sort_by_key(|e| (e.due_at, e.customer_guid.as_uuid()));
                (
                    all.len(),
                    QueueEntries::ReviewsFallingDue(page_of(all, query)),
                )
            }
            OperatorQueue::DocumentsExpiring => {
                let mut all: Vec<ExpiringDocument> = records
                    .iter()
                    .flat_map(|record| ExpiringDocument::of(record, &query.window))
                    .collect();
                all.sort_by_key(|e| (e.expires_on, e.document_guid.as_uuid()));
                (
                    all.len(),
                    QueueEntries::DocumentsExpiring(page_of(all, query)),
                )
            }
        };
        Ok(QueuePage {
            total: total as u64,
            entries,
        })
    }

    async fn document_content(
        &self,
        bank_guid: BankGuid,
        document_guid: DocumentGuid,
    ) -> Result<Option<StoredDocument>, StoreFailure> {
        self.shared.check_available()?;
        Ok(self
            .shared
            .committed()
            .documents
            .get(&(bank_guid, document_guid))
            .map(|(_, document)| document.clone()))
    }

    async fn ping(&self) -> Result<(), StoreFailure> {
        self.shared.check_available()
    }
}

/// A claim counted in `claims_waiting` while it waits; leaving (or being cancelled) uncounts it.
struct Queued<'a>(&'a tokio::sync::watch::Sender<usize>);

impl<'a> Queued<'a> {
    fn join(waiting: &'a tokio::sync::watch::Sender<usize>) -> Self {
        waiting.send_modify(|n| *n += 1);
        Self(waiting)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

/// A claimed key: its lock, and what this transaction will write for it.
struct HeldKey {
    _guard: OwnedMutexGuard<()>,
    fingerprint: String,
    answer: Option<CommandOutcome>,
    created_at: DateTime<Utc>,
}

/// An append waiting for commit.
struct PendingAppend {
    guid: CustomerGuid,
    expected_sequence: u64,
    events: Vec<RecordedEvent>,
}

/// A unit of work of [`MemoryStore`]; dropping it rolls back and releases its keys.
pub struct MemoryTransaction {
    shared: Arc<Shared>,
    id: i64,
    started_at: DateTime<Utc>,
    held_keys: HashMap<KeyId, HeldKey>,
    appends: Vec<PendingAppend>,
    appended_in_tx: i64,
    external_ids: Vec<(BankGuid, String, CustomerGuid)>,
    documents: Vec<(BankGuid, CustomerGuid, DocumentGuid, StoredDocument)>,
    erasures: Vec<(BankGuid, CustomerGuid)>,
    index_writes: Vec<IndexWrite>,
}

impl MemoryTransaction {
    /// The stream as this transaction sees it: committed events plus its own appends.
    fn stream(&self, guid: CustomerGuid) -> Vec<RecordedEvent> {
        let mut stream = self
            .shared
            .committed()
            .streams
            .get(&guid)
            .cloned()
            .unwrap_or_default();
        for pending in self.appends.iter().filter(|p| p.guid == guid) {
            stream.extend(pending.events.iter().cloned());
        }
        stream
    }
}

impl CustomerTransaction for MemoryTransaction {
    async fn claim_idempotency(
        &mut self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<IdempotencyClaim, StoreFailure> {
        self.shared.check_available()?;
        let id = (scope.to_owned(), key.to_owned());
        if let Some(held) = self.held_keys.get(&id) {
            return Ok(if held.fingerprint == fingerprint {
                IdempotencyClaim::Fresh
            } else {
                IdempotencyClaim::Mismatch
            });
        }
        // Waits while another transaction holds the key, as a row lock would.
        let lock = self.shared.key_lock(&id);
        let guard = match Arc::clone(&lock).try_lock_owned() {
            Ok(guard) => guard,
            Err(_held) => {
                let _queued = Queued::join(&self.shared.claims_waiting);
                lock.lock_owned().await
            }
        };
        let window = self
            .shared
            .idempotency_window
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .unwrap_or(kyc_store::DEFAULT_IDEMPOTENCY_WINDOW);
        let expired_before = kyc_store::expired_before(now, window);
        // An expired answer counts as absent: the key is fresh again.
        let existing = self
            .shared
            .committed()
            .idempotency
            .get(&id)
            .filter(|record| record.created_at >= expired_before)
            .cloned();
        let claim = match existing {
            Some(record) if record.fingerprint != fingerprint => IdempotencyClaim::Mismatch,
            Some(IdempotencyRecord {
                answer: Some(answer),
                ..
            }) => IdempotencyClaim::Replay(answer),
            _ => IdempotencyClaim::Fresh,
        };
        if claim == IdempotencyClaim::Fresh {
            self.held_keys.insert(
                id,
                HeldKey {
                    _guard: guard,
                    fingerprint: fingerprint.to_owned(),
                    answer: None,
                    created_at: now,
                },
            );
        }
        Ok(claim)
    }

    async fn complete_idempotency(
        &mut self,
        scope: &str,
        key: &str,
        answer: &CommandOutcome,
    ) -> Result<(), StoreFailure> {
        self.shared.check_available()?;
        let id = (scope.to_owned(), key.to_owned());
        match self.held_keys.get_mut(&id) {
            Some(held) => {
                held.answer = Some(answer.clone());
                Ok(())
            }
            None => Err(StoreFailure::Other(format!(
                "idempotency key {key} completed without a claim"
            ))),
        }
    }

    async fn load(&mut self, guid: CustomerGuid) -> Result<Vec<RecordedEvent>, StoreFailure> {
        self.shared.check_available()?;
        Ok(self.stream(guid))
    }

    async fn load_current(&mut self, guid: CustomerGuid) -> Result<CurrentCustomer, StoreFailure> {
        self.shared.check_available()?;
        Ok(current(&self.stream(guid)))
    }

    async fn identity_matches(
        &mut self,
        bank_guid: BankGuid,
        values: &[IdentityValue],
    ) -> Result<Vec<IdentityMatch>, StoreFailure> {
        self.shared.check_available()?;
        // The committed index with this transaction's own writes on top.
        let mut index = self.shared.committed().identities.clone();
        for write in &self.index_writes {
            write.apply(&mut index);
        }
        let mut found: Vec<IdentityMatch> = index
            .iter()
            .filter(|(bank, value, _)| *bank == bank_guid && values.contains(value))
            .map(|(_, value, customer)| IdentityMatch {
                kind: value.kind,
                customer_guid: *customer,
            })
            .collect();
        found.sort();
        found.dedup();
        Ok(found)
    }

    async fn index_identity(
        &mut self,
        bank_guid: BankGuid,
        customer_guid: CustomerGuid,
        kinds: &[IdentityKind],
        values: &[IdentityValue],
    ) -> Result<(), StoreFailure> {
        self.shared.check_available()?;
        self.index_writes.push(IndexWrite {
            bank_guid,
            customer_guid,
            kinds: kinds.to_vec(),
            values: values.to_vec(),
        });
        Ok(())
    }

    async fn external_id_owner(
        &mut self,
        bank_guid: BankGuid,
        external_id: &ExternalId,
    ) -> Result<Option<CustomerGuid>, StoreFailure> {
        self.shared.check_available()?;
        let raw = external_id.as_str().to_owned();
        Ok(self
            .shared
            .committed()
            .external_ids
            .get(&(bank_guid, raw.clone()))
            .copied()
            .or_else(|| {
                self.external_ids
                    .iter()
                    .find(|(b, e, _)| *b == bank_guid && *e == raw)
                    .map(|(_, _, g)| *g)
            }))
    }

    async fn reserve_external_id(
        &mut self,
        bank_guid: BankGuid,
        external_id: &ExternalId,
        guid: CustomerGuid,
    ) -> Result<(), StoreFailure> {
        match self.external_id_owner(bank_guid, external_id).await? {
            Some(owner) if owner != guid => Err(StoreFailure::ExternalIdTaken(owner)),
            Some(_) => Ok(()),
            None => {
                self.external_ids
                    .push((bank_guid, external_id.as_str().to_owned(), guid));
                Ok(())
            }
        }
    }

    async fn append(
        &mut self,
        guid: CustomerGuid,
        expected_sequence: u64,
        events: Vec<(CustomerEvent, EventMetadata)>,
    ) -> Result<Vec<RecordedEvent>, StoreFailure> {
        self.shared.check_available()?;
        if self.stream(guid).len() as u64 != expected_sequence {
            return Err(StoreFailure::Conflict);
        }
        let mut previous = current(&self.stream(guid)).previous_hash().to_owned();
        let mut recorded = Vec::with_capacity(events.len());
        for (offset, (event, mut metadata)) in events.into_iter().enumerate() {
            // This store keeps the payload as serde_json writes it: the link covers that.
            let payload = serde_json::to_value(&event)
                .map_err(|e| StoreFailure::Other(format!("serializing an event: {e}")))?;
            link_event(
                &previous,
                event.event_type(),
                event.event_version(),
                &payload,
                &mut metadata,
            )
            .map_err(|e| StoreFailure::Other(format!("linking an event: {e}")))?;
            previous.clone_from(&metadata.hash);
            self.appended_in_tx += 1;
            recorded.push(RecordedEvent {
                sequence: expected_sequence + offset as u64 + 1,
                global_position: (self.id << 16) + self.appended_in_tx,
                event,
                metadata,
                recorded_at: self.started_at,
            });
        }
        self.appends.push(PendingAppend {
            guid,
            expected_sequence,
            events: recorded.clone(),
        });
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
        self.shared.check_available()?;
        self.documents.push((
            bank_guid,
            customer_guid,
            document_guid,
            StoredDocument {
                content: content.to_vec(),
                content_type,
            },
        ));
        Ok(())
    }

    async fn erase_customer_data(
        &mut self,
        bank_guid: BankGuid,
        customer_guid: CustomerGuid,
    ) -> Result<(), StoreFailure> {
        self.shared.check_available()?;
        self.erasures.push((bank_guid, customer_guid));
        Ok(())
    }

    async fn commit(self) -> Result<(), StoreFailure> {
        self.shared.check_available()?;
        let mut committed = self.shared.committed();
        // Check everything first: a failed commit must leave nothing behind.
        let mut lengths: HashMap<CustomerGuid, u64> = HashMap::new();
        for pending in &self.appends {
            let length = *lengths.entry(pending.guid).or_insert_with(|| {
                committed
                    .streams
                    .get(&pending.guid)
                    .map_or(0, |s| s.len() as u64)
            });
            if length != pending.expected_sequence {
                return Err(StoreFailure::Conflict);
            }
            lengths.insert(pending.guid, length + pending.events.len() as u64);
        }
        for (bank_guid, raw, guid) in &self.external_ids {
            if let Some(owner) = committed.external_ids.get(&(*bank_guid, raw.clone())) {
                if owner != guid {
                    return Err(StoreFailure::ExternalIdTaken(*owner));
                }
            }
        }
        for pending in self.appends {
            committed
                .streams
                .entry(pending.guid)
                .or_default()
                .extend(pending.events);
        }
        for (bank_guid, raw, guid) in self.external_ids {
            committed.external_ids.insert((bank_guid, raw), guid);
        }
        for write in &self.index_writes {
            write.apply(&mut committed.identities);
        }
        for (bank_guid, customer_guid, document_guid, document) in self.documents {
            committed
                .documents
                .insert((bank_guid, document_guid), (customer_guid, document));
        }
        // Before this transaction's own answers are stored, as in PostgreSQL, where the delete
        // runs before the idempotency claim: the erasing request's answer stays replayable.
        for (bank_guid, customer_guid) in &self.erasures {
            committed
                .documents
                .retain(|(bank, _), (customer, _)| bank != bank_guid || customer != customer_guid);
            committed
                .idempotency
                .retain(|_, record| record.customer() != Some(*customer_guid));
            committed
                .identities
                .retain(|(_, _, customer)| customer != customer_guid);
        }
        for (id, held) in &self.held_keys {
            committed.idempotency.insert(
                id.clone(),
                IdempotencyRecord {
                    fingerprint: held.fingerprint.clone(),
                    answer: held.answer.clone(),
                    created_at: held.created_at,
                },
            );
        }
        drop(committed);
        // The key locks are released here, after the answers became visible.
        drop(self.held_keys);
        Ok(())
    }
}
