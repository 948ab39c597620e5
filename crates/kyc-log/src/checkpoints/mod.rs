//! Checkpoints: how far in the event log a named consumer (projection, relay) has got.
//!
//! A consumer loads its checkpoint, reads the events after it with [`crate::read_after`],
//! writes its own rows and saves the new checkpoint, all in one transaction. So its rows and
//! its checkpoint can never disagree, even after a crash, and each event is applied once.

use sqlx::PgConnection;

use crate::LogError;

/// Returns the checkpoint's position (0 the first time, creating it) and locks it until the
/// end of the caller's transaction, so a second instance of the same consumer waits instead
/// of applying the same events twice.
///
/// The row lock gives the transaction an id, which holds back every tailing reader's horizon
/// (see [`crate::read_after`]) until it ends: keep consumer batches short.
pub async fn load_checkpoint(conn: &mut PgConnection, name: &str) -> Result<i64, LogError> {
    sqlx::query(include_str!("ensure.sql"))
        .bind(name)
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query_scalar(include_str!("lock.sql"))
        .bind(name)
        .fetch_one(&mut *conn)
        .await?)
}

/// Reads a checkpoint without locking it (0 if it was never saved).
///
/// For consumers that must read the log outside a transaction holding a transaction id: a
/// row lock would make this transaction the oldest running one and so hide every new event
/// from its own `read_after`.
pub async fn read_checkpoint<'e, E: sqlx::PgExecutor<'e>>(
    executor: E,
    name: &str,
) -> Result<i64, LogError> {
    let position: Option<i64> = sqlx::query_scalar(include_str!("current.sql"))
        .bind(name)
        .fetch_optional(executor)
        .await?;
    Ok(position.unwrap_or(0))
}

/// Stores the checkpoint's new position in the caller's transaction. Moving it backwards is
/// refused with [`LogError::CheckpointRegression`]; saving the same position is a no-op.
pub async fn save_checkpoint(
    conn: &mut PgConnection,
    name: &str,
    position: i64,
) -> Result<(), LogError> {
    let saved: Option<i64> = sqlx::query_scalar(include_str!("save.sql"))
        .bind(name)
        .bind(position)
        .fetch_optional(&mut *conn)
        .await?;
    if saved.is_some() {
        return Ok(());
    }
    let current: i64 = sqlx::query_scalar(include_str!("current.sql"))
        .bind(name)
        .fetch_one(&mut *conn)
        .await?;
    Err(LogError::CheckpointRegression {
        name: name.to_owned(),
        current,
        attempted: position,
    })
}

/// Sets the checkpoint to `position`, even backwards. For resynchronising a consumer whose
/// downstream is behind; ordinary progress goes through [`save_checkpoint`].
pub async fn reset_checkpoint<'e, E: sqlx::PgExecutor<'e>>(
    executor: E,
    name: &str,
    position: i64,
) -> Result<(), LogError> {
    sqlx::query(include_str!("reset.sql"))
        .bind(name)
        .bind(position)
        .execute(executor)
        .await?;
    Ok(())
}
