//! The in-memory store keeps the port contract: the shared suite of `kyc_testkit::contract`
//! (optimistic concurrency, idempotency claims that wait for the holder, unique external ids,
//! "as of" cuts), plus what the command service relies on from it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use kyc_app::commands::{Create, PatchCustomer};
use kyc_app::ports::{CustomerStore, CustomerTransaction, StoreFailure};
use kyc_app::{
    CommandOutcome, CommandService, FailureKind, Principal, RequestContext, RetryPolicy, Source,
};
use kyc_domain::customer::CustomerDraft;
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_testkit::memory::MemoryStore;

async fn subject() -> MemoryStore {
    MemoryStore::new()
}

kyc_testkit::customer_store_contract!(subject);

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
    // The creation, its risk rating, and eight changes.
    assert_eq!(sequences, (1..=10).collect::<Vec<_>>());
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
async fn a_writer_that_commits_first_makes_the_slower_one_conflict_at_commit() {
    let store = MemoryStore::new();
    let service = CommandService::new(Arc::new(store.clone()), RetryPolicy::default());
    let created = create(&service, None).await;
    let guid = CustomerGuid::parse(&created.as_ref().unwrap().customer.guid).unwrap();

    // Unlike PostgreSQL, this store does not make the second writer wait at its append: the
    // conflict shows at commit, which the port allows.
    let mut slow = store.begin().await.unwrap();
    // Version 2: the creation and its risk rating.
    slow.append(guid, 2, Vec::new()).await.unwrap();
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
    // The creation, its risk rating, and the update that won.
    assert_eq!(store.event_count(), 3);
}

#[tokio::test]
async fn an_outage_fails_every_operation_until_it_ends() {
    let store = MemoryStore::new();
    let mut tx = store.begin().await.unwrap();
    store.set_unavailable(true);
    assert!(matches!(
        tx.claim_idempotency("s", "k", "f", chrono::Utc::now())
            .await,
        Err(StoreFailure::Unavailable(_))
    ));
    assert!(matches!(
        store.begin().await.map(drop),
        Err(StoreFailure::Unavailable(_))
    ));
    assert!(matches!(
        store.ping().await,
        Err(StoreFailure::Unavailable(_))
    ));
    store.set_unavailable(false);
    store.ping().await.unwrap();
}
