//! One contract suite for the `CustomerStore` port (`kyc_app::ports`), run against every
//! implementation: the in-memory store (this crate's tests) and PostgreSQL (`kyc-store`'s).
//!
//! Each test is a public async function taking a [`Subject`]; [`customer_store_contract!`]
//! turns them all into `#[tokio::test]`s for one implementation:
//!
//! ```ignore
//! async fn subject() -> kyc_testkit::memory::MemoryStore { kyc_testkit::memory::MemoryStore::new() }
//! kyc_testkit::customer_store_contract!(subject);
//! ```
//!
//! What an implementation does beyond the port (how PostgreSQL makes a second writer wait on
//! the primary key, how it wakes tailers) stays in that implementation's own tests.

// Every public function here is a test: a panic is its report, as in any `#[test]`.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used)]

use std::future::Future;

use chrono::{TimeZone, Utc};
use kyc_app::chain::GENESIS_HASH;
use kyc_app::metadata::EventMetadata;
use kyc_app::ports::{
    CustomerStore, CustomerTransaction, Cut, IdempotencyClaim, ListQuery, StoreFailure,
    StoredDocument,
};
use kyc_app::{CommandOutcome, FailureKind, Refusal};
use kyc_domain::customer::{
    ContentType, CustomerDraft, FreezeDraft, IdentityKind, IdentityMatch, IdentityValue,
};
use kyc_domain::ids::{BankGuid, CustomerGuid, DocumentGuid, ExternalId};
use kyc_domain::{Customer, CustomerCommand, CustomerEvent, CustomerState, CustomerType};

use crate::fixtures::{
    bank, business, created, created_individual, customer, individual, metadata, pdf,
};
use crate::memory::MemoryStore;

/// A store under test, and the one thing the port cannot tell: that a transaction waits.
pub trait Subject: Clone + Send + Sync + 'static {
    /// The implementation under test.
    type Store: CustomerStore + Clone;

    /// The store (a handle sharing its data).
    fn store(&self) -> Self::Store;

    /// Resolves once at least `count` transactions wait to claim an idempotency key that
    /// another one holds: proof from the store itself (a signal, `pg_locks`), not a sleep.
    fn until_claims_wait(&self, count: usize) -> impl Future<Output = ()> + Send;

    /// Resolves once the list reflects every committed event (PostgreSQL lists from a
    /// projection that a projector fills after the commit; the memory store folds at once).
    fn settle(&self) -> impl Future<Output = ()> + Send;
}

impl Subject for MemoryStore {
    type Store = MemoryStore;

    fn store(&self) -> MemoryStore {
        self.clone()
    }

    fn until_claims_wait(&self, count: usize) -> impl Future<Output = ()> + Send {
        MemoryStore::until_claims_wait(self, count)
    }

    async fn settle(&self) {
        // Lists fold the committed streams when asked: nothing to wait for.
    }
}

/// Generates one `#[tokio::test]` per contract test for the subject `$make().await`, where
/// `$make` is an async function returning a [`Subject`].
#[macro_export]
macro_rules! customer_store_contract {
    ($make:path) => {
        $crate::customer_store_contract!(@tests $make;
            appends_commit_together_and_load_back_exactly,
            the_store_links_each_appended_event_into_the_chain,
            a_stale_expected_sequence_conflicts_and_of_two_racing_writers_one_lands,
            load_current_is_the_fold_and_the_latest_link_and_sees_only_committed_or_own_appends,
            external_ids_are_unique_per_tenant_and_name_the_first_customer,
            idempotency_claims_replay_the_stored_answer_and_refuse_another_request,
            an_answer_is_replayed_within_the_idempotency_window_and_then_the_key_is_fresh,
            a_concurrent_claim_waits_for_the_holder_and_then_replays_its_answer,
            a_rolled_back_claim_passes_to_the_waiting_duplicate,
            of_many_concurrent_duplicates_one_runs_and_the_others_replay_it,
            document_contents_are_stored_with_the_command_and_scoped_by_tenant,
            history_is_cut_at_a_position_or_at_the_time_commands_were_received,
            lists_filter_by_tenant_type_state_and_label_newest_first_with_totals,
            erasure_deletes_the_customers_document_contents_and_stored_answers_only,
            the_identity_index_matches_within_the_tenant_and_replaces_changed_kinds,
            index_writes_are_seen_only_once_committed,
            lists_filter_by_identity_values_within_the_tenant,
            operator_queues_list_reviewable_documents_and_first_approvals_oldest_first,
            falling_due_queues_list_reviews_and_expiring_documents_soonest_first,
        );
    };
    (@tests $make:path; $($name:ident),+ $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            $crate::contract::$name($make().await).await;
        }
    )+};
}

/// Unwraps a store result: in this suite every failure but the asserted ones is a test failure.
fn ok<T>(result: Result<T, StoreFailure>, doing: &str) -> T {
    match result {
        Ok(value) => value,
        Err(failure) => panic!("{doing}: {failure:?}"),
    }
}

/// Commits the creation of an individual `guid` in `bank` at `at`.
async fn create<S: CustomerStore>(store: &S, guid: CustomerGuid, bank: BankGuid) {
    let mut tx = ok(store.begin().await, "begin");
    ok(
        tx.append(guid, 0, created_individual(guid, bank, Utc::now()))
            .await,
        "append the creation",
    );
    ok(tx.commit().await, "commit the creation");
}

/// A details update of a customer that has `history`.
fn relabel(
    history: &[CustomerEvent],
    label: &str,
    bank: BankGuid,
) -> Vec<(CustomerEvent, EventMetadata)> {
    let events = Customer::from_events(history)
        .decide(CustomerCommand::UpdateDetails {
            draft: CustomerDraft {
                labels: Some(vec![label.to_owned()]),
                ..CustomerDraft::default()
            },
            identity_matches: Vec::new(),
            at: Utc::now(),
        })
        .unwrap_or_else(|refusal| panic!("the relabel is refused: {refusal:?}"));
    events
        .into_iter()
        .map(|event| (event, metadata(bank, Utc::now())))
        .collect()
}

/// What append reports is what load returns, inside and outside a transaction; a dropped
/// transaction leaves nothing behind.
pub async fn appends_commit_together_and_load_back_exactly(subject: impl Subject) {
    let store = subject.store();
    let (bank, guid, at) = (bank(), customer(), Utc::now());
    let events = created(guid, bank, individual(), at);

    let mut tx = ok(store.begin().await, "begin");
    assert!(ok(tx.load(guid).await, "load").is_empty());
    let appended = ok(
        tx.append(
            guid,
            0,
            events
                .iter()
                .map(|e| (e.clone(), metadata(bank, at)))
                .collect(),
        )
        .await,
        "append",
    );
    ok(tx.commit().await, "commit");

    assert_eq!(appended.len(), 1);
    assert_eq!(appended[0].sequence, 1);
    assert_eq!(appended[0].event, events[0]);
    let loaded = ok(store.load(guid, None).await, "load");
    assert_eq!(loaded, appended, "load returns what append reported");
    let mut tx = ok(store.begin().await, "begin");
    assert_eq!(ok(tx.load(guid).await, "load in a transaction"), appended);

    let other = customer();
    let mut dropped = ok(store.begin().await, "begin");
    ok(
        dropped
            .append(other, 0, created_individual(other, bank, at))
            .await,
        "append",
    );
    drop(dropped);
    assert!(ok(store.load(other, None).await, "load").is_empty());
}

/// The store sets every appended event's link (v2, whatever the caller passed), one per
/// event, each new; what append reports is what load returns; an append in a later
/// transaction, with or without reading the customer first, chains on.
pub async fn the_store_links_each_appended_event_into_the_chain(subject: impl Subject) {
    let store = subject.store();
    let (bank, guid) = (bank(), customer());
    let mut forged = created_individual(guid, bank, Utc::now());
    for (_, metadata) in &mut forged {
        metadata.hash = "f".repeat(64);
        metadata.chain = Some(1);
    }
    let mut tx = ok(store.begin().await, "begin");
    let mut links = ok(tx.append(guid, 0, forged).await, "append the creation");
    ok(tx.commit().await, "commit");
    for read_first in [true, false] {
        let history: Vec<CustomerEvent> = ok(store.load(guid, None).await, "load")
            .into_iter()
            .map(|r| r.event)
            .collect();
        let mut tx = ok(store.begin().await, "begin");
        if read_first {
            ok(tx.load_current(guid).await, "load_current");
        }
        let expected = history.len() as u64;
        links.extend(ok(
            tx.append(guid, expected, relabel(&history, "x", bank))
                .await,
            "append",
        ));
        ok(tx.commit().await, "commit");
    }
    assert_eq!(ok(store.load(guid, None).await, "load"), links);
    let mut seen = std::collections::HashSet::new();
    for recorded in &links {
        assert_eq!(recorded.metadata.chain, Some(2), "{recorded:?}");
        assert_eq!(recorded.metadata.hash.len(), 64, "{recorded:?}");
        assert!(seen.insert(recorded.metadata.hash.clone()), "{recorded:?}");
    }
    let current = ok(store.load_current(guid).await, "load_current");
    assert_eq!(current.previous_hash(), links.last().unwrap().metadata.hash);
}

/// A stale expected sequence conflicts at once; of two writers expecting the same sequence,
/// exactly one lands and the other sees a conflict (at its append or at its commit).
pub async fn a_stale_expected_sequence_conflicts_and_of_two_racing_writers_one_lands(
    subject: impl Subject,
) {
    let store = subject.store();
    let (bank, guid) = (bank(), customer());
    create(&store, guid, bank).await;
    let history: Vec<CustomerEvent> = ok(store.load(guid, None).await, "load")
        .into_iter()
        .map(|r| r.event)
        .collect();

    let mut stale = ok(store.begin().await, "begin");
    let err = stale
        .append(guid, 0, relabel(&history, "stale", bank))
        .await
        .map(drop)
        .unwrap_err();
    assert!(matches!(err, StoreFailure::Conflict), "{err:?}");
    drop(stale);
    let mut invented = ok(store.begin().await, "begin");
    let err = invented
        .append(guid, 5, relabel(&history, "gap", bank))
        .await
        .map(drop)
        .unwrap_err();
    assert!(matches!(err, StoreFailure::Conflict), "{err:?}");
    drop(invented);

    let mut first = ok(store.begin().await, "begin");
    ok(
        first
            .append(guid, 1, relabel(&history, "first", bank))
            .await,
        "the first writer's append",
    );
    let second = {
        let store = store.clone();
        let events = relabel(&history, "second", bank);
        tokio::spawn(async move {
            let mut tx = store.begin().await?;
            tx.append(guid, 1, events).await?;
            tx.commit().await
        })
    };
    let first = first.commit().await;
    let second = second.await.unwrap();
    match (&first, &second) {
        (Ok(()), Err(StoreFailure::Conflict)) | (Err(StoreFailure::Conflict), Ok(())) => {}
        outcome => panic!("exactly one writer must land, the other conflict: {outcome:?}"),
    }
    let stream = ok(store.load(guid, None).await, "load");
    assert_eq!(
        stream.iter().map(|r| r.sequence).collect::<Vec<_>>(),
        [1, 2]
    );
}

/// `load_current` equals the fold of every committed event and chains from the latest link;
/// a transaction sees its own appends, nobody else does until it commits; an unknown
/// customer is the empty fold on the genesis link.
pub async fn load_current_is_the_fold_and_the_latest_link_and_sees_only_committed_or_own_appends(
    subject: impl Subject,
) {
    let store = subject.store();
    let (bank, guid) = (bank(), customer());
    create(&store, guid, bank).await;
    let mut last_link = String::new();
    for label in ["a", "b"] {
        let history: Vec<CustomerEvent> = ok(store.load(guid, None).await, "load")
            .into_iter()
            .map(|r| r.event)
            .collect();
        let mut tx = ok(store.begin().await, "begin");
        let expected = history.len() as u64;
        let appended = ok(
            tx.append(guid, expected, relabel(&history, label, bank))
                .await,
            "append",
        );
        last_link.clone_from(&appended[0].metadata.hash);
        ok(tx.commit().await, "commit");
    }

    let events = ok(store.load(guid, None).await, "load");
    let current = ok(store.load_current(guid).await, "load_current");
    assert_eq!(
        current.customer,
        Customer::from_events(events.iter().map(|r| &r.event))
    );
    assert_eq!(current.customer.version(), 3);
    assert_eq!(current.previous_hash(), last_link);
    let mut tx = ok(store.begin().await, "begin");
    assert_eq!(ok(tx.load_current(guid).await, "load_current"), current);

    let history: Vec<CustomerEvent> = events.into_iter().map(|r| r.event).collect();
    let appended = ok(
        tx.append(guid, 3, relabel(&history, "c", bank)).await,
        "append",
    );
    let own = ok(tx.load_current(guid).await, "load_current");
    assert_eq!(own.customer.version(), 4);
    assert_eq!(own.previous_hash(), appended[0].metadata.hash);
    assert_eq!(ok(store.load_current(guid).await, "load_current"), current);
    ok(tx.commit().await, "commit");
    assert_eq!(ok(store.load_current(guid).await, "load_current"), own);

    let none = ok(store.load_current(customer()).await, "load_current");
    assert_eq!(none.customer.version(), 0);
    assert_eq!(none.previous_hash(), GENESIS_HASH);
}

/// An external id belongs to the first customer that reserves it in its tenant; the refusal
/// names that customer and leaves the transaction usable; a rollback frees the id.
pub async fn external_ids_are_unique_per_tenant_and_name_the_first_customer(subject: impl Subject) {
    let store = subject.store();
    let (bank_a, bank_b) = (bank(), bank());
    let external = ExternalId::parse("client-42").unwrap_or_else(|e| panic!("{e}"));
    let (first, second, third) = (customer(), customer(), customer());

    let mut tx = ok(store.begin().await, "begin");
    ok(
        tx.reserve_external_id(bank_a, &external, first).await,
        "reserve",
    );
    // Reserving it again for the same customer is harmless.
    ok(
        tx.reserve_external_id(bank_a, &external, first).await,
        "reserve again",
    );
    ok(tx.commit().await, "commit");

    let mut tx = ok(store.begin().await, "begin");
    assert_eq!(
        ok(
            tx.external_id_owner(bank_a, &external).await,
            "external_id_owner"
        ),
        Some(first)
    );
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
        ok(
            tx.claim_idempotency("scope", "key", "fp", Utc::now()).await,
            "claim"
        ),
        IdempotencyClaim::Fresh
    );
    drop(tx);

    let mut tx = ok(store.begin().await, "begin");
    assert_eq!(
        ok(
            tx.external_id_owner(bank_b, &external).await,
            "external_id_owner"
        ),
        None
    );
    ok(
        tx.reserve_external_id(bank_b, &external, third).await,
        "another tenant reserves the same id",
    );
    ok(tx.commit().await, "commit");

    let other = ExternalId::parse("client-43").unwrap_or_else(|e| panic!("{e}"));
    let mut tx = ok(store.begin().await, "begin");
    ok(
        tx.reserve_external_id(bank_a, &other, second).await,
        "reserve",
    );
    drop(tx);
    let mut tx = ok(store.begin().await, "begin");
    ok(
        tx.reserve_external_id(bank_a, &other, third).await,
        "a rolled-back reservation frees the id",
    );
    ok(tx.commit().await, "commit");
}

/// With the default window (a day): a retry up to a day after the answer replays it; a
/// claim later than that, before any purge, finds the key fresh, for any request.
pub async fn an_answer_is_replayed_within_the_idempotency_window_and_then_the_key_is_fresh(
    subject: impl Subject,
) {
    let store = subject.store();
    let answer = stored_outcome("status-201");
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let day = chrono::Duration::days(1);
    let mut tx = ok(store.begin().await, "begin");
    ok(tx.claim_idempotency("s", "k", "fp-1", t0).await, "claim");
    ok(tx.complete_idempotency("s", "k", &answer).await, "complete");
    ok(tx.commit().await, "commit");

    let mut tx = ok(store.begin().await, "begin");
    assert_eq!(
        ok(
            tx.claim_idempotency("s", "k", "fp-1", t0 + day).await,
            "claim"
        ),
        IdempotencyClaim::Replay(answer)
    );
    drop(tx);
    let later = t0 + day + chrono::Duration::seconds(1);
    let mut tx = ok(store.begin().await, "begin");
    assert_eq!(
        ok(tx.claim_idempotency("s", "k", "fp-2", later).await, "claim"),
        IdempotencyClaim::Fresh
    );
    let second = stored_outcome("status-200");
    ok(tx.complete_idempotency("s", "k", &second).await, "complete");
    ok(tx.commit().await, "commit");
    let mut tx = ok(store.begin().await, "begin");
    assert_eq!(
        ok(tx.claim_idempotency("s", "k", "fp-2", later).await, "claim"),
        IdempotencyClaim::Replay(second)
    );
}

/// A completed key replays its answer to the same request, refuses another request, is
/// independent per scope; completing an unclaimed key is an error; a rolled-back claim
/// leaves the key fresh.
pub async fn idempotency_claims_replay_the_stored_answer_and_refuse_another_request(
    subject: impl Subject,
) {
    let store = subject.store();
    let answer = stored_outcome("status-201");
    let mut tx = ok(store.begin().await, "begin");
    assert_eq!(
        ok(
            tx.claim_idempotency("bank/actor", "k1", "fp-1", Utc::now())
                .await,
            "claim"
        ),
        IdempotencyClaim::Fresh
    );
    ok(
        tx.complete_idempotency("bank/actor", "k1", &answer).await,
        "complete",
    );
    ok(tx.commit().await, "commit");

    let mut tx = ok(store.begin().await, "begin");
    assert_eq!(
        ok(
            tx.claim_idempotency("bank/actor", "k1", "fp-1", Utc::now())
                .await,
            "claim"
        ),
        IdempotencyClaim::Replay(answer)
    );
    assert_eq!(
        ok(
            tx.claim_idempotency("bank/actor", "k1", "fp-2", Utc::now())
                .await,
            "claim"
        ),
        IdempotencyClaim::Mismatch
    );
    assert_eq!(
        ok(
            tx.claim_idempotency("bank/other", "k1", "fp-2", Utc::now())
                .await,
            "claim"
        ),
        IdempotencyClaim::Fresh
    );
    // Completing a key that was never claimed is a bug in the caller, not a silent no-op.
    let never = stored_outcome("status-200");
    let err = tx
        .complete_idempotency("bank/actor", "never", &never)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreFailure::Other(_)), "{err:?}");
    drop(tx);

    let mut rolled_back = ok(store.begin().await, "begin");
    ok(
        rolled_back
            .claim_idempotency("bank/actor", "k2", "fp", Utc::now())
            .await,
        "claim",
    );
    drop(rolled_back);
    let mut again = ok(store.begin().await, "begin");
    assert_eq!(
        ok(
            again
                .claim_idempotency("bank/actor", "k2", "fp", Utc::now())
                .await,
            "claim"
        ),
        IdempotencyClaim::Fresh
    );
}

/// Claims key `k` in a first transaction, then claims it again from a task of its own, and
/// returns once the store says that second claim waits. The task runs the claimed command
/// (its answer: 202) when it gets the key, and yields its claim.
async fn hold_a_key_and_queue_a_duplicate<S: Subject>(
    subject: &S,
) -> (
    <S::Store as CustomerStore>::Transaction,
    tokio::task::JoinHandle<Result<IdempotencyClaim, StoreFailure>>,
) {
    let store = subject.store();
    let mut first = ok(store.begin().await, "begin");
    assert_eq!(
        ok(
            first.claim_idempotency("s", "k", "f1", Utc::now()).await,
            "claim"
        ),
        IdempotencyClaim::Fresh
    );
    let duplicate = tokio::spawn(async move {
        let mut tx = store.begin().await?;
        let claim = tx.claim_idempotency("s", "k", "f1", Utc::now()).await?;
        if claim == IdempotencyClaim::Fresh {
            let answer = stored_outcome("status-202");
            tx.complete_idempotency("s", "k", &answer).await?;
        }
        tx.commit().await?;
        Ok(claim)
    });
    subject.until_claims_wait(1).await;
    (first, duplicate)
}

/// A claim of a key another transaction holds waits for it (the store says so), then
/// replays the answer it committed.
pub async fn a_concurrent_claim_waits_for_the_holder_and_then_replays_its_answer(
    subject: impl Subject,
) {
    let (mut first, duplicate) = hold_a_key_and_queue_a_duplicate(&subject).await;
    let answer = stored_outcome("status-201");
    ok(
        first.complete_idempotency("s", "k", &answer).await,
        "complete",
    );
    ok(first.commit().await, "commit");
    let claim = ok(duplicate.await.unwrap(), "the waiting claim");
    assert_eq!(claim, IdempotencyClaim::Replay(answer));
}

/// When the holder of a key rolls back, the claim waiting for it gets the key.
pub async fn a_rolled_back_claim_passes_to_the_waiting_duplicate(subject: impl Subject) {
    let (first, duplicate) = hold_a_key_and_queue_a_duplicate(&subject).await;
    drop(first);
    let claim = ok(duplicate.await.unwrap(), "the waiting claim");
    assert_eq!(claim, IdempotencyClaim::Fresh);
}

/// Of eight concurrent claims of one key, one is fresh; it completes only after the seven
/// others are seen waiting, and each of them then replays its answer.
pub async fn of_many_concurrent_duplicates_one_runs_and_the_others_replay_it(
    subject: impl Subject,
) {
    const CLAIMS: usize = 8;
    let answer = stored_outcome("status-201");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CLAIMS {
        let (subject, answer) = (subject.clone(), answer.clone());
        tasks.spawn(async move {
            let mut tx = subject.store().begin().await?;
            let claim = tx.claim_idempotency("s", "k", "f", Utc::now()).await?;
            if claim == IdempotencyClaim::Fresh {
                // The "command" runs while every duplicate waits for it.
                subject.until_claims_wait(CLAIMS - 1).await;
                tx.complete_idempotency("s", "k", &answer).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreFailure>(claim)
        });
    }
    let mut claims = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        claims.push(ok(joined.unwrap(), "a claim"));
    }
    let fresh = claims
        .iter()
        .filter(|c| **c == IdempotencyClaim::Fresh)
        .count();
    assert_eq!(fresh, 1, "{claims:?}");
    let replayed = claims
        .iter()
        .filter(|c| **c == IdempotencyClaim::Replay(answer.clone()))
        .count();
    assert_eq!(replayed, CLAIMS - 1, "{claims:?}");
}

/// Document bytes commit with the transaction and are read back only by their tenant.
pub async fn document_contents_are_stored_with_the_command_and_scoped_by_tenant(
    subject: impl Subject,
) {
    let store = subject.store();
    let (bank, guid) = (bank(), customer());
    let document = DocumentGuid::from_uuid(uuid::Uuid::now_v7());
    let bytes = pdf(1);
    // Contents belong to a customer: its data key seals them.
    create(&store, guid, bank).await;

    let mut dropped = ok(store.begin().await, "begin");
    ok(
        dropped
            .put_document(bank, guid, document, &bytes, ContentType::Pdf)
            .await,
        "put_document",
    );
    drop(dropped);
    assert_eq!(
        ok(store.document_content(bank, document).await, "read"),
        None
    );

    let mut tx = ok(store.begin().await, "begin");
    ok(
        tx.put_document(bank, guid, document, &bytes, ContentType::Pdf)
            .await,
        "put_document",
    );
    ok(tx.commit().await, "commit");
    assert_eq!(
        ok(store.document_content(bank, document).await, "read"),
        Some(StoredDocument {
            content: bytes,
            content_type: ContentType::Pdf
        })
    );
    assert_eq!(
        ok(
            store
                .document_content(crate::fixtures::bank(), document)
                .await,
            "read"
        ),
        None
    );
    let unknown = DocumentGuid::from_uuid(uuid::Uuid::now_v7());
    assert_eq!(
        ok(store.document_content(bank, unknown).await, "read"),
        None
    );
}

/// "As of" reads cut a history at a global position or at the instant commands were
/// received (the metadata's `occurred_at`, not the time of recording).
pub async fn history_is_cut_at_a_position_or_at_the_time_commands_were_received(
    subject: impl Subject,
) {
    let store = subject.store();
    let (bank, guid) = (bank(), customer());
    // Payload times far from the transactions' recorded_at, so the test tells them apart.
    let t0 = Utc
        .with_ymd_and_hms(2020, 1, 1, 9, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("a valid instant"));
    let t1 = t0 + chrono::Duration::hours(1);
    let create = created(guid, bank, individual(), t0);
    let mut tx = ok(store.begin().await, "begin");
    let first = ok(
        tx.append(guid, 0, vec![(create[0].clone(), metadata(bank, t0))])
            .await,
        "append",
    );
    ok(tx.commit().await, "commit");
    let update = Customer::from_events(&create)
        .decide(CustomerCommand::UpdateDetails {
            draft: CustomerDraft {
                email_address: Some("new@example.com".into()),
                ..CustomerDraft::default()
            },
            identity_matches: Vec::new(),
            at: t1,
        })
        .unwrap_or_else(|refusal| panic!("{refusal:?}"));
    let mut tx = ok(store.begin().await, "begin");
    let second = ok(
        tx.append(guid, 1, vec![(update[0].clone(), metadata(bank, t1))])
            .await,
        "append",
    );
    ok(tx.commit().await, "commit");

    let at = |cut| {
        let store = store.clone();
        async move { ok(store.load(guid, Some(cut)).await, "load as of").len() }
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

/// Commits a customer created at `at` from `draft`, frozen at once when `frozen`.
async fn create_at<S: CustomerStore>(
    store: &S,
    bank: BankGuid,
    draft: CustomerDraft,
    at: chrono::DateTime<Utc>,
    frozen: bool,
) -> CustomerGuid {
    let guid = customer();
    let mut events = created(guid, bank, draft, at);
    if frozen {
        let freeze = Customer::from_events(&events)
            .decide(CustomerCommand::Freeze {
                draft: FreezeDraft {
                    reason: Some("Fraud alert".into()),
                },
                at,
            })
            .unwrap();
        events.extend(freeze);
    }
    let mut tx = store.begin().await.unwrap();
    tx.append(
        guid,
        0,
        events
            .into_iter()
            .map(|e| (e, metadata(bank, at)))
            .collect(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    guid
}

/// Type, state and label filters, alone and combined, against the expected customers
/// (`n` is the index that chose type, label and freezing).
async fn assert_filters<S: CustomerStore>(
    store: &S,
    expected: &[(chrono::DateTime<Utc>, CustomerGuid, i64)],
    all: ListQuery,
) {
    let query = |page, per_page| ListQuery {
        page,
        per_page,
        ..all.clone()
    };
    let count = |f: &dyn Fn(i64) -> bool| expected.iter().filter(|e| f(e.2)).count() as u64;
    let businesses = store
        .list(&ListQuery {
            customer_type: Some(CustomerType::Business),
            ..query(0, 100)
        })
        .await
        .unwrap();
    assert_eq!(businesses.total, count(&|n| n % 2 == 1));
    assert!(businesses
        .items
        .iter()
        .all(|r| r.customer_type == CustomerType::Business));
    let frozen = store
        .list(&ListQuery {
            states: vec![CustomerState::Frozen],
            ..query(0, 2)
        })
        .await
        .unwrap();
    assert_eq!(frozen.total, count(&|n| n % 5 == 0));
    assert_eq!(frozen.items.len(), 2);
    assert!(frozen
        .items
        .iter()
        .all(|r| r.state == CustomerState::Frozen));
    let frozen_or_unverified = store
        .list(&ListQuery {
            states: vec![CustomerState::Frozen, CustomerState::Unverified],
            ..query(0, 100)
        })
        .await
        .unwrap();
    assert_eq!(frozen_or_unverified.total, expected.len() as u64);
    let vip_frozen_individuals = store
        .list(&ListQuery {
            customer_type: Some(CustomerType::Individual),
            states: vec![CustomerState::Frozen],
            label: Some("vip".into()),
            ..query(0, 100)
        })
        .await
        .unwrap();
    assert_eq!(
        vip_frozen_individuals.total,
        count(&|n| n % 2 == 0 && n % 5 == 0 && n % 3 == 0)
    );
    // The profile's statuses partition the customers, and each listed one stands as asked.
    let mut by_profile = 0;
    for status in kyc_domain::customer::ProfileStatus::ALL {
        let standing = store
            .list(&ListQuery {
                profile_statuses: vec![*status],
                ..query(0, 100)
            })
            .await
            .unwrap();
        assert!(standing
            .items
            .iter()
            .all(|r| r.verification_profile().status == *status));
        by_profile += standing.total;
    }
    assert_eq!(by_profile, expected.len() as u64);
    let incomplete_or_pending = store
        .list(&ListQuery {
            profile_statuses: vec![
                kyc_domain::customer::ProfileStatus::Incomplete,
                kyc_domain::customer::ProfileStatus::Pending,
            ],
            ..query(0, 100)
        })
        .await
        .unwrap();
    assert!(incomplete_or_pending.total > 0);
    let none = store
        .list(&ListQuery {
            label: Some("nobody".into()),
            ..query(0, 10)
        })
        .await
        .unwrap();
    assert_eq!((none.total, none.items.len()), (0, 0));
}

/// A tenant's list pages newest first (guid descending on equal instants) with the total of
/// all pages, filters by type, state and label, and shows no other tenant's customers.
pub async fn lists_filter_by_tenant_type_state_and_label_newest_first_with_totals(
    subject: impl Subject,
) {
    let store = subject.store();
    let (bank_a, bank_b) = (bank(), bank());
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap();
    let mut expected = Vec::new();
    for n in 0..25_i64 {
        let mut draft = if n % 2 == 0 { individual() } else { business() };
        draft.labels = Some(if n % 3 == 0 {
            vec!["vip".into()]
        } else {
            vec!["std".into()]
        });
        // Customers 20..25 share one creation instant: the guid breaks the tie.
        let at = base + chrono::Duration::minutes(n.min(20));
        let guid = create_at(&store, bank_a, draft, at, n % 5 == 0).await;
        expected.push((at, guid, n));
    }
    for _ in 0..3 {
        create_at(&store, bank_b, individual(), base, false).await;
    }
    subject.settle().await;
    expected.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));

    let query = |page, per_page| ListQuery {
        bank_guid: bank_a,
        page,
        per_page,
        offset: None,
        customer_type: None,
        states: Vec::new(),
        profile_statuses: Vec::new(),
        label: None,
        email_address: None,
        phone_number: None,
        identification_number: None,
    };
    let mut seen = Vec::new();
    for page in 0..3 {
        let result = store.list(&query(page, 10)).await.unwrap();
        assert_eq!(result.total, 25);
        assert_eq!(result.items.len(), if page < 2 { 10 } else { 5 });
        seen.extend(result.items.iter().map(|r| r.guid));
    }
    let order: Vec<CustomerGuid> = expected.iter().map(|e| e.1).collect();
    assert_eq!(
        seen, order,
        "newest first, guid descending on ties, no overlap between pages"
    );
    let past_the_end = store.list(&query(3, 10)).await.unwrap();
    assert_eq!((past_the_end.total, past_the_end.items.len()), (25, 0));
    // A window at any row, not only at a page's first.
    let window = store
        .list(&ListQuery {
            offset: Some(7),
            ..query(0, 4)
        })
        .await
        .unwrap();
    let windowed: Vec<CustomerGuid> = window.items.iter().map(|r| r.guid).collect();
    assert_eq!(windowed, order[7..11]);

    assert_filters(&store, &expected, query(0, 100)).await;
    let other_tenant = store
        .list(&ListQuery {
            bank_guid: bank_b,
            ..query(0, 100)
        })
        .await
        .unwrap();
    assert_eq!(other_tenant.total, 3);
}

/// An outcome to store under a key, told apart by `code`.
/// A stored answer showing the customer `guid` of `bank`.
fn answer_showing(guid: CustomerGuid, bank: BankGuid) -> kyc_app::Executed {
    let events: Vec<CustomerEvent> = created_individual(guid, bank, Utc::now())
        .into_iter()
        .map(|(event, _)| event)
        .collect();
    let customer = Customer::from_events(&events);
    kyc_app::Executed {
        created: true,
        created_guid: Some(guid.to_string()),
        customer: Box::new(kyc_app::dto::CustomerDto::new(
            customer.record().unwrap(),
            true,
        )),
    }
}

/// Erasure deletes, in the erasing transaction, the customer's document contents and the
/// stored answers that show it, and nothing of any other customer; a rolled-back erasure
/// deletes nothing.
pub async fn erasure_deletes_the_customers_document_contents_and_stored_answers_only(
    subject: impl Subject,
) {
    let store = subject.store();
    let bank = bank();
    let (erased, kept) = (customer(), customer());
    let erased_doc = DocumentGuid::from_uuid(uuid::Uuid::now_v7());
    let kept_doc = DocumentGuid::from_uuid(uuid::Uuid::now_v7());
    let kept_answer: CommandOutcome = Ok(answer_showing(kept, bank));
    // Contents and answers belong to customers: their data keys seal them.
    create(&store, erased, bank).await;
    create(&store, kept, bank).await;
    let mut tx = ok(store.begin().await, "begin");
    for (doc, key, answer) in [
        (erased_doc, "k-erased", Ok(answer_showing(erased, bank))),
        (kept_doc, "k-kept", kept_answer.clone()),
    ] {
        let guid = if key == "k-kept" { kept } else { erased };
        ok(
            tx.put_document(bank, guid, doc, &pdf(1), ContentType::Pdf)
                .await,
            "put_document",
        );
        assert_eq!(
            ok(
                tx.claim_idempotency("bank/actor", key, key, Utc::now())
                    .await,
                "claim"
            ),
            IdempotencyClaim::Fresh
        );
        ok(
            tx.complete_idempotency("bank/actor", key, &answer).await,
            "complete",
        );
    }
    // A refusal shows no customer (and holds no personal data): it stays.
    assert_eq!(
        ok(
            tx.claim_idempotency("bank/actor", "k-refused", "k-refused", Utc::now())
                .await,
            "claim"
        ),
        IdempotencyClaim::Fresh
    );
    ok(
        tx.complete_idempotency("bank/actor", "k-refused", &stored_outcome("refused"))
            .await,
        "complete",
    );
    ok(tx.commit().await, "commit");

    let mut rolled_back = ok(store.begin().await, "begin");
    ok(
        rolled_back.erase_customer_data(bank, erased).await,
        "erase_customer_data",
    );
    drop(rolled_back);
    assert!(ok(store.document_content(bank, erased_doc).await, "read").is_some());

    let mut tx = ok(store.begin().await, "begin");
    ok(
        tx.erase_customer_data(bank, erased).await,
        "erase_customer_data",
    );
    ok(tx.commit().await, "commit");
    assert_eq!(
        ok(store.document_content(bank, erased_doc).await, "read"),
        None
    );
    assert!(ok(store.document_content(bank, kept_doc).await, "read").is_some());

    let mut tx = ok(store.begin().await, "begin");
    assert_eq!(
        ok(
            tx.claim_idempotency("bank/actor", "k-erased", "k-erased", Utc::now())
                .await,
            "claim"
        ),
        IdempotencyClaim::Fresh,
        "the erased customer's stored answer is gone"
    );
    assert_eq!(
        ok(
            tx.claim_idempotency("bank/actor", "k-kept", "k-kept", Utc::now())
                .await,
            "claim"
        ),
        IdempotencyClaim::Replay(kept_answer),
    );
    assert_eq!(
        ok(
            tx.claim_idempotency("bank/actor", "k-refused", "k-refused", Utc::now())
                .await,
            "claim"
        ),
        IdempotencyClaim::Replay(stored_outcome("refused")),
    );
    drop(tx);
}

fn stored_outcome(code: &str) -> CommandOutcome {
    Err(Refusal::new(
        FailureKind::Conflict,
        code,
        "a stored refusal",
    ))
}

fn email(raw: &str) -> IdentityValue {
    IdentityValue::parse_email(raw).unwrap()
}

fn number(raw: &str) -> IdentityValue {
    IdentityValue::parse_number(raw).unwrap()
}

/// Commits the creation of an individual in `bank` and indexes `values` (replacing `kinds`)
/// in the same transaction, after the append as the port requires.
async fn create_indexed<S: CustomerStore>(
    store: &S,
    bank: BankGuid,
    kinds: &[IdentityKind],
    values: &[IdentityValue],
) -> CustomerGuid {
    let guid = customer();
    let mut tx = ok(store.begin().await, "begin");
    ok(
        tx.append(guid, 0, created_individual(guid, bank, Utc::now()))
            .await,
        "append the creation",
    );
    ok(
        tx.index_identity(bank, guid, kinds, values).await,
        "index the identity values",
    );
    ok(tx.commit().await, "commit");
    guid
}

async fn matches<S: CustomerStore>(
    store: &S,
    bank: BankGuid,
    values: &[IdentityValue],
) -> Vec<IdentityMatch> {
    let mut tx = ok(store.begin().await, "begin");
    let mut found = ok(tx.identity_matches(bank, values).await, "identity matches");
    found.sort();
    found
}

/// The same email and tax number at two tenants: each tenant's lookup finds only its own
/// customer. A later index of some kinds replaces only those kinds' values.
pub async fn the_identity_index_matches_within_the_tenant_and_replaces_changed_kinds(
    subject: impl Subject,
) {
    let store = subject.store();
    let (bank_a, bank_b) = (bank(), bank());
    let all = [
        IdentityKind::Email,
        IdentityKind::Phone,
        IdentityKind::TaxId,
        IdentityKind::IdentificationNumber,
    ];
    let values = [email("ada@example.com"), number("ssn:US:123-45-6789")];
    let a = create_indexed(&store, bank_a, &all, &values).await;
    let b = create_indexed(&store, bank_b, &all, &values).await;
    let tax = number("ssn:US:123456789");
    assert_eq!(
        matches(&store, bank_a, &[email(" ADA@example.com"), tax.clone()]).await,
        [
            IdentityMatch {
                kind: IdentityKind::Email,
                customer_guid: a
            },
            IdentityMatch {
                kind: IdentityKind::TaxId,
                customer_guid: a
            }
        ]
    );
    assert_eq!(
        matches(&store, bank_b, std::slice::from_ref(&tax)).await,
        [IdentityMatch {
            kind: IdentityKind::TaxId,
            customer_guid: b
        }]
    );
    // The same characters under another kind (an identification number) are another value.
    assert!(
        matches(&store, bank_a, &[number("passport_number:US:123456789")])
            .await
            .is_empty()
    );

    // A change of the email replaces the email only.
    let mut tx = ok(store.begin().await, "begin");
    let history: Vec<CustomerEvent> = ok(tx.load(a).await, "load")
        .into_iter()
        .map(|r| r.event)
        .collect();
    ok(
        tx.append(a, 1, relabel(&history, "moved", bank_a)).await,
        "append a change",
    );
    ok(
        tx.index_identity(
            bank_a,
            a,
            &[IdentityKind::Email],
            &[email("ada@new.example")],
        )
        .await,
        "index the new email",
    );
    ok(tx.commit().await, "commit the change");
    assert!(matches(&store, bank_a, &[email("ada@example.com")])
        .await
        .is_empty());
    assert_eq!(
        matches(&store, bank_a, &[email("ada@new.example"), tax.clone()])
            .await
            .len(),
        2
    );
    // Two customers of one tenant with the same number: both are found.
    let second = create_indexed(
        &store,
        bank_a,
        &[IdentityKind::TaxId],
        std::slice::from_ref(&tax),
    )
    .await;
    let holders: Vec<CustomerGuid> = matches(&store, bank_a, &[tax])
        .await
        .into_iter()
        .map(|m| m.customer_guid)
        .collect();
    assert_eq!(holders.len(), 2);
    assert!(holders.contains(&a) && holders.contains(&second));
}

/// Index writes are part of the transaction: invisible to others until it commits, and gone
/// with a rollback.
pub async fn index_writes_are_seen_only_once_committed(subject: impl Subject) {
    let store = subject.store();
    let bank = bank();
    let value = email("grace@example.com");
    let guid = customer();
    let mut tx = ok(store.begin().await, "begin");
    ok(
        tx.append(guid, 0, created_individual(guid, bank, Utc::now()))
            .await,
        "append",
    );
    ok(
        tx.index_identity(
            bank,
            guid,
            &[IdentityKind::Email],
            std::slice::from_ref(&value),
        )
        .await,
        "index",
    );
    assert_eq!(
        ok(
            tx.identity_matches(bank, std::slice::from_ref(&value))
                .await,
            "own write"
        )
        .len(),
        1,
        "a transaction sees its own index writes"
    );
    assert!(matches(&store, bank, std::slice::from_ref(&value))
        .await
        .is_empty());
    drop(tx);
    assert!(matches(&store, bank, std::slice::from_ref(&value))
        .await
        .is_empty());
}

/// A list filtered by email, phone or number shows the tenant's holders only.
pub async fn lists_filter_by_identity_values_within_the_tenant(subject: impl Subject) {
    let store = subject.store();
    let (bank_a, bank_b) = (bank(), bank());
    let kinds = [IdentityKind::Email, IdentityKind::TaxId];
    let ada = [email("ada@example.com"), number("ssn:US:123-45-6789")];
    let a = create_indexed(&store, bank_a, &kinds, &ada).await;
    create_indexed(&store, bank_a, &kinds, &[email("other@example.com")]).await;
    create_indexed(&store, bank_b, &kinds, &ada).await;
    subject.settle().await;
    let query = |email_address, identification_number| ListQuery {
        bank_guid: bank_a,
        page: 0,
        per_page: 10,
        offset: None,
        customer_type: None,
        states: Vec::new(),
        profile_statuses: Vec::new(),
        label: None,
        email_address,
        phone_number: None,
        identification_number,
    };
    let by_email = ok(
        store
            .list(&query(Some(email("Ada@Example.com")), None))
            .await,
        "list by email",
    );
    assert_eq!(by_email.total, 1);
    assert_eq!(by_email.items[0].guid, a);
    let by_both = ok(
        store
            .list(&query(
                Some(email("ada@example.com")),
                Some(number("ssn:US:123456789")),
            ))
            .await,
        "list by email and number",
    );
    assert_eq!(by_both.total, 1);
    let mismatch = ok(
        store
            .list(&query(
                Some(email("other@example.com")),
                Some(number("ssn:US:123456789")),
            ))
            .await,
        "list by values of two customers",
    );
    assert_eq!(mismatch.total, 0, "every filter must hold");
    let nobody = ok(
        store
            .list(&query(Some(email("nobody@example.com")), None))
            .await,
        "list by an unknown email",
    );
    assert_eq!((nobody.total, nobody.items.len()), (0, 0));
}

/// Events that build the operator queues' cases, each at a whole second (both stores then keep
/// the same instant: PostgreSQL keeps microseconds).
mod queue_events {
    use chrono::{DateTime, Utc};
    use kyc_domain::customer::{
        ActorId, ContentType, DocumentContent, DocumentKind, RiskLevel, RiskPolicyVersion,
        Sha256Digest,
    };
    use kyc_domain::ids::{AssociateGuid, DocumentGuid};
    use kyc_domain::CustomerEvent;

    pub fn submitted(
        document: DocumentGuid,
        kind: DocumentKind,
        associate: Option<AssociateGuid>,
        at: DateTime<Utc>,
    ) -> CustomerEvent {
        CustomerEvent::DocumentSubmitted {
            document_guid: document,
            kind,
            associate_guid: associate,
            file_name: None,
            issued_on: None,
            expires_on: None,
            content: DocumentContent {
                content_type: ContentType::Pdf,
                size_bytes: 16,
                sha256: Sha256Digest::parse(&"ab".repeat(32)).unwrap(),
            },
            at,
        }
    }

    pub fn accepted(document: DocumentGuid, at: DateTime<Utc>) -> CustomerEvent {
        CustomerEvent::DocumentAccepted {
            document_guid: document,
            reviewer: ActorId::parse("reviewer-ruth"),
            at,
        }
    }

    pub fn rated(level: RiskLevel, four_eyes: bool, at: DateTime<Utc>) -> CustomerEvent {
        CustomerEvent::RiskRated {
            level,
            score: 60,
            factors: Vec::new(),
            policy_version: RiskPolicyVersion::parse("contract-1").unwrap(),
            four_eyes,
            ubo_threshold_bp: kyc_domain::customer::DEFAULT_UBO_THRESHOLD_BP,
            associate_liveness: false,
            at,
        }
    }

    pub fn expiring(
        document: DocumentGuid,
        kind: DocumentKind,
        expires_on: chrono::NaiveDate,
        at: DateTime<Utc>,
    ) -> CustomerEvent {
        let CustomerEvent::DocumentSubmitted {
            document_guid,
            kind,
            associate_guid,
            file_name,
            issued_on,
            content,
            at,
            ..
        } = submitted(document, kind, None, at)
        else {
            unreachable!("submitted builds a DocumentSubmitted")
        };
        CustomerEvent::DocumentSubmitted {
            document_guid,
            kind,
            associate_guid,
            file_name,
            issued_on,
            expires_on: Some(expires_on),
            content,
            at,
        }
    }

    pub fn verified(at: DateTime<Utc>) -> CustomerEvent {
        CustomerEvent::CustomerVerified {
            policy_version: kyc_domain::customer::PolicyVersion::CURRENT,
            approver: None,
            at,
        }
    }

    pub fn review_completed(due_at: DateTime<Utc>, at: DateTime<Utc>) -> CustomerEvent {
        CustomerEvent::ReviewCompleted { due_at, at }
    }

    /// A window the queues without one ignore.
    pub fn no_window() -> kyc_app::operator_queues::DueWindow {
        kyc_app::operator_queues::DueWindow {
            until: DateTime::<Utc>::MIN_UTC,
            review_periods: kyc_app::operator_queues::ReviewPeriods::of(
                &kyc_domain::customer::RiskPolicy::default(),
            ),
        }
    }

    pub fn approved(approver: &str, at: DateTime<Utc>) -> CustomerEvent {
        CustomerEvent::ApprovalRecorded {
            approver: ActorId::parse(approver).unwrap(),
            note: None,
            at,
        }
    }
}

/// Commits an individual of `bank` created at `at`, followed by `then`.
async fn create_with<S: CustomerStore>(
    store: &S,
    bank: BankGuid,
    draft: CustomerDraft,
    at: chrono::DateTime<Utc>,
    then: Vec<CustomerEvent>,
) -> CustomerGuid {
    let guid = customer();
    let mut events = created(guid, bank, draft, at);
    events.extend(then);
    let mut tx = ok(store.begin().await, "begin");
    ok(
        tx.append(
            guid,
            0,
            events
                .into_iter()
                .map(|e| (e, metadata(bank, at)))
                .collect(),
        )
        .await,
        "append",
    );
    ok(tx.commit().await, "commit");
    guid
}

/// The operator queues: a tenant's pending documents of reviewable (unverified) customers,
/// one entry per document, oldest submission first (document guid on equal instants); its
/// customers awaiting the second approval (unverified, rated at a level that needs four eyes,
/// first approved), oldest first approval first; totals of all pages; no other tenant's.
#[allow(clippy::too_many_lines)] // One scenario, every case of both queues.
pub async fn operator_queues_list_reviewable_documents_and_first_approvals_oldest_first(
    subject: impl Subject,
) {
    use kyc_app::operator_queues::{
        AwaitingApproval, OperatorQueue, PendingDocument, QueueEntries, QueueQuery,
    };
    use kyc_domain::customer::{DocumentKind, RiskLevel};
    use kyc_domain::ids::AssociateGuid;
    use queue_events::{accepted, approved, rated, submitted};

    let store = subject.store();
    let (bank_a, bank_b) = (bank(), bank());
    let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().unwrap();
    let at = |seconds: i64| t0 + chrono::Duration::seconds(seconds);
    let doc = || DocumentGuid::from_uuid(uuid::Uuid::now_v7());
    let (d1, d2, d3, d4, d5, d6) = (doc(), doc(), doc(), doc(), doc(), doc());
    let owner = AssociateGuid::from_uuid(uuid::Uuid::now_v7());

    // An individual: d1 reviewed, d2 and d3 pending (d3 submitted at the same instant as the
    // business's d4, and earlier in guid order).
    let ada = create_with(
        &store,
        bank_a,
        individual(),
        at(0),
        vec![
            submitted(d1, DocumentKind::Passport, None, at(10)),
            submitted(d2, DocumentKind::LivenessReport, None, at(30)),
            submitted(d3, DocumentKind::ProofOfAddress, None, at(40)),
            accepted(d1, at(50)),
        ],
    )
    .await;
    // A business: an associate's passport, pending.
    let acme = create_with(
        &store,
        bank_a,
        business(),
        at(0),
        vec![
            submitted(d4, DocumentKind::Passport, Some(owner), at(40)),
            submitted(d5, DocumentKind::IncorporationCertificate, None, at(20)),
        ],
    )
    .await;
    // A frozen customer's pending document cannot be reviewed: not listed. (The freeze event
    // depends only on the state, so any unverified customer's decision gives it.)
    let freeze = Customer::from_events(&created(customer(), bank_a, individual(), at(0)))
        .decide(CustomerCommand::Freeze {
            draft: FreezeDraft {
                reason: Some("Fraud alert".into()),
            },
            at: at(6),
        })
        .unwrap();
    create_with(
        &store,
        bank_a,
        individual(),
        at(0),
        std::iter::once(submitted(doc(), DocumentKind::Passport, None, at(5)))
            .chain(freeze)
            .collect(),
    )
    .await;
    // First approvals: two awaiting the second (the later one first created), one rated at a
    // level without four eyes, one rated high but not approved.
    let late = create_with(
        &store,
        bank_a,
        individual(),
        at(0),
        vec![
            rated(RiskLevel::High, true, at(1)),
            approved("alice", at(300)),
        ],
    )
    .await;
    let early = create_with(
        &store,
        bank_a,
        business(),
        at(0),
        vec![
            rated(RiskLevel::Medium, true, at(1)),
            approved("bob", at(200)),
            approved("carol", at(250)),
        ],
    )
    .await;
    create_with(
        &store,
        bank_a,
        individual(),
        at(0),
        vec![
            rated(RiskLevel::Low, false, at(1)),
            approved("dave", at(100)),
        ],
    )
    .await;
    create_with(
        &store,
        bank_a,
        individual(),
        at(0),
        vec![rated(RiskLevel::High, true, at(1))],
    )
    .await;
    // Another tenant's pending document and first approval.
    let theirs = create_with(
        &store,
        bank_b,
        individual(),
        at(0),
        vec![
            submitted(d6, DocumentKind::Passport, None, at(1)),
            rated(RiskLevel::High, true, at(2)),
            approved("erin", at(3)),
        ],
    )
    .await;
    subject.settle().await;

    let page = |bank, queue, page, per_page| {
        let store = store.clone();
        async move {
            ok(
                store
                    .queue(&QueueQuery {
                        bank_guid: bank,
                        queue,
                        page,
                        per_page,
                        window: queue_events::no_window(),
                    })
                    .await,
                "queue",
            )
        }
    };
    let documents = |entries: QueueEntries| {
        let QueueEntries::DocumentsPendingReview(entries) = entries else {
            panic!("documents expected, got {entries:?}")
        };
        entries
    };
    let approvals = |entries: QueueEntries| {
        let QueueEntries::AwaitingSecondApproval(entries) = entries else {
            panic!("approvals expected, got {entries:?}")
        };
        entries
    };

    let all = page(bank_a, OperatorQueue::DocumentsPendingReview, 0, 10).await;
    assert_eq!(all.total, 4);
    let entries = documents(all.entries);
    let (first_at_40, second_at_40) = if d3.as_uuid() < d4.as_uuid() {
        (d3, d4)
    } else {
        (d4, d3)
    };
    assert_eq!(
        entries.iter().map(|e| e.document_guid).collect::<Vec<_>>(),
        [d5, d2, first_at_40, second_at_40],
        "oldest submission first, the guid on equal instants"
    );
    assert_eq!(
        entries[0],
        PendingDocument {
            customer_guid: acme,
            customer_type: CustomerType::Business,
            state: CustomerState::Unverified,
            document_guid: d5,
            document_kind: DocumentKind::IncorporationCertificate,
            associate_guid: None,
            submitted_at: at(20),
        }
    );
    let owners_passport = entries.iter().find(|e| e.document_guid == d4).unwrap();
    assert_eq!(owners_passport.associate_guid, Some(owner));
    assert_eq!(entries[1].customer_guid, ada);
    assert_eq!(entries[1].customer_type, CustomerType::Individual);
    let second = page(bank_a, OperatorQueue::DocumentsPendingReview, 1, 3).await;
    assert_eq!(second.total, 4);
    assert_eq!(
        documents(second.entries)
            .iter()
            .map(|e| e.document_guid)
            .collect::<Vec<_>>(),
        [second_at_40]
    );
    let beyond = page(bank_a, OperatorQueue::DocumentsPendingReview, 2, 3).await;
    assert_eq!((beyond.total, beyond.entries.len()), (4, 0));

    let all = page(bank_a, OperatorQueue::AwaitingSecondApproval, 0, 10).await;
    assert_eq!(all.total, 2);
    assert_eq!(
        approvals(all.entries),
        [
            AwaitingApproval {
                customer_guid: early,
                customer_type: CustomerType::Business,
                risk_level: RiskLevel::Medium,
                first_approver: kyc_domain::customer::ActorId::parse("bob").unwrap(),
                first_approved_at: at(200),
            },
            AwaitingApproval {
                customer_guid: late,
                customer_type: CustomerType::Individual,
                risk_level: RiskLevel::High,
                first_approver: kyc_domain::customer::ActorId::parse("alice").unwrap(),
                first_approved_at: at(300),
            },
        ],
        "oldest first approval first, the first approver named"
    );
    let second = page(bank_a, OperatorQueue::AwaitingSecondApproval, 1, 1).await;
    assert_eq!(second.total, 2);
    assert_eq!(approvals(second.entries)[0].customer_guid, late);

    // The other tenant sees its own, and only its own.
    let other = page(bank_b, OperatorQueue::DocumentsPendingReview, 0, 10).await;
    assert_eq!(other.total, 1);
    assert_eq!(documents(other.entries)[0].customer_guid, theirs);
    let other = page(bank_b, OperatorQueue::AwaitingSecondApproval, 0, 10).await;
    assert_eq!(other.total, 1);
    assert_eq!(approvals(other.entries)[0].customer_guid, theirs);
    let nobody = page(bank(), OperatorQueue::AwaitingSecondApproval, 0, 10).await;
    assert_eq!((nobody.total, nobody.entries.len()), (0, 0));
}

/// The falling-due queues: a tenant's verified customers whose periodic review falls due by
/// the window's end under the periods given (last review plus the period of the customer's
/// level, low when unrated; overdue ones included), soonest first; its documents in force
/// (accepted, not expired) of unverified or verified customers that expire by the window's
/// last day, soonest first; totals of all pages; no other tenant's.
#[allow(clippy::too_many_lines)] // One scenario, every case of both queues.
pub async fn falling_due_queues_list_reviews_and_expiring_documents_soonest_first(
    subject: impl Subject,
) {
    use kyc_app::operator_queues::{
        DueWindow, ExpiringDocument, OperatorQueue, QueueEntries, QueueQuery, ReviewFallingDue,
        ReviewPeriods,
    };
    use kyc_domain::customer::{DocumentKind, RiskLevel};
    use queue_events::{accepted, expiring, rated, review_completed, submitted, verified};

    let store = subject.store();
    let (bank_a, bank_b) = (bank(), bank());
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).single().unwrap();
    let day = |days: i64| t0 + chrono::Duration::days(days);
    let date = |days: i64| day(days).date_naive();
    let doc = || DocumentGuid::from_uuid(uuid::Uuid::now_v7());

    // Reviews: periods of 300 days (low), 200 (medium) and 100 (high) below.
    // Verified on day 10 and rated high: due on day 110.
    let high = create_with(
        &store,
        bank_a,
        individual(),
        day(0),
        vec![rated(RiskLevel::High, false, day(1)), verified(day(10))],
    )
    .await;
    // Verified on day 5, unrated (so low): due on day 305, outside a window to day 200.
    let unrated = create_with(&store, bank_a, individual(), day(0), vec![verified(day(5))]).await;
    // Medium, verified on day 0 and reviewed on day 20: due on day 220; overdue on day 230.
    let medium = create_with(
        &store,
        bank_a,
        business(),
        day(0),
        vec![
            rated(RiskLevel::Medium, false, day(0)),
            verified(day(0)),
            review_completed(day(0), day(20)),
        ],
    )
    .await;
    // Unverified (never verified): no review.
    create_with(
        &store,
        bank_a,
        individual(),
        day(0),
        vec![rated(RiskLevel::High, false, day(1))],
    )
    .await;

    // Documents: accepted ones expiring on days 150 and 40 (of an unverified customer), a
    // pending one (not in force), an accepted one without an expiry date.
    let (d150, d40, pending, no_expiry) = (doc(), doc(), doc(), doc());
    let holder = create_with(
        &store,
        bank_a,
        individual(),
        day(0),
        vec![
            expiring(d150, DocumentKind::Passport, date(150), day(1)),
            accepted(d150, day(2)),
            expiring(d40, DocumentKind::DriversLicense, date(40), day(1)),
            accepted(d40, day(2)),
            expiring(pending, DocumentKind::Passport, date(30), day(3)),
            submitted(no_expiry, DocumentKind::ProofOfAddress, None, day(3)),
            accepted(no_expiry, day(4)),
        ],
    )
    .await;
    // A rejected customer's document is no longer watched.
    let d_rejected = doc();
    let rejected_then = Customer::from_events(&created(customer(), bank_a, individual(), day(0)))
        .decide(CustomerCommand::Reject {
            draft: kyc_domain::customer::RejectDraft {
                reason_codes: Some(vec!["sanctions_match".into()]),
                message: None,
                retryable: Some(false),
            },
            at: day(6),
        })
        .unwrap();
    create_with(
        &store,
        bank_a,
        individual(),
        day(0),
        [
            expiring(d_rejected, DocumentKind::Passport, date(20), day(1)),
            accepted(d_rejected, day(2)),
        ]
        .into_iter()
        .chain(rejected_then)
        .collect(),
    )
    .await;
    // Another tenant's review and document.
    let d_theirs = doc();
    let theirs = create_with(
        &store,
        bank_b,
        individual(),
        day(0),
        vec![
            expiring(d_theirs, DocumentKind::Passport, date(10), day(1)),
            accepted(d_theirs, day(2)),
            rated(RiskLevel::High, false, day(2)),
            verified(day(3)),
        ],
    )
    .await;
    subject.settle().await;

    let periods = ReviewPeriods {
        low: chrono::Duration::days(300),
        medium: chrono::Duration::days(200),
        high: chrono::Duration::days(100),
    };
    let page = |bank, queue, until, page, per_page| {
        let store = store.clone();
        async move {
            ok(
                store
                    .queue(&QueueQuery {
                        bank_guid: bank,
                        queue,
                        page,
                        per_page,
                        window: DueWindow {
                            until,
                            review_periods: periods,
                        },
                    })
                    .await,
                "queue",
            )
        }
    };
    let reviews = |entries: QueueEntries| {
        let QueueEntries::ReviewsFallingDue(entries) = entries else {
            panic!("reviews expected, got {entries:?}")
        };
        entries
    };
    let documents = |entries: QueueEntries| {
        let QueueEntries::DocumentsExpiring(entries) = entries else {
            panic!("documents expected, got {entries:?}")
        };
        entries
    };

    let found = page(bank_a, OperatorQueue::ReviewsFallingDue, day(230), 0, 10).await;
    assert_eq!(found.total, 2);
    assert_eq!(
        reviews(found.entries),
        [
            ReviewFallingDue {
                customer_guid: high,
                customer_type: CustomerType::Individual,
                risk_level: RiskLevel::High,
                last_reviewed_at: day(10),
                due_at: day(110),
            },
            ReviewFallingDue {
                customer_guid: medium,
                customer_type: CustomerType::Business,
                risk_level: RiskLevel::Medium,
                last_reviewed_at: day(20),
                due_at: day(220),
            },
        ],
        "soonest due first, overdue included, the last review and the level named"
    );
    let narrower = page(bank_a, OperatorQueue::ReviewsFallingDue, day(219), 0, 10).await;
    assert_eq!(
        narrower.total, 1,
        "due on day 220 is outside a window ending before it"
    );
    let second = page(bank_a, OperatorQueue::ReviewsFallingDue, day(230), 1, 1).await;
    assert_eq!(second.total, 2);
    assert_eq!(reviews(second.entries)[0].customer_guid, medium);
    let wide = page(bank_a, OperatorQueue::ReviewsFallingDue, day(400), 0, 10).await;
    assert_eq!(
        reviews(wide.entries)
            .iter()
            .map(|e| (e.customer_guid, e.risk_level))
            .collect::<Vec<_>>(),
        [
            (high, RiskLevel::High),
            (medium, RiskLevel::Medium),
            (unrated, RiskLevel::Low)
        ],
        "an unrated customer is reviewed on the low period"
    );

    let found = page(bank_a, OperatorQueue::DocumentsExpiring, day(150), 0, 10).await;
    assert_eq!(found.total, 2);
    assert_eq!(
        documents(found.entries),
        [
            ExpiringDocument {
                customer_guid: holder,
                customer_type: CustomerType::Individual,
                state: CustomerState::Unverified,
                document_guid: d40,
                document_kind: DocumentKind::DriversLicense,
                associate_guid: None,
                expires_on: date(40),
            },
            ExpiringDocument {
                customer_guid: holder,
                customer_type: CustomerType::Individual,
                state: CustomerState::Unverified,
                document_guid: d150,
                document_kind: DocumentKind::Passport,
                associate_guid: None,
                expires_on: date(150),
            },
        ],
        "soonest expiry first; the last valid day is inside the window"
    );
    let narrower = page(bank_a, OperatorQueue::DocumentsExpiring, day(149), 0, 10).await;
    assert_eq!(narrower.total, 1);
    let beyond = page(bank_a, OperatorQueue::DocumentsExpiring, day(150), 1, 2).await;
    assert_eq!((beyond.total, beyond.entries.len()), (2, 0));

    // The other tenant sees its own, and only its own.
    let other = page(bank_b, OperatorQueue::ReviewsFallingDue, day(230), 0, 10).await;
    assert_eq!(other.total, 1);
    assert_eq!(reviews(other.entries)[0].customer_guid, theirs);
    let other = page(bank_b, OperatorQueue::DocumentsExpiring, day(230), 0, 10).await;
    assert_eq!(other.total, 1);
    assert_eq!(documents(other.entries)[0].document_guid, d_theirs);
}
