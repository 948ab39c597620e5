//! PostgreSQL persistence of the KYC event log and its side tables.
//!
//! The event table keeps the postgres-es 0.5 layout, so `cqrs-es` can load (and write) the
//! same streams, and adds a `global_position` that follows commit order: readers tail the log
//! by position from a stored checkpoint ([`read_after`]) instead of trusting in-process queries.
//!
//! Everything here is generic over *serialized* events ([`serde_json::Value`]); the domain
//! crate decides what the payloads mean. Functions that must be atomic with the caller's other
//! writes (appending, idempotency records, checkpoints) take a `&mut PgConnection`, which is
//! what a `sqlx::Transaction` dereferences to; plain reads take any executor.

mod checkpoints;
mod customers;
mod documents;
mod error;
mod events;
mod idempotency;
mod notify;
pub mod projector;

pub use checkpoints::{load_checkpoint, read_checkpoint, reset_checkpoint, save_checkpoint};
pub use customers::{connect, failure, PgCustomerStore, PgCustomerTransaction, ACQUIRE_TIMEOUT};
pub use documents::{
    get_document_content, put_document_content, DocumentContent, NewDocumentContent,
    MAX_DOCUMENT_BYTES,
};
pub use error::StoreError;
pub use events::{
    append, last_position, load_stream, load_stream_as_of, read_after, AppendedEvent, AsOf,
    NewEvent, StoredEvent, MAX_EVENTS_PER_TRANSACTION,
};
pub use idempotency::{
    claim_idempotency_key, complete_idempotency_key, idempotency_scope, IdempotencyClaim,
};
pub use notify::{
    drain_notifications, gather_notifications, listen, CommitAnnouncer, EVENTS_CHANNEL, GATHER,
};

/// Applies the SQL migrations of the repository's `migrations/` folder (idempotent).
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), StoreError> {
    sqlx::migrate!("../../migrations")
        .run(pool)
        .await
        .map_err(StoreError::Migration)
}
