//! Blind-index lookups (`?email_address=`, `?phone_number=`, `?identification_number=`, with
//! the PII scope) and duplicate detection (`duplicate_identity` until `resolve_duplicate`).

use serde_json::json;

use crate::support::{individual, token, unique_individual, App, ALL, BANK_A, BANK_B};

fn guids(reply: &crate::support::Reply) -> Vec<String> {
    reply.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["guid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lookups_by_email_phone_and_number_need_the_pii_scope_and_stay_in_the_tenant() {
    let app = App::new();
    let ada = app.create(unique_individual()).await;
    let mut grace = unique_individual();
    grace["email_address"] = json!("grace@example.com");
    grace["phone_number"] = json!("+14155550199");
    let grace = app.create(grace).await;
    // Another tenant's customer with Ada's very email and phone.
    let other = token(BANK_B, ALL);
    let mut twin = unique_individual();
    twin["email_address"] = json!("ada@example.com");
    app.send("POST", "/api/customers", Some(&other), Some(twin))
        .await
        .expect(201);
    let ada_number = app
        .get(&format!("/api/customers/{ada}?include_pii=true"))
        .await
        .json["tax_identification"]["number"]
        .as_str()
        .unwrap()
        .to_owned();

    let pii = token(BANK_A, ALL);
    for (query, expected) in [
        ("email_address=ADA%40example.com", vec![ada.clone()]),
        ("email_address=grace%40example.com", vec![grace.clone()]),
        ("phone_number=%2B14155550199", vec![grace.clone()]),
        (
            &*format!("identification_number=ssn%3AUS%3A{ada_number}"),
            vec![ada.clone()],
        ),
        ("email_address=nobody%40example.com", vec![]),
    ] {
        let reply = app
            .send("GET", &format!("/api/customers?{query}"), Some(&pii), None)
            .await
            .expect(200);
        assert_eq!(guids(&reply), expected, "{query}");
    }
    // Tenant B's lookup of the same email finds only its own customer.
    let theirs = app
        .send(
            "GET",
            "/api/customers?email_address=ada%40example.com",
            Some(&other),
            None,
        )
        .await
        .expect(200);
    assert_eq!(theirs.json["total"], 1);
    assert!(!guids(&theirs).contains(&ada));

    let no_pii = token(BANK_A, "customers:read");
    for query in [
        "email_address=ada%40example.com",
        "phone_number=%2B14155550123",
        "identification_number=ssn%3AUS%3A123456789",
    ] {
        app.send(
            "GET",
            &format!("/api/customers?{query}"),
            Some(&no_pii),
            None,
        )
        .await
        .expect_error(403, "forbidden");
    }
    for (query, field) in [
        ("email_address=not-an-email", "email_address"),
        ("phone_number=415", "phone_number"),
        ("identification_number=123456789", "identification_number"),
    ] {
        let reply = app
            .send("GET", &format!("/api/customers?{query}"), Some(&pii), None)
            .await
            .expect(400);
        assert!(
            reply.json["error_message"]
                .as_str()
                .unwrap()
                .contains(field),
            "{}",
            reply.json
        );
    }
}

#[tokio::test]
async fn a_second_customer_with_the_same_numbers_is_flagged_until_a_reviewer_resolves_it() {
    let app = App::new();
    let first = app.create(individual()).await;
    let second = app.create(individual()).await;
    // The first one is nobody's duplicate: it came first.
    let profile = app
        .get(&format!("/api/customers/{first}/verification_profiles"))
        .await
        .expect(200);
    assert_eq!(
        profile.json["verification_profiles"][0]["criteria"]["errors"],
        json!([])
    );
    let profile = app
        .get(&format!("/api/customers/{second}/verification_profiles"))
        .await
        .expect(200);
    let errors = profile.json["verification_profiles"][0]["criteria"]["errors"]
        .as_array()
        .unwrap()
        .clone();
    // The tax number and the passport number.
    assert_eq!(errors.len(), 2, "{errors:?}");
    for error in &errors {
        assert_eq!(error["code"], "duplicate_identity");
        assert_eq!(error["name"], "unique_identity");
        assert!(error["message"].as_str().unwrap().contains(&first));
    }

    for kind in ["passport", "liveness_report"] {
        let document = app.upload(&second, kind).await;
        app.accept(&second, &document).await;
    }
    let verify = format!("/api/customers/{second}/verify");
    let refused = app
        .post(&verify, json!({}))
        .await
        .expect_error(409, "profile_incomplete");
    assert!(refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["field"] == "unique_identity"));

    let resolve = format!("/api/customers/{second}/resolve_duplicate");
    let body = json!({
        "other_customer_guid": first,
        "resolution": "not_same_person",
        "note": "different dates of birth on the passports",
    });
    // A reviewer's command.
    app.send(
        "POST",
        &resolve,
        Some(&token(BANK_A, "customers:read customers:write")),
        Some(body.clone()),
    )
    .await
    .expect_error(403, "forbidden");
    app.post(
        &resolve,
        json!({ "other_customer_guid": second, "resolution": "not_same_person" }),
    )
    .await
    .expect(404);
    app.post(&resolve, body).await.expect(200);
    app.post(&verify, json!({})).await.expect(200);

    let trail = app.get(&format!("/api/customers/{second}/events")).await;
    let decisions: Vec<(&str, &serde_json::Value)> = trail.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event_type"].as_str().unwrap(), &e["decision"]))
        .filter(|(t, _)| t.starts_with("DuplicateIdentity"))
        .collect();
    assert_eq!(decisions.len(), 3, "{decisions:?}");
    assert_eq!(decisions[2].1["reason_codes"], json!(["not_same_person"]));
}
