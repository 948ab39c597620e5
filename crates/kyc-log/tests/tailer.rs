//! The one tailer against real PostgreSQL: every event handled once and in order, failures
//! retried from the checkpoint, one active instance when exclusive, one shutdown signal.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kyc_log::{
    append, last_committed_position, read_checkpoint, Advance, Batch, CommitAnnouncer, LogError,
    NewEvent, TailConfig, TailHandler, Tailer,
};
use kyc_testkit::fresh_database;
use serde_json::json;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// Generous: the machine is shared; nothing here waits this long when it works.
const PATIENCE: Duration = Duration::from_secs(30);

/// Appends `count` one-event streams, each in its own transaction, and announces them; returns
/// the last one's position.
async fn write(pool: &PgPool, prefix: &str, count: usize) -> i64 {
    let announcer = CommitAnnouncer::new(pool);
    for n in 0..count {
        let mut tx = pool.begin().await.unwrap();
        let event = NewEvent {
            event_type: "Noted".into(),
            event_version: "1".into(),
            payload: json!({ "n": n }),
            metadata: json!({}),
        };
        append(&mut tx, "Test", &format!("{prefix}-{n}"), 0, &[event])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        announcer.announce();
    }
    // The newest committed position, not the reader horizon's: another test's open transaction
    // can hold the horizon below what was just written.
    last_committed_position(pool).await.unwrap()
}

/// Records what it handled, under an instance name; fails the first `failures` batches.
#[derive(Clone)]
struct Recorder {
    instance: &'static str,
    seen: Arc<Mutex<Vec<(&'static str, i64)>>>,
    failures: Arc<Mutex<usize>>,
    resumes: Arc<Mutex<usize>>,
    advance: Advance,
}

impl Recorder {
    fn new(instance: &'static str, advance: Advance) -> Self {
        Self {
            instance,
            seen: Arc::default(),
            failures: Arc::default(),
            resumes: Arc::default(),
            advance,
        }
    }

    fn positions(&self) -> Vec<i64> {
        self.seen.lock().unwrap().iter().map(|(_, p)| *p).collect()
    }
}

impl TailHandler for Recorder {
    type Error = LogError;

    async fn resume(&mut self, pool: &PgPool, checkpoint: &str) -> Result<i64, LogError> {
        *self.resumes.lock().unwrap() += 1;
        read_checkpoint(pool, checkpoint).await
    }

    async fn handle(&mut self, _pool: &PgPool, batch: &Batch<'_>) -> Result<Advance, LogError> {
        {
            let mut failures = self.failures.lock().unwrap();
            if *failures > 0 {
                *failures -= 1;
                return Err(LogError::Unavailable(sqlx::Error::PoolTimedOut));
            }
        }
        let mut seen = self.seen.lock().unwrap();
        seen.extend(
            batch
                .events
                .iter()
                .map(|e| (self.instance, e.global_position)),
        );
        Ok(self.advance)
    }
}

fn config(name: &str) -> TailConfig {
    TailConfig {
        batch_size: 7,
        ..TailConfig::new(name)
    }
}

#[tokio::test]
async fn every_event_is_handled_once_in_position_order_and_the_checkpoint_follows() {
    let db = fresh_database().await;
    let recorder = Recorder::new("a", Advance::Save);
    let tailer = Tailer::new(db.pool.clone(), recorder.clone(), config("test"));
    let progress = tailer.progress();
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(tailer.run(shutdown.clone()));

    let last = write(&db.pool, "c", 30).await;
    assert!(progress.reached(last, PATIENCE).await);
    let positions = recorder.positions();
    assert_eq!(positions.len(), 30);
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert_eq!(read_checkpoint(&db.pool, "test").await.unwrap(), last);

    shutdown.cancel();
    tokio::time::timeout(PATIENCE, running)
        .await
        .expect("the tailer stops on shutdown")
        .unwrap();
}

#[tokio::test]
async fn a_failed_batch_is_retried_from_the_checkpoint_and_nothing_is_skipped() {
    let db = fresh_database().await;
    let last = write(&db.pool, "c", 10).await;
    let recorder = Recorder::new("a", Advance::Save);
    *recorder.failures.lock().unwrap() = 2;
    let tailer = Tailer::new(db.pool.clone(), recorder.clone(), config("retry"));
    let progress = tailer.progress();
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(tailer.run(shutdown.clone()));

    assert!(progress.reached(last, PATIENCE).await);
    assert_eq!(recorder.positions().len(), 10, "each event once");
    // Once on start, once after each failure.
    assert_eq!(*recorder.resumes.lock().unwrap(), 3);
    shutdown.cancel();
    running.await.unwrap();
}

#[tokio::test]
async fn a_handler_that_saved_its_checkpoint_or_asks_to_resume_is_taken_at_its_word() {
    let db = fresh_database().await;
    let last = write(&db.pool, "c", 10).await;
    // `Saved` without saving: the tailer moves on in memory but writes nothing.
    let mut saved = Tailer::new(
        db.pool.clone(),
        Recorder::new("a", Advance::Saved),
        config("saved"),
    );
    assert_eq!(saved.catch_up().await.unwrap(), 10);
    assert_eq!(read_checkpoint(&db.pool, "saved").await.unwrap(), 0);
    assert_eq!(saved.progress().position(), last);

    // `Resume` after every batch: the tailer re-reads the (unmoved) checkpoint each time.
    let recorder = Recorder::new("a", Advance::Resume);
    let mut resuming = Tailer::new(
        db.pool.clone(),
        recorder.clone(),
        TailConfig {
            batch_size: 100,
            ..TailConfig::new("resume")
        },
    );
    assert_eq!(resuming.catch_up().await.unwrap(), 10);
    assert_eq!(*recorder.resumes.lock().unwrap(), 2);
    assert_eq!(resuming.progress().position(), 0);
}

#[tokio::test]
async fn an_exclusive_consumer_runs_once_and_a_standby_takes_over_when_the_leader_stops() {
    let db = fresh_database().await;
    let exclusive = TailConfig {
        exclusive: true,
        ..config("exclusive")
    };
    let first = Recorder::new("first", Advance::Save);
    let second = Recorder::new("second", Advance::Save);
    let seen = Arc::clone(&first.seen);
    let second = Recorder {
        seen: Arc::clone(&seen),
        ..second
    };
    let leader = Tailer::new(db.pool.clone(), first, exclusive.clone());
    let leader_progress = leader.progress();
    let leader_stop = CancellationToken::new();
    let leader = tokio::spawn(leader.run(leader_stop.clone()));
    let last = write(&db.pool, "a", 5).await;
    assert!(leader_progress.reached(last, PATIENCE).await);

    // The standby starts once the leader holds the lock: it must stand by.
    let standby = Tailer::new(db.pool.clone(), second, exclusive);
    let standby_progress = standby.progress();
    let standby_stop = CancellationToken::new();
    let standby = tokio::spawn(standby.run(standby_stop.clone()));
    let last = write(&db.pool, "b", 5).await;
    assert!(leader_progress.reached(last, PATIENCE).await);
    assert_eq!(standby_progress.position(), 0, "the standby read nothing");

    leader_stop.cancel();
    leader.await.unwrap();
    let last = write(&db.pool, "c", 5).await;
    assert!(standby_progress.reached(last, PATIENCE).await);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 15, "each event once: {seen:?}");
    assert!(
        seen[..10].iter().all(|(who, _)| *who == "first"),
        "{seen:?}"
    );
    assert!(
        seen[10..].iter().all(|(who, _)| *who == "second"),
        "{seen:?}"
    );
    standby_stop.cancel();
    standby.await.unwrap();
}
