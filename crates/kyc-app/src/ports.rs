//! The ports: what the application needs from persistence, implemented by adapters
//! (`kyc-store` for PostgreSQL, an in-memory one in the tests).
//!
//! A command runs in one [`CustomerTransaction`]: the append, any document content, the
//! idempotency claim and the stored answer commit together or not at all. That is what makes a
//! retried request execute exactly once, even when the process dies between commit and answer.
//!
//! The events must be a transaction's first write: the log's positions come from transaction
//! ids, taken at the first write, and only then do positions rise with each customer's
//! sequence (PostgreSQL's trigger refuses any other order; see migrations/0006).

use std::future::Future;

use chrono::{DateTime, Utc};
use kyc_domain::customer::{
    ContentType, IdentityKind, IdentityMatch, IdentityValue, ProfileStatus,
};
use kyc_domain::ids::{BankGuid, CustomerGuid, DocumentGuid, ExternalId};
use kyc_domain::{Customer, CustomerEvent, CustomerRecord, CustomerState, CustomerType};
use thiserror::Error;

use crate::chain::GENESIS_HASH;
use crate::metadata::EventMetadata;
use crate::operator_queues::{QueuePage, QueueQuery};
use crate::outcome::CommandOutcome;

/// An event as the log holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// 1-based, contiguous per customer.
    pub sequence: u64,
    /// Position in the whole log (commit-order safe for tailing readers).
    pub global_position: i64,
    /// The event.
    pub event: CustomerEvent,
    /// Who, which request, and the hash-chain link.
    pub metadata: EventMetadata,
    /// When the writing transaction started.
    pub recorded_at: DateTime<Utc>,
}

/// A customer as it stands now: what a command decides on and chains its events after.
///
/// Adapters may build it from a stored snapshot plus the events after it rather than from the
/// whole history; either way it must equal a fold of every committed event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrentCustomer {
    /// The fold of the customer's events ([`Customer::default`] when it has none).
    pub customer: Customer,
    /// The hash-chain link of its latest event; `None` when it has no events.
    pub last_hash: Option<String>,
}

impl CurrentCustomer {
    /// The link the next event chains from: the latest event's hash, or the genesis hash.
    pub fn previous_hash(&self) -> &str {
        self.last_hash.as_deref().unwrap_or(GENESIS_HASH)
    }
}

/// Why persistence failed.
#[derive(Debug, Error)]
pub enum StoreFailure {
    /// Another writer appended to the customer first (optimistic concurrency).
    #[error("concurrent modification")]
    Conflict,
    /// The external id is already used by another customer of the tenant.
    #[error("external id already used by customer {0}")]
    ExternalIdTaken(CustomerGuid),
    /// The database cannot be reached; retrying later may succeed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A stored value could not be read back (e.g. an event that no longer deserializes).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Any other failure.
    #[error("store failure: {0}")]
    Other(String),
}

/// Outcome of claiming an idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub enum IdempotencyClaim {
    /// First use of the key: execute, then store the answer.
    Fresh,
    /// The key was used with the same request: this is its outcome.
    Replay(CommandOutcome),
    /// The key was used with a different request.
    Mismatch,
}

/// Filters and page of a customer list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// The tenant.
    pub bank_guid: BankGuid,
    /// Zero-based page.
    pub page: u32,
    /// Page size, 1–100.
    pub per_page: u32,
    /// The first row to give, when not `page × per_page` (Connect Financial pages by offset).
    pub offset: Option<u64>,
    /// Only this type.
    pub customer_type: Option<CustomerType>,
    /// Only customers in one of these states (any state when empty).
    pub states: Vec<CustomerState>,
    /// Only customers whose verification profile stands in one of these (any when empty).
    pub profile_statuses: Vec<ProfileStatus>,
    /// Only customers carrying this label.
    pub label: Option<String>,
    /// Only customers with this email address (matched through the blind index).
    pub email_address: Option<IdentityValue>,
    /// Only customers with this phone number (matched through the blind index).
    pub phone_number: Option<IdentityValue>,
    /// Only customers with this tax or identification number (matched through the blind
    /// index, under the value's own kind).
    pub identification_number: Option<IdentityValue>,
}

impl ListQuery {
    /// The first row of the page.
    pub fn first_row(&self) -> u64 {
        self.offset
            .unwrap_or(u64::from(self.page) * u64::from(self.per_page))
    }

    /// The identity values every listed customer must hold.
    pub fn identity_filters(&self) -> Vec<&IdentityValue> {
        [
            &self.email_address,
            &self.phone_number,
            &self.identification_number,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// One page of customers, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    /// Matching customers in all pages.
    pub total: u64,
    /// This page.
    pub items: Vec<CustomerRecord>,
}

/// Where to cut a customer's history for "as of" reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Events with a global position at or below this one.
    Position(i64),
    /// Events whose command was received at or before this instant.
    Instant(DateTime<Utc>),
}

/// A stored document's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// The bytes.
    pub content: Vec<u8>,
    /// Their sniffed media type.
    pub content_type: ContentType,
}

/// Read access and transactions.
pub trait CustomerStore: Send + Sync + 'static {
    /// A unit of work.
    type Transaction: CustomerTransaction;

    /// Starts a unit of work.
    fn begin(&self) -> impl Future<Output = Result<Self::Transaction, StoreFailure>> + Send;

    /// A customer's events in sequence order, optionally cut (empty if none).
    fn load(
        &self,
        guid: CustomerGuid,
        cut: Option<Cut>,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreFailure>> + Send;

    /// The customer as it stands now (a fold of every committed event), without necessarily
    /// reading its whole history.
    fn load_current(
        &self,
        guid: CustomerGuid,
    ) -> impl Future<Output = Result<CurrentCustomer, StoreFailure>> + Send;

    /// A page of the customer list projection.
    fn list(
        &self,
        query: &ListQuery,
    ) -> impl Future<Output = Result<ListPage, StoreFailure>> + Send;

    /// A page of an operator queue of the tenant, in the queue's order, and its total (see
    /// [`crate::operator_queues`] for who belongs in which queue). Like [`Self::list`] it reads
    /// the projection, which keeps times to the microsecond; entries carry no personal data.
    /// The page's entries are of the queue asked for.
    fn queue(
        &self,
        query: &QueueQuery,
    ) -> impl Future<Output = Result<QueuePage, StoreFailure>> + Send;

    /// A document's bytes, if the tenant has it.
    fn document_content(
        &self,
        bank_guid: BankGuid,
        document_guid: DocumentGuid,
    ) -> impl Future<Output = Result<Option<StoredDocument>, StoreFailure>> + Send;

    /// True when the store answers.
    fn ping(&self) -> impl Future<Output = Result<(), StoreFailure>> + Send;
}

/// One atomic unit of work; dropping it without [`CustomerTransaction::commit`] rolls back.
pub trait CustomerTransaction: Send {
    /// Claims `key` for `fingerprint` within `scope` at `now` (when the command was received).
    /// A concurrent claim of the same key waits until this transaction ends. Comes after the
    /// append (see the module docs).
    ///
    /// Answers are kept for the store's idempotency window: one stored longer before `now`
    /// has expired, and the key is [`IdempotencyClaim::Fresh`] again, whether or not the
    /// store has purged it yet.
    fn claim_idempotency(
        &mut self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<IdempotencyClaim, StoreFailure>> + Send;

    /// Stores the answer for a claimed key.
    fn complete_idempotency(
        &mut self,
        scope: &str,
        key: &str,
        outcome: &CommandOutcome,
    ) -> impl Future<Output = Result<(), StoreFailure>> + Send;

    /// A customer's events, read inside this transaction.
    fn load(
        &mut self,
        guid: CustomerGuid,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreFailure>> + Send;

    /// The customer as it stands now, read inside this transaction: what
    /// [`CustomerStore::load_current`] returns, consistent with what this transaction sees.
    /// A read, so it may come before the append.
    fn load_current(
        &mut self,
        guid: CustomerGuid,
    ) -> impl Future<Output = Result<CurrentCustomer, StoreFailure>> + Send;

    /// The customer that holds `external_id` in the tenant, if any (a read: safe before the
    /// append).
    fn external_id_owner(
        &mut self,
        bank_guid: BankGuid,
        external_id: &ExternalId,
    ) -> impl Future<Output = Result<Option<CustomerGuid>, StoreFailure>> + Send;

    /// The customers of the tenant holding any of `values` (the customer acting included, when
    /// it holds one), one entry per customer and kind, from the blind index: only the
    /// tenant's own index is searched. A read: safe before the append.
    fn identity_matches(
        &mut self,
        bank_guid: BankGuid,
        values: &[IdentityValue],
    ) -> impl Future<Output = Result<Vec<IdentityMatch>, StoreFailure>> + Send;

    /// Replaces what the blind index holds for `customer_guid` under `kinds` with `values`
    /// (each of one of those kinds). A write: after the append.
    fn index_identity(
        &mut self,
        bank_guid: BankGuid,
        customer_guid: CustomerGuid,
        kinds: &[IdentityKind],
        values: &[IdentityValue],
    ) -> impl Future<Output = Result<(), StoreFailure>> + Send;

    /// Reserves a tenant-unique external id for a new customer.
    fn reserve_external_id(
        &mut self,
        bank_guid: BankGuid,
        external_id: &ExternalId,
        guid: CustomerGuid,
    ) -> impl Future<Output = Result<(), StoreFailure>> + Send;

    /// Appends events after `expected_sequence` (0 for a new customer); [`StoreFailure::Conflict`]
    /// when another writer got there first.
    ///
    /// The store links the hash chain: it sets each event's `metadata.chain` and
    /// `metadata.hash` ([`crate::chain::link_event`]) after the customer's latest link, over
    /// the payload exactly as it stores it, and returns the events as recorded, links
    /// included. What the caller puts in those two fields is ignored. An adapter may take the
    /// latest link from an earlier [`CustomerTransaction::load_current`] of the same customer
    /// at the same sequence in this transaction, instead of reading it again.
    fn append(
        &mut self,
        guid: CustomerGuid,
        expected_sequence: u64,
        events: Vec<(CustomerEvent, EventMetadata)>,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreFailure>> + Send;

    /// Stores a document's bytes.
    fn put_document(
        &mut self,
        bank_guid: BankGuid,
        customer_guid: CustomerGuid,
        document_guid: DocumentGuid,
        content: &[u8],
        content_type: ContentType,
    ) -> impl Future<Output = Result<(), StoreFailure>> + Send;

    /// Deletes what the store keeps of a customer beside its events: document contents and the
    /// stored answers (idempotency records) whose outcome is this customer. Called in the
    /// transaction that appends `CustomerErased`, after the append.
    fn erase_customer_data(
        &mut self,
        bank_guid: BankGuid,
        customer_guid: CustomerGuid,
    ) -> impl Future<Output = Result<(), StoreFailure>> + Send;

    /// Makes everything durable.
    fn commit(self) -> impl Future<Output = Result<(), StoreFailure>> + Send;
}
