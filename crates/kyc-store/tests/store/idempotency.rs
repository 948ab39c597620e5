//! Exactly-once execution through idempotency records.

use kyc_store::{
    claim_idempotency_key, complete_idempotency_key, idempotency_scope, IdempotencyClaim,
    StoreError,
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
    let claim = claim_idempotency_key(&mut tx, &scope, "k1", "hash-a")
        .await
        .unwrap();
    assert_eq!(claim, IdempotencyClaim::Fresh);
    complete_idempotency_key(&mut tx, &scope, "k1", &body, None)
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
                let claim = claim_idempotency_key(&mut tx, &scope, "k1", "hash-a")
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
