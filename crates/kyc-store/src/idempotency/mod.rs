//! Idempotency records: exactly-once execution of commands that carry an idempotency key.
//!
//! The command's transaction first [claims](claim_idempotency_key) the key with
//! `INSERT … ON CONFLICT DO NOTHING`, then does its work (appending events, writing views),
//! then [stores its answer](complete_idempotency_key) and commits. Because the claim is a row
//! insert inside that transaction, a concurrent duplicate blocks on the unique index until the
//! first transaction ends: if it committed, the duplicate replays the stored answer; if it
//! rolled back, the duplicate gets the claim and runs the command itself. No request ever sees
//! a half-done command.
//!
//! Use READ COMMITTED (PostgreSQL's default): under REPEATABLE READ the waiting duplicate fails
//! with a serialization error instead of seeing the first transaction's answer.

use serde_json::Value;
use sqlx::{PgConnection, Row};

use crate::StoreError;

/// Outcome of [`claim_idempotency_key`].
#[derive(Debug, Clone, PartialEq)]
pub enum IdempotencyClaim {
    /// First use of the key: run the command, then call [`complete_idempotency_key`].
    Fresh,
    /// The key was used before with the same request: answer with the stored outcome.
    Replay(Value),
    /// The key was used before with a different request (different hash): refuse.
    Mismatch,
}

/// The scope of idempotency keys: one tenant (bank guid) and one principal, so that two
/// callers choosing the same key never see each other's answers.
pub fn idempotency_scope(bank_guid: &str, principal: &str) -> String {
    format!("{bank_guid}/{principal}")
}

/// Claims `key` within `scope` for the caller's transaction, or reports its earlier use.
/// May block until a concurrent transaction holding the same key ends (see the module docs).
pub async fn claim_idempotency_key(
    conn: &mut PgConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> Result<IdempotencyClaim, StoreError> {
    let claimed: Option<bool> = sqlx::query_scalar(include_str!("claim.sql"))
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .fetch_optional(&mut *conn)
        .await?;
    if claimed.is_some() {
        return Ok(IdempotencyClaim::Fresh);
    }
    // READ COMMITTED: this new statement sees the record the conflicting transaction committed.
    let row = sqlx::query(include_str!("select.sql"))
        .bind(scope)
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    let stored_hash: String = row.try_get("request_hash")?;
    if stored_hash != request_hash {
        return Ok(IdempotencyClaim::Mismatch);
    }
    match row.try_get::<Option<Value>, _>("outcome")? {
        Some(outcome) => Ok(IdempotencyClaim::Replay(outcome)),
        None => Err(StoreError::IdempotencyRecordIncomplete {
            scope: scope.to_owned(),
            key: key.to_owned(),
        }),
    }
}

/// Stores the serialized outcome for a key this transaction claimed
/// ([`IdempotencyClaim::Fresh`]), with the customer it shows (what erasure deletes it by).
pub async fn complete_idempotency_key(
    conn: &mut PgConnection,
    scope: &str,
    key: &str,
    outcome: &Value,
    customer_guid: Option<&str>,
) -> Result<(), StoreError> {
    let done = sqlx::query(include_str!("complete.sql"))
        .bind(scope)
        .bind(key)
        .bind(outcome)
        .bind(customer_guid)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::IdempotencyKeyNotClaimed {
            scope: scope.to_owned(),
            key: key.to_owned(),
        })
    }
}
