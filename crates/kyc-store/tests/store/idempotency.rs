//! Exactly-once execution through idempotency records.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use kyc_store::{
    claim_idempotency_key, complete_idempotency_key, idempotency_scope,
    purge_expired_idempotency_records, IdempotencyClaim, StoreError, DEFAULT_IDEMPOTENCY_WINDOW,
};
use kyc_testkit::fresh_database;
use kyc_testkit::locks::until_blocked;
use serde_json::json;

#[tokio::test]
async fn a_completed_key_replays_its_answer_and_refuses_another_request() {
    let db = fresh_database().await;
    let scope = idempotency_scope("bank-1", "api-key-1");
    let body = json!({ "guid": "c-1" });

    let mut tx = db.pool.begin().await.unwrap();
    let claim = claim_idempotency_key(
        &mut tx,
        &scope,
        "k1",
        "hash-a",
        Utc::now(),
        DEFAULT_IDEMPOTENCY_WINDOW,
    )
    .await
    .unwrap();
    assert_eq!(claim, IdempotencyClaim::Fresh);
    complete_idempotency_key(&mut tx, &scope, "k1", &body, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.pool.begin().await.unwrap();
    assert_eq!(
        claim_idempotency_key(
            &mut tx,
            &scope,
            "k1",
            "hash-a",
            Utc::now(),
            DEFAULT_IDEMPOTENCY_WINDOW
        )
        .await
        .unwrap(),
        IdempotencyClaim::Replay(body)
    );
    assert_eq!(
        claim_idempotency_key(
            &mut tx,
            &scope,
            "k1",
            "hash-b",
            Utc::now(),
            DEFAULT_IDEMPOTENCY_WINDOW
        )
        .await
        .unwrap(),
        IdempotencyClaim::Mismatch
    );
    // The same key in another scope (another bank or principal) is independent.
    let other = idempotency_scope("bank-2", "api-key-1");
    assert_eq!(
        claim_idempotency_key(
            &mut tx,
            &other,
            "k1",
            "hash-b",
            Utc::now(),
            DEFAULT_IDEMPOTENCY_WINDOW
        )
        .await
        .unwrap(),
        IdempotencyClaim::Fresh
    );
    // Completing twice, or completing an unclaimed key, is a caller bug.
    assert!(matches!(
        complete_idempotency_key(&mut tx, &scope, "k1", &json!({}), None).await,
        Err(StoreError::IdempotencyKeyNotClaimed { .. })
    ));
    assert!(matches!(
        complete_idempotency_key(&mut tx, &scope, "never", &json!({}), None).await,
        Err(StoreError::IdempotencyKeyNotClaimed { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicates_wait_for_the_first_and_replay_its_answer() {
    const CLAIMS: i64 = 8;
    let db = fresh_database().await;
    let scope = idempotency_scope("bank-1", "api-key-1");
    let tasks: Vec<_> = (0..CLAIMS)
        .map(|_| {
            let (pool, scope) = (db.pool.clone(), scope.clone());
            tokio::spawn(async move {
                let mut tx = pool.begin().await.unwrap();
                let claim = claim_idempotency_key(
                    &mut tx,
                    &scope,
                    "k1",
                    "hash-a",
                    Utc::now(),
                    DEFAULT_IDEMPOTENCY_WINDOW,
                )
                .await
                .unwrap();
                if claim == IdempotencyClaim::Fresh {
                    // The "command" runs while PostgreSQL shows every duplicate waiting for
                    // this transaction's claim; only then does it answer and commit.
                    until_blocked(&pool, "INSERT INTO idempotency_records", CLAIMS - 1).await;
                    complete_idempotency_key(&mut tx, &scope, "k1", &json!({ "n": 1 }), None)
                        .await
                        .unwrap();
                }
                tx.commit().await.unwrap();
                claim
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }

    let fresh = results
        .iter()
        .filter(|r| **r == IdempotencyClaim::Fresh)
        .count();
    assert_eq!(fresh, 1, "{results:?}");
    // Each duplicate waited (seen above) and then replayed the answer rather than running the
    // command a second time.
    for claim in results.iter().filter(|r| **r != IdempotencyClaim::Fresh) {
        assert_eq!(*claim, IdempotencyClaim::Replay(json!({ "n": 1 })));
    }
}

#[tokio::test]
async fn a_rolled_back_claim_passes_to_the_waiting_duplicate() {
    let db = fresh_database().await;
    let scope = idempotency_scope("bank-1", "api-key-1");
    let mut first = db.pool.begin().await.unwrap();
    assert_eq!(
        claim_idempotency_key(
            &mut first,
            &scope,
            "k1",
            "hash-a",
            Utc::now(),
            DEFAULT_IDEMPOTENCY_WINDOW
        )
        .await
        .unwrap(),
        IdempotencyClaim::Fresh
    );
    let waiter = {
        let (pool, scope) = (db.pool.clone(), scope.clone());
        tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            let claim = claim_idempotency_key(
                &mut tx,
                &scope,
                "k1",
                "hash-a",
                Utc::now(),
                DEFAULT_IDEMPOTENCY_WINDOW,
            )
            .await
            .unwrap();
            complete_idempotency_key(&mut tx, &scope, "k1", &json!({}), None)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            claim
        })
    };
    until_blocked(&db.pool, "INSERT INTO idempotency_records", 1).await;
    first.rollback().await.unwrap();
    assert_eq!(waiter.await.unwrap(), IdempotencyClaim::Fresh);
}

/// Stores an answer for `key` claimed at `at`, committed.
async fn answered(pool: &sqlx::PgPool, scope: &str, key: &str, at: DateTime<Utc>) {
    let mut tx = pool.begin().await.unwrap();
    let claim = claim_idempotency_key(&mut tx, scope, key, "hash-a", at, WINDOW)
        .await
        .unwrap();
    assert_eq!(claim, IdempotencyClaim::Fresh);
    complete_idempotency_key(&mut tx, scope, key, &json!({ "at": at }), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

const WINDOW: Duration = Duration::from_secs(3600);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

#[tokio::test]
async fn a_retry_within_the_window_replays_and_after_it_the_key_is_fresh() {
    let db = fresh_database().await;
    let scope = idempotency_scope("bank-1", "api-key-1");
    answered(&db.pool, &scope, "k1", t0()).await;
    let claim = |at: DateTime<Utc>, hash: &'static str| {
        let (pool, scope) = (db.pool.clone(), scope.clone());
        async move {
            let mut tx = pool.begin().await.unwrap();
            claim_idempotency_key(&mut tx, &scope, "k1", hash, at, WINDOW)
                .await
                .unwrap()
        }
    };
    // Up to the window's last instant, the first answer (and a different request refused).
    let last = t0() + chrono::Duration::seconds(3600);
    assert_eq!(
        claim(last, "hash-a").await,
        IdempotencyClaim::Replay(json!({ "at": t0() }))
    );
    assert_eq!(claim(last, "hash-b").await, IdempotencyClaim::Mismatch);
    // After it, unpurged, the key is fresh again, for any request.
    let after = last + chrono::Duration::seconds(1);
    assert_eq!(claim(after, "hash-b").await, IdempotencyClaim::Fresh);

    // The new claim renews the record: its answer is replayed from then on.
    answered_again(&db.pool, &scope, after).await;
    let mut tx = db.pool.begin().await.unwrap();
    assert_eq!(
        claim_idempotency_key(&mut tx, &scope, "k1", "hash-b", after, WINDOW)
            .await
            .unwrap(),
        IdempotencyClaim::Replay(json!({ "second": true }))
    );
}

async fn answered_again(pool: &sqlx::PgPool, scope: &str, at: DateTime<Utc>) {
    let mut tx = pool.begin().await.unwrap();
    let claim = claim_idempotency_key(&mut tx, scope, "k1", "hash-b", at, WINDOW)
        .await
        .unwrap();
    assert_eq!(claim, IdempotencyClaim::Fresh);
    complete_idempotency_key(&mut tx, scope, "k1", &json!({ "second": true }), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_purge_deletes_only_expired_records_in_batches() {
    let db = fresh_database().await;
    let scope = idempotency_scope("bank-1", "api-key-1");
    for n in 0..5 {
        answered(&db.pool, &scope, &format!("old-{n}"), t0()).await;
    }
    let now = t0() + chrono::Duration::seconds(3600 + 1);
    // Still within the window at `now`: kept.
    answered(
        &db.pool,
        &scope,
        "edge",
        t0() + chrono::Duration::seconds(1),
    )
    .await;
    answered(&db.pool, &scope, "new", now).await;

    // Batches of 2: three statements for five expired records.
    let purged = purge_expired_idempotency_records(&db.pool, now, WINDOW, 2)
        .await
        .unwrap();
    assert_eq!(purged, 5);
    let left: Vec<String> = sqlx::query_scalar("SELECT key FROM idempotency_records ORDER BY key")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, ["edge", "new"]);
    assert_eq!(
        purge_expired_idempotency_records(&db.pool, now, WINDOW, 2)
            .await
            .unwrap(),
        0
    );
}
