//! `global_position` follows commit order for tailing readers: the gap tests.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kyc_log::{append, last_position, load_stream, read_after};
use kyc_testkit::fresh_database;
use sqlx::PgPool;

use crate::{event, read_all_eventually};

/// The naive tail read this crate exists to avoid: no horizon.
const NAIVE_READ: &str = "SELECT global_position FROM events WHERE global_position > $1 \
                          ORDER BY global_position LIMIT 100";

async fn naive_read_after(pool: &PgPool, after: i64) -> Vec<i64> {
    sqlx::query_scalar(NAIVE_READ)
        .bind(after)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Deterministic: transaction A takes a transaction id and inserts, B inserts and commits,
/// then A commits. B's event has the higher position but commits first.
#[tokio::test]
async fn an_event_committed_later_below_a_read_position_is_never_skipped() {
    let db = fresh_database().await;
    let mut a = db.pool.begin().await.unwrap();
    let pos_a = append(&mut a, "Customer", "a", 0, &[event(1)])
        .await
        .unwrap()[0]
        .global_position;
    let mut b = db.pool.begin().await.unwrap();
    let pos_b = append(&mut b, "Customer", "b", 0, &[event(2)])
        .await
        .unwrap()[0]
        .global_position;
    b.commit().await.unwrap();
    assert!(pos_a < pos_b, "A took its transaction id first");

    // The naive reader sees B, checkpoints past it...
    assert_eq!(naive_read_after(&db.pool, 0).await, [pos_b]);
    // ...while the bounded reader holds B back: A is still running.
    assert!(read_after(&db.pool, 0, 100).await.unwrap().is_empty());
    assert_eq!(last_position(&db.pool).await.unwrap(), 0);

    a.commit().await.unwrap();

    // The naive reader, resuming from its checkpoint, has lost A for good.
    assert!(naive_read_after(&db.pool, pos_b).await.is_empty());
    // The bounded reader now returns both, in position order.
    let events = read_all_eventually(&db.pool, 2).await;
    let positions: Vec<i64> = events.iter().map(|e| e.global_position).collect();
    assert_eq!(positions, [pos_a, pos_b]);
}

/// Small deterministic PRNG (xorshift64*), so the test needs no extra dependency.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

type Key = (String, i64, i64); // (aggregate_id, sequence, global_position)

const WRITERS: u64 = 8;
const TRANSACTIONS_PER_WRITER: u64 = 100;
const AGGREGATES_PER_WRITER: u64 = 20;

/// One writer: transactions of 1–4 events to one or two of its own aggregates, with random
/// sleeps after inserting (so commits come out of transaction-id order); 1 in 10 rolls back.
/// Returns the committed events, and pushes each commit's first position in commit order.
async fn writer(pool: PgPool, w: u64, commit_log: Arc<Mutex<Vec<i64>>>) -> Vec<Key> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((w + 1) * 0x1234_5678_9ABC_DEF1));
    let mut last_sequence: HashMap<String, i64> = HashMap::new();
    let mut committed = Vec::new();
    for _ in 0..TRANSACTIONS_PER_WRITER {
        let mut tx = pool.begin().await.unwrap();
        let mut pending = Vec::new();
        let mut touched = HashMap::new();
        for _ in 0..=rng.below(2) {
            let id = format!("w{w}-a{}", rng.below(AGGREGATES_PER_WRITER));
            let expected = *touched
                .get(&id)
                .unwrap_or(last_sequence.get(&id).unwrap_or(&0));
            let events: Vec<_> = (0..=rng.below(2)).map(|n| event(n.cast_signed())).collect();
            let appended = append(&mut tx, "Customer", &id, expected, &events)
                .await
                .unwrap();
            touched.insert(id.clone(), appended.last().unwrap().sequence);
            pending.extend(
                appended
                    .iter()
                    .map(|a| (id.clone(), a.sequence, a.global_position)),
            );
            tokio::time::sleep(Duration::from_micros(rng.below(3000))).await;
        }
        if rng.below(10) == 0 {
            tx.rollback().await.unwrap();
        } else {
            tx.commit().await.unwrap();
            commit_log.lock().unwrap().push(pending[0].2);
            last_sequence.extend(touched);
            committed.extend(pending);
        }
    }
    committed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tailing_reader_sees_every_commit_once_in_increasing_position_order() {
    let db = fresh_database().await;
    let expected_total = Arc::new(AtomicUsize::new(usize::MAX));
    let started = Instant::now();

    let reader = {
        let (pool, expected_total) = (db.pool.clone(), expected_total.clone());
        tokio::spawn(async move {
            let mut checkpoint = 0;
            let mut seen: Vec<Key> = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(60);
            while seen.len() < expected_total.load(Ordering::SeqCst) && Instant::now() < deadline {
                let batch = read_after(&pool, checkpoint, 50).await.unwrap();
                for e in &batch {
                    assert!(
                        e.global_position > checkpoint,
                        "position {} returned after {checkpoint}",
                        e.global_position
                    );
                    checkpoint = e.global_position;
                    seen.push((e.aggregate_id.clone(), e.sequence, e.global_position));
                }
                if batch.is_empty() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            (seen, checkpoint)
        })
    };
    // A naive tailer alongside, to show what the horizon prevents (reported, not asserted:
    // how much it misses depends on timing).
    let naive = {
        let (pool, expected_total) = (db.pool.clone(), expected_total.clone());
        tokio::spawn(async move {
            let (mut checkpoint, mut seen) = (0, 0usize);
            let deadline = Instant::now() + Duration::from_secs(60);
            while expected_total.load(Ordering::SeqCst) == usize::MAX && Instant::now() < deadline {
                let batch = naive_read_after(&pool, checkpoint).await;
                if batch.is_empty() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                for position in batch {
                    checkpoint = position;
                    seen += 1;
                }
            }
            seen + naive_read_after(&pool, checkpoint).await.len()
        })
    };

    let commit_log = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(writer(db.pool.clone(), w, commit_log.clone())))
        .collect();
    let mut committed: Vec<Key> = Vec::new();
    for w in writers {
        committed.extend(w.await.unwrap());
    }
    expected_total.store(committed.len(), Ordering::SeqCst);
    let (seen, checkpoint) = reader.await.unwrap();
    let naive_seen = naive.await.unwrap();

    // Exactly once: as many as committed, no duplicates, the same set.
    assert_eq!(seen.len(), committed.len());
    let seen_set: BTreeSet<Key> = seen.iter().cloned().collect();
    assert_eq!(seen_set.len(), seen.len(), "an event was read twice");
    assert_eq!(seen_set, committed.iter().cloned().collect::<BTreeSet<_>>());
    // Nothing left behind the reader's checkpoint, nothing rolled back shows up later: every
    // writer has ended (joined above), so no transaction of this database can still commit.
    assert!(read_after(&db.pool, checkpoint, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        read_all_eventually(&db.pool, committed.len()).await.len(),
        committed.len()
    );
    // Every stream is contiguous from 1.
    for a in 0..WRITERS * AGGREGATES_PER_WRITER {
        let id = format!(
            "w{}-a{}",
            a / AGGREGATES_PER_WRITER,
            a % AGGREGATES_PER_WRITER
        );
        let stream = load_stream(&db.pool, "Customer", &id).await.unwrap();
        assert!(stream.iter().zip(1..).all(|(e, s)| e.sequence == s), "{id}");
    }
    // The run did exercise the hazard: some transactions committed after a higher position.
    let commits = commit_log.lock().unwrap().clone();
    let inversions = commits.windows(2).filter(|w| w[1] < w[0]).count();
    assert!(
        inversions > 0,
        "no out-of-order commits: the test proved nothing"
    );
    eprintln!(
        "gap test: {} events in {} commits, {inversions} out-of-order commits, \
         naive tailer saw {naive_seen}/{} events, {:?}",
        committed.len(),
        commits.len(),
        committed.len(),
        started.elapsed()
    );
}
