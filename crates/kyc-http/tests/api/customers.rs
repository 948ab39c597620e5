//! `/api/customers`: create, read, list, as-of reads, PATCH; PII visibility.

use serde_json::json;

use crate::support::{admin, business, individual, token, App, ALL, BANK_A, NOBODY};

#[tokio::test]
async fn create_answers_201_with_the_customer_in_cybrid_shape() {
    let app = App::new();
    let reply = app.post("/api/customers", individual()).await.expect(201);
    let body = &reply.json;
    assert_eq!(body["type"], "individual");
    assert_eq!(body["state"], "unverified");
    assert_eq!(body["bank_guid"], BANK_A);
    assert_eq!(body["guid"].as_str().unwrap().len(), 32);
    assert_eq!(body["labels"], json!(["vip"]));
    assert_eq!(body["verification_profiles"][0]["name"], "kyc_profile_a");
    assert!(body["created_at"].is_string() && body["updated_at"].is_string());
    // No include_pii: personal data is omitted.
    assert!(body.get("email_address").is_none(), "{body}");
    assert!(body.get("name").is_none(), "{body}");
    assert_eq!(app.store.customer_count(), 1);
}

#[tokio::test]
async fn pii_is_shown_only_with_both_the_scope_and_the_flag() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let uri = format!("/api/customers/{guid}");
    let uri_pii = format!("/api/customers/{guid}?include_pii=true");
    let without_scope = token(BANK_A, "customers:read");

    let flag_only = app
        .send("GET", &uri_pii, Some(&without_scope), None)
        .await
        .expect(200);
    assert!(flag_only.json.get("email_address").is_none());
    let scope_only = app.get(&uri).await.expect(200);
    assert!(scope_only.json.get("email_address").is_none());
    assert!(scope_only.json.get("date_of_birth").is_none());
    let both = app.get(&uri_pii).await.expect(200);
    assert_eq!(both.json["email_address"], "ada@example.com");
    assert_eq!(both.json["name"]["full"], "Ada Lovelace");
    assert_eq!(both.json["date_of_birth"], "1990-04-21");

    // The same rule on command answers and lists.
    let created = app
        .post("/api/customers?include_pii=true", individual())
        .await
        .expect(201);
    assert_eq!(created.json["phone_number"], "+14155550123");
    let list = app.get("/api/customers?include_pii=true").await.expect(200);
    assert_eq!(list.json["objects"][0]["phone_number"], "+14155550123");
    let list = app.get("/api/customers").await.expect(200);
    assert!(list.json["objects"][0].get("phone_number").is_none());

    app.get(&format!("{uri}?include_pii=yes"))
        .await
        .expect_error(400, "malformed_request");
    // Every route reads it the same way, also where the route ignores its other parameters,
    // and a repeated one is refused rather than skipped (the contract fuzzer found
    // `?include_pii=null&include_pii=null` answered 200 on the views).
    for route in ["events", "verification_profiles"] {
        for query in ["include_pii=yes", "include_pii=null&include_pii=null"] {
            app.get(&format!("{uri}/{route}?{query}"))
                .await
                .expect_error(400, "malformed_request");
        }
        app.get(&format!("{uri}/{route}?include_pii=TRUE&other=1"))
            .await
            .expect(200);
    }
    app.get(&format!("{uri}?include_pii=true&include_pii=true"))
        .await
        .expect_error(400, "malformed_request");
}

#[tokio::test]
async fn validation_errors_name_the_field_and_store_nothing() {
    let app = App::new();
    let mut draft = individual();
    draft["email_address"] = json!("not-an-email");
    draft["phone_number"] = json!("0123");
    let reply = app
        .post("/api/customers", draft)
        .await
        .expect_error(422, "validation");
    let fields: Vec<&str> = reply.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"email_address"), "{fields:?}");
    assert!(fields.contains(&"phone_number"), "{fields:?}");
    assert_eq!(app.store.customer_count(), 0);
    app.post("/api/customers", json!({}))
        .await
        .expect_error(422, "validation");
}

#[tokio::test]
async fn external_ids_are_unique_per_tenant() {
    let app = App::new();
    let mut draft = individual();
    draft["external_id"] = json!("client-42");
    app.post("/api/customers", draft.clone()).await.expect(201);
    app.post("/api/customers", draft.clone())
        .await
        .expect_error(409, "duplicate_external_id");
    // Another tenant may use the same external id.
    app.send(
        "POST",
        "/api/customers",
        Some(&token(crate::support::BANK_B, ALL)),
        Some(draft),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn get_answers_the_customer_and_404_for_missing_or_malformed_ids() {
    let app = App::new();
    let guid = app.create(business()).await;
    let reply = app.get(&format!("/api/customers/{guid}")).await.expect(200);
    assert_eq!(reply.json["guid"], guid.as_str());
    // A business's legal name is not personal data.
    assert_eq!(reply.json["name"]["full"], "Acme Payments Ltd");
    app.get(&format!("/api/customers/{NOBODY}"))
        .await
        .expect_error(404, "customer_not_found");
    app.get("/api/customers/not-a-guid")
        .await
        .expect_error(404, "customer_not_found");
    app.get(&format!("/api/customers/{}", guid.to_uppercase()))
        .await
        .expect_error(404, "customer_not_found");
}

#[tokio::test]
async fn list_pages_newest_first_and_filters() {
    let app = App::new();
    let first = app.create(individual()).await;
    let second = app.create(business()).await;
    let mut labelled = individual();
    labelled["labels"] = json!(["gold"]);
    let third = app.create(labelled).await;

    let all = app.get("/api/customers").await.expect(200);
    assert_eq!(all.json["total"], 3);
    assert_eq!(all.json["page"], 0);
    assert_eq!(all.json["per_page"], 10);
    let order: Vec<&str> = all.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["guid"].as_str().unwrap())
        .collect();
    assert_eq!(order, [third.as_str(), second.as_str(), first.as_str()]);

    let page = app
        .get("/api/customers?page=1&per_page=2")
        .await
        .expect(200);
    assert_eq!(page.json["total"], 3);
    assert_eq!(page.json["objects"].as_array().unwrap().len(), 1);
    assert_eq!(page.json["objects"][0]["guid"], first.as_str());

    let businesses = app.get("/api/customers?type=business").await.expect(200);
    assert_eq!(businesses.json["total"], 1);
    assert_eq!(businesses.json["objects"][0]["guid"], second.as_str());
    let gold = app.get("/api/customers?label=gold").await.expect(200);
    assert_eq!(gold.json["total"], 1);
    let unverified = app.get("/api/customers?state=unverified").await.expect(200);
    assert_eq!(unverified.json["total"], 3);
    let verified = app.get("/api/customers?state=verified").await.expect(200);
    assert_eq!(verified.json["total"], 0);
    let other_bank = app
        .get(&format!(
            "/api/customers?bank_guid={}",
            crate::support::BANK_B
        ))
        .await
        .expect(200);
    assert_eq!(other_bank.json["total"], 0);

    app.get("/api/customers?per_page=101")
        .await
        .expect_error(422, "validation");
    app.get("/api/customers?state=sleeping")
        .await
        .expect_error(422, "validation");
    // A label no customer can carry (PostgreSQL refuses a NUL byte outright) is named, not sent.
    for label in ["%00", "a%00b", "%0A", "", "%20", &"x".repeat(65)] {
        let refused = app
            .get(&format!("/api/customers?label={label}"))
            .await
            .expect_error(422, "validation");
        assert_eq!(
            refused.json["errors"][0]["field"], "label",
            "{}",
            refused.json
        );
    }
    let padded = app.get("/api/customers?label=%20gold%20").await.expect(200);
    assert_eq!(padded.json["total"], 1);
    app.get("/api/customers?page=-1")
        .await
        .expect_error(400, "malformed_request");
    let unknown = app
        .get("/api/customers?colour=red")
        .await
        .expect_error(400, "malformed_request");
    assert!(
        unknown.json["error_message"]
            .as_str()
            .unwrap()
            .contains("colour"),
        "{}",
        unknown.json
    );
}

#[tokio::test]
async fn as_of_reads_show_the_customer_as_it_was() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let created = app.get(&format!("/api/customers/{guid}/events")).await;
    let first_position = created.json["events"][0]["global_position"]
        .as_i64()
        .unwrap();
    let before = chrono::Utc::now();
    let before_freeze = before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    // The freeze must be received strictly after `before_freeze` (microseconds): watch the
    // clock tick past it rather than sleep for a guess.
    while chrono::Utc::now() <= before + chrono::Duration::microseconds(1) {
        tokio::task::yield_now().await;
    }
    app.post(
        &format!("/api/customers/{guid}/freeze"),
        json!({ "reason": "Suspicious activity reported" }),
    )
    .await
    .expect(200);

    let now = app.get(&format!("/api/customers/{guid}")).await.expect(200);
    assert_eq!(now.json["state"], "frozen");
    let then = app
        .get(&format!(
            "/api/customers/{guid}?as_of={}",
            before_freeze.replace('+', "%2B")
        ))
        .await
        .expect(200);
    assert_eq!(then.json["state"], "unverified");
    let at_position = app
        .get(&format!(
            "/api/customers/{guid}?as_of_position={first_position}"
        ))
        .await
        .expect(200);
    assert_eq!(at_position.json["state"], "unverified");
    // Before the customer existed, it did not exist.
    app.get(&format!("/api/customers/{guid}?as_of=2000-01-01T00:00:00Z"))
        .await
        .expect_error(404, "customer_not_found");
    app.get(&format!("/api/customers/{guid}?as_of=yesterday"))
        .await
        .expect_error(400, "malformed_request");
    app.get(&format!(
        "/api/customers/{guid}?as_of=2000-01-01T00:00:00Z&as_of_position=1"
    ))
    .await
    .expect_error(400, "malformed_request");
}

#[tokio::test]
async fn patch_changes_details_and_refuses_unknown_fields() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let uri = format!("/api/customers/{guid}?include_pii=true");
    let reply = app
        .send(
            "PATCH",
            &uri,
            Some(&admin()),
            Some(json!({ "email_address": "ada@lovelace.example", "labels": ["gold"] })),
        )
        .await
        .expect(200);
    assert_eq!(reply.json["email_address"], "ada@lovelace.example");
    assert_eq!(reply.json["labels"], json!(["gold"]));

    let unknown = app
        .send(
            "PATCH",
            &uri,
            Some(&admin()),
            Some(json!({ "favourite_colour": "red" })),
        )
        .await
        .expect_error(400, "malformed_request");
    assert!(unknown.json["error_message"]
        .as_str()
        .unwrap()
        .contains("favourite_colour"));
    // The type never changes.
    app.send(
        "PATCH",
        &uri,
        Some(&admin()),
        Some(json!({ "type": "business" })),
    )
    .await
    .expect_error(409, "field_locked");
}

#[tokio::test]
async fn patch_state_freezes_and_unfreezes_like_cybrid() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let uri = format!("/api/customers/{guid}");
    let frozen = app
        .send(
            "PATCH",
            &uri,
            Some(&admin()),
            Some(json!({ "state": "frozen" })),
        )
        .await
        .expect(200);
    assert_eq!(frozen.json["state"], "frozen");
    assert_eq!(
        frozen.json["frozen"]["reason"],
        kyc_app::commands::PATCH_FREEZE_REASON
    );
    assert_eq!(frozen.json["frozen"]["previous_state"], "unverified");
    // Frozen accepts only unfreezing.
    app.send(
        "PATCH",
        &uri,
        Some(&admin()),
        Some(json!({ "state": "frozen" })),
    )
    .await
    .expect_error(409, "invalid_transition");
    let unfrozen = app
        .send(
            "PATCH",
            &uri,
            Some(&admin()),
            Some(json!({ "state": "unverified" })),
        )
        .await
        .expect(200);
    assert_eq!(unfrozen.json["state"], "unverified");

    let with_reason = app
        .send(
            "PATCH",
            &uri,
            Some(&admin()),
            Some(json!({ "state": "frozen", "freeze_reason": "Chargeback investigation" })),
        )
        .await
        .expect(200);
    assert_eq!(
        with_reason.json["frozen"]["reason"],
        "Chargeback investigation"
    );

    // Freezing needs the freeze scope, whatever route it takes.
    app.send(
        "PATCH",
        &uri,
        Some(&token(BANK_A, "customers:read customers:write")),
        Some(json!({ "state": "unverified" })),
    )
    .await
    .expect_error(403, "forbidden");
    app.send(
        "PATCH",
        &uri,
        Some(&admin()),
        Some(json!({ "state": "unverified", "email_address": "x@example.com" })),
    )
    .await
    .expect_error(422, "validation");
    app.send(
        "PATCH",
        &uri,
        Some(&admin()),
        Some(json!({ "state": "storing" })),
    )
    .await
    .expect_error(422, "validation");
    app.send(
        "PATCH",
        &uri,
        Some(&admin()),
        Some(json!({ "freeze_reason": "no state" })),
    )
    .await
    .expect_error(422, "validation");
}
