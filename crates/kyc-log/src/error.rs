//! The log's failures.
//!
//! The `Display` text is meant for logs; callers map variants (e.g. [`LogError::Conflict`]
//! to HTTP 409) and never show database messages to clients.

use thiserror::Error;

/// Why an operation on the event log failed.
#[derive(Debug, Error)]
pub enum LogError {
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
    /// More than [`crate::MAX_EVENTS_PER_TRANSACTION`] events in one transaction.
    #[error("more than {max} events in one transaction", max = crate::MAX_EVENTS_PER_TRANSACTION)]
    TooManyEventsInTransaction,
    /// The transaction wrote something before its events, which would let a later sequence
    /// take a lower position than an earlier one (see migrations/0006). A bug in the caller.
    #[error("events must be the first write of their transaction")]
    EventsNotFirstWrite,
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
    /// A stored payload does not decode into the type the reader asked for.
    #[error("event {sequence} of stream {aggregate_id} does not decode: {reason}")]
    Undecodable {
        /// The stream's aggregate id.
        aggregate_id: String,
        /// The event's sequence.
        sequence: i64,
        /// What failed to deserialize, and why.
        reason: String,
    },
    /// PostgreSQL could not be reached (connection, pool, shutdown); usually worth a retry.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database error.
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for LogError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            Self::Unavailable(err)
        } else {
            Self::Database(err)
        }
    }
}

/// Connection-level failures, as opposed to errors of the statement itself.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 57P01-03: shutdown / cannot connect now;
            // 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// The SQLSTATE and constraint name of a database error, if it is one.
pub fn db_code_and_constraint(err: &sqlx::Error) -> Option<(String, Option<String>)> {
    match err {
        sqlx::Error::Database(db) => Some((
            db.code()
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_default(),
            db.constraint().map(str::to_owned),
        )),
        _ => None,
    }
}

/// SQLSTATE `unique_violation`.
pub const UNIQUE_VIOLATION: &str = "23505";

/// A JSON decoding error as logs and error texts may carry it: a data error (a value of the
/// wrong type or outside a closed list) is reported by position only, because serde's message
/// quotes the offending value, and stored values may be personal data.
pub fn describe_json_error(error: &serde_json::Error) -> String {
    match error.classify() {
        serde_json::error::Category::Data => format!(
            "a value does not fit its field (line {}, column {})",
            error.line(),
            error.column()
        ),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe_json_error;

    #[test]
    fn a_data_error_names_the_position_but_never_the_value() {
        let error = serde_json::from_str::<Vec<u32>>(r#"[1, "Ada Lovelace"]"#).unwrap_err();
        let described = describe_json_error(&error);
        assert!(!described.contains("Ada"), "{described}");
        assert!(described.contains("line 1"), "{described}");
        // A syntax error quotes no value, and keeps serde's wording.
        let syntax = serde_json::from_str::<Vec<u32>>("[1,").unwrap_err();
        assert_eq!(describe_json_error(&syntax), syntax.to_string());
    }
}
