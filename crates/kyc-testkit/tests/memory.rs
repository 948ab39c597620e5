//! The in-memory store keeps the port contract: optimistic
//! concurrency, idempotency claims that wait for the holder, unique external ids.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use kyc_app::commands::{Create, PatchCustomer};
use kyc_app::ports::{CustomerStore, CustomerTransaction, IdempotencyClaim, StoreFailure};
use kyc_app::{
    CommandOutcome, CommandService, FailureKind, Principal, Refusal, RequestContext, RetryPolicy,
    Source,
};
use kyc_domain::customer::CustomerDraft;
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_testkit::memory::MemoryStore;

fn ctx(key: Option<&str>) -> RequestContext {
    let bank = BankGuid::parse("0190f5a3c2b47c3e8a1d2e3f4a5b6c7d").unwrap();
    RequestContext {
        principal: Principal::new("tester", bank, "customers:write customers:read"),
        request_id: "r1".into(),
        idempotency_key: key.map(ToOwned::to_owned),
        source: Source::Cli,
        received_at: chrono::Utc::now(),
        include_pii: false,
    }
}

fn draft(external_id: Option<&str>) -> CustomerDraft {
    CustomerDraft {
        customer_type: Some("individual".into()),
        external_id: external_id.map(ToOwned::to_owned),
        ..CustomerDraft::default()
    }
}

async fn create(
    service: &CommandService<MemoryStore>,
    external_id: Option<&str>,
) -> CommandOutcome {
    service
        .execute(
            &ctx(None),
            Create {
                draft: draft(external_id),
            },
        )
        .await
}

#[tokio::test]
async fn stale_appends_conflict_at_append_or_at_commit() {
    let store = MemoryStore::new();
    let service = CommandService::new(Arc::new(store.clone()), RetryPolicy::default());
    let created = create(&service, None).await;
    let guid = CustomerGuid::parse(&created.as_ref().unwrap().customer.guid).unwrap();
    let events = store.load(guid, None).await.unwrap();
    assert_eq!(events.len(), 1);

    // A stale expected sequence conflicts at append time.
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.append(guid, 0, Vec::new()).await,
        Err(StoreFailure::Conflict)
    ));
    drop(tx);

    // A second writer that commits first makes the first one's commit conflict.
    let mut slow = store.begin().await.unwrap();
    slow.append(guid, 1, Vec::new()).await.unwrap();
    let labels = CustomerDraft {
        labels: Some(vec!["gold".into()]),
        ..CustomerDraft::default()
    };
    let update = service
        .execute(
            &ctx(None),
            PatchCustomer::Details {
                customer_guid: guid,
                draft: labels,
            },
        )
        .await;
    assert!(update.is_ok(), "{update:?}");
    assert!(matches!(slow.commit().await, Err(StoreFailure::Conflict)));
    assert_eq!(store.event_count(), 2);
}

#[tokio::test]
async fn a_concurrent_claim_waits_for_the_holder_and_then_sees_its_outcome() {
    let store = MemoryStore::new();
    let mut first = store.begin().await.unwrap();
    assert_eq!(
        first.claim_idempotency("s", "k", "f1").await.unwrap(),
        IdempotencyClaim::Fresh
    );
    let waiter = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut second = store.begin().await.unwrap();
            second.claim_idempotency("s", "k", "f1").await.unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !waiter.is_finished(),
        "the second claim must wait for the first transaction"
    );
    let answer: CommandOutcome = Err(Refusal::new(FailureKind::Conflict, "code", "message"));
    first.complete_idempotency("s", "k", &answer).await.unwrap();
    first.commit().await.unwrap();
    assert_eq!(waiter.await.unwrap(), IdempotencyClaim::Replay(answer));

    let mut other = store.begin().await.unwrap();
    assert_eq!(
        other.claim_idempotency("s", "k", "f2").await.unwrap(),
        IdempotencyClaim::Mismatch
    );

    // A rolled-back claim leaves the key fresh.
    let mut rolled_back = store.begin().await.unwrap();
    rolled_back.claim_idempotency("s", "k2", "f").await.unwrap();
    drop(rolled_back);
    let mut again = store.begin().await.unwrap();
    assert_eq!(
        again.claim_idempotency("s", "k2", "f").await.unwrap(),
        IdempotencyClaim::Fresh
    );
}

#[tokio::test]
async fn concurrent_updates_all_land_through_retries() {
    let store = MemoryStore::new();
    let service = CommandService::new(Arc::new(store.clone()), RetryPolicy::default());
    let created = create(&service, None).await;
    let guid = CustomerGuid::parse(&created.as_ref().unwrap().customer.guid).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..8 {
        let service = service.clone();
        tasks.spawn(async move {
            let draft = CustomerDraft {
                labels: Some(vec![format!("l{n}")]),
                ..CustomerDraft::default()
            };
            service
                .execute(
                    &ctx(None),
                    PatchCustomer::Details {
                        customer_guid: guid,
                        draft,
                    },
                )
                .await
                .is_ok()
        });
    }
    assert!(tasks.join_all().await.iter().all(|ok| *ok));
    let events = store.load(guid, None).await.unwrap();
    let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
    assert_eq!(sequences, (1..=9).collect::<Vec<_>>());
}

#[tokio::test]
async fn external_ids_are_unique_per_tenant() {
    let store = MemoryStore::new();
    let service = CommandService::new(Arc::new(store.clone()), RetryPolicy::default());
    assert!(create(&service, Some("x-1")).await.is_ok());
    let duplicate = create(&service, Some("x-1")).await.unwrap_err();
    assert_eq!(duplicate.kind, FailureKind::Conflict);
    assert_eq!(duplicate.code, "duplicate_external_id");
    assert_eq!(store.customer_count(), 1);
}

#[tokio::test]
async fn load_current_is_the_fold_and_the_latest_link() {
    let store = MemoryStore::new();
    let service = CommandService::new(Arc::new(store.clone()), RetryPolicy::default());
    let created = create(&service, None).await;
    let guid = CustomerGuid::parse(&created.as_ref().unwrap().customer.guid).unwrap();
    for label in ["a", "b"] {
        let draft = CustomerDraft {
            labels: Some(vec![label.into()]),
            ..CustomerDraft::default()
        };
        let update = service
            .execute(
                &ctx(None),
                PatchCustomer::Details {
                    customer_guid: guid,
                    draft,
                },
            )
            .await;
        assert!(update.is_ok(), "{update:?}");
    }
    let events = store.load(guid, None).await.unwrap();
    let current = store.load_current(guid).await.unwrap();
    assert_eq!(
        current.customer,
        kyc_domain::Customer::from_events(events.iter().map(|r| &r.event))
    );
    assert_eq!(current.customer.version(), 3);
    assert_eq!(current.previous_hash(), events[2].metadata.hash);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.load_current(guid).await.unwrap(), current);

    // A transaction sees its own appends; nobody else does until it commits.
    let mut metadata = events[2].metadata.clone();
    metadata.hash = "f".repeat(64);
    tx.append(guid, 3, vec![(events[2].event.clone(), metadata)])
        .await
        .unwrap();
    let own = tx.load_current(guid).await.unwrap();
    assert_eq!(own.customer.version(), 4);
    assert_eq!(own.previous_hash(), "f".repeat(64));
    assert_eq!(store.load_current(guid).await.unwrap(), current);

    let unknown = CustomerGuid::parse("0190f5a3c2b47c3e8a1d2e3f4a5b6c7e").unwrap();
    let none = store.load_current(unknown).await.unwrap();
    assert_eq!(none.customer.version(), 0);
    assert_eq!(none.previous_hash(), kyc_app::chain::GENESIS_HASH);
}
