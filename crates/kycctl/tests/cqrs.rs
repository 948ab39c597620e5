//! cqrs-es for real: the Customer driven through `CqrsFramework` on kyc-log's repository
//! writes the same log the service writes — chained, in commit order — and `kycctl verify`
//! finds it intact.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use cqrs_es::persist::PersistedEventRepository;
use cqrs_es::AggregateError;
use kyc_app::aggregate::CustomerAggregate;
use kyc_app::dto::CustomerBody;
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_domain::CustomerCommand;
use kyc_store::cqrs::customer_cqrs;
use kyc_store::projector::{project_until_caught_up, CUSTOMER_VIEWS};
use kyc_store::PgCustomerStore;
use serde_json::json;

fn metadata(bank: BankGuid, request: usize) -> HashMap<String, String> {
    HashMap::from([
        ("actor".to_owned(), "cqrs-test".to_owned()),
        ("bank_guid".to_owned(), bank.to_string()),
        ("request_id".to_owned(), format!("req-{request}")),
        ("source".to_owned(), "cli".to_owned()),
        ("occurred_at".to_owned(), Utc::now().to_rfc3339()),
    ])
}

fn create(guid: CustomerGuid, bank: BankGuid) -> CustomerCommand {
    let draft = serde_json::from_value::<CustomerBody>(json!({
        "type": "individual",
        "name": {"first": "Ada", "last": "Lovelace"},
        "date_of_birth": "1990-04-21",
        "email_address": "ada@example.com",
        "phone_number": "+14155550123",
        "address": {"street": "1 Main St", "city": "Springfield", "country_code": "US"},
        "tax_identification": {"number": "123-45-6789", "type": "ssn", "country_code": "US"}
    }))
    .unwrap()
    .into_draft()
    .unwrap();
    CustomerCommand::Create {
        customer_guid: guid,
        bank_guid: bank,
        draft,
        identity_matches: Vec::new(),
        at: Utc::now(),
    }
}

fn relabel(label: &str) -> CustomerCommand {
    CustomerCommand::UpdateDetails {
        draft: serde_json::from_value::<CustomerBody>(json!({ "labels": [label] }))
            .unwrap()
            .into_draft()
            .unwrap(),
        identity_matches: Vec::new(),
        at: Utc::now(),
    }
}

#[tokio::test]
async fn the_customer_through_cqrs_framework_passes_kycctl_verify() {
    let db = kyc_testkit::fresh_database().await;
    let bank = BankGuid::from_uuid(uuid::Uuid::now_v7());
    // One customer written by the service itself: the framework continues its hash chain.
    let store = Arc::new(PgCustomerStore::new(
        db.pool.clone(),
        kyc_testkit::keys::test_keys(),
    ));
    kycctl::seed::seed(store, bank, 1, 1, |_| {}).await.unwrap();
    let seeded = kyc_log::read_after(&db.pool, 0, 1000).await.unwrap()[0]
        .aggregate_id
        .clone();

    let cqrs = customer_cqrs(db.pool.clone(), kyc_testkit::keys::test_keys(), Vec::new());
    let ids: Vec<CustomerGuid> = (0..3)
        .map(|_| CustomerGuid::from_uuid(uuid::Uuid::now_v7()))
        .collect();
    let guids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let mut request = 0;
    for (id, guid) in ids.iter().zip(&guids) {
        request += 1;
        cqrs.execute_with_metadata(guid, create(*id, bank), metadata(bank, request))
            .await
            .unwrap();
    }
    // Interleaved, so commit order differs from any per-customer order.
    for round in 0..3 {
        for guid in guids.iter().chain([&seeded]) {
            request += 1;
            cqrs.execute_with_metadata(
                guid,
                relabel(&format!("round-{round}")),
                metadata(bank, request),
            )
            .await
            .unwrap();
        }
    }
    // The domain's refusals come back as the framework's user errors, and append nothing.
    let before = kyc_log::last_committed_position(&db.pool).await.unwrap();
    let refused = cqrs
        .execute_with_metadata(&guids[0], create(ids[0], bank), metadata(bank, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AggregateError::UserError(_)),
        "{refused:?}"
    );
    assert_eq!(
        kyc_log::last_committed_position(&db.pool).await.unwrap(),
        before
    );

    let replayed = assert_replay_in_commit_order(&db.pool).await;
    assert!(replayed >= 3 * 4 + 3, "{replayed}");

    // Loading through the framework's store folds the same customer the service loads.
    let repository =
        kyc_store::cqrs::SealedLogRepository::new(db.pool.clone(), kyc_testkit::keys::test_keys());
    let events = repository
        .get_events::<CustomerAggregate>(&guids[1])
        .await
        .unwrap();
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|e| e.metadata["hash"].as_str().is_some()));

    project_until_caught_up(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        CUSTOMER_VIEWS,
        500,
    )
    .await
    .unwrap();
    let report = kycctl::verify::verify(&db.pool, &kyc_testkit::keys::test_keys(), |_| {})
        .await
        .unwrap();
    assert_eq!(report.findings, Vec::new());
    assert_eq!(report.customers, 4);

    let verified = std::process::Command::new(env!("CARGO_BIN_EXE_kycctl"))
        .args(["--database-url", &db.url, "--json", "verify"])
        .arg("--master-key-file")
        .arg(kyc_testkit::keys::test_key_file())
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "kycctl verify: {}\n{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert_eq!(report["findings"], json!([]));
    assert_eq!(report["customers"], 4);
}

/// `stream_all_events` replays in commit order, opened: exactly what a tailer reads.
async fn assert_replay_in_commit_order(pool: &sqlx::PgPool) -> usize {
    let repository =
        kyc_store::cqrs::SealedLogRepository::new(pool.clone(), kyc_testkit::keys::test_keys());
    let mut replay = repository
        .stream_all_events::<CustomerAggregate>()
        .await
        .unwrap();
    let mut replayed = Vec::new();
    while let Some(event) = replay.next::<CustomerAggregate>(&[]).await {
        let event = event.unwrap();
        replayed.push((event.aggregate_id, event.sequence));
    }
    let logged: Vec<(String, usize)> = kyc_log::read_after(pool, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.aggregate_id, usize::try_from(e.sequence).unwrap()))
        .collect();
    assert_eq!(replayed, logged);
    replayed.len()
}
