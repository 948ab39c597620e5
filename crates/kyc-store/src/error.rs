//! The store's failures, kept apart from the domain's refusals.
//!
//! The `Display` text is meant for logs; callers map variants (e.g. [`StoreError::Conflict`]
//! to HTTP 409) and never show database messages to clients.

use thiserror::Error;

/// Why a storage operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// Optimistic concurrency: the stream's last sequence was not `expected` (another writer
    /// appended first). The caller's transaction must be rolled back; the command may be retried.
    #[error("stream {aggregate_type}/{aggregate_id} was not at sequence {expected}")]
    Conflict {
        /// Aggregate type of the stream.
        aggregate_type: String,
        /// Aggregate id of the stream.
        aggregate_id: String,
        /// The last sequence the writer expected.
        expected: i64,
    },
    /// More than [`kyc_log::MAX_EVENTS_PER_TRANSACTION`] events in one transaction.
    #[error("more than {max} events in one transaction", max = kyc_log::MAX_EVENTS_PER_TRANSACTION)]
    TooManyEventsInTransaction,
    /// The transaction wrote something before its events, which would let a later sequence
    /// take a lower position than an earlier one (see migrations/0006). A bug in the caller.
    #[error("events must be the first write of their transaction")]
    EventsNotFirstWrite,
    /// The idempotency key was completed without having been claimed in this transaction.
    #[error("idempotency key {key} of scope {scope} is not claimed or already completed")]
    IdempotencyKeyNotClaimed {
        /// Tenant and principal.
        scope: String,
        /// The client's key.
        key: String,
    },
    /// A committed idempotency record has no stored response (claimed and committed without
    /// completing, or claimed twice in one transaction): a bug in the caller.
    #[error("idempotency key {key} of scope {scope} has no stored response")]
    IdempotencyRecordIncomplete {
        /// Tenant and principal.
        scope: String,
        /// The client's key.
        key: String,
    },
    /// A checkpoint would move backwards.
    #[error("checkpoint {name} is at {current}, refusing to move it back to {attempted}")]
    CheckpointRegression {
        /// Checkpoint name.
        name: String,
        /// Stored position.
        current: i64,
        /// Position that was refused.
        attempted: i64,
    },
    /// Document content larger than [`crate::MAX_DOCUMENT_BYTES`].
    #[error("document of {size_bytes} bytes exceeds {max} bytes", max = crate::MAX_DOCUMENT_BYTES)]
    DocumentTooLarge {
        /// Size of the refused content.
        size_bytes: usize,
    },
    /// Content for this document guid is already stored (contents are write-once).
    #[error("content of document {document_guid} is already stored")]
    DocumentAlreadyStored {
        /// The document guid.
        document_guid: String,
    },
    /// A stored value is outside the range the API promises (e.g. an HTTP status above 65535).
    #[error("stored {what} is out of range")]
    InvalidStoredValue {
        /// Which value.
        what: &'static str,
    },
    /// A stored event or row no longer deserializes into the type it was written from.
    #[error("corrupt stored data for {aggregate_id} at sequence {sequence}: {reason}")]
    Corrupt {
        /// The aggregate (customer guid) whose data is unreadable.
        aggregate_id: String,
        /// The event's sequence (or the row's last sequence).
        sequence: i64,
        /// What failed to deserialize, and why.
        reason: String,
    },
    /// A checkpoint was not where this consumer left it: another instance of the same consumer
    /// (e.g. a second `kycctl replay`) is running.
    #[error("checkpoint {name} moved to {found} while this consumer expected {expected}")]
    CheckpointMoved {
        /// Checkpoint name.
        name: String,
        /// Where this consumer left it.
        expected: i64,
        /// Where it was found.
        found: i64,
    },
    /// A customer's data key could not be made, unwrapped or used (wrong key-encryption key,
    /// a key service down, a tampered wrapped key). Never names key material.
    #[error("data key of customer {customer}: {source}")]
    DataKey {
        /// The customer.
        customer: String,
        /// Why.
        source: kyc_crypto::CryptoError,
    },
    /// Data is sealed but the customer has no data key row at all (never created: a bug or a
    /// restored backup without its `customer_keys`).
    #[error("customer {0} has sealed data but no data key")]
    MissingDataKey(String),
    /// The key-encryption keys cannot open what is stored: the configured key file lacks keys
    /// the database was written with, or holds a different key under the same id.
    #[error("{0}")]
    KeyMismatch(String),
    /// A background task of this process panicked or was cancelled.
    #[error("background task failed: {0}")]
    TaskFailed(String),
    /// PostgreSQL could not be reached (connection, pool, shutdown); usually worth a retry.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database error.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// Applying migrations failed.
    #[error("migration failed")]
    Migration(#[source] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        kyc_log::LogError::from(err).into()
    }
}

pub(crate) use kyc_log::{db_code_and_constraint, UNIQUE_VIOLATION};

impl From<kyc_log::LogError> for StoreError {
    /// The log's failures keep their meaning (and variant name) in the store's vocabulary, so
    /// [`crate::failure`] maps a conflict on `append` exactly as before the log had its crate.
    fn from(err: kyc_log::LogError) -> Self {
        use kyc_log::LogError;
        match err {
            LogError::Conflict {
                aggregate_type,
                aggregate_id,
                expected,
            } => Self::Conflict {
                aggregate_type,
                aggregate_id,
                expected,
            },
            LogError::TooManyEventsInTransaction => Self::TooManyEventsInTransaction,
            LogError::EventsNotFirstWrite => Self::EventsNotFirstWrite,
            LogError::CheckpointRegression {
                name,
                current,
                attempted,
            } => Self::CheckpointRegression {
                name,
                current,
                attempted,
            },
            LogError::Undecodable {
                aggregate_id,
                sequence,
                reason,
            } => Self::Corrupt {
                aggregate_id,
                sequence,
                reason,
            },
            LogError::Unavailable(source) => Self::Unavailable(source),
            LogError::Database(source) => Self::Database(source),
        }
    }
}

/// True for errors PostgreSQL raises when concurrent transactions collide
/// (`serialization_failure` 40001, `deadlock_detected` 40P01): retrying the whole transaction
/// may succeed, exactly as after an optimistic-concurrency conflict.
pub(crate) fn is_serialization_failure(err: &sqlx::Error) -> bool {
    db_code_and_constraint(err).is_some_and(|(code, _)| code == "40001" || code == "40P01")
}
