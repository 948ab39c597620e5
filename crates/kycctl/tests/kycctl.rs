//! kycctl against real PostgreSQL: replay equals live, verify catches tampering, an
//! interrupted replay resumes, and state-at answers what the API's `as_of` answers.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;
use std::sync::Arc;

use kyc_app::ports::{CustomerStore, Cut};
use kyc_app::{Principal, QueryService, RequestContext, Source};
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_log::read_checkpoint;
use kyc_store::projector::rebuild::{rebuild_with, BulkSettings, REBUILD_CHECKPOINT};
use kyc_store::projector::{project_until_caught_up, CUSTOMER_VIEWS};
use kyc_store::PgCustomerStore;
use kycctl::verify::{verify, Finding};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

async fn seeded(customers: u64) -> (kyc_testkit::TestDatabase, BankGuid) {
    let db = kyc_testkit::fresh_database().await;
    let bank = BankGuid::from_uuid(uuid::Uuid::now_v7());
    let store = Arc::new(PgCustomerStore::new(
        db.pool.clone(),
        kyc_testkit::keys::test_keys(),
    ));
    kycctl::seed::seed(store, bank, customers, 4, |_| {})
        .await
        .unwrap();
    (db, bank)
}

/// The projection as comparable rows, in customer order.
async fn views(pool: &PgPool) -> Vec<(String, String, i64, serde_json::Value)> {
    let rows: Vec<(String, String, i64, serde_json::Value)> = sqlx::query_as(
        "SELECT customer_guid, state, last_sequence, record FROM customer_views ORDER BY customer_guid",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut opened = Vec::with_capacity(rows.len());
    for (guid, state, sequence, record) in rows {
        let record = kyc_testkit::keys::opened_record(pool, &guid, sequence, record).await;
        opened.push((guid, state, sequence, record));
    }
    opened
}

async fn tamper(pool: &PgPool, statement: &str) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE events DISABLE TRIGGER events_refuse_update_delete")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(statement).execute(&mut *tx).await.unwrap();
    sqlx::query("ALTER TABLE events ENABLE TRIGGER events_refuse_update_delete")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn replay_equals_the_live_projection_and_verify_finds_it_intact() {
    let (db, _) = seeded(150).await;
    project_until_caught_up(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        CUSTOMER_VIEWS,
        500,
    )
    .await
    .unwrap();
    let live = views(&db.pool).await;
    assert_eq!(live.len(), 150);

    let options = PgConnectOptions::from_str(&db.url).unwrap();
    let rebuilt = kyc_store::projector::rebuild::rebuild(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        &options,
        false,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(rebuilt.resumed_from, 0);
    assert!(rebuilt.events > 1000, "{rebuilt:?}");
    assert_eq!(
        views(&db.pool).await,
        live,
        "the rebuilt projection differs from the live one"
    );
    // The log had never been analyzed (CI runs PostgreSQL without autovacuum): the replay
    // gave the planner statistics before its bulk read.
    let analyzed: bool = sqlx::query_scalar(
        "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relid = 'events'::regclass",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(analyzed, "events was not analyzed");

    let report = verify(&db.pool, &kyc_testkit::keys::test_keys(), |_| {})
        .await
        .unwrap();
    assert_eq!(report.customers, 150);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[tokio::test]
async fn verify_reports_an_edited_payload_a_deleted_event_and_a_changed_row() {
    let (db, _) = seeded(30).await;
    project_until_caught_up(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        CUSTOMER_VIEWS,
        500,
    )
    .await
    .unwrap();
    let customers: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT aggregate_id FROM events ORDER BY 1 LIMIT 4")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let (edited, deleted, changed, queued) =
        (&customers[0], &customers[1], &customers[2], &customers[3]);
    tamper(
        &db.pool,
        &format!(
            "UPDATE events SET payload = jsonb_set(payload, '{{CustomerDetailsUpdated,at}}', '\"2020-01-01T00:00:00Z\"') \
             WHERE aggregate_id = '{edited}' AND sequence = 2"
        ),
    )
    .await;
    tamper(
        &db.pool,
        &format!("DELETE FROM events WHERE aggregate_id = '{deleted}' AND sequence = 3"),
    )
    .await;
    sqlx::query(&format!(
        "UPDATE customer_views SET state = 'frozen' WHERE customer_guid = '{changed}'"
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    // A queue column (migrations/0015) that no fold explains: a customer put in the
    // second-approval queue by hand.
    sqlx::query(&format!(
        "UPDATE customer_views SET awaiting_second_approval_since = now(), first_approver = 'mallory'
          WHERE customer_guid = '{queued}'"
    ))
    .execute(&db.pool)
    .await
    .unwrap();

    let report = verify(&db.pool, &kyc_testkit::keys::test_keys(), |_| {})
        .await
        .unwrap();
    let findings = &report.findings;
    assert!(
        findings.contains(&Finding::BrokenChain {
            customer: edited.clone(),
            sequence: 2
        }),
        "{findings:?}"
    );
    assert!(
        findings.contains(&Finding::SequenceGap {
            customer: deleted.clone(),
            expected: 3,
            found: 4
        }),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(
            |f| matches!(f, Finding::ProjectionMismatch { customer, detail, .. }
            if customer == changed && detail.contains("state"))
        ),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(
            |f| matches!(f, Finding::ProjectionMismatch { customer, detail, .. }
            if customer == queued
                && detail.contains("awaiting_second_approval_since")
                && detail.contains("first_approver is \"mallory\""))
        ),
        "{findings:?}"
    );
    // Each problem is reported once, not once per later event.
    assert_eq!(
        findings
            .iter()
            .filter(|f| matches!(f, Finding::BrokenChain { customer, .. } if customer == edited))
            .count(),
        1
    );
}

#[tokio::test]
async fn verify_reports_a_removed_last_event_through_the_projection() {
    let (db, _) = seeded(10).await;
    project_until_caught_up(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        CUSTOMER_VIEWS,
        500,
    )
    .await
    .unwrap();
    let customer: String =
        sqlx::query_scalar("SELECT aggregate_id FROM events ORDER BY aggregate_id LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    tamper(
        &db.pool,
        &format!("DELETE FROM events WHERE aggregate_id = '{customer}' AND sequence = (SELECT max(sequence) FROM events WHERE aggregate_id = '{customer}')"),
    )
    .await;
    let report = verify(&db.pool, &kyc_testkit::keys::test_keys(), |_| {})
        .await
        .unwrap();
    assert!(
        report.findings.iter().any(
            |f| matches!(f, Finding::ProjectionMismatch { customer: c, detail, .. }
            if *c == customer && detail.contains("log ends"))
        ),
        "{:?}",
        report.findings
    );
}

#[tokio::test]
async fn verify_reports_edited_metadata_and_a_removed_chain_mark() {
    let (db, _) = seeded(5).await;
    let unmarked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE NOT metadata ? 'chain'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(unmarked, 0, "the store writes every new event v2");
    let customers: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT aggregate_id FROM events ORDER BY 1 LIMIT 2")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let (edited, unmarked) = (&customers[0], &customers[1]);
    tamper(
        &db.pool,
        &format!(
            "UPDATE events SET metadata = jsonb_set(metadata, '{{actor}}', '\"mallory\"') \
             WHERE aggregate_id = '{edited}' AND sequence = 2"
        ),
    )
    .await;
    // Passing a v2 event off as v1 (whose link does not cover the metadata) fails too.
    tamper(
        &db.pool,
        &format!(
            "UPDATE events SET metadata = metadata - 'chain' \
             WHERE aggregate_id = '{unmarked}' AND sequence = 3"
        ),
    )
    .await;

    let findings = verify(&db.pool, &kyc_testkit::keys::test_keys(), |_| {})
        .await
        .unwrap()
        .findings;
    let broken: Vec<&Finding> = findings
        .iter()
        .filter(|f| matches!(f, Finding::BrokenChain { .. }))
        .collect();
    assert_eq!(
        broken,
        [
            &Finding::BrokenChain {
                customer: edited.clone(),
                sequence: 2
            },
            &Finding::BrokenChain {
                customer: unmarked.clone(),
                sequence: 3
            },
        ],
        "{findings:?}"
    );
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one scenario, told in order
async fn a_v1_log_written_the_old_way_still_verifies_and_chains_on_in_v2() {
    use kyc_app::chain::{link_hash, GENESIS_HASH};
    use kyc_app::ports::CustomerTransaction;
    use kyc_domain::{Customer, CustomerCommand};
    let keys = kyc_testkit::keys::test_keys();

    let db = kyc_testkit::fresh_database().await;
    let (bank, guid, at) = (
        kyc_testkit::fixtures::bank(),
        kyc_testkit::fixtures::customer(),
        chrono::Utc::now(),
    );
    let mut events =
        kyc_testkit::fixtures::created(guid, bank, kyc_testkit::fixtures::individual(), at);
    events.extend(
        Customer::from_events(&events)
            .decide(CustomerCommand::Freeze {
                draft: kyc_domain::customer::FreezeDraft {
                    reason: Some("sanctions screening".into()),
                },
                at,
            })
            .unwrap(),
    );
    // Written as kyc-app did before v2: the link over the payload only, no `chain` mark.
    let mut previous = GENESIS_HASH.to_owned();
    let mut rows = Vec::new();
    for event in &events {
        let payload = serde_json::to_value(event).unwrap();
        let hash = link_hash(
            &previous,
            event.event_type(),
            event.event_version(),
            &payload,
        );
        let mut metadata = kyc_testkit::fixtures::metadata(bank, at);
        metadata.hash.clone_from(&hash);
        rows.push(kyc_log::NewEvent {
            event_type: event.event_type().to_owned(),
            event_version: event.event_version().to_owned(),
            payload,
            metadata: serde_json::to_value(&metadata).unwrap(),
        });
        previous = hash;
    }
    assert!(rows.iter().all(|row| row.metadata.get("chain").is_none()));
    let mut tx = db.pool.begin().await.unwrap();
    kyc_log::append(
        &mut tx,
        kyc_app::AGGREGATE_TYPE,
        &guid.to_string(),
        0,
        &rows,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let report = verify(&db.pool, &keys, |_| {}).await.unwrap();
    assert_eq!(report.events, 2);
    assert!(report.findings.is_empty(), "{:?}", report.findings);

    // The next event chains on in v2, from the last v1 link.
    let store = PgCustomerStore::new(db.pool.clone(), keys.clone());
    let mut tx = store.begin().await.unwrap();
    let current = tx.load_current(guid).await.unwrap();
    assert_eq!(current.previous_hash(), previous);
    let unfreeze = current
        .customer
        .decide(CustomerCommand::Unfreeze { at })
        .unwrap();
    let appended = tx
        .append(
            guid,
            2,
            unfreeze
                .into_iter()
                .map(|e| (e, kyc_testkit::fixtures::metadata(bank, at)))
                .collect(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(appended[0].metadata.chain, Some(2));
    let report = verify(&db.pool, &keys, |_| {}).await.unwrap();
    assert_eq!(report.events, 3);
    assert!(report.findings.is_empty(), "{:?}", report.findings);

    // A v1 event's payload edited is still caught.
    tamper(
        &db.pool,
        &format!(
            "UPDATE events SET payload = jsonb_set(payload, '{{CustomerFrozen,reason}}', '\"none\"') \
             WHERE aggregate_id = '{guid}' AND sequence = 2"
        ),
    )
    .await;
    let findings = verify(&db.pool, &keys, |_| {}).await.unwrap().findings;
    assert_eq!(
        findings,
        [Finding::BrokenChain {
            customer: guid.to_string(),
            sequence: 2
        }]
    );
}

/// Starts a rebuild with small flushes and slowed-down folding, and stops it as soon as one
/// flush has committed (the rebuild's checkpoint moved).
async fn interrupt_a_rebuild(db: &kyc_testkit::TestDatabase, settings: BulkSettings) {
    let options = PgConnectOptions::from_str(&db.url).unwrap();
    let pool = db.pool.clone();
    let interrupted = tokio::spawn(async move {
        rebuild_with(
            &pool,
            &kyc_testkit::keys::test_keys(),
            &options,
            false,
            settings,
            |_| {
                std::thread::sleep(std::time::Duration::from_millis(200));
            },
        )
        .await
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while read_checkpoint(&db.pool, REBUILD_CHECKPOINT).await.unwrap() == 0 {
        assert!(
            !interrupted.is_finished(),
            "the rebuild ended before it could be interrupted"
        );
        assert!(std::time::Instant::now() < deadline, "no flush committed");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    interrupted.abort();
    let _ = interrupted.await;
}

const SMALL_FLUSHES: BulkSettings = BulkSettings {
    flush_events: 1_000,
    resident_customers: 100,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_replay_resumes_and_ends_equal() {
    let (db, _) = seeded(700).await;
    project_until_caught_up(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        CUSTOMER_VIEWS,
        500,
    )
    .await
    .unwrap();
    let live = views(&db.pool).await;
    let options = PgConnectOptions::from_str(&db.url).unwrap();
    interrupt_a_rebuild(&db, SMALL_FLUSHES).await;

    let resumed = rebuild_with(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        &options,
        false,
        SMALL_FLUSHES,
        |_| {},
    )
    .await
    .unwrap();
    assert!(
        resumed.resumed_from > 0,
        "the second run started over: {resumed:?}"
    );
    assert_eq!(views(&db.pool).await, live);
    assert!(verify(&db.pool, &kyc_testkit::keys::test_keys(), |_| {})
        .await
        .unwrap()
        .findings
        .is_empty());
}

/// Rows ahead of the checkpoint (a flush whose rows committed but whose checkpoint move did
/// not) make the bulk insert of "new" customers collide; the rebuild must fall back to upserts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_whose_rows_ran_ahead_of_its_checkpoint_ends_equal() {
    let (db, _) = seeded(300).await;
    project_until_caught_up(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        CUSTOMER_VIEWS,
        500,
    )
    .await
    .unwrap();
    let live = views(&db.pool).await;
    let options = PgConnectOptions::from_str(&db.url).unwrap();
    interrupt_a_rebuild(&db, SMALL_FLUSHES).await;
    kyc_log::reset_checkpoint(&db.pool, REBUILD_CHECKPOINT, 0)
        .await
        .unwrap();

    let rerun = rebuild_with(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        &options,
        false,
        SMALL_FLUSHES,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(rerun.resumed_from, 0);
    assert_eq!(views(&db.pool).await, live);
}

#[tokio::test]
async fn state_at_answers_what_the_api_answers_as_of() {
    let (db, bank) = seeded(20).await;
    let store = Arc::new(PgCustomerStore::new(
        db.pool.clone(),
        kyc_testkit::keys::test_keys(),
    ));
    let queries = QueryService::new(Arc::clone(&store));
    let ctx = RequestContext {
        principal: Principal::new("auditor", bank, "customers:read customers:pii:read"),
        request_id: "test".into(),
        idempotency_key: None,
        source: Source::Http,
        received_at: chrono::Utc::now(),
        include_pii: true,
    };
    let guids: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT aggregate_id FROM events ORDER BY 1 LIMIT 5")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let mut compared = 0;
    for raw in guids {
        let guid = CustomerGuid::parse(&raw).unwrap();
        let events = store.load(guid, None).await.unwrap();
        for recorded in &events {
            for cut in [
                Cut::Instant(recorded.event.at()),
                Cut::Position(recorded.global_position),
            ] {
                let from_cli = kycctl::history::state_at(&store, &raw, cut, true)
                    .await
                    .unwrap();
                let from_api = queries.customer(&ctx, guid, Some(cut)).await.unwrap();
                assert_eq!(from_cli, from_api, "{raw} at {cut:?}");
                compared += 1;
            }
        }
        // Before the first event the customer did not exist.
        let before = Cut::Instant(events[0].event.at() - chrono::Duration::seconds(1));
        assert!(kycctl::history::state_at(&store, &raw, before, true)
            .await
            .is_err());
    }
    assert!(compared > 20);
}

#[test]
fn tokens_carry_the_requested_tenant_and_scopes() {
    let tenant = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";
    let token = kycctl::token::mint(
        "a-development-secret",
        tenant,
        "customers:read,customers:write",
        "ops",
        std::time::Duration::from_secs(60),
    )
    .unwrap();
    let verifier = kyc_http::JwtVerifier::hs256(b"a-development-secret");
    let principal = verifier.verify(&token).unwrap();
    assert_eq!(principal.bank_guid().to_string(), tenant);
    assert_eq!(principal.subject(), "ops");
    assert!(principal.has(kyc_app::Scope::CustomersWrite));
    assert!(!principal.has(kyc_app::Scope::CustomersReview));
    assert!(kycctl::token::mint(
        "s",
        tenant,
        "customers:everything",
        "ops",
        std::time::Duration::from_secs(60)
    )
    .is_err());
}
