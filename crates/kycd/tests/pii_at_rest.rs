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
            &[("idempotency-key", "kanarie-create")],
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
    api.send(
        "PATCH",
        &format!("/api/customers/{person}"),
        Some(&json!({ "state": "frozen", "reason": "Kanarie freeze reason" })),
        &[],
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
            "roles": ["owner", "control_person"]
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
        .get(&format!("/api/customers/{person}"))
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
    assert_eq!(
        canaries_in(&dump),
        Vec::<&str>::new(),
        "found in clear in pg_dump"
    );
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
