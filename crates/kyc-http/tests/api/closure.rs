//! Closing a relationship, legal holds and erasure (issue #12) over HTTP.

use std::time::Duration;

use kyc_app::tenant::{TenantPolicies, TenantPolicy};
use serde_json::json;

use crate::support::{admin, individual, token, App, ALL, BANK_A};

fn close_body() -> serde_json::Value {
    json!({ "reason": "customer_request", "message": "Moving abroad" })
}

/// Records kept for no time at all: the retention period ends as the clock starts, so tests
/// reach "retention over" without waiting for a clock.
fn no_retention() -> App {
    App::with_policies(TenantPolicies::uniform(TenantPolicy::new(
        Duration::ZERO,
        Duration::from_secs(3600),
    )))
}

#[tokio::test]
async fn a_closed_customer_accepts_only_legal_holds_and_erasure() {
    let app = App::new();
    let guid = app.ready_individual().await;
    let closed = app
        .post(&format!("/api/customers/{guid}/close"), close_body())
        .await
        .expect(200);
    assert_eq!(closed.json["state"], "closed");
    assert_eq!(closed.json["closure"]["reason"], "customer_request");
    assert_eq!(closed.json["closure"]["message"], "Moving abroad");
    assert_eq!(closed.json["closure"]["previous_state"], "unverified");
    assert!(closed.json["closure"]["closed_at"].is_string());
    assert_eq!(closed.json["legal_hold"], json!({ "on": false }));
    assert_eq!(closed.json["personal_data"], "available");
    assert!(
        closed.json["retention_until"].is_string(),
        "{}",
        closed.json
    );

    let patch = app
        .send(
            "PATCH",
            &format!("/api/customers/{guid}"),
            Some(&admin()),
            Some(json!({ "email_address": "new@example.com" })),
        )
        .await;
    patch.expect_error(409, "invalid_transition");
    app.post(&format!("/api/customers/{guid}/close"), close_body())
        .await
        .expect_error(409, "invalid_transition");
    let listed = app.get("/api/customers?state=closed").await.expect(200);
    assert_eq!(listed.json["total"], 1);
}

#[tokio::test]
async fn close_validates_its_body() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let uri = format!("/api/customers/{guid}/close");
    app.post(&uri, json!({ "reason": "bored" }))
        .await
        .expect_error(422, "validation");
    app.post(&uri, json!({ "reason": "other", "why": "x" }))
        .await
        .expect_error(400, "malformed_request");
}

#[tokio::test]
async fn erasure_waits_for_the_retention_period_and_names_its_end() {
    let app = App::new();
    let guid = app.ready_individual().await;
    let uri = format!("/api/customers/{guid}/erase");
    // The relationship is open: records must be kept, and the clock has not started.
    app.post(&uri, json!({ "reason": "Customer request" }))
        .await
        .expect_error(409, "retention_not_started");
    let closed = app
        .post(&format!("/api/customers/{guid}/close"), close_body())
        .await
        .expect(200);
    let refused = app
        .post(&uri, json!({ "reason": "Customer request" }))
        .await
        .expect_error(409, "retention_hold");
    let until = refused.json["retention_until"].as_str().unwrap();
    assert_eq!(Some(until), closed.json["retention_until"].as_str());
    let until = chrono::DateTime::parse_from_rfc3339(until).unwrap();
    let closed_at =
        chrono::DateTime::parse_from_rfc3339(closed.json["closure"]["closed_at"].as_str().unwrap())
            .unwrap();
    assert_eq!(
        until - closed_at,
        chrono::Duration::days(5 * 365),
        "the default: 5y"
    );
    let message = refused.json["error_message"].as_str().unwrap();
    assert!(
        message.contains(&until.format("%Y-%m-%dT%H:%M:%S").to_string()),
        "{message}"
    );
}

#[tokio::test]
async fn a_legal_hold_blocks_erasure_until_lifted() {
    let app = no_retention();
    let guid = app.ready_individual().await;
    let document = app.get(&format!("/api/customers/{guid}")).await.json["documents"][0]["guid"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("/api/customers/{guid}/close"), close_body())
        .await
        .expect(200);
    let held = app
        .post(
            &format!("/api/customers/{guid}/legal_hold"),
            json!({ "on": true, "reason": "Subpoena 2026-117" }),
        )
        .await
        .expect(200);
    assert_eq!(held.json["legal_hold"]["on"], true);
    assert!(held.json["legal_hold"]["since"].is_string());
    app.post(
        &format!("/api/customers/{guid}/legal_hold"),
        json!({ "on": true, "reason": "Again" }),
    )
    .await
    .expect_error(409, "legal_hold_unchanged");
    let erase = format!("/api/customers/{guid}/erase");
    app.post(&erase, json!({ "reason": "Retention ended" }))
        .await
        .expect_error(409, "legal_hold");
    app.post(
        &format!("/api/customers/{guid}/legal_hold"),
        json!({ "on": false, "reason": "Case settled" }),
    )
    .await
    .expect(200);
    let erased = app
        .post(&erase, json!({ "reason": "Retention ended" }))
        .await
        .expect(200);
    assert_eq!(erased.json["personal_data"], "erased");
    // The documents' bytes are gone with the rest.
    app.get(&format!(
        "/api/customers/{guid}/documents/{document}/content"
    ))
    .await
    .expect(404);
}

#[tokio::test]
async fn a_customer_that_never_submitted_anything_is_erased_at_once() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let erased = app
        .post(
            &format!("/api/customers/{guid}/erase"),
            json!({ "reason": "Created by mistake" }),
        )
        .await
        .expect(200);
    assert_eq!(erased.json["state"], "closed");
    assert_eq!(erased.json["personal_data"], "erased");
    assert!(erased.json["erased_at"].is_string());
    // Every read shows the personal fields as erased, never an error, PII scope or not.
    for uri in [
        format!("/api/customers/{guid}?include_pii=true"),
        format!("/api/customers/{guid}"),
    ] {
        let read = app.get(&uri).await.expect(200);
        assert_eq!(read.json["personal_data"], "erased");
        for field in [
            "name",
            "email_address",
            "phone_number",
            "date_of_birth",
            "address",
        ] {
            assert!(read.json.get(field).is_none(), "{field}: {}", read.json);
        }
    }
    let listed = app.get("/api/customers?include_pii=true").await.expect(200);
    assert_eq!(listed.json["objects"][0]["personal_data"], "erased");
    app.get(&format!("/api/customers/{guid}/events"))
        .await
        .expect(200);
    app.post(
        &format!("/api/customers/{guid}/erase"),
        json!({ "reason": "Again" }),
    )
    .await
    .expect_error(409, "customer_erased");
}

#[tokio::test]
async fn closing_and_erasing_need_their_scopes() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let without = |scope: &str| {
        token(
            BANK_A,
            &ALL.split(' ')
                .filter(|s| *s != scope)
                .collect::<Vec<_>>()
                .join(" "),
        )
    };
    let no_close = without("customers:close");
    for (path, body) in [
        ("close", close_body()),
        ("legal_hold", json!({ "on": true, "reason": "Subpoena" })),
    ] {
        app.send(
            "POST",
            &format!("/api/customers/{guid}/{path}"),
            Some(&no_close),
            Some(body),
        )
        .await
        .expect_error(403, "forbidden");
    }
    app.send(
        "POST",
        &format!("/api/customers/{guid}/erase"),
        Some(&without("customers:erase")),
        Some(json!({ "reason": "Created by mistake" })),
    )
    .await
    .expect_error(403, "forbidden");
    app.get(&format!("/api/customers/{guid}")).await.expect(200);
}
