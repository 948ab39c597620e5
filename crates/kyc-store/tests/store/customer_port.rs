//! `PgCustomerStore` through `kyc-app`'s ports beyond the shared contract suite (`contract.rs`):
//! how PostgreSQL makes writers wait, wakes tailers, reports corruption and outages.

use std::time::{Duration, Instant};

use chrono::Utc;
use kyc_app::ports::{CustomerStore, CustomerTransaction, StoreFailure};
use kyc_app::AGGREGATE_TYPE;
use kyc_domain::{Customer, CustomerCommand};
use kyc_log::NewEvent;
use kyc_store::{connect, PgCustomerStore};
use kyc_testkit::fresh_database;
use kyc_testkit::locks::until_blocked;
use serde_json::json;

use crate::support::{bank, created, created_individual, customer, individual, metadata};

#[tokio::test]
async fn a_commit_that_appended_wakes_the_tailers_and_one_that_did_not_stays_quiet() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone(), kyc_testkit::keys::test_keys());
    let mut listener = kyc_log::listen(&db.pool).await.unwrap();
    let (bank, guid, at) = (bank(), customer(), Utc::now());

    let tx = store.begin().await.unwrap();
    tx.commit().await.unwrap();
    let quiet = tokio::time::timeout(Duration::from_millis(300), listener.recv()).await;
    assert!(
        quiet.is_err(),
        "a commit without events notified: {quiet:?}"
    );

    let mut tx = store.begin().await.unwrap();
    tx.append(guid, 0, created_individual(guid, bank, at))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let woken = tokio::time::timeout(Duration::from_secs(5), listener.recv())
        .await
        .expect("a notification within 5 s")
        .unwrap();
    assert_eq!(woken.channel(), kyc_log::EVENTS_CHANNEL);
}

#[tokio::test]
async fn a_second_writer_at_the_same_sequence_waits_on_the_primary_key_and_then_loses() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone(), kyc_testkit::keys::test_keys());
    let (bank, guid, at) = (bank(), customer(), Utc::now());
    let create = created(guid, bank, individual(), at);
    let mut tx = store.begin().await.unwrap();
    tx.append(guid, 0, vec![(create[0].clone(), metadata(bank, at))])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Both expect 1; the second cannot see the first's uncommitted row, passes the guard and
    // waits on the primary key (the contract suite only asks that one of them loses).
    let customer_now = Customer::from_events(&create);
    let freeze = customer_now
        .decide(CustomerCommand::Freeze {
            draft: kyc_domain::customer::FreezeDraft {
                reason: Some("Fraud alert".into()),
            },
            at,
        })
        .unwrap();
    let mut first = store.begin().await.unwrap();
    first
        .append(guid, 1, vec![(freeze[0].clone(), metadata(bank, at))])
        .await
        .unwrap();
    let second = {
        let store = store.clone();
        let event = freeze[0].clone();
        tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            tx.append(guid, 1, vec![(event, metadata(bank, at))]).await
        })
    };
    until_blocked(&db.pool, "INSERT INTO events", 1).await;
    assert!(!second.is_finished(), "a waiting append cannot have ended");
    first.commit().await.unwrap();
    let err = second.await.unwrap().unwrap_err();
    assert!(matches!(err, StoreFailure::Conflict), "{err:?}");
    assert_eq!(store.load(guid, None).await.unwrap().len(), 2);
}

#[tokio::test]
async fn undecodable_stored_events_are_reported_as_corrupt_with_customer_and_sequence() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone(), kyc_testkit::keys::test_keys());
    let (bank, guid, at) = (bank(), customer(), Utc::now());
    let mut tx = db.pool.begin().await.unwrap();
    let good = created(guid, bank, individual(), at);
    kyc_log::append(
        &mut tx,
        AGGREGATE_TYPE,
        &guid.to_string(),
        0,
        &[
            NewEvent {
                event_type: "CustomerCreated".into(),
                event_version: "1".into(),
                payload: serde_json::to_value(&good[0]).unwrap(),
                metadata: serde_json::to_value(metadata(bank, at)).unwrap(),
            },
            NewEvent {
                event_type: "CustomerTeleported".into(),
                event_version: "1".into(),
                payload: json!({"CustomerTeleported": {}}),
                metadata: serde_json::to_value(metadata(bank, at)).unwrap(),
            },
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let err = store.load(guid, None).await.unwrap_err();
    let StoreFailure::Corrupt(detail) = &err else {
        panic!("{err:?}")
    };
    assert!(
        detail.contains(&guid.to_string()) && detail.contains("sequence 2"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_dead_database_is_unavailable_quickly() {
    let started = Instant::now();
    let err = connect("postgres://postgres@127.0.0.1:1/kyc", 2)
        .await
        .unwrap_err();
    assert!(
        matches!(err, kyc_store::StoreError::Unavailable(_)),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    let db = fresh_database().await;
    let pool = connect(&db.url, 2).await.unwrap();
    let store = PgCustomerStore::new(pool.clone(), kyc_testkit::keys::test_keys());
    store.ping().await.unwrap();
    pool.close().await;
    let err = store.ping().await.unwrap_err();
    assert!(matches!(err, StoreFailure::Unavailable(_)), "{err:?}");
    let err = store.begin().await.map(drop).unwrap_err();
    assert!(matches!(err, StoreFailure::Unavailable(_)), "{err:?}");
}
