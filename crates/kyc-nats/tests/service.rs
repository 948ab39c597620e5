//! The request/reply handler over an in-memory store: replies carry the HTTP API's bodies.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use async_nats::HeaderMap;
use kyc_app::{CommandService, QueryService, RetryPolicy};
use kyc_http::{mint_hs256, Claims, JwtVerifier};
use kyc_nats::NatsApi;
use kyc_testkit::memory::MemoryStore;
use serde_json::{json, Value};

const BANK: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";
const SECRET: &str = "kyc-nats-test-secret-0123456789";

async fn call(api: &NatsApi<MemoryStore>, kind: &str, op: &str, body: &Value) -> (u16, Value) {
    let subject = format!("kyc.v1.{BANK}.{kind}.customer.{op}");
    let token = mint_hs256(
        SECRET.as_bytes(),
        &Claims {
            sub: "tester".into(),
            bank_guid: BANK.into(),
            scope: "customers:read customers:write".into(),
            exp: u64::try_from(chrono::Utc::now().timestamp()).unwrap() + 3600,
        },
    )
    .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("Authorization", format!("Bearer {token}").as_str());
    let (answer, _) = api
        .handle(&subject, Some(&headers), &serde_json::to_vec(body).unwrap())
        .await;
    (answer.status, answer.body)
}

/// Regression: `events` and `verification_profiles` replied with bare arrays, unlike
/// `GET …/events` (`{customer_guid, events}`) and `GET …/verification_profiles`
/// (`{verification_profiles}`).
#[tokio::test]
async fn list_replies_have_the_http_shape() {
    let store = Arc::new(MemoryStore::new());
    let api = NatsApi::new(
        CommandService::new(Arc::clone(&store), RetryPolicy::default()),
        QueryService::new(store),
        JwtVerifier::hs256(SECRET.as_bytes()),
    );
    let draft = json!({ "type": "individual", "name": { "first": "Ada", "last": "Lovelace" } });
    let (status, created) = call(&api, "cmd", "create", &json!({ "data": draft })).await;
    assert_eq!(status, 201, "{created}");
    let guid = created["guid"].as_str().unwrap();

    let (status, trail) = call(&api, "query", "events", &json!({ "customer_guid": guid })).await;
    assert_eq!(status, 200, "{trail}");
    assert_eq!(trail["customer_guid"], guid, "{trail}");
    assert_eq!(
        trail["events"][0]["event_type"], "CustomerCreated",
        "{trail}"
    );

    let (status, profiles) = call(
        &api,
        "query",
        "verification_profiles",
        &json!({ "customer_guid": guid }),
    )
    .await;
    assert_eq!(status, 200, "{profiles}");
    assert_eq!(
        profiles["verification_profiles"][0]["name"], "kyc_profile_a",
        "{profiles}"
    );
}
