//! Personal data at rest: canary values written into every personal field, a document and
//! every free-text message never appear in clear in a dump of the whole database, nor in the
//! NATS stream, while the API (with the PII scope) still returns them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use support::{token, wait_for_drain, Api, Env, ALL, BANK_A};

/// Strings that must never be found in clear at rest (lowercase; the search is too).
const CANARIES: &[&str] = &[
    "kanarie",
    "4155550177",
    "1961-07-13",
    "987-65-4329",
    "k7n4r1e99",
    "knr 4242",
    "1958-02-17",
    "4155550178",
    "knrtax4242",
    "knrpass77",
];

fn canary_individual() -> Value {
    json!({
        "type": "individual",
        "name": { "first": "Kanariefirst", "middle": "Kanariemiddle", "last": "Kanarielast" },
        "address": {
            "street": "7 Kanarie Lane",
            "city": "Kanarieville",
            "postal_code": "12345",
            "country_code": "US"
        },
        "phone_number": "+14155550177",
        "email_address": "kanarie.mail@example.org",
        "date_of_birth": "1961-07-13",
        "nationality": "GB",
        "pep": { "is_pep": true, "explanation": "Kanarie minister of birds" },
        "tax_identification": { "number": "987-65-4329", "type": "ssn", "country_code": "US" },
        "identification_numbers": [
            { "type": "passport_number", "issuing_country_code": "GB", "identification_number": "K7N4R1E99" }
        ],
        "metadata": { "note": "kanarie-meta" },
        "labels": ["vip"]
    })
}

fn canary_business() -> Value {
    json!({
        "type": "business",
        "name": { "full": "Kanarie Holdings Ltd" },
        "address": {
            "street": "9 Kanarie Quay",
            "city": "Kanarieport",
            "postal_code": "54321",
            "country_code": "DE"
        },
        "email_address": "kanarie.ops@example.org",
        "registration_number": "KNR 4242",
        "incorporation_date": "2001-01-01",
        "incorporation_country": "DE",
        "website": "https://kanarie.example",
        "tax_identification": { "number": "DE987654321", "type": "vat", "country_code": "DE" }
    })
}

fn canary_document(kind: &str) -> Value {
    let mut content = support::PDF.to_vec();
    content.extend_from_slice(b"\n% KANARIE document bytes\n");
    json!({
        "type": kind,
        "file_name": "kanarie-scan.pdf",
        "content_base64": base64::engine::general_purpose::STANDARD.encode(content),
    })
}

/// Every canary found in `haystack` (compared lowercase).
fn canaries_in(haystack: &str) -> Vec<&'static str> {
    let lower = haystack.to_lowercase();
    CANARIES
        .iter()
        .copied()
        .filter(|canary| lower.contains(canary))
        .collect()
}

/// `pg_dump` of the whole database, as text (`bytea` columns dump as hex, so the bytes of a
/// document stored in clear would show as their hex too: searched for below).
fn pg_dump(url: &str) -> String {
    // libpq knows none of sqlx's URL parameters.
    let url = url.split('?').next().unwrap_or(url);
    let output = std::process::Command::new("pg_dump")
        .args(["--no-owner", "--data-only", "--dbname", url])
        .output()
        .expect("pg_dump runs (PostgreSQL's client tools are on the PATH)");
    assert!(
        output.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the dump is text")
}

/// Writes canaries everywhere through the API; returns the two customers.
async fn write_canaries(api: &Api) -> (String, String) {
    let person = api
        .send(
            "POST",
            "/api/customers",
            Some(&canary_individual()),
            &[("idempotency-key", "create-canary-customer")],
        )
        .await
        .expect(201)
        .guid();
    let document = api.upload(&person, canary_document("passport")).await;
    api.post(
        &format!("/api/customers/{person}/documents/{document}/review"),
        &json!({ "decision": "reject", "reason_code": "unreadable", "message": "Kanarie review remark" }),
    )
    .await
    .expect(200);
    api.post(
        &format!("/api/customers/{person}/freeze"),
        &json!({ "reason": "Kanarie freeze reason" }),
    )
    .await
    .expect(200);
    api.post(&format!("/api/customers/{person}/unfreeze"), &json!({}))
        .await
        .expect(200);
    api.post(
        &format!("/api/customers/{person}/reject"),
        &json!({ "reason_codes": ["other"], "retryable": true, "message": "Kanarie rejection note" }),
    )
    .await
    .expect(200);

    let business = api
        .post("/api/customers", &canary_business())
        .await
        .expect(201)
        .guid();
    api.post(
        &format!("/api/customers/{business}/associates"),
        &json!({
            "name": { "first": "Kanarieowner", "last": "Kanariesurname" },
            "date_of_birth": "1958-02-17",
            "address": { "street": "3 Kanarie Row", "city": "Berlin", "postal_code": "10115", "country_code": "DE" },
            "email_address": "kanarie.owner@example.org",
            "ownership_percentage": 60.0,
            "roles": ["owner", "control_person"],
            "job_title": "Kanarie Treasurer",
            "phone_number": "+14155550178",
            "tax_identification": {"number": "KNRTAX4242", "type": "tin", "country_code": "DE"},
            "identification_numbers": [
                {"type": "passport_number", "issuing_country_code": "DE", "identification_number": "KNRPASS77"}
            ]
        }),
    )
    .await
    .expect(201);
    api.upload(&business, canary_document("incorporation_certificate"))
        .await;
    (person, business)
}

#[tokio::test]
async fn no_personal_value_is_stored_or_published_in_clear() {
    let env = Env::new().await;
    let kycd = env.start().await;
    let api = Api::new(&kycd.base, token(BANK_A, ALL));
    let (person, _business) = write_canaries(&api).await;

    // The service itself still reads everything back (with the PII scope).
    let read = api
        .get(&format!("/api/customers/{person}?include_pii=true"))
        .await
        .expect(200);
    assert_eq!(read.json["name"]["first"], "Kanariefirst", "{}", read.json);
    let history = api
        .get(&format!("/api/customers/{person}/events"))
        .await
        .expect(200);
    assert!(
        history.json.to_string().contains("Kanarie review remark"),
        "the audit trail shows the reviewer's message: {}",
        history.json
    );

    let js = async_nats::jetstream::new(support::shared_nats().await);
    wait_for_drain(&env.db.pool, &js, &env.stream, Duration::from_secs(30)).await;
    // The projection has caught up too: its rows are part of the dump.
    api.get("/api/customers").await.expect(200);

    let dump = pg_dump(&env.db.url);
    assert!(dump.contains("customer_keys"), "the dump holds the data");
    let leaks: Vec<&str> = dump
        .lines()
        .filter(|line| !canaries_in(line).is_empty())
        .collect();
    assert_eq!(leaks, Vec::<&str>::new(), "found in clear in pg_dump");
    let document_hex = hex::encode(b"KANARIE document bytes");
    assert!(
        !dump.to_lowercase().contains(&document_hex),
        "document bytes are stored in clear"
    );

    let published = support::stream_contents(&js, &env.stream).await;
    assert!(!published.is_empty());
    let raw: String = published
        .iter()
        .map(|(_, _, raw)| raw.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        canaries_in(&raw),
        Vec::<&str>::new(),
        "found in clear on NATS"
    );

    kycd.stop().await;
    env.drop_stream().await;
}

/// A customer created by mistake (nothing submitted, so no record-keeping duty began) with
/// canaries in every field, updated once, then erased.
async fn erase_a_canary_customer(api: &Api) -> (String, String) {
    let guid = api
        .send(
            "POST",
            "/api/customers",
            Some(&canary_individual()),
            &[("idempotency-key", "create-then-erase")],
        )
        .await
        .expect(201)
        .guid();
    api.send(
        "PATCH",
        &format!("/api/customers/{guid}"),
        Some(&json!({ "email_address": "kanarie.second@example.org" })),
        &[],
    )
    .await
    .expect(200);
    let before_erasure = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let erased = api
        .post(
            &format!("/api/customers/{guid}/erase"),
            &json!({ "reason": "created by mistake (ticket 42)" }),
        )
        .await
        .expect(200);
    assert_eq!(erased.json["personal_data"], "erased", "{}", erased.json);
    (guid, before_erasure)
}

#[tokio::test]
async fn an_erased_customer_reads_as_erased_and_nothing_decrypts_with_the_master_key() {
    let env = Env::new().await;
    let kycd = env.start().await;
    let api = Api::new(&kycd.base, token(BANK_A, ALL));
    let other = api
        .post("/api/customers", &support::individual())
        .await
        .expect(201)
        .guid();
    let (guid, before_erasure) = erase_a_canary_customer(&api).await;

    assert_every_read_is_erased(&api, &env, &guid, &before_erasure).await;
    assert_nothing_opens(&env, &guid, &other).await;
    assert_verify_and_replay_hold(&api, &env, &guid).await;
    kycd.stop().await;
    env.drop_stream().await;
}

/// Every read shows the customer, its personal fields erased, never an error.
async fn assert_every_read_is_erased(api: &Api, env: &Env, guid: &str, before_erasure: &str) {
    // Nothing finds the customer by a value it gave any more (its blind-index rows are gone).
    let found = api
        .get("/api/customers?include_pii=true&email_address=kanarie.second@example.org")
        .await
        .expect(200);
    assert_eq!(found.json["total"], 0, "{}", found.json);
    for path in [
        format!("/api/customers/{guid}?include_pii=true"),
        format!("/api/customers/{guid}?include_pii=true&as_of={before_erasure}"),
        format!("/api/customers/{guid}/events"),
        format!("/api/customers/{guid}/verification_profiles"),
        "/api/customers?include_pii=true".to_owned(),
    ] {
        let read = api.get(&path).await.expect(200);
        assert_eq!(
            canaries_in(&read.json.to_string()),
            Vec::<&str>::new(),
            "{path}: {}",
            read.json
        );
    }
    // … over NATS too (the query service answers like HTTP) …
    let nats = support::shared_nats().await;
    let authorization = format!("Bearer {}", api.token);
    for op in ["get_with_pii", "events"] {
        let subject = format!("{}.{BANK_A}.query.customer.{op}", env.prefix);
        let body = serde_json::to_vec(&json!({ "customer_guid": guid })).unwrap();
        let reply = support::eventually(Duration::from_secs(15), "the NATS query service", || {
            let (nats, subject, body) = (nats.clone(), subject.clone(), body.clone());
            let authorization = authorization.clone();
            async move {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert("Authorization", authorization.as_str());
                let message = nats
                    .request_with_headers(subject, headers, body.into())
                    .await
                    .ok()?;
                let status = message.headers.as_ref()?.get("Kyc-Status")?.to_string();
                (status == "200").then(|| String::from_utf8_lossy(&message.payload).into_owned())
            }
        })
        .await;
        assert_eq!(
            canaries_in(&reply),
            Vec::<&str>::new(),
            "NATS {op}: {reply}"
        );
    }
    // … and through kycctl: `history` prints this audit trail, `export` the log as stored.
    let store =
        kyc_store::PgCustomerStore::new(env.db.pool.clone(), kyc_testkit::keys::test_keys());
    let events = kyc_app::ports::CustomerStore::load(
        &store,
        kyc_domain::ids::CustomerGuid::parse(guid).unwrap(),
        None,
    )
    .await
    .unwrap();
    let trail = serde_json::to_string(&kyc_app::dto::audit_trail(&events)).unwrap();
    assert!(trail.contains("CustomerErased"), "{trail}");
    assert_eq!(canaries_in(&trail), Vec::<&str>::new(), "kycctl history");
    let mut exported = Vec::new();
    kycctl::export::export(&env.db.pool, 0, &mut exported, false)
        .await
        .unwrap();
    let exported = String::from_utf8(exported).unwrap();
    assert!(exported.contains(guid));
    assert_eq!(canaries_in(&exported), Vec::<&str>::new(), "kycctl export");
    // A past state says the data is erased now, rather than pretending it never existed.
    let past = api
        .get(&format!(
            "/api/customers/{guid}?include_pii=true&as_of={before_erasure}"
        ))
        .await
        .expect(200);
    assert_eq!(past.json["personal_data"], "erased", "{}", past.json);
    assert_eq!(past.json["state"], "unverified", "{}", past.json);
    let current = api
        .get(&format!("/api/customers/{guid}?include_pii=true"))
        .await
        .expect(200);
    assert_eq!(current.json["personal_data"], "erased");
    assert_eq!(current.json["state"], "closed");
}

/// The data key is gone with the stored answer, and no key the master key unwraps opens the
/// ciphertext left in the log.
async fn assert_nothing_opens(env: &Env, guid: &str, other: &str) {
    let keys = kyc_testkit::keys::test_keys();
    let pool = &env.db.pool;
    assert!(matches!(
        keys.get(pool, guid).await.unwrap(),
        kyc_store::keys::KeyState::Destroyed
    ));
    let wrapped: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT wrapped_key FROM customer_keys WHERE customer_guid = $1")
            .bind(guid)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(wrapped, None);
    let answers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM idempotency_records WHERE key = 'create-then-erase'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(answers, 0);

    // The ciphertext stays in the immutable log, and no key the master key can unwrap opens it.
    let stored = kyc_log::load_stream(pool, "Customer", guid).await.unwrap();
    let created = &stored[0];
    assert!(created.payload.to_string().contains("$sealed"));
    let kyc_store::keys::KeyState::Active(other_key) = keys.get(pool, other).await.unwrap() else {
        panic!("the other customer has a key");
    };
    let root = keys
        .keyring_secret(pool, kyc_crypto::BLIND_INDEX_ROOT)
        .await
        .unwrap();
    for candidate in [other_key, std::sync::Arc::new(root)] {
        let opened = kyc_store::codec::open_event_value(
            created.payload.clone(),
            guid,
            created.sequence,
            &kyc_store::keys::KeyState::Active(candidate),
        );
        assert!(opened.is_err(), "a sealed field opened with another key");
    }
}

/// The log still verifies and a replay rebuilds the same projection.
async fn assert_verify_and_replay_hold(api: &Api, env: &Env, guid: &str) {
    let keys = kyc_testkit::keys::test_keys();
    let pool = &env.db.pool;
    // The log still verifies (the chain covers the ciphertext) and a replay rebuilds the same
    // projection.
    api.get("/api/customers").await.expect(200);
    let report = kycctl::verify::verify(pool, &keys, |_| {}).await.unwrap();
    assert_eq!(report.findings, Vec::new());
    let before: Vec<(String, serde_json::Value)> =
        sqlx::query_as("SELECT customer_guid, record::jsonb FROM customer_views ORDER BY 1")
            .fetch_all(pool)
            .await
            .unwrap();
    let options: sqlx::postgres::PgConnectOptions = env.db.url.parse().unwrap();
    kyc_store::projector::rebuild::rebuild(pool, &keys, &options, false, |_| {})
        .await
        .unwrap();
    let after: Vec<(String, serde_json::Value)> =
        sqlx::query_as("SELECT customer_guid, record::jsonb FROM customer_views ORDER BY 1")
            .fetch_all(pool)
            .await
            .unwrap();
    let erased_row = |rows: &[(String, serde_json::Value)]| {
        rows.iter()
            .find(|(g, _)| *g == guid)
            .map(|(_, record)| record.clone())
    };
    // An erased customer's row holds nothing sealed: byte-for-byte the same after the replay.
    assert_eq!(erased_row(&before), erased_row(&after));
    assert_eq!(before.len(), after.len());
}
