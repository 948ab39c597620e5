//! Exactly-once execution through idempotency records.

use std::time::{Duration, Instant};

use kyc_store::{
    claim_idempotency_key, complete_idempotency_key, idempotency_scope, IdempotencyClaim,
    StoreError,
};
use kyc_testkit::fresh_database;
use serde_json::json;

#[tokio::test]
async fn a_completed_key_replays_its_answer_and_refuses_another_request() {
    let db = fresh_database().await;
    let scope = idempotency_scope("bank-1", "api-key-1");
    let body = json!({ "guid": "c-1" });

    let mut tx = db.pool.begin().await.unwrap();
    let claim = claim_idempotency_key(&mut tx, &scope, "k1", "hash-a")
        .await
        .unwrap();
    assert_eq!(claim, IdempotencyClaim::Fresh);
    complete_idempotency_key(&mut tx, &scope, "k1", &body)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.pool.begin().await.unwrap();
    assert_eq!(
        claim_idempotency_key(&mut tx, &scope, "k1", "hash-a")
            .await
            .unwrap(),
        IdempotencyClaim::Replay(body)
    );
    assert_eq!(
        claim_idempotency_key(&mut tx, &scope, "k1", "hash-b")
            .await
            .unwrap(),
        IdempotencyClaim::Mismatch
    );
    // The same key in another scope (another bank or principal) is independent.
    let other = idempotency_scope("bank-2", "api-key-1");
    assert_eq!(
        claim_idempotency_key(&mut tx, &other, "k1", "hash-b")
            .await
            .unwrap(),
        IdempotencyClaim::Fresh
    );
    // Completing twice, or completing an unclaimed key, is a caller bug.
    assert!(matches!(
        complete_idempotency_key(&mut tx, &scope, "k1", &json!({})).await,
        Err(StoreError::IdempotencyKeyNotClaimed { .. })
    ));
    assert!(matches!(
        complete_idempotency_key(&mut tx, &scope, "never", &json!({})).await,
        Err(StoreError::IdempotencyKeyNotClaimed { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicates_wait_for_the_first_and_replay_its_answer() {
    let db = fresh_database().await;
    let scope = idempotency_scope("bank-1", "api-key-1");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (pool, scope) = (db.pool.clone(), scope.clone());
            tokio::spawn(async move {
                let mut tx = pool.begin().await.unwrap();
                let claim = claim_idempotency_key(&mut tx, &scope, "k1", "hash-a")
                    .await
                    .unwrap();
                let claimed_at = Instant::now();
                if claim == IdempotencyClaim::Fresh {
                    // The "command" takes a while; duplicates must wait for it.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    complete_idempotency_key(&mut tx, &scope, "k1", &json!({ "n": 1 }))
                        .await
                        .unwrap();
                }
                tx.commit().await.unwrap();
                (claim, claimed_at, Instant::now())
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }

    let fresh: Vec<_> = results
        .iter()
        .filter(|r| r.0 == IdempotencyClaim::Fresh)
        .collect();
    assert_eq!(fresh.len(), 1, "{results:?}");
    let fresh_claimed_at = fresh[0].1;
    for (claim, claimed_at, _) in results.iter().filter(|r| r.0 != IdempotencyClaim::Fresh) {
        assert_eq!(*claim, IdempotencyClaim::Replay(json!({ "n": 1 })));
        // Each duplicate's claim returned only after the first transaction's 300 ms of work
        // and its commit: it waited rather than running the command a second time.
        assert!(*claimed_at >= fresh_claimed_at + Duration::from_millis(300));
    }
}

#[tokio::test]
async fn a_rolled_back_claim_passes_to_the_waiting_duplicate() {
    let db = fresh_database().await;
    let scope = idempotency_scope("bank-1", "api-key-1");
    let mut first = db.pool.begin().await.unwrap();
    assert_eq!(
        claim_idempotency_key(&mut first, &scope, "k1", "hash-a")
            .await
            .unwrap(),
        IdempotencyClaim::Fresh
    );
    let waiter = {
        let (pool, scope) = (db.pool.clone(), scope.clone());
        tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            let claim = claim_idempotency_key(&mut tx, &scope, "k1", "hash-a")
                .await
                .unwrap();
            complete_idempotency_key(&mut tx, &scope, "k1", &json!({}))
                .await
                .unwrap();
            tx.commit().await.unwrap();
            claim
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !waiter.is_finished(),
        "the duplicate should wait for the first transaction"
    );
    first.rollback().await.unwrap();
    assert_eq!(waiter.await.unwrap(), IdempotencyClaim::Fresh);
}
