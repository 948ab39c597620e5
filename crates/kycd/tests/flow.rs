//! The whole onboarding flow over HTTP against kycd on real PostgreSQL: individuals and
//! businesses through to verified, the eventually consistent list, `as_of`, the audit trail,
//! readiness, tenant isolation and idempotent concurrent creates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::{associate, business, eventually, individual, token, Api, Env, ALL, BANK_A, BANK_B};

#[tokio::test]
async fn individuals_and_businesses_are_verified_end_to_end() {
    let env = Env::new().await;
    let kycd = env.start().await;
    let api = Api::new(&kycd.base, token(BANK_A, ALL));
    let ada = verify_an_individual(&api).await;
    let acme = verify_a_business(&api).await;
    the_list_catches_up(&api, &ada, &acme).await;
    history_and_audit_trail(&api, &ada).await;

    // Readiness checks PostgreSQL and NATS, both up.
    let ready = api.get("/readyz").await.expect(200);
    assert_eq!(ready.json["status"], "ready", "{}", ready.json);

    other_tenants_see_nothing(&kycd.base, &ada).await;
    kycd.stop().await;
    env.drop_stream().await;
}

/// Create, identity and liveness documents, reviews, verify.
async fn verify_an_individual(api: &Api) -> String {
    let created = api
        .send(
            "POST",
            "/api/customers",
            Some(&individual()),
            &[("x-request-id", "e2e-create-ada")],
        )
        .await
        .expect(201);
    assert_eq!(created.header("x-request-id"), Some("e2e-create-ada"));
    assert_eq!(created.json["state"], "unverified");
    let ada = created.guid();
    for kind in ["passport", "liveness_report"] {
        let document = api.upload(&ada, json!({ "type": kind })).await;
        api.accept(&ada, &document).await;
    }
    let verified = api
        .send(
            "POST",
            &format!("/api/customers/{ada}/verify"),
            None,
            &[("x-request-id", "e2e-verify-ada")],
        )
        .await
        .expect(200);
    assert_eq!(verified.json["state"], "verified");
    assert_eq!(
        verified.json["verification_profiles"][0]["status"],
        "approved"
    );
    ada
}

/// A business with an owner who is also the control person.
async fn verify_a_business(api: &Api) -> String {
    let acme = api
        .post("/api/customers", &business())
        .await
        .expect(201)
        .guid();
    let added = api
        .post(&format!("/api/customers/{acme}/associates"), &associate())
        .await
        .expect(201);
    let owner = kyc_testkit::fixtures::first_associate_guid(&added.json);
    for kind in [
        "incorporation_certificate",
        "proof_of_address",
        "ownership_structure",
    ] {
        let document = api.upload(&acme, json!({ "type": kind })).await;
        api.accept(&acme, &document).await;
    }
    let passport = api
        .upload(
            &acme,
            json!({ "type": "passport", "associate_guid": owner }),
        )
        .await;
    api.accept(&acme, &passport).await;
    let verified = api
        .post(&format!("/api/customers/{acme}/verify"), &json!({}))
        .await
        .expect(200);
    assert_eq!(verified.json["state"], "verified");
    assert_eq!(verified.json["type"], "business");
    acme
}

/// The list is a projection: it catches up shortly.
async fn the_list_catches_up(api: &Api, ada: &str, acme: &str) {
    let listed = eventually(
        Duration::from_secs(10),
        "both customers listed as verified",
        || {
            let api = api.clone();
            async move {
                let list = api.get("/api/customers?state=verified").await.expect(200);
                (list.json["total"] == 2).then_some(list.json)
            }
        },
    )
    .await;
    let guids: Vec<&str> = listed["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["guid"].as_str().unwrap())
        .collect();
    assert!(guids.contains(&ada) && guids.contains(&acme), "{listed}");
    let businesses = api.get("/api/customers?type=business").await.expect(200);
    assert_eq!(businesses.json["total"], 1, "{}", businesses.json);
}

/// The customer as it was before verification, and the audit trail.
async fn history_and_audit_trail(api: &Api, ada: &str) {
    let trail = api
        .get(&format!("/api/customers/{ada}/events"))
        .await
        .expect(200);
    let events = trail.json["events"].as_array().unwrap();
    // Just before verify was received: the accepting transaction had started well before.
    let verify_received: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(events[5]["occurred_at"].clone()).unwrap();
    let before_verify = verify_received - chrono::Duration::microseconds(1);
    let then = api
        .get(&format!(
            "/api/customers/{ada}?as_of={}",
            before_verify.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        ))
        .await
        .expect(200);
    assert_eq!(then.json["state"], "unverified", "{}", then.json);
    assert_eq!(
        api.get(&format!("/api/customers/{ada}"))
            .await
            .expect(200)
            .json["state"],
        "verified"
    );

    // The audit trail names every event and the request that caused it.
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "CustomerCreated",
            "RiskRated",
            "DocumentSubmitted",
            "DocumentAccepted",
            "DocumentSubmitted",
            "DocumentAccepted",
            "CustomerVerified"
        ],
        "{}",
        trail.json
    );
    assert_eq!(events[0]["request_id"], "e2e-create-ada");
    assert_eq!(
        events[1]["request_id"], "e2e-create-ada",
        "the rating is the create's"
    );
    assert_eq!(events[6]["request_id"], "e2e-verify-ada");
    assert_eq!(events[6]["state_before"], "unverified");
    assert_eq!(events[6]["state_after"], "verified");
    for (n, event) in (1..).zip(events) {
        assert_eq!(event["sequence"], n);
        assert_eq!(event["actor"], "e2e-tester");
        assert_eq!(event["source"], "http");
        assert!(event["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()));
    }
}

/// Another tenant sees nothing: the same 404 as a customer that does not exist.
async fn other_tenants_see_nothing(base: &str, ada: &str) {
    let stranger = Api::new(base, token(BANK_B, ALL));
    let hidden = stranger
        .get(&format!("/api/customers/{ada}"))
        .await
        .expect_error(404, "customer_not_found");
    let missing = stranger
        .get("/api/customers/0190f5a3c2b47c3e8a1d2e3f00000000")
        .await
        .expect(404);
    assert_eq!(hidden.json["error_message"], missing.json["error_message"]);
    stranger
        .post(&format!("/api/customers/{ada}/verify"), &json!({}))
        .await
        .expect(404);
    assert_eq!(
        stranger.get("/api/customers").await.expect(200).json["total"],
        0
    );
}

#[tokio::test]
async fn eight_concurrent_identical_creates_make_one_customer() {
    let env = Env::new().await;
    let kycd = env.start().await;
    let api = Api::new(&kycd.base, token(BANK_A, ALL));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let api = api.clone();
        tasks.spawn(async move {
            api.send(
                "POST",
                "/api/customers",
                Some(&individual()),
                &[("idempotency-key", "e2e-concurrent-create")],
            )
            .await
        });
    }
    let answers: Vec<_> = tasks.join_all().await;
    for answer in &answers {
        assert_eq!(answer.status, 201, "{}", answer.json);
        assert_eq!(answer.json, answers[0].json, "answers differ");
    }
    let customers: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT aggregate_id) FROM events WHERE event_type = 'CustomerCreated'",
    )
    .fetch_one(&env.db.pool)
    .await
    .unwrap();
    assert_eq!(customers, 1, "one key, one customer");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&env.db.pool)
        .await
        .unwrap();
    // The creation and its risk rating, once.
    assert_eq!(events, 2);

    // The same key with another body is refused, and creates nothing.
    let mut other: Value = individual();
    other["email_address"] = json!("someone@example.com");
    api.send(
        "POST",
        "/api/customers",
        Some(&other),
        &[("idempotency-key", "e2e-concurrent-create")],
    )
    .await
    .expect_error(422, "idempotency_key_reused");
    // The one creation and its risk rating.
    assert_eq!(env.logged().await.len(), 2);
    kycd.stop().await;
    env.drop_stream().await;
}
