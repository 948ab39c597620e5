//! Verify, reject, freeze, unfreeze, associates, verification profiles and the audit trail.

use serde_json::json;

use crate::support::{admin, associate, business, individual, App, NOBODY};

#[tokio::test]
async fn verify_needs_a_complete_profile() {
    let app = App::new();
    let incomplete = app.create(individual()).await;
    let refused = app
        .post(&format!("/api/customers/{incomplete}/verify"), json!({}))
        .await
        .expect_error(409, "profile_incomplete");
    assert!(refused.json["errors"].as_array().unwrap().len() >= 2);

    let ready = app.ready_individual().await;
    let verified = app
        .send(
            "POST",
            &format!("/api/customers/{ready}/verify"),
            Some(&admin()),
            None,
        )
        .await
        .expect(200);
    assert_eq!(verified.json["state"], "verified");
    assert_eq!(
        verified.json["verification_profiles"][0]["status"],
        "approved"
    );
    app.post(&format!("/api/customers/{ready}/verify"), json!({}))
        .await
        .expect_error(409, "invalid_transition");
    app.post(
        &format!("/api/customers/{ready}/verify"),
        json!({ "force": true }),
    )
    .await
    .expect_error(400, "malformed_request");
}

#[tokio::test]
async fn reject_then_resubmit_reopens_a_retryable_rejection() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let uri = format!("/api/customers/{guid}/reject");
    app.post(&uri, json!({}))
        .await
        .expect_error(422, "validation");
    let rejected = app
        .post(
            &uri,
            json!({
                "reason_codes": ["identity_unverifiable"],
                "message": "We could not verify the identity",
                "retryable": true
            }),
        )
        .await
        .expect(200);
    assert_eq!(rejected.json["state"], "rejected");
    assert_eq!(rejected.json["rejection"]["retryable"], true);
    app.upload(&guid, "passport").await;
    let reopened = app.get(&format!("/api/customers/{guid}")).await.expect(200);
    assert_eq!(reopened.json["state"], "unverified");
    app.post(&format!("/api/customers/{NOBODY}/reject"), json!({}))
        .await
        .expect_error(404, "customer_not_found");
}

#[tokio::test]
async fn freeze_and_unfreeze_restore_the_previous_state() {
    let app = App::new();
    let guid = app.ready_individual().await;
    app.post(&format!("/api/customers/{guid}/verify"), json!({}))
        .await
        .expect(200);
    app.post(&format!("/api/customers/{guid}/freeze"), json!({}))
        .await
        .expect_error(422, "validation");
    let frozen = app
        .post(
            &format!("/api/customers/{guid}/freeze"),
            json!({ "reason": "Suspicious activity reported" }),
        )
        .await
        .expect(200);
    assert_eq!(frozen.json["state"], "frozen");
    assert_eq!(frozen.json["frozen"]["previous_state"], "verified");
    let unfrozen = app
        .send(
            "POST",
            &format!("/api/customers/{guid}/unfreeze"),
            Some(&admin()),
            None,
        )
        .await
        .expect(200);
    assert_eq!(unfrozen.json["state"], "verified");
    app.post(&format!("/api/customers/{guid}/unfreeze"), json!({}))
        .await
        .expect_error(409, "invalid_transition");
}

#[tokio::test]
async fn associates_are_added_changed_and_removed_on_businesses_only() {
    let app = App::new();
    let guid = app.create(business()).await;
    let added = app
        .post(
            &format!("/api/customers/{guid}/associates?include_pii=true"),
            associate(),
        )
        .await
        .expect(201);
    let associate_guid = kyc_testkit::fixtures::first_associate_guid(&added.json);
    assert_eq!(added.json["associates"][0]["name"]["full"], "Grace Hopper");
    let uri = format!("/api/customers/{guid}/associates/{associate_guid}");

    let changed = app
        .send(
            "PATCH",
            &uri,
            Some(&admin()),
            Some(json!({ "ownership_percentage": 40.0 })),
        )
        .await
        .expect(200);
    assert_eq!(changed.json["associates"][0]["ownership_percentage"], 40.0);
    app.send(
        "PATCH",
        &uri,
        Some(&admin()),
        Some(json!({ "shoe_size": 40 })),
    )
    .await
    .expect_error(400, "malformed_request");

    let removed = app
        .send("DELETE", &uri, Some(&admin()), None)
        .await
        .expect(200);
    assert!(removed.json.get("associates").is_none(), "{}", removed.json);
    app.send("DELETE", &uri, Some(&admin()), None)
        .await
        .expect_error(404, "unknown_associate");
    app.send(
        "DELETE",
        &format!("/api/customers/{guid}/associates/nonsense"),
        Some(&admin()),
        None,
    )
    .await
    .expect_error(404, "unknown_associate");

    let person = app.create(individual()).await;
    app.post(&format!("/api/customers/{person}/associates"), associate())
        .await
        .expect_error(409, "wrong_customer_type");
}

#[tokio::test]
async fn verification_profiles_and_the_audit_trail() {
    let app = App::new();
    let guid = app.create(individual()).await;
    app.upload(&guid, "passport").await;
    let profiles = app
        .get(&format!("/api/customers/{guid}/verification_profiles"))
        .await
        .expect(200);
    let profile = &profiles.json["verification_profiles"][0];
    assert_eq!(profile["name"], "kyc_profile_a");
    assert_eq!(profile["status"], "incomplete");
    assert!(profile["criteria"]["pending"]
        .as_array()
        .unwrap()
        .contains(&json!("identity_document")));

    let trail = app
        .send_with(
            "GET",
            &format!("/api/customers/{guid}/events"),
            Some(&admin()),
            None,
            &[("x-request-id", "audit-test-1")],
        )
        .await
        .expect(200);
    let events = trail.json["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["event_type"], "CustomerCreated");
    assert_eq!(events[1]["event_type"], "RiskRated");
    assert_eq!(events[0]["state_after"], "unverified");
    assert_eq!(events[0]["actor"], "tester");
    assert_eq!(events[0]["source"], "http");
    assert_eq!(events[2]["event_type"], "DocumentSubmitted");
    assert_eq!(events[2]["sequence"], 3);
    app.get(&format!("/api/customers/{NOBODY}/events"))
        .await
        .expect_error(404, "customer_not_found");
    app.get(&format!("/api/customers/{NOBODY}/verification_profiles"))
        .await
        .expect_error(404, "customer_not_found");
}

#[tokio::test]
async fn the_audit_trail_shows_the_reasons_of_every_transition_and_review() {
    let app = App::new();
    let trail = |guid: String| {
        let app = &app;
        async move {
            let reply = app
                .get(&format!("/api/customers/{guid}/events"))
                .await
                .expect(200);
            reply.json["events"].as_array().unwrap().clone()
        }
    };

    // A review: the document's reason code and message.
    let guid = app.create(individual()).await;
    let document = app.upload(&guid, "passport").await;
    app.post(
        &format!("/api/customers/{guid}/documents/{document}/review"),
        json!({ "decision": "reject", "reason_code": "unreadable", "message": "Too dark" }),
    )
    .await
    .expect(200);
    // A rejection: its codes, message and whether it may be retried.
    app.post(
        &format!("/api/customers/{guid}/reject"),
        json!({
            "reason_codes": ["identity_unverifiable", "document_issues"],
            "message": "We could not verify the identity",
            "retryable": true
        }),
    )
    .await
    .expect(200);
    let events = trail(guid.clone()).await;
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
            "DocumentRejected",
            "CustomerRejected"
        ]
    );
    assert!(events[0].get("decision").is_none(), "{}", events[0]);
    assert_eq!(events[1]["decision"]["risk_level"], "low", "{}", events[1]);
    assert!(events[2].get("decision").is_none(), "{}", events[2]);
    assert_eq!(
        events[3]["decision"],
        json!({
            "reason_codes": ["unreadable"],
            "message": "Too dark",
            "document_guid": document,
            "approver": "tester",
        })
    );
    assert_eq!(
        events[4]["decision"],
        json!({
            "reason_codes": ["identity_unverifiable", "document_issues"],
            "message": "We could not verify the identity",
            "retryable": true,
        })
    );
    assert_eq!(events[4]["state_after"], "rejected");

    // Verification, freeze and unfreeze.
    let guid = app.ready_individual().await;
    app.post(&format!("/api/customers/{guid}/verify"), json!({}))
        .await
        .expect(200);
    app.post(
        &format!("/api/customers/{guid}/freeze"),
        json!({ "reason": "Suspicious activity reported" }),
    )
    .await
    .expect(200);
    app.post(&format!("/api/customers/{guid}/unfreeze"), json!({}))
        .await
        .expect(200);
    let events = trail(guid).await;
    let last: Vec<(&str, &serde_json::Value)> = events
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|e| (e["event_type"].as_str().unwrap(), &e["decision"]))
        .collect();
    assert_eq!(
        last,
        [
            (
                "CustomerVerified",
                &json!({ "reason_codes": [], "policy_version": "v2", "approver": "tester" })
            ),
            (
                "CustomerFrozen",
                &json!({ "reason_codes": [], "message": "Suspicious activity reported" })
            ),
            ("CustomerUnfrozen", &json!({ "reason_codes": [] })),
        ]
    );
    // An accepted document's review names the document.
    assert!(events
        .iter()
        .filter(|e| e["event_type"] == "DocumentAccepted")
        .all(|e| e["decision"]["document_guid"].is_string()));
}
