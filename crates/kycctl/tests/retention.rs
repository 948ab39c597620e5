//! `kycctl retention run` against real PostgreSQL: a dry run lists and changes nothing, a real
//! run erases and closes what the dry run listed, a re-run finds nothing, and a replay rebuilds
//! the sweeper's columns as the live projector wrote them.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use kyc_app::commands::{Close, Create, SubmitDocument};
use kyc_app::{CommandService, Principal, RequestContext, RetryPolicy, Source};
use kyc_domain::customer::{CloseDraft, DocumentDraft};
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_store::projector::{project_until_caught_up, CUSTOMER_VIEWS};
use kyc_store::PgCustomerStore;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

fn ctx(bank: BankGuid, at: DateTime<Utc>) -> RequestContext {
    RequestContext {
        principal: Principal::new("tester", bank, "customers:write customers:close"),
        request_id: "req-test".into(),
        idempotency_key: None,
        source: Source::Cli,
        received_at: at,
        include_pii: false,
    }
}

async fn create(
    service: &CommandService<PgCustomerStore>,
    bank: BankGuid,
    at: DateTime<Utc>,
) -> CustomerGuid {
    let created = service
        .execute(
            &ctx(bank, at),
            Create {
                draft: kyc_testkit::fixtures::individual(),
            },
        )
        .await
        .unwrap();
    CustomerGuid::parse(&created.customer.guid).unwrap()
}

async fn project(pool: &PgPool) {
    project_until_caught_up(pool, &kyc_testkit::keys::test_keys(), CUSTOMER_VIEWS, 500)
        .await
        .unwrap();
}

fn kycctl(url: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kycctl"))
        .args(["--database-url", url])
        .arg("--master-key-file")
        .arg(kyc_testkit::keys::test_key_file())
        .args([
            "retention",
            "run",
            "--retention-default",
            "1d",
            "--dormant-after",
            "1d",
        ])
        .args(args)
        .env_remove("KYC_TENANT_POLICY_FILE")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "kycctl retention run: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

async fn sweeper_columns(pool: &PgPool) -> Vec<(String, Option<DateTime<Utc>>, bool, bool)> {
    sqlx::query_as(
        "SELECT customer_guid, retention_starts_at, legal_hold, erased FROM customer_views ORDER BY customer_guid",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn retention_run_lists_then_erases_and_closes_then_finds_nothing() {
    let db = kyc_testkit::fresh_database().await;
    let store = Arc::new(PgCustomerStore::new(
        db.pool.clone(),
        kyc_testkit::keys::test_keys(),
    ));
    let service = CommandService::new(Arc::clone(&store), RetryPolicy::default());
    let bank = BankGuid::from_uuid(uuid::Uuid::now_v7());
    let now = Utc::now();
    // Closed ten days ago after submitting a document: its one-day period has ended.
    let closed = create(&service, bank, now - TimeDelta::days(12)).await;
    service
        .execute(
            &ctx(bank, now - TimeDelta::days(11)),
            SubmitDocument {
                customer_guid: closed,
                draft: DocumentDraft {
                    kind: Some("passport".into()),
                    ..DocumentDraft::default()
                },
                content: kyc_testkit::fixtures::pdf(1),
            },
        )
        .await
        .unwrap();
    service
        .execute(
            &ctx(bank, now - TimeDelta::days(10)),
            Close {
                customer_guid: closed,
                draft: CloseDraft {
                    reason: Some("customer_request".into()),
                    message: None,
                },
            },
        )
        .await
        .unwrap();
    // An application untouched for five days, and one created just now.
    let idle = create(&service, bank, now - TimeDelta::days(5)).await;
    let fresh = create(&service, bank, now).await;
    project(&db.pool).await;
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();

    let dry = kycctl(&db.url, &["--dry-run"]);
    assert!(
        dry.contains(&closed.to_string()) && dry.contains("would erase"),
        "{dry}"
    );
    assert!(
        dry.contains(&idle.to_string()) && dry.contains("would close (dormant)"),
        "{dry}"
    );
    assert!(!dry.contains(&fresh.to_string()), "{dry}");
    assert!(
        dry.contains("dry run: 1 would erase, 1 would close (dormant)"),
        "{dry}"
    );
    let after_dry: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(after_dry, events, "a dry run writes nothing");

    let real: serde_json::Value = serde_json::from_str(&kycctl(&db.url, &["--json"])).unwrap();
    assert_eq!(real["dry_run"], false);
    assert_eq!(real["erased"][0]["customer_guid"], closed.to_string());
    assert_eq!(real["erased"][0]["bank_guid"], bank.to_string());
    assert_eq!(real["closed_dormant"][0]["customer_guid"], idle.to_string());
    assert_eq!(real["erased"].as_array().unwrap().len(), 1);
    assert_eq!(real["closed_dormant"].as_array().unwrap().len(), 1);
    assert_eq!(real["failed"], serde_json::json!([]));

    project(&db.pool).await;
    let again = kycctl(&db.url, &[]);
    assert!(again.contains("0 erased, 0 closed (dormant)"), "{again}");

    // The columns the sweeper reads rebuild from the log exactly as the projector wrote them.
    let live = sweeper_columns(&db.pool).await;
    assert!(live
        .iter()
        .any(|(guid, _, _, erased)| *guid == closed.to_string() && *erased));
    let options = PgConnectOptions::from_str(&db.url).unwrap();
    kyc_store::projector::rebuild::rebuild(
        &db.pool,
        &kyc_testkit::keys::test_keys(),
        &options,
        false,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(sweeper_columns(&db.pool).await, live);
}
