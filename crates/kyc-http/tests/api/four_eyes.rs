//! Risk rating, enhanced due diligence and four eyes over HTTP (issue #13).

use serde_json::{json, Value};

use crate::support::{token_for, unique_individual, App, ALL, BANK_A};

/// A reviewer holding the senior approver's permission too.
fn senior() -> String {
    token_for(
        "senior-grace",
        BANK_A,
        &format!("{ALL} customers:approve_high_risk"),
    )
}

/// A second reviewer without it.
fn other_reviewer() -> String {
    token_for("reviewer-alan", BANK_A, ALL)
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// A PEP who lives in Bulgaria (on FATF's list of jurisdictions under increased monitoring).
fn pep_in_grey_listed_country() -> Value {
    let mut body = unique_individual();
    body["pep"] = json!({ "is_pep": true, "explanation": "Deputy minister of finance" });
    body["address"]["country_code"] = json!("BG");
    body
}

#[tokio::test]
async fn a_pep_from_a_grey_listed_country_needs_enhanced_documents_and_two_approvers() {
    let app = App::new();
    let guid = app.create(pep_in_grey_listed_country()).await;
    let customer = app.get(&format!("/api/customers/{guid}")).await.expect(200);
    let risk = &customer.json["risk"];
    assert_eq!(risk["level"], "high", "{risk}");
    assert_eq!(risk["four_eyes"], true);
    let factors: Vec<&str> = risk["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        factors,
        [
            "politically_exposed",
            "grey_list_residence",
            "missing_source_of_funds"
        ]
    );
    assert!(risk["policy_version"]
        .as_str()
        .unwrap()
        .starts_with("default-fatf-"));
    let profile = &customer.json["verification_profiles"][0];
    assert_eq!(profile["policy_version"], "v2");
    assert_eq!(profile["risk_level"], "high");
    let required = names(&profile["criteria"]["required"]);
    for criterion in [
        "source_of_funds_document",
        "proof_of_address_document",
        "senior_approval",
    ] {
        assert!(required.contains(&criterion), "{criterion} in {required:?}");
    }

    // The standard documents alone are not enough.
    for kind in ["passport", "liveness_report"] {
        let document = app.upload(&guid, kind).await;
        app.accept(&guid, &document).await;
    }
    app.post(&format!("/api/customers/{guid}/approve"), json!({}))
        .await
        .expect_error(409, "profile_incomplete");
    for kind in ["source_of_funds", "proof_of_address"] {
        let document = app.upload(&guid, kind).await;
        app.accept(&guid, &document).await;
    }

    // One reviewer cannot verify alone, nor approve and then verify.
    let verify = format!("/api/customers/{guid}/verify");
    app.post(&verify, json!({}))
        .await
        .expect_error(409, "four_eyes_required");
    let approved = app
        .post(
            &format!("/api/customers/{guid}/approve"),
            json!({ "note": "source of funds: salary slips checked" }),
        )
        .await
        .expect(200);
    assert_eq!(approved.json["state"], "unverified");
    assert_eq!(approved.json["approvals"][0]["approver"], "tester");
    assert_eq!(
        names(&approved.json["verification_profiles"][0]["criteria"]["pending"]),
        ["senior_approval"]
    );
    app.post(&verify, json!({}))
        .await
        .expect_error(409, "four_eyes_required");
    app.post(&format!("/api/customers/{guid}/approve"), json!({}))
        .await
        .expect_error(409, "four_eyes_required");
    // Another actor without the senior permission is forbidden, naming the scope.
    let refused = app
        .send("POST", &verify, Some(&other_reviewer()), Some(json!({})))
        .await
        .expect_error(403, "forbidden");
    assert!(
        refused.json["error_message"]
            .as_str()
            .unwrap()
            .contains("customers:approve_high_risk"),
        "{}",
        refused.json
    );
    // The senior approver gives the second approval.
    let verified = app
        .send("POST", &verify, Some(&senior()), Some(json!({})))
        .await
        .expect(200);
    assert_eq!(verified.json["state"], "verified");
    assert_eq!(verified.json["verified_by"], "senior-grace");
    assert_eq!(
        verified.json["verification_profiles"][0]["status"],
        "approved"
    );

    // Both approvals, with actors and the note, are in the audit trail.
    let trail = app
        .get(&format!("/api/customers/{guid}/events"))
        .await
        .expect(200);
    let entries = trail.json["events"].as_array().unwrap();
    let entry = |event_type: &str| {
        entries
            .iter()
            .find(|e| e["event_type"] == event_type)
            .unwrap_or_else(|| panic!("no {event_type} in {entries:?}"))
    };
    let first = entry("ApprovalRecorded");
    assert_eq!(first["actor"], "tester");
    assert_eq!(first["decision"]["approver"], "tester");
    assert_eq!(
        first["decision"]["message"],
        "source of funds: salary slips checked"
    );
    let second = entry("CustomerVerified");
    assert_eq!(second["actor"], "senior-grace");
    assert_eq!(second["decision"]["approver"], "senior-grace");
    assert_eq!(second["event_version"], "2");
    let rated = entry("RiskRated");
    assert_eq!(rated["decision"]["risk_level"], "high");
}

#[tokio::test]
async fn a_low_risk_customer_is_verified_by_one_reviewer() {
    let app = App::new();
    let guid = app.ready_individual().await;
    let verified = app
        .post(&format!("/api/customers/{guid}/verify"), json!({}))
        .await
        .expect(200);
    assert_eq!(verified.json["risk"]["level"], "low");
    assert_eq!(verified.json["risk"]["four_eyes"], false);
    assert_eq!(verified.json["verified_by"], "tester");
}

#[tokio::test]
async fn approve_needs_the_review_scope() {
    let app = App::new();
    let guid = app.ready_individual().await;
    let writer = token_for("writer", BANK_A, "customers:read customers:write");
    app.send(
        "POST",
        &format!("/api/customers/{guid}/approve"),
        Some(&writer),
        Some(json!({})),
    )
    .await
    .expect_error(403, "forbidden");
    app.post(
        &format!("/api/customers/{guid}/approve"),
        json!({ "note": 5 }),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn a_retryable_rejection_lets_the_customer_correct_identity_fields() {
    let app = App::new();
    let guid = app.ready_individual().await;
    app.post(
        &format!("/api/customers/{guid}/reject"),
        json!({ "reason_codes": ["identity_unverifiable"], "message": "date of birth differs from the passport", "retryable": true }),
    )
    .await
    .expect(200);
    let corrected = app
        .send(
            "PATCH",
            &format!("/api/customers/{guid}"),
            Some(&crate::support::admin()),
            Some(json!({ "date_of_birth": "1990-04-22" })),
        )
        .await
        .expect(200);
    assert_eq!(corrected.json["state"], "unverified");
    let trail = app
        .get(&format!("/api/customers/{guid}/events"))
        .await
        .expect(200);
    let types: Vec<&str> = trail.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    let n = types.len();
    assert_eq!(
        &types[n - 2..],
        ["VerificationReopened", "CustomerDetailsUpdated"]
    );
    // Once reopened, the submitted documents lock identity fields again.
    app.send(
        "PATCH",
        &format!("/api/customers/{guid}"),
        Some(&crate::support::admin()),
        Some(json!({ "date_of_birth": "1990-04-23" })),
    )
    .await
    .expect_error(409, "field_locked");
}
