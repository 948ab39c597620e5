//! The customer adapter on PostgreSQL: `kyc-app`'s ports over the event log of `kyc-log`.
//!
//! * [`PgCustomerStore`] implements the `CustomerStore` port: it (de)serializes the Customer's
//!   events, appends them to the log and keeps the side tables (external ids, idempotency
//!   records, document contents) in the same transaction.
//! * [`projector`] keeps the `customer_views` and `document_views` projections: a handler of
//!   the log's one tailer, plus the bulk rebuild `kycctl replay` runs. Lists, the operator
//!   queues and the retention sweeper's candidates are read from their clear columns.
//! * [`cqrs`] drives the Customer through cqrs-es's `CqrsFramework` on the same log.
//! * [`lists`] keeps the imported sanctions and PEP lists, version by version.
//!
//! The log itself (append, read after a position, checkpoints, announcements, the tailer) is
//! `kyc-log`'s and knows nothing of customers; this crate runs no SQL on the event table. A
//! command's current customer is its view row continued by the stream's later events, read in
//! one statement by `kyc_log::load_after_fold` with this crate's `load_view.sql` as the fold.
//! Functions that must be atomic with the caller's other writes (idempotency records, document
//! contents) take a `&mut PgConnection`, which is what a `sqlx::Transaction` dereferences to.

mod blind;
pub mod codec;
pub mod cqrs;
mod customers;
mod documents;
mod due_diligence;
mod error;
mod idempotency;
pub mod keys;
pub mod lists;
pub mod projector;
mod queues;
mod retention;

pub use customers::{
    connect, failure, PgCustomerStore, PgCustomerTransaction, ACQUIRE_TIMEOUT, LIST_FRESHNESS_WAIT,
};
pub use documents::{
    get_document_content, put_document_content, DocumentContent, NewDocumentContent,
    MAX_DOCUMENT_BYTES,
};
pub use error::StoreError;
pub use idempotency::{
    claim_idempotency_key, complete_idempotency_key, expired_before, idempotency_scope,
    purge_expired_idempotency_records, IdempotencyClaim, DEFAULT_IDEMPOTENCY_WINDOW, PURGE_BATCH,
};

/// Applies the SQL migrations of the repository's `migrations/` folder (idempotent).
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), StoreError> {
    sqlx::migrate!("../../migrations")
        .run(pool)
        .await
        .map_err(StoreError::Migration)
}
