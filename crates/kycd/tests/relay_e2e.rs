//! The relay inside a running kycd: the stream mirrors the event log exactly, in order, with no
//! personal data; NATS going away neither stops kycd nor loses an event.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use async_nats::jetstream;
use serde_json::{json, Value};
use support::{
    address, assert_stream_matches_log, business, document, eventually, individual,
    newest_document, shared_nats, token, token_for, wait_for_drain, Api, Env, PrivateNats, ALL,
    BANK_A,
};

const CANARY: &str = "Zqxcanaryvj";
/// PII values that cannot hold the word canary (their formats are checked): each must never
/// reach the stream either.
const CANARY_VALUES: [&str; 5] = [
    "+14155550142",
    "1931-07-13",
    "987-65-4329",
    "ZQ7719833",
    "zqxcanaryvj@example.com",
];

/// An individual whose every personal field holds a canary.
fn canary_individual() -> Value {
    json!({
        "type": "individual",
        "name": { "first": format!("{CANARY}F"), "middle": format!("{CANARY}M"), "last": format!("{CANARY}L") },
        "address": {
            "street": format!("1 {CANARY} St"),
            "street2": format!("Apt {CANARY}"),
            "city": format!("{CANARY}ville"),
            "subdivision": "CA",
            "postal_code": "94105",
            "country_code": "US"
        },
        "phone_number": CANARY_VALUES[0],
        "email_address": CANARY_VALUES[4],
        "date_of_birth": CANARY_VALUES[1],
        "nationality": "GB",
        "pep": { "is_pep": true, "explanation": format!("{CANARY} sits in parliament") },
        "tax_identification": { "number": CANARY_VALUES[2], "type": "ssn", "country_code": "US" },
        "identification_numbers": [
            { "type": "passport_number", "issuing_country_code": "GB", "identification_number": CANARY_VALUES[3] }
        ]
    })
}

fn assert_no_pii(messages: &[(String, kyc_nats::envelope::CloudEvent, String)]) {
    for (subject, _, raw) in messages {
        let lower = raw.to_lowercase();
        assert!(
            !lower.contains(&CANARY.to_lowercase()),
            "PII on {subject}: {raw}"
        );
        for value in CANARY_VALUES {
            assert!(!raw.contains(value), "PII {value} on {subject}: {raw}");
        }
        assert!(!subject.to_lowercase().contains(&CANARY.to_lowercase()));
    }
}

/// Drives a canary customer through every kind of event over HTTP.
async fn canary_commands(api: &Api) {
    let guid = api
        .post("/api/customers", &canary_individual())
        .await
        .expect(201)
        .guid();
    api.send(
        "PATCH",
        &format!("/api/customers/{guid}"),
        Some(&json!({ "name": { "first": format!("{CANARY}F"), "middle": format!("{CANARY}Junior"), "last": format!("{CANARY}L") } })),
        &[],
    )
    .await
    .expect(200);
    let refused = api
        .upload(
            &guid,
            json!({ "type": "passport", "file_name": format!("{CANARY}.pdf") }),
        )
        .await;
    api.post(
        &format!("/api/customers/{guid}/documents/{refused}/review"),
        &json!({ "decision": "reject", "reason_code": "unreadable", "message": format!("{CANARY}, please retake") }),
    )
    .await
    .expect(200);
    // A politically exposed person is high risk: a source of funds, a proof of address, and two
    // approvers (the second a senior).
    for kind in [
        "passport",
        "liveness_report",
        "source_of_funds",
        "proof_of_address",
    ] {
        let document = api
            .upload(
                &guid,
                json!({ "type": kind, "file_name": format!("{CANARY}-{kind}.pdf") }),
            )
            .await;
        api.accept(&guid, &document).await;
    }
    api.post(
        &format!("/api/customers/{guid}/approve"),
        &json!({ "note": format!("{CANARY} source of funds checked") }),
    )
    .await
    .expect(200);
    let senior = Api::new(
        &api.base,
        token_for(
            "e2e-senior",
            BANK_A,
            &format!("{ALL} customers:approve_high_risk"),
        ),
    );
    senior
        .post(&format!("/api/customers/{guid}/verify"), &json!({}))
        .await
        .expect(200);
    api.post(
        &format!("/api/customers/{guid}/freeze"),
        &json!({ "reason": format!("{CANARY} called about fraud") }),
    )
    .await
    .expect(200);
    api.post(&format!("/api/customers/{guid}/unfreeze"), &json!({}))
        .await
        .expect(200);
}

/// A rejected canary individual, and a canary business with an associate.
async fn more_canary_commands(api: &Api) {
    let other = api
        .post("/api/customers", &canary_individual())
        .await
        .expect(201)
        .guid();
    api.post(
        &format!("/api/customers/{other}/reject"),
        &json!({ "reason_codes": ["identity_unverifiable"], "message": format!("{CANARY} is unknown"), "retryable": true }),
    )
    .await
    .expect(200);
    api.upload(
        &other,
        json!({ "type": "passport", "file_name": format!("{CANARY}.pdf") }),
    )
    .await;

    let mut company = business();
    company["name"] = json!({ "full": format!("{CANARY} Holdings") });
    company["aliases"] = json!([format!("{CANARY} Trading")]);
    company["address"] = address();
    company["address"]["street"] = json!(format!("9 {CANARY} Road"));
    let acme = api
        .post("/api/customers", &company)
        .await
        .expect(201)
        .guid();
    let added = api
        .post(
            &format!("/api/customers/{acme}/associates"),
            &json!({
                "name": { "first": format!("{CANARY}A"), "last": format!("{CANARY}B") },
                "date_of_birth": CANARY_VALUES[1],
                "address": { "street": format!("3 {CANARY} Lane"), "city": "Springfield", "postal_code": "12345", "country_code": "US" },
                "email_address": CANARY_VALUES[4],
                "ownership_percentage": 30.0,
                "roles": ["owner", "control_person"]
            }),
        )
        .await
        .expect(201);
    let owner = kyc_testkit::fixtures::first_associate_guid(&added.json);
    api.send(
        "PATCH",
        &format!("/api/customers/{acme}/associates/{owner}"),
        Some(&json!({ "name": { "first": format!("{CANARY}C"), "last": format!("{CANARY}D") } })),
        &[],
    )
    .await
    .expect(200);
    api.send(
        "DELETE",
        &format!("/api/customers/{acme}/associates/{owner}"),
        None,
        &[],
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn the_stream_mirrors_the_log_without_personal_data() {
    let env = Env::new().await;
    let kycd = env.start().await;
    let api = Api::new(&kycd.base, token(BANK_A, ALL));
    canary_commands(&api).await;
    more_canary_commands(&api).await;

    let js = jetstream::new(shared_nats().await);
    wait_for_drain(&env.db.pool, &js, &env.stream, Duration::from_secs(30)).await;
    let tally = assert_stream_matches_log(&env.db.pool, &js, &env.stream).await;
    let messages = support::stream_contents(&js, &env.stream).await;
    assert_no_pii(&messages);
    assert!(tally.events >= 20, "{tally:?}");
    println!(
        "relay: {} events of {} customers, no PII",
        tally.events, tally.customers
    );
    kycd.stop().await;
    js.delete_stream(&env.stream).await.unwrap();
}

async fn readiness(api: &Api) -> (u16, Value) {
    let reply = api.get("/readyz").await;
    (reply.status, reply.json)
}

/// Creates `n` customers each with a document; returns how many commands that was.
async fn some_commands(api: &Api, n: usize) -> usize {
    for _ in 0..n {
        let guid = api
            .post("/api/customers", &individual())
            .await
            .expect(201)
            .guid();
        let submitted = api
            .post(
                &format!("/api/customers/{guid}/documents"),
                &document(json!({ "type": "passport" })),
            )
            .await
            .expect(201);
        api.accept(&guid, &newest_document(&submitted.json)).await;
    }
    n * 3
}

#[tokio::test]
async fn nats_down_at_start_and_during_load_loses_nothing() {
    let mut nats = PrivateNats::new();
    let env = Env::with_nats(&nats.url()).await;
    // kycd starts although NATS is not there, and serves commands.
    let kycd = env.start().await;
    let api = Api::new(&kycd.base, token(BANK_A, ALL));
    let (status, body) = readiness(&api).await;
    assert_eq!(status, 503, "{body}");
    assert_ne!(body["checks"]["nats"], "ok", "{body}");
    assert_eq!(
        body["checks"]["postgres"].as_str().unwrap_or("ok"),
        "ok",
        "{body}"
    );
    let mut commands = some_commands(&api, 5).await;

    // NATS appears: everything written meanwhile is published.
    nats.start().await;
    eventually(
        Duration::from_secs(30),
        "readyz 200 once NATS is up",
        || async { (readiness(&api).await.0 == 200).then_some(()) },
    )
    .await;
    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    wait_for_drain(&env.db.pool, &js, &env.stream, Duration::from_secs(30)).await;
    assert_stream_matches_log(&env.db.pool, &js, &env.stream).await;

    // NATS dies during load: commands still succeed, readiness says NATS is missing.
    let load = {
        let api = api.clone();
        tokio::spawn(async move { some_commands(&api, 10).await })
    };
    // Pacing only: lets the load get going before NATS dies. Nothing below depends on how far
    // it got; every command must succeed either way and reach the stream once NATS is back.
    tokio::time::sleep(Duration::from_millis(100)).await;
    nats.kill();
    eventually(
        Duration::from_secs(15),
        "readyz 503 once NATS is gone",
        || async {
            let (status, body) = readiness(&api).await;
            (status == 503 && body["checks"]["nats"] != "ok").then_some(())
        },
    )
    .await;
    commands += some_commands(&api, 5).await;
    commands += load.await.unwrap();

    // NATS is back (same port, same storage): the backlog follows, in order, once.
    nats.start().await;
    eventually(
        Duration::from_secs(30),
        "readyz 200 once NATS is back",
        || async { (readiness(&api).await.0 == 200).then_some(()) },
    )
    .await;
    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    wait_for_drain(&env.db.pool, &js, &env.stream, Duration::from_secs(30)).await;
    let tally = assert_stream_matches_log(&env.db.pool, &js, &env.stream).await;
    assert_eq!(tally.customers, 20);
    println!(
        "nats outage: {commands} commands, {} events of {} customers all published",
        tally.events, tally.customers
    );
    kycd.stop().await;
}
