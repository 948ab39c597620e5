//! `PgCustomerStore` through `kyc-app`'s ports: what the command and query services rely on.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use kyc_app::ports::{
    CustomerStore, CustomerTransaction, Cut, IdempotencyClaim, StoreFailure, StoredDocument,
};
use kyc_app::{CommandOutcome, FailureKind, Refusal, AGGREGATE_TYPE};
use kyc_domain::customer::{ContentType, CustomerDraft};
use kyc_domain::ids::{DocumentGuid, ExternalId};
use kyc_domain::{Customer, CustomerCommand};
use kyc_log::NewEvent;
use kyc_store::{connect, PgCustomerStore};
use kyc_testkit::fresh_database;
use serde_json::json;

use crate::support::{bank, created, created_individual, customer, individual, metadata, pdf};

#[tokio::test]
async fn appended_events_commit_and_load_back_exactly() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone());
    let (bank, guid, at) = (bank(), customer(), Utc::now());
    let events = created(guid, bank, individual(), at);

    let mut tx = store.begin().await.unwrap();
    assert!(tx.load(guid).await.unwrap().is_empty());
    let appended = tx
        .append(
            guid,
            0,
            events
                .iter()
                .map(|e| (e.clone(), metadata(bank, at)))
                .collect(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(appended.len(), 1);
    assert_eq!(appended[0].sequence, 1);
    assert_eq!(appended[0].event, events[0]);
    let loaded = store.load(guid, None).await.unwrap();
    assert_eq!(loaded, appended, "load returns what append reported");
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.load(guid).await.unwrap(), appended);
    // A rolled-back transaction (dropped) leaves nothing behind.
    let other = customer();
    let mut tx2 = store.begin().await.unwrap();
    tx2.append(other, 0, created_individual(other, bank, at))
        .await
        .unwrap();
    drop(tx2);
    assert!(store.load(other, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_commit_that_appended_wakes_the_tailers_and_one_that_did_not_stays_quiet() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone());
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
async fn a_stale_expected_sequence_is_a_conflict_even_when_racing() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone());
    let (bank, guid, at) = (bank(), customer(), Utc::now());
    let create = created(guid, bank, individual(), at);
    let mut tx = store.begin().await.unwrap();
    tx.append(guid, 0, vec![(create[0].clone(), metadata(bank, at))])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Stale: the stream is at 1.
    let mut tx = store.begin().await.unwrap();
    let err = tx
        .append(guid, 0, vec![(create[0].clone(), metadata(bank, at))])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreFailure::Conflict), "{err:?}");

    // Racing: both expect 1; the second waits for the first and then loses.
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
    tokio::time::sleep(Duration::from_millis(100)).await;
    first.commit().await.unwrap();
    let err = second.await.unwrap().unwrap_err();
    assert!(matches!(err, StoreFailure::Conflict), "{err:?}");
    assert_eq!(store.load(guid, None).await.unwrap().len(), 2);
}

#[tokio::test]
async fn external_ids_are_unique_per_tenant_and_name_the_first_customer() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone());
    let (bank_a, bank_b) = (bank(), bank());
    let external = ExternalId::parse("client-42").unwrap();
    let (first, second, third) = (customer(), customer(), customer());

    let mut tx = store.begin().await.unwrap();
    tx.reserve_external_id(bank_a, &external, first)
        .await
        .unwrap();
    // Reserving it again for the same customer is harmless.
    tx.reserve_external_id(bank_a, &external, first)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let err = tx
        .reserve_external_id(bank_a, &external, second)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreFailure::ExternalIdTaken(owner) if owner == first),
        "{err:?}"
    );
    // The refusal leaves the transaction usable: the answer can still be stored.
    assert_eq!(
        tx.claim_idempotency("scope", "key", "fp").await.unwrap(),
        IdempotencyClaim::Fresh
    );
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    tx.reserve_external_id(bank_b, &external, third)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // A reservation rolled back with its transaction frees the id again.
    let other = ExternalId::parse("client-43").unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.reserve_external_id(bank_a, &other, second)
        .await
        .unwrap();
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    tx.reserve_external_id(bank_a, &other, third).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn idempotency_claims_replay_the_stored_answer_and_refuse_another_request() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone());
    let answer: CommandOutcome = Err(Refusal::new(
        FailureKind::Conflict,
        "invalid_transition",
        "verify is not allowed in state frozen",
    ));

    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.claim_idempotency("bank/actor", "k1", "fp-1")
            .await
            .unwrap(),
        IdempotencyClaim::Fresh
    );
    tx.complete_idempotency("bank/actor", "k1", &answer)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.claim_idempotency("bank/actor", "k1", "fp-1")
            .await
            .unwrap(),
        IdempotencyClaim::Replay(answer)
    );
    assert_eq!(
        tx.claim_idempotency("bank/actor", "k1", "fp-2")
            .await
            .unwrap(),
        IdempotencyClaim::Mismatch
    );
    assert_eq!(
        tx.claim_idempotency("bank/other", "k1", "fp-2")
            .await
            .unwrap(),
        IdempotencyClaim::Fresh
    );
    // Completing a key that was never claimed is a bug in the caller, not a silent no-op.
    let err = tx
        .complete_idempotency(
            "bank/actor",
            "never",
            &Err(Refusal::new(
                FailureKind::NotFound,
                "customer_not_found",
                "",
            )),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreFailure::Other(_)), "{err:?}");
}

#[tokio::test]
async fn document_contents_are_stored_with_the_command_and_scoped_by_tenant() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone());
    let (bank, guid) = (bank(), customer());
    let document = DocumentGuid::from_uuid(uuid::Uuid::now_v7());
    let bytes = pdf(1);

    let mut tx = store.begin().await.unwrap();
    tx.put_document(bank, guid, document, &bytes, ContentType::Pdf)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        store.document_content(bank, document).await.unwrap(),
        Some(StoredDocument {
            content: bytes,
            content_type: ContentType::Pdf
        })
    );
    assert_eq!(
        store
            .document_content(crate::support::bank(), document)
            .await
            .unwrap(),
        None
    );
    let unknown = DocumentGuid::from_uuid(uuid::Uuid::now_v7());
    assert_eq!(store.document_content(bank, unknown).await.unwrap(), None);
}

#[tokio::test]
async fn history_is_cut_at_a_position_or_at_the_time_commands_were_received() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone());
    let (bank, guid) = (bank(), customer());
    // Payload times far from the transactions' recorded_at, so the test tells them apart.
    let t0 = Utc.with_ymd_and_hms(2020, 1, 1, 9, 0, 0).unwrap();
    let t1 = t0 + chrono::Duration::hours(1);
    let create = created(guid, bank, individual(), t0);
    let mut tx = store.begin().await.unwrap();
    let first = tx
        .append(guid, 0, vec![(create[0].clone(), metadata(bank, t0))])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let update = Customer::from_events(&create)
        .decide(CustomerCommand::UpdateDetails {
            draft: CustomerDraft {
                email_address: Some("new@example.com".into()),
                ..CustomerDraft::default()
            },
            at: t1,
        })
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    let second = tx
        .append(guid, 1, vec![(update[0].clone(), metadata(bank, t1))])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let at = |cut| {
        let store = store.clone();
        async move { store.load(guid, Some(cut)).await.unwrap().len() }
    };
    assert_eq!(at(Cut::Position(first[0].global_position)).await, 1);
    assert_eq!(at(Cut::Position(second[0].global_position)).await, 2);
    assert_eq!(at(Cut::Position(first[0].global_position - 1)).await, 0);
    assert_eq!(at(Cut::Instant(t0 - chrono::Duration::seconds(1))).await, 0);
    assert_eq!(at(Cut::Instant(t0)).await, 1);
    assert_eq!(at(Cut::Instant(t1 - chrono::Duration::seconds(1))).await, 1);
    assert_eq!(at(Cut::Instant(t1)).await, 2);
    // recorded_at is "now", far after t1: a cut on it would have kept nothing.
    assert!(second[0].recorded_at > t1);
}

#[tokio::test]
async fn undecodable_stored_events_are_reported_as_corrupt_with_customer_and_sequence() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone());
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
    let store = PgCustomerStore::new(pool.clone());
    store.ping().await.unwrap();
    pool.close().await;
    let err = store.ping().await.unwrap_err();
    assert!(matches!(err, StoreFailure::Unavailable(_)), "{err:?}");
    let err = store.begin().await.map(drop).unwrap_err();
    assert!(matches!(err, StoreFailure::Unavailable(_)), "{err:?}");
}
