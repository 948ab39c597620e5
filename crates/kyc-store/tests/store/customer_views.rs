//! The customer projection: rows equal a fresh fold of each customer's events, whatever the
//! commands, batch sizes, concurrent writers or order of positions.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kyc_app::commands::{
    Close, Create, Erase, Freeze, PatchCustomer, Reject, ReviewDocument, SetLegalHold,
    SubmitDocument, Unfreeze, Verify,
};
use kyc_app::ports::{CustomerStore, CustomerTransaction};
use kyc_app::tenant::{TenantPolicies, TenantPolicy};
use kyc_app::{CommandOutcome, CommandService, FailureKind, RetryPolicy};
use kyc_domain::customer::{
    CloseDraft, CustomerDraft, DocumentDraft, DocumentStatus, EraseDraft, FreezeDraft,
    LegalHoldDraft, RejectDraft, ReviewDraft,
};
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_domain::Customer;
use kyc_log::read_checkpoint;
use kyc_store::projector::{project_batch, project_until_caught_up, tailer, CUSTOMER_VIEWS};
use kyc_store::PgCustomerStore;
use kyc_testkit::fresh_database;
use serde_json::Value;
use sqlx::{PgPool, Row};

use crate::support::{bank, business, created, ctx, individual, metadata, pdf};

type Service = CommandService<PgCustomerStore>;

/// Records are kept for no time, so random histories reach erasure after a close.
fn service(pool: &PgPool) -> Service {
    CommandService::new(
        Arc::new(PgCustomerStore::new(
            pool.clone(),
            kyc_testkit::keys::test_keys(),
        )),
        RetryPolicy::default(),
    )
    .with_tenant_policies(TenantPolicies::uniform(TenantPolicy::new(
        Duration::ZERO,
        Duration::from_secs(3600),
    )))
}

fn guid_of(outcome: &CommandOutcome) -> CustomerGuid {
    let executed = outcome.as_ref().expect("the command is carried out");
    CustomerGuid::parse(&executed.customer.guid).unwrap()
}

/// Creates a customer; labels and type chosen by the caller.
async fn create(
    service: &Service,
    bank: BankGuid,
    draft: CustomerDraft,
    at: chrono::DateTime<Utc>,
) -> CustomerGuid {
    guid_of(
        &service
            .execute(&ctx(bank, None, at), Create { draft })
            .await,
    )
}

/// One random command for `guid` (refusals are fine: they write nothing).
#[allow(clippy::too_many_lines)] // One arm per command.
async fn random_command(
    service: &Service,
    store: &PgCustomerStore,
    rng: &mut fastrand::Rng,
    bank: BankGuid,
    guid: CustomerGuid,
    n: usize,
) {
    let customer = Customer::from_events(
        store
            .load(guid, None)
            .await
            .unwrap()
            .iter()
            .map(|r| &r.event),
    );
    let record = customer.record().unwrap();
    let pending = record
        .documents
        .values()
        .find(|d| d.status == DocumentStatus::Pending)
        .map(|d| d.guid);
    let labels = ["vip", "eu", "us", "batch"];
    let ctx = ctx(bank, None, Utc::now());
    let outcome = match rng.u8(0..13) {
        0 | 1 => {
            service
                .execute(
                    &ctx,
                    PatchCustomer::Details {
                        customer_guid: guid,
                        draft: CustomerDraft {
                            labels: Some(
                                labels
                                    .iter()
                                    .filter(|_| rng.bool())
                                    .map(|l| (*l).to_owned())
                                    .collect(),
                            ),
                            email_address: Some(format!("user{n}@example.com")),
                            ..CustomerDraft::default()
                        },
                    },
                )
                .await
        }
        2 | 3 => {
            service
                .execute(
                    &ctx,
                    SubmitDocument {
                        customer_guid: guid,
                        draft: DocumentDraft {
                            kind: Some(
                                [
                                    "passport",
                                    "liveness_report",
                                    "incorporation_certificate",
                                    "proof_of_address",
                                ][rng.usize(0..4)]
                                .to_owned(),
                            ),
                            ..DocumentDraft::default()
                        },
                        content: pdf(n),
                    },
                )
                .await
        }
        4 | 5 if pending.is_some() => {
            service
                .execute(
                    &ctx,
                    ReviewDocument {
                        customer_guid: guid,
                        document_guid: pending.unwrap(),
                        draft: if rng.bool() {
                            ReviewDraft {
                                decision: Some("accept".into()),
                                ..ReviewDraft::default()
                            }
                        } else {
                            ReviewDraft {
                                decision: Some("reject".into()),
                                reason_code: Some("unreadable".into()),
                                message: Some("Please upload a clearer scan".into()),
                            }
                        },
                    },
                )
                .await
        }
        6 => {
            service
                .execute(
                    &ctx,
                    Verify {
                        customer_guid: guid,
                    },
                )
                .await
        }
        7 => {
            service
                .execute(
                    &ctx,
                    Reject {
                        customer_guid: guid,
                        draft: RejectDraft {
                            reason_codes: Some(vec!["identity_unverifiable".into()]),
                            message: Some("Could not verify".into()),
                            retryable: Some(rng.u8(0..4) != 0),
                        },
                    },
                )
                .await
        }
        8 => {
            service
                .execute(
                    &ctx,
                    Freeze {
                        customer_guid: guid,
                        draft: FreezeDraft {
                            reason: Some("Fraud alert".into()),
                        },
                    },
                )
                .await
        }
        10 => {
            service
                .execute(
                    &ctx,
                    Close {
                        customer_guid: guid,
                        draft: CloseDraft {
                            reason: Some("risk_exit".into()),
                            message: Some("Outside appetite".into()),
                        },
                    },
                )
                .await
        }
        11 => {
            service
                .execute(
                    &ctx,
                    SetLegalHold {
                        customer_guid: guid,
                        draft: LegalHoldDraft {
                            on: Some(rng.bool()),
                            reason: Some("Litigation".into()),
                        },
                    },
                )
                .await
        }
        12 => {
            service
                .execute(
                    &ctx,
                    Erase {
                        customer_guid: guid,
                        draft: EraseDraft {
                            reason: Some("Retention ended".into()),
                        },
                    },
                )
                .await
        }
        _ => {
            service
                .execute(
                    &ctx,
                    Unfreeze {
                        customer_guid: guid,
                    },
                )
                .await
        }
    };
    if let Err(refusal) = &outcome {
        assert!(
            !matches!(
                refusal.kind,
                FailureKind::Internal | FailureKind::Unavailable
            ),
            "{refusal:?}"
        );
    }
}

/// Asserts that every `customer_views` row equals a fresh fold of its customer's events, and
/// that every customer with events has a row. Returns the rows (as JSON) for comparisons.
async fn assert_views_equal_folds(pool: &PgPool) -> BTreeMap<String, Value> {
    let store = PgCustomerStore::new(pool.clone(), kyc_testkit::keys::test_keys());
    let rows = sqlx::query(
        "SELECT customer_guid, bank_guid, customer_type, state, labels, external_id, profile_status,
                created_at, updated_at, last_sequence, last_position, record
           FROM customer_views",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let streams: i64 = sqlx::query_scalar("SELECT count(DISTINCT aggregate_id) FROM events")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        usize::try_from(streams).unwrap(),
        "one row per customer"
    );
    let mut snapshot = BTreeMap::new();
    for row in rows {
        let guid: String = row.get("customer_guid");
        let events = store
            .load(CustomerGuid::parse(&guid).unwrap(), None)
            .await
            .unwrap();
        let customer = Customer::from_events(events.iter().map(|r| &r.event));
        let record = customer.record().unwrap();
        let expected_labels: Vec<String> = record
            .details
            .labels
            .iter()
            .flatten()
            .map(|l| l.as_str().to_owned())
            .collect();
        let mut labels: Vec<String> = row.get("labels");
        labels.sort();
        let stored: Value = row.get("record");
        assert!(
            !stored.to_string().contains("\"first\""),
            "{guid}: a name is stored in clear"
        );
        let opened = kyc_testkit::keys::opened_record(
            pool,
            &guid,
            row.get::<i64, _>("last_sequence"),
            stored,
        )
        .await;
        assert_eq!(opened, serde_json::to_value(record).unwrap(), "{guid}");
        assert_eq!(
            row.get::<String, _>("bank_guid"),
            record.bank_guid.to_string()
        );
        assert_eq!(
            row.get::<String, _>("customer_type"),
            record.customer_type.as_str()
        );
        assert_eq!(
            row.get::<String, _>("state"),
            record.state.as_str(),
            "{guid}"
        );
        assert_eq!(labels, expected_labels, "{guid}");
        assert_eq!(
            row.get::<Option<String>, _>("external_id"),
            record.external_id.as_ref().map(|e| e.as_str().to_owned())
        );
        assert_eq!(
            row.get::<String, _>("profile_status"),
            record.verification_profile().status.as_str(),
            "{guid}"
        );
        assert_same_microsecond(row.get("created_at"), record.created_at);
        assert_same_microsecond(row.get("updated_at"), record.updated_at);
        assert_eq!(
            row.get::<i64, _>("last_sequence"),
            i64::try_from(events.len()).unwrap()
        );
        assert_eq!(
            row.get::<i64, _>("last_position"),
            events.iter().map(|e| e.global_position).max().unwrap()
        );
        assert_documents_equal(pool, &guid, record).await;
        snapshot.insert(guid, opened);
    }
    snapshot
}

/// `document_views` follows the same fold as `customer_views`.
async fn assert_documents_equal(pool: &PgPool, guid: &str, record: &kyc_domain::CustomerRecord) {
    let documents: Vec<(String, String)> = sqlx::query_as(
        "SELECT document_guid, status FROM document_views WHERE customer_guid = $1 ORDER BY 1",
    )
    .bind(guid)
    .fetch_all(pool)
    .await
    .unwrap();
    let expected_documents: Vec<(String, String)> = record
        .documents
        .values()
        .map(|d| {
            let status = serde_json::to_value(&d.status).unwrap()["status"]
                .as_str()
                .unwrap()
                .to_owned();
            (d.guid.to_string(), status)
        })
        .collect();
    assert_eq!(documents, expected_documents, "{guid}");
}

/// timestamptz keeps microseconds (sqlx truncates when binding); the record keeps chrono's
/// nanoseconds.
fn assert_same_microsecond(column: chrono::DateTime<Utc>, exact: chrono::DateTime<Utc>) {
    let diff = (column - exact).num_nanoseconds().unwrap().abs();
    assert!(diff < 1000, "{column} vs {exact}");
}

async fn table_snapshot(pool: &PgPool) -> Vec<Value> {
    sqlx::query_scalar("SELECT to_jsonb(v) FROM customer_views v ORDER BY customer_guid")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn views_equal_a_fresh_fold_after_random_commands_and_reprojection_changes_nothing() {
    let db = fresh_database().await;
    let service = service(&db.pool);
    let store = PgCustomerStore::new(db.pool.clone(), kyc_testkit::keys::test_keys());
    let seed = fastrand::u64(..);
    println!("seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let bank = bank();
    let mut customers = Vec::new();
    for n in 0..8 {
        let draft = if n % 3 == 2 { business() } else { individual() };
        customers.push(create(&service, bank, draft, Utc::now()).await);
    }
    for n in 0..120 {
        let guid = customers[rng.usize(..customers.len())];
        random_command(&service, &store, &mut rng, bank, guid, n).await;
        if n % 40 == 17 {
            // Project part-way, in small batches, so later events fold onto stored rows.
            project_until_caught_up(&db.pool, &kyc_testkit::keys::test_keys(), CUSTOMER_VIEWS, 7)
                .await
                .unwrap();
        }
    }
    // The final projection reads exactly what the partial ones left (the random commands may
    // all have been refused since the last one, e.g. on erased customers).
    let checkpoint = read_checkpoint(&db.pool, CUSTOMER_VIEWS).await.unwrap();
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE global_position > $1")
        .bind(checkpoint)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let read = wait_and_project(&db.pool).await;
    assert_eq!(i64::try_from(read).unwrap(), pending);
    let kinds: Vec<(String, i64)> =
        sqlx::query_as("SELECT event_type, count(*) FROM events GROUP BY 1 ORDER BY 1")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    println!("events by type: {kinds:?}");
    assert!(
        kinds.len() >= 6,
        "the random commands exercise several events: {kinds:?}"
    );
    assert_views_equal_folds(&db.pool).await;
    crate::queue_columns::assert_columns_equal_folds(&db.pool).await;

    let before = table_snapshot(&db.pool).await;
    assert_eq!(
        project_batch(
            &db.pool,
            &kyc_testkit::keys::test_keys(),
            CUSTOMER_VIEWS,
            100
        )
        .await
        .unwrap(),
        0
    );
    // Replaying the whole log from 0 under another checkpoint name skips every applied event.
    project_until_caught_up(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        "customer_views_again",
        13,
    )
    .await
    .unwrap();
    assert_eq!(
        table_snapshot(&db.pool).await,
        before,
        "re-projection must change nothing"
    );
}

/// Projects until the checkpoint reaches the log's last position (the horizon is
/// cluster-wide, so other tests' transactions may hold events back for a moment).
pub(crate) async fn wait_and_project(pool: &PgPool) -> usize {
    let last: i64 = sqlx::query_scalar("SELECT coalesce(max(global_position), 0) FROM events")
        .fetch_one(pool)
        .await
        .unwrap();
    let mut read = 0;
    for _ in 0..1000 {
        read += project_until_caught_up(pool, &kyc_testkit::keys::test_keys(), CUSTOMER_VIEWS, 50)
            .await
            .unwrap();
        if read_checkpoint(pool, CUSTOMER_VIEWS).await.unwrap() >= last {
            return read;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("projection did not reach position {last}");
}

#[tokio::test]
async fn concurrent_writers_while_the_projector_runs_lose_nothing() {
    let db = fresh_database().await;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let projector = tailer(db.pool.clone(), kyc_testkit::keys::test_keys());
    let progress = projector.progress();
    let projector = tokio::spawn(projector.run(shutdown.clone()));
    let bank = bank();
    let mut writers = Vec::new();
    for w in 0..4_u64 {
        let pool = db.pool.clone();
        writers.push(tokio::spawn(async move {
            let service = service(&pool);
            let store = PgCustomerStore::new(pool.clone(), kyc_testkit::keys::test_keys());
            let mut rng = fastrand::Rng::with_seed(w);
            let mut customers = Vec::new();
            for _ in 0..3 {
                customers.push(create(&service, bank, individual(), Utc::now()).await);
            }
            for n in 0..40 {
                // Writers share customers, so some commands conflict and are retried.
                let guid = customers[rng.usize(..customers.len())];
                random_command(&service, &store, &mut rng, bank, guid, n).await;
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let last: i64 = sqlx::query_scalar("SELECT max(global_position) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    assert!(
        progress.reached(last, Duration::from_secs(20)).await,
        "the running projector catches up with the last write"
    );
    println!("caught up {:?} after the last write", started.elapsed());
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), projector)
        .await
        .expect("the projector stops on shutdown")
        .unwrap();
    assert_views_equal_folds(&db.pool).await;
}

#[tokio::test]
async fn events_must_be_the_first_write_so_positions_follow_sequences() {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone(), kyc_testkit::keys::test_keys());
    let (bank, guid, at) = (bank(), crate::support::customer(), Utc::now());
    let create = created(guid, bank, individual(), at);

    // A writes something else first and so takes its transaction id early ...
    let mut slow = store.begin().await.unwrap();
    slow.claim_idempotency("scope", "key", "fp", Utc::now())
        .await
        .unwrap();
    // ... B creates the customer and commits ...
    let mut fast = store.begin().await.unwrap();
    let first = fast
        .append(guid, 0, vec![(create[0].clone(), metadata(bank, at))])
        .await
        .unwrap();
    fast.commit().await.unwrap();
    // ... and A's sequence 2 would land below B's sequence 1: the log refuses it.
    let history = slow.load(guid).await.unwrap();
    let freeze = Customer::from_events(history.iter().map(|r| &r.event))
        .decide(kyc_domain::CustomerCommand::Freeze {
            draft: FreezeDraft {
                reason: Some("Fraud alert".into()),
            },
            at,
        })
        .unwrap();
    let refused = slow
        .append(guid, 1, vec![(freeze[0].clone(), metadata(bank, at))])
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, kyc_app::ports::StoreFailure::Other(m) if m.contains("first write")),
        "{refused:?}"
    );
    drop(slow);

    // Appending first, as the command service does, keeps positions in sequence order.
    let mut in_order = store.begin().await.unwrap();
    let second = in_order
        .append(guid, 1, vec![(freeze[0].clone(), metadata(bank, at))])
        .await
        .unwrap();
    in_order
        .claim_idempotency("scope", "key", "fp", Utc::now())
        .await
        .unwrap();
    in_order.commit().await.unwrap();
    assert!(second[0].global_position > first[0].global_position);

    wait_and_project(&db.pool).await;
    assert_views_equal_folds(&db.pool).await;
    let state: String = sqlx::query_scalar("SELECT state FROM customer_views")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(state, "frozen");
}
