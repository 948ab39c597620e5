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
//!
//! # The window
//!
//! An answer is kept for a window ([`DEFAULT_IDEMPOTENCY_WINDOW`] unless configured): a retry
//! within it replays the answer; after it, the key is fresh again. Expiry is decided by the
//! claim itself (a record older than the window counts as absent and is taken over), so it
//! never depends on when [`purge_expired_idempotency_records`] last ran; the purge only
//! reclaims the space. Both take the time as an argument (the claim the command's, the purge
//! its caller's clock): tests move the clock instead of sleeping.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Row};

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

/// How long a stored answer is replayed when nothing else is configured.
pub const DEFAULT_IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// Records a purge deletes per statement: bounded, so it never holds many row locks or one
/// long transaction.
pub const PURGE_BATCH: i64 = 1_000;

/// The instant before which a record created has expired, at `now` with `window`.
pub fn expired_before(now: DateTime<Utc>, window: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(window)
        .ok()
        .and_then(|window| now.checked_sub_signed(window))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Claims `key` within `scope` for the caller's transaction at `now`, or reports its earlier
/// use within `window` (an older record has expired: the key is fresh again). May block until
/// a concurrent transaction holding the same key ends (see the module docs).
pub async fn claim_idempotency_key(
    conn: &mut PgConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<IdempotencyClaim, StoreError> {
    let claimed: Option<bool> = sqlx::query_scalar(include_str!("claim.sql"))
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .bind(expired_before(now, window))
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

/// Deletes every record older than `window` at `now`, in batches of `batch` (each its own
/// statement), and returns how many it deleted. Records an in-flight claim holds are left for
/// a later run.
pub async fn purge_expired_idempotency_records(
    pool: &PgPool,
    now: DateTime<Utc>,
    window: Duration,
    batch: i64,
) -> Result<u64, StoreError> {
    let cutoff = expired_before(now, window);
    let batch = batch.max(1);
    let mut purged = 0;
    loop {
        let deleted = sqlx::query(include_str!("purge.sql"))
            .bind(cutoff)
            .bind(batch)
            .execute(pool)
            .await?
            .rows_affected();
        purged += deleted;
        if deleted < u64::try_from(batch).unwrap_or(u64::MAX) {
            return Ok(purged);
        }
    }
}
