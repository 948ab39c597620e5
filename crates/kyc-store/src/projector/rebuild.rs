//! Rebuilding the projections from position 0 into fresh tables, then swapping them in.
//!
//! The rebuild writes with `search_path = kyc_rebuild, public`, so the projector's unqualified
//! table names land in fresh copies while `events` and `checkpoints` stay shared; its progress
//! is its own checkpoint ([`REBUILD_CHECKPOINT`]), so an interrupted rebuild resumes where its
//! last flush stopped.
//!
//! It runs in two phases. The bulk phase ([`super::bulk`]) applies every event up to the log's
//! position at the start, folding customers in memory and writing them in large flushes. The
//! swap phase takes ACCESS EXCLUSIVE locks on the live tables — a running projector (and any
//! reader of the views) waits — catches the rebuild up to (at least) the live checkpoint with
//! the ordinary projector, and moves the tables. The live projector then continues from its own
//! checkpoint on the new tables; events it sees again are skipped by sequence, so nothing is
//! lost or applied twice.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool};

pub use super::bulk::BulkSettings;
use super::{bulk, project_batch, CUSTOMER_VIEWS};
use kyc_log::{last_position, read_checkpoint, reset_checkpoint};

use crate::keys::CustomerKeys;
use crate::StoreError;

/// The rebuild's checkpoint name.
pub const REBUILD_CHECKPOINT: &str = "rebuild:customer_views";

/// Events one transaction of the swap phase applies.
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
    /// Time spent in the bulk phase (reading, folding, writing).
    pub bulk: Duration,
    /// Time spent building the secondary indexes.
    pub indexing: Duration,
    /// Time spent catching up and swapping, with the live tables locked.
    pub swap: Duration,
}

/// A pool whose connections resolve unqualified table names in the rebuild schema first.
///
/// Its commits do not wait for the WAL flush (`synchronous_commit = off`): a crash may lose the
/// last flushes, never corrupt them, and a lost flush takes its checkpoint with it, so the
/// rebuild resumes from an earlier point. Nobody reads these tables before the swap.
async fn rebuild_pool(options: &PgConnectOptions) -> Result<PgPool, StoreError> {
    Ok(PgPoolOptions::new()
        .max_connections(3)
        .connect_with(options.clone().options([
            ("search_path", "kyc_rebuild,public"),
            ("synchronous_commit", "off"),
        ]))
        .await?)
}

/// Rebuilds the customer projections and swaps them in. With `restart`, a previous
/// interrupted rebuild is discarded; otherwise it is resumed. `progress` receives the number
/// of events applied so far.
pub async fn rebuild(
    pool: &PgPool,
    keys: &CustomerKeys,
    options: &PgConnectOptions,
    restart: bool,
    progress: impl FnMut(u64),
) -> Result<Rebuilt, StoreError> {
    rebuild_with(
        pool,
        keys,
        options,
        restart,
        BulkSettings::default(),
        progress,
    )
    .await
}

/// [`rebuild`] with the bulk phase's memory/speed trade-off chosen by the caller.
pub async fn rebuild_with(
    pool: &PgPool,
    keys: &CustomerKeys,
    options: &PgConnectOptions,
    restart: bool,
    settings: BulkSettings,
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
    // The bulk read wants the index on global_position: with missing statistics PostgreSQL
    // chose a bitmap scan with an on-disk sort of the whole log for every page, 70k instead
    // of 111k events/s on 1M seeded events.
    kyc_log::analyze(pool, false).await?;
    let resumed_from = read_checkpoint(pool, REBUILD_CHECKPOINT).await?;
    let rebuild = rebuild_pool(options).await?;
    let upto = last_position(pool).await?.max(resumed_from);
    let started = Instant::now();
    let mut events = bulk::apply_range(
        pool,
        &rebuild,
        keys,
        REBUILD_CHECKPOINT,
        resumed_from,
        upto,
        settings,
        &mut progress,
    )
    .await?;
    let bulk = started.elapsed();

    let started = Instant::now();
    let statements: Vec<String> = sqlx::query_scalar(include_str!("rebuild_indexes.sql"))
        .fetch_all(pool)
        .await?;
    // Two at a time: one index build keeps one core busy, and the machine may have more.
    let builds = statements.into_iter().map(|statement| {
        // Resuming after the indexes were built: they exist already.
        let statement = statement.replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1);
        async move { pool.execute(statement.as_str()).await.map(|_| ()) }
    });
    futures::stream::iter(builds)
        .buffer_unordered(2)
        .try_collect::<Vec<()>>()
        .await?;

    let indexing = started.elapsed();

    let started = Instant::now();
    let mut locked = pool.begin().await?;
    sqlx::query("LOCK TABLE public.customer_views, public.document_views IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *locked)
        .await?;
    // The live projector cannot advance now; make sure the rebuild has everything it has.
    let live = read_checkpoint(pool, CUSTOMER_VIEWS).await?;
    loop {
        let read = project_batch(&rebuild, keys, REBUILD_CHECKPOINT, REBUILD_BATCH).await?;
        events += read as u64;
        let caught_up = usize::try_from(REBUILD_BATCH).is_ok_and(|full| read < full);
        if caught_up && read_checkpoint(pool, REBUILD_CHECKPOINT).await? >= live {
            break;
        }
    }
    progress(events);
    let position = read_checkpoint(pool, REBUILD_CHECKPOINT).await?;
    locked.execute(include_str!("rebuild_swap.sql")).await?;
    locked.commit().await?;
    let swap = started.elapsed();
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
        bulk,
        indexing,
        swap,
    })
}
