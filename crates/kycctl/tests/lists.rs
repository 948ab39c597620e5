//! `kycctl lists import | status` as an operator runs them: each official format imported as
//! its list's newest version, the same file again adding nothing, a malformed file refused
//! with its location and nothing stored.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Output;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../kyc-lists/tests/fixtures")
        .join(name)
}

fn kycctl(database_url: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kycctl"))
        .args(args)
        .env("KYC_DATABASE_URL", database_url)
        .env("KYC_MASTER_KEY_FILE", kyc_testkit::keys::test_key_file())
        .env_remove("KYC_TENANT_POLICY_FILE")
        .output()
        .unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn every_format_imports_as_a_version_and_status_lists_the_newest() {
    let db = kyc_testkit::fresh_database().await;
    let path = |name: &str| fixture(name).display().to_string();
    let imports = [
        ("ofac_sdn_xml", vec![path("sdn.xml")], "ofac_sdn"),
        (
            "ofac_sdn_csv",
            vec![
                path("SDN.CSV"),
                path("ALT.CSV"),
                path("ADD.CSV"),
                path("SDN_COMMENTS.CSV"),
            ],
            "ofac_sdn",
        ),
        ("un_xml", vec![path("un_consolidated.xml")], "un_sc"),
        ("eu_fsf_xml", vec![path("eu_fsf.xml")], "eu_fsf"),
        ("ftm_json", vec![path("entities.ftm.json")], "opensanctions"),
    ];
    let mut versions = Vec::new();
    for (format, files, list) in &imports {
        let mut args = vec!["--json", "lists", "import", "--format", format];
        args.extend(files.iter().map(String::as_str));
        let report = json(&kycctl(&db.url, &args));
        assert_eq!(report["outcome"], "imported", "{report}");
        assert_eq!(report["list"], *list);
        assert_eq!(report["format"], *format);
        assert!(report["entries"].as_i64().unwrap() > 0, "{report}");
        assert_eq!(report["content_hash"].as_str().unwrap().len(), 64);
        versions.push(report["version"].as_i64().unwrap());
    }
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");

    // The newest version's file again: nothing added.
    let again = json(&kycctl(
        &db.url,
        &[
            "--json",
            "lists",
            "import",
            "--format",
            "ftm_json",
            &path("entities.ftm.json"),
        ],
    ));
    assert_eq!(again["outcome"], "unchanged");
    assert_eq!(again["version"], versions[4]);

    // An operator's own name for a list.
    let named = json(&kycctl(
        &db.url,
        &[
            "--json",
            "lists",
            "import",
            "--format",
            "ftm_json",
            "--list",
            "peps_internal",
            &path("entities.ftm.json"),
        ],
    ));
    assert_eq!(named["list"], "peps_internal");

    let status = json(&kycctl(&db.url, &["--json", "lists", "status"]));
    let rows: Vec<(String, i64, i64)> = status
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["list"].as_str().unwrap().to_owned(),
                row["version"].as_i64().unwrap(),
                row["versions"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("eu_fsf".to_owned(), versions[3], 1),
            ("ofac_sdn".to_owned(), versions[1], 2),
            ("opensanctions".to_owned(), versions[4], 1),
            (
                "peps_internal".to_owned(),
                named["version"].as_i64().unwrap(),
                1
            ),
            ("un_sc".to_owned(), versions[2], 1),
        ]
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM screening_list_entries")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(stored > 0);
    let table = kycctl(&db.url, &["lists", "status"]);
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("ofac_sdn") && text.contains("0 screened"),
        "{text}"
    );
}

#[tokio::test]
async fn a_malformed_file_is_refused_with_its_location_and_nothing_is_stored() {
    let db = kyc_testkit::fresh_database().await;
    let dir = std::env::temp_dir().join(format!("kycctl-lists-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let sdn = std::fs::read_to_string(fixture("sdn.xml")).unwrap();
    // The second entry loses its uid.
    let entry = sdn.match_indices("<sdnEntry>").nth(1).unwrap().0;
    let second = entry + sdn[entry..].find("<uid>").unwrap();
    let end = second + sdn[second..].find("</uid>").unwrap() + "</uid>".len();
    let broken = format!("{}{}", &sdn[..second], &sdn[end..]);
    let file = dir.join("SDN.XML");
    std::fs::write(&file, broken).unwrap();

    let refused = kycctl(
        &db.url,
        &[
            "lists",
            "import",
            "--format",
            "ofac_sdn_xml",
            file.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("sdnEntry[2]"), "{message}");
    assert!(message.contains("nothing was imported"), "{message}");
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM screening_list_versions")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(versions, 0);

    let unknown = kycctl(
        &db.url,
        &["lists", "import", "--format", "sdn", file.to_str().unwrap()],
    );
    assert_eq!(unknown.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("ofac_sdn_xml"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Creates an individual named `first last`, born `born`, of `nationality`, before any list
/// exists (so it is not screened yet).
async fn create(
    db: &kyc_testkit::TestDatabase,
    first: &str,
    last: &str,
    born: &str,
    nationality: &str,
) -> String {
    use kyc_app::{CommandService, Principal, RequestContext, RetryPolicy, Source};
    let store = std::sync::Arc::new(kyc_store::PgCustomerStore::new(
        db.pool.clone(),
        kyc_testkit::keys::test_keys(),
    ));
    let service = CommandService::new(store, RetryPolicy::default());
    let mut draft = kyc_testkit::fixtures::individual();
    draft.name = Some(kyc_domain::values::NameDraft {
        first: Some(first.into()),
        last: Some(last.into()),
        ..kyc_domain::values::NameDraft::default()
    });
    draft.date_of_birth = Some(born.into());
    draft.nationality = Some(nationality.into());
    let bank = kyc_domain::ids::BankGuid::from_uuid(uuid::Uuid::now_v7());
    let ctx = RequestContext {
        principal: Principal::new("tester", bank, "customers:write customers:read"),
        request_id: format!("req-{}", uuid::Uuid::now_v7().simple()),
        idempotency_key: None,
        source: Source::Cli,
        received_at: chrono::Utc::now(),
        include_pii: false,
    };
    let created = service
        .execute(&ctx, kyc_app::commands::Create { draft })
        .await
        .unwrap();
    created.customer.guid.clone()
}

#[tokio::test]
async fn an_import_rescreens_every_open_customer_and_reports_who_has_matches() {
    let db = kyc_testkit::fresh_database().await;
    let listed = create(&db, "Haldor", "Venskaya", "1966-04-02", "RU").await;
    let clear = create(&db, "Ada", "Lovelace", "1990-04-21", "GB").await;
    // The projection the re-screening reads its candidates from. A transaction open in another
    // test's database holds the log's visible horizon back, so project until both rows are
    // there (what the database says, not a timer).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        kyc_store::projector::project_until_caught_up(
            &db.pool,
            &kyc_testkit::keys::test_keys(),
            kyc_store::projector::CUSTOMER_VIEWS,
            500,
        )
        .await
        .unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM customer_views")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if rows == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the projection never caught up"
        );
        tokio::task::yield_now().await;
    }
    let path = fixture("entities.ftm.json").display().to_string();
    let report = json(&kycctl(
        &db.url,
        &["--json", "lists", "import", "--format", "ftm_json", &path],
    ));
    let rescreen = &report["rescreen"];
    assert_eq!(rescreen["screened"], 2, "{report}");
    assert_eq!(rescreen["recorded"], 2, "first screenings: {report}");
    assert_eq!(rescreen["alerted"], 1, "{report}");

    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT aggregate_id, event_type FROM events WHERE event_type = 'ScreeningCompleted'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().any(|(guid, _)| *guid == listed));
    assert!(events.iter().any(|(guid, _)| *guid == clear));

    // Again: nothing new to record, and the run is in the status.
    let again = json(&kycctl(&db.url, &["--json", "lists", "rescreen"]));
    assert_eq!(
        (again["screened"].as_u64(), again["recorded"].as_u64()),
        (Some(2), Some(0)),
        "{again}"
    );
    let status = json(&kycctl(&db.url, &["--json", "lists", "status"]));
    assert_eq!(status[0]["screened"], 2, "{status}");
}
