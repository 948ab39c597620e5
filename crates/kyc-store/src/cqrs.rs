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

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{CqrsFramework, Query};
use kyc_app::aggregate::CustomerAggregate;
use kyc_app::chain::{link_hash_v2, CHAIN_FIELD, CHAIN_VERSION, GENESIS_HASH};
use kyc_log::{ChainLink, LogRepository};
use serde_json::Value;
use sqlx::PgPool;

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

/// The event store of [`CustomerCqrs`]: events only, no snapshots (DESIGN.md §3).
pub type CustomerEventStore = PersistedEventStore<LogRepository<CustomerChain>, CustomerAggregate>;

/// A cqrs-es framework for the Customer on the log.
pub type CustomerCqrs = CqrsFramework<CustomerAggregate, CustomerEventStore>;

/// The Customer's cqrs-es framework over a migrated database, with `queries` run after each
/// commit (in-process and lost on a crash: durable read models tail the log instead).
pub fn customer_cqrs(
    pool: PgPool,
    queries: Vec<Box<dyn Query<CustomerAggregate>>>,
) -> CustomerCqrs {
    let store = PersistedEventStore::new_event_store(LogRepository::new(pool, CustomerChain));
    CqrsFramework::new(store, queries, ())
}
