//! Rebuilding the projections from position 0 into fresh tables, then swapping them in.
//!
//! The rebuild runs the ordinary projector with `search_path = kyc_rebuild, public`, so its
//! unqualified table names land in fresh copies while `events` and `checkpoints` stay shared;
//! its progress is its own checkpoint ([`REBUILD_CHECKPOINT`]), so an interrupted rebuild
//! resumes where it stopped. The swap takes ACCESS EXCLUSIVE locks on the live tables — a
//! running projector waits — catches the rebuild up to (at least) the live checkpoint, and
//! moves the tables. The live projector then continues from its own checkpoint on the new
//! tables; events it sees again are skipped by sequence, so nothing is lost or applied twice.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool};

use super::{project_batch, CUSTOMER_VIEWS};
use crate::{read_checkpoint, reset_checkpoint, StoreError};

/// The rebuild's checkpoint name.
pub const REBUILD_CHECKPOINT: &str = "rebuild:customer_views";

/// Events one rebuild transaction applies: large, because the rebuilt tables have no readers
/// and one customer's events are then usually folded into one row write.
const REBUILD_BATCH: i64 = 20_000;

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    /// Position the rebuild started from (0, or where an interrupted one stopped).
    pub resumed_from: i64,
    /// Events applied by this run.
    pub events: u64,
    /// The rebuilt tables' position at the swap.
    pub position: i64,
}

/// A pool whose connections resolve unqualified table names in the rebuild schema first.
async fn rebuild_pool(options: &PgConnectOptions) -> Result<PgPool, StoreError> {
    Ok(PgPoolOptions::new()
        .max_connections(2)
        .connect_with(
            options
                .clone()
                .options([("search_path", "kyc_rebuild,public")]),
        )
        .await?)
}

/// Rebuilds the customer projections and swaps them in. With `restart`, a previous
/// interrupted rebuild is discarded; otherwise it is resumed. `progress` receives the number
/// of events applied so far.
pub async fn rebuild(
    pool: &PgPool,
    options: &PgConnectOptions,
    restart: bool,
    mut progress: impl FnMut(u64),
) -> Result<Rebuilt, StoreError> {
    if restart {
        pool.execute("DROP SCHEMA IF EXISTS kyc_rebuild CASCADE")
            .await?;
        reset_checkpoint(pool, REBUILD_CHECKPOINT, 0).await?;
    }
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'kyc_rebuild')",
    )
    .fetch_one(pool)
    .await?;
    if !exists {
        // Fresh tables need a fresh checkpoint, whatever an earlier rebuild left behind.
        reset_checkpoint(pool, REBUILD_CHECKPOINT, 0).await?;
    }
    pool.execute(include_str!("rebuild_prepare.sql")).await?;
    let resumed_from = read_checkpoint(pool, REBUILD_CHECKPOINT).await?;
    let rebuild = rebuild_pool(options).await?;
    let mut events = 0u64;
    let full = usize::try_from(REBUILD_BATCH).unwrap_or(usize::MAX);
    loop {
        let read = project_batch(&rebuild, REBUILD_CHECKPOINT, REBUILD_BATCH).await?;
        events += read as u64;
        progress(events);
        if read < full {
            break;
        }
    }

    let statements: Vec<String> = sqlx::query_scalar(include_str!("rebuild_indexes.sql"))
        .fetch_all(pool)
        .await?;
    for statement in statements {
        // Resuming after the indexes were built: they exist already.
        let statement = statement.replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1);
        pool.execute(statement.as_str()).await?;
    }

    let mut swap = pool.begin().await?;
    sqlx::query("LOCK TABLE public.customer_views, public.document_views IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *swap)
        .await?;
    // The live projector cannot advance now; make sure the rebuild has everything it has.
    let live = read_checkpoint(pool, CUSTOMER_VIEWS).await?;
    loop {
        let read = project_batch(&rebuild, REBUILD_CHECKPOINT, REBUILD_BATCH).await?;
        events += read as u64;
        let caught_up = usize::try_from(REBUILD_BATCH).is_ok_and(|full| read < full);
        if caught_up && read_checkpoint(pool, REBUILD_CHECKPOINT).await? >= live {
            break;
        }
    }
    progress(events);
    let position = read_checkpoint(pool, REBUILD_CHECKPOINT).await?;
    swap.execute(include_str!("rebuild_swap.sql")).await?;
    swap.commit().await?;
    rebuild.close().await;
    pool.execute(
        "DROP SCHEMA IF EXISTS kyc_rebuild CASCADE; DROP SCHEMA IF EXISTS kyc_retired CASCADE",
    )
    .await?;
    reset_checkpoint(pool, REBUILD_CHECKPOINT, 0).await?;
    Ok(Rebuilt {
        resumed_from,
        events,
        position,
    })
}
