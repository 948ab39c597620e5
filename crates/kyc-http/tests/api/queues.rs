//! The operator queues (issue #13, point 7): documents pending review and customers awaiting
//! the second approval, oldest first, and reviews and documents falling due within a window,
//! soonest first; per tenant, paged, behind `customers:review`, without personal data.

use serde_json::{json, Value};

use crate::support::{
    associate, business, token, token_for, unique_individual, App, ALL, BANK_A, BANK_B,
};

const DOCUMENTS: &str = "/api/queues/documents_pending_review";
const APPROVALS: &str = "/api/queues/awaiting_second_approval";
const REVIEWS: &str = "/api/queues/reviews_falling_due";
const EXPIRING: &str = "/api/queues/documents_expiring";

/// The queue's entries, after checking the page's shape.
#[track_caller]
fn objects(page: &Value) -> Vec<Value> {
    assert!(page["total"].is_u64(), "{page}");
    assert!(page["page"].is_u64(), "{page}");
    assert!(page["per_page"].is_u64(), "{page}");
    page["objects"].as_array().unwrap().clone()
}

/// One member of each entry.
fn column<'a>(entries: &'a [Value], name: &str) -> Vec<&'a str> {
    entries.iter().map(|e| e[name].as_str().unwrap()).collect()
}

/// A PEP living in Bulgaria (FATF grey list): high risk, four eyes.
fn high_risk() -> Value {
    let mut body = unique_individual();
    body["pep"] = json!({ "is_pep": true, "explanation": "Deputy minister of finance" });
    body["address"]["country_code"] = json!("BG");
    body
}

/// A high-risk customer with every document accepted and the first approval recorded (by
/// `tester`); returns its guid.
async fn first_approved(app: &App) -> String {
    let guid = app.create(high_risk()).await;
    for kind in [
        "passport",
        "liveness_report",
        "source_of_funds",
        "proof_of_address",
    ] {
        let document = app.upload(&guid, kind).await;
        app.accept(&guid, &document).await;
    }
    app.post(&format!("/api/customers/{guid}/approve"), json!({}))
        .await
        .expect(200);
    guid
}

#[tokio::test]
async fn pending_documents_are_listed_one_per_document_oldest_first_while_reviewable() {
    let app = App::new();
    let ada = app.create(unique_individual()).await;
    let passport = app
        .upload_for(
            &ada,
            json!({ "type": "passport", "file_name": "ada-lovelace-passport.pdf" }),
        )
        .await;
    let liveness = app.upload(&ada, "liveness_report").await;
    let acme = app.create(business()).await;
    let certificate = app.upload(&acme, "incorporation_certificate").await;
    let added = app
        .post(&format!("/api/customers/{acme}/associates"), associate())
        .await
        .expect(201);
    let grace = kyc_testkit::fixtures::first_associate_guid(&added.json);
    let graces_passport = app
        .upload_for(
            &acme,
            json!({ "type": "passport", "associate_guid": grace }),
        )
        .await;
    // Another tenant's pending document.
    let other = app
        .send(
            "POST",
            "/api/customers",
            Some(&token(BANK_B, ALL)),
            Some(unique_individual()),
        )
        .await
        .expect(201);
    let other = other.json["guid"].as_str().unwrap().to_owned();
    app.send(
        "POST",
        &format!("/api/customers/{other}/documents"),
        Some(&token(BANK_B, ALL)),
        Some(json!({ "type": "passport", "content_base64": "JVBERi0xLjcKJXRlc3QK" })),
    )
    .await
    .expect(201);

    let page = app.get(DOCUMENTS).await.expect(200).json;
    assert_eq!(page["total"], 4, "{page}");
    assert_eq!(
        (page["page"].as_u64(), page["per_page"].as_u64()),
        (Some(0), Some(10))
    );
    let entries = objects(&page);
    assert_eq!(
        column(&entries, "document_guid"),
        [
            passport.as_str(),
            liveness.as_str(),
            certificate.as_str(),
            graces_passport.as_str()
        ],
        "oldest submission first, this tenant's only: {page}"
    );
    assert_eq!(
        entries[0],
        json!({
            "customer_guid": ada,
            "customer_type": "individual",
            "state": "unverified",
            "document_guid": passport,
            "document_type": "passport",
            "submitted_at": entries[0]["submitted_at"],
        }),
        "exactly these members, no personal data"
    );
    assert_eq!(entries[2]["customer_type"], "business");
    assert_eq!(entries[2]["document_type"], "incorporation_certificate");
    assert!(entries[2].get("associate_guid").is_none());
    assert_eq!(entries[3]["associate_guid"], grace.as_str());
    let times = column(&entries, "submitted_at");
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let text = page.to_string();
    for personal in ["Ada", "Lovelace", "ada-lovelace-passport", "Acme", "Grace"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    // `include_pii` changes nothing: there is no personal data to show.
    let with_pii = app
        .get(&format!("{DOCUMENTS}?include_pii=true"))
        .await
        .expect(200);
    assert_eq!(with_pii.json, page);

    // A reviewed document leaves the queue.
    app.accept(&ada, &passport).await;
    let page = app.get(DOCUMENTS).await.expect(200).json;
    assert_eq!(page["total"], 3);
    assert_eq!(objects(&page)[0]["document_guid"], liveness.as_str());

    // A frozen customer's documents cannot be reviewed, so they leave it until the unfreeze.
    app.post(
        &format!("/api/customers/{acme}/freeze"),
        json!({ "reason": "Suspicious activity reported" }),
    )
    .await
    .expect(200);
    let page = app.get(DOCUMENTS).await.expect(200).json;
    assert_eq!(
        column(&objects(&page), "document_guid"),
        [liveness.as_str()]
    );
    app.post(&format!("/api/customers/{acme}/unfreeze"), json!({}))
        .await
        .expect(200);
    assert_eq!(app.get(DOCUMENTS).await.json["total"], 3);

    // So do a rejected customer's.
    app.post(
        &format!("/api/customers/{ada}/reject"),
        json!({ "reason_codes": ["identity_unverifiable"], "message": "No match", "retryable": true }),
    )
    .await
    .expect(200);
    let page = app.get(DOCUMENTS).await.expect(200).json;
    assert_eq!(
        column(&objects(&page), "document_guid"),
        [certificate.as_str(), graces_passport.as_str()]
    );

    // The other tenant sees its own document only.
    let theirs = app
        .send("GET", DOCUMENTS, Some(&token(BANK_B, ALL)), None)
        .await
        .expect(200);
    assert_eq!(theirs.json["total"], 1, "{}", theirs.json);
    assert_eq!(theirs.json["objects"][0]["customer_guid"], other.as_str());
}

#[tokio::test]
async fn customers_awaiting_the_second_approval_are_listed_oldest_first_approval_first() {
    let app = App::new();
    let first = first_approved(&app).await;
    let second = first_approved(&app).await;
    // A low-risk customer's first approval needs no second: not in the queue.
    let low = app.ready_individual().await;
    app.post(&format!("/api/customers/{low}/approve"), json!({}))
        .await
        .expect(200);
    // Rated high, not yet approved: not in the queue either.
    app.create(high_risk()).await;

    let page = app.get(APPROVALS).await.expect(200).json;
    assert_eq!(page["total"], 2, "{page}");
    let entries = objects(&page);
    assert_eq!(
        column(&entries, "customer_guid"),
        [first.as_str(), second.as_str()]
    );
    let trail = app
        .get(&format!("/api/customers/{first}/events"))
        .await
        .json;
    let approved_at = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "ApprovalRecorded")
        .map(|e| e["occurred_at"].clone())
        .unwrap();
    assert_eq!(
        entries[0],
        json!({
            "customer_guid": first,
            "customer_type": "individual",
            "risk_level": "high",
            "first_approver": "tester",
            "first_approved_at": entries[0]["first_approved_at"],
        }),
        "exactly these members, no personal data"
    );
    // The approval's time, to the microsecond (as the projection keeps it).
    let shown =
        chrono::DateTime::parse_from_rfc3339(entries[0]["first_approved_at"].as_str().unwrap())
            .unwrap();
    let recorded = chrono::DateTime::parse_from_rfc3339(approved_at.as_str().unwrap()).unwrap();
    assert!(
        (recorded - shown).num_microseconds().unwrap().abs() < 1,
        "{shown} vs {recorded}"
    );

    // Any change before verification voids the first approval: the customer leaves the queue.
    app.upload(&second, "proof_of_address").await;
    let page = app.get(APPROVALS).await.expect(200).json;
    assert_eq!(column(&objects(&page), "customer_guid"), [first.as_str()]);

    // The second approval verifies the customer, which leaves the queue.
    let senior = token_for(
        "senior-grace",
        BANK_A,
        &format!("{ALL} customers:approve_high_risk"),
    );
    app.send(
        "POST",
        &format!("/api/customers/{first}/verify"),
        Some(&senior),
        Some(json!({})),
    )
    .await
    .expect(200);
    assert_eq!(app.get(APPROVALS).await.expect(200).json["total"], 0);

    // Another tenant's queue is its own.
    let third = first_approved(&app).await;
    let theirs = app
        .send("GET", APPROVALS, Some(&token(BANK_B, ALL)), None)
        .await
        .expect(200);
    assert_eq!(theirs.json["total"], 0, "{}", theirs.json);
    assert_eq!(
        column(&objects(&app.get(APPROVALS).await.json), "customer_guid"),
        [third.as_str()]
    );
}

#[tokio::test]
async fn queues_page_like_the_customer_list_and_refuse_bad_paging_naming_the_field() {
    let app = App::new();
    let guid = app.create(unique_individual()).await;
    let mut documents = Vec::new();
    for _ in 0..5 {
        documents.push(app.upload(&guid, "passport").await);
    }
    let mut seen = Vec::new();
    for page in 0..3 {
        let reply = app
            .get(&format!("{DOCUMENTS}?page={page}&per_page=2"))
            .await
            .expect(200)
            .json;
        assert_eq!(reply["total"], 5);
        assert_eq!(reply["page"], page);
        assert_eq!(reply["per_page"], 2);
        let entries = objects(&reply);
        assert_eq!(entries.len(), if page < 2 { 2 } else { 1 });
        seen.extend(
            column(&entries, "document_guid")
                .into_iter()
                .map(str::to_owned),
        );
    }
    assert_eq!(seen, documents, "oldest first, no overlap between pages");
    let past_the_end = app
        .get(&format!("{DOCUMENTS}?page=3&per_page=2"))
        .await
        .expect(200)
        .json;
    assert_eq!(
        (past_the_end["total"].as_u64(), objects(&past_the_end).len()),
        (Some(5), 0)
    );
    let far = app
        .get(&format!("{DOCUMENTS}?page={}&per_page=100", u32::MAX))
        .await
        .expect(200)
        .json;
    assert_eq!(objects(&far).len(), 0);

    for queue in [DOCUMENTS, APPROVALS, REVIEWS, EXPIRING] {
        // Out of range: 422 naming per_page, as the customer list answers.
        for per_page in [0, 101] {
            let refused = app
                .get(&format!("{queue}?per_page={per_page}"))
                .await
                .expect_error(422, "validation");
            assert_eq!(
                refused.json["errors"][0]["field"], "per_page",
                "{}",
                refused.json
            );
        }
        // Not a number, or an unknown parameter: 400 naming it.
        for (query, field) in [
            ("page=-1", "page"),
            ("per_page=ten", "per_page"),
            ("state=unverified", "state"),
        ] {
            let refused = app
                .get(&format!("{queue}?{query}"))
                .await
                .expect_error(400, "malformed_request");
            assert!(
                refused.json["error_message"]
                    .as_str()
                    .unwrap()
                    .contains(field),
                "{query}: {}",
                refused.json
            );
        }
        // Largest page.
        app.get(&format!("{queue}?per_page=100")).await.expect(200);
    }
}

#[tokio::test]
async fn queues_need_customers_review_and_a_token() {
    let app = App::new();
    for queue in [DOCUMENTS, APPROVALS, REVIEWS, EXPIRING] {
        app.send("GET", queue, None, None)
            .await
            .expect_error(401, "unauthenticated");
        let refused = app
            .send(
                "GET",
                queue,
                Some(&token(
                    BANK_A,
                    "customers:read customers:write customers:pii:read",
                )),
                None,
            )
            .await
            .expect_error(403, "forbidden");
        assert!(
            refused.json["error_message"]
                .as_str()
                .unwrap()
                .contains("customers:review"),
            "{}",
            refused.json
        );
        // The review scope alone is enough.
        app.send("GET", queue, Some(&token(BANK_A, "customers:review")), None)
            .await
            .expect(200);
        // A queue is read, never written.
        app.send("POST", queue, Some(&token(BANK_A, ALL)), Some(json!({})))
            .await
            .expect_error(405, "method_not_allowed");
    }
    app.get("/api/queues/everything")
        .await
        .expect_error(404, "route_not_found");
}

/// The review queue restates the transition table's `ReviewDocument` row (which the domain
/// keeps private): in every state a customer can hold a pending document in, the document is
/// in the queue exactly when a review of it is accepted.
#[tokio::test]
async fn the_review_queue_holds_exactly_the_documents_a_review_would_take() {
    let app = App::new();
    let mut cases = Vec::new();
    // unverified
    let guid = app.create(unique_individual()).await;
    cases.push((
        "unverified",
        guid.clone(),
        app.upload(&guid, "passport").await,
    ));
    // verified: a new document answers a periodic review or replaces an expired one
    let guid = app.ready_individual().await;
    app.post(&format!("/api/customers/{guid}/verify"), json!({}))
        .await
        .expect(200);
    cases.push((
        "verified",
        guid.clone(),
        app.upload(&guid, "passport").await,
    ));
    // frozen, rejected (retryable and final), closed, each with a document still pending
    for (state, path, body) in [
        (
            "frozen",
            "freeze",
            json!({ "reason": "Suspicious activity reported" }),
        ),
        (
            "rejected",
            "reject",
            json!({ "reason_codes": ["identity_unverifiable"], "message": "No match", "retryable": true }),
        ),
        (
            "rejected",
            "reject",
            json!({ "reason_codes": ["identity_unverifiable"], "message": "No match", "retryable": false }),
        ),
        ("closed", "close", json!({ "reason": "customer_request" })),
    ] {
        let guid = app.create(unique_individual()).await;
        let document = app.upload(&guid, "passport").await;
        let moved = app
            .post(&format!("/api/customers/{guid}/{path}"), body)
            .await
            .expect(200);
        assert_eq!(moved.json["state"], state);
        cases.push((state, guid, document));
    }

    let queue = app
        .get(&format!("{DOCUMENTS}?per_page=100"))
        .await
        .expect(200);
    let queued = column(&objects(&queue.json), "document_guid")
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    for (state, guid, document) in cases {
        let in_queue = queued.contains(&document);
        let review = app
            .post(
                &format!("/api/customers/{guid}/documents/{document}/review"),
                json!({ "decision": "accept" }),
            )
            .await;
        assert!(
            review.status == 200 || review.code() == "invalid_transition",
            "{state}: {}",
            review.json
        );
        assert_eq!(
            in_queue,
            review.status == 200,
            "{state}: in the queue {in_queue}, review answered {}",
            review.json
        );
    }
    assert_eq!(queued.len(), 2, "unverified and verified: {}", queue.json);
}

/// A date `days` from today, as the API writes dates.
fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn documents_expiring_within_the_window_are_listed_soonest_first() {
    let app = App::new();
    let ada = app.create(unique_individual()).await;
    let soon = app
        .upload_for(
            &ada,
            json!({ "type": "passport", "expires_on": in_days(10) }),
        )
        .await;
    let later = app
        .upload_for(
            &ada,
            json!({ "type": "drivers_license", "expires_on": in_days(200) }),
        )
        .await;
    // Pending, or without an expiry date: not watched.
    app.upload_for(
        &ada,
        json!({ "type": "passport", "expires_on": in_days(5) }),
    )
    .await;
    let undated = app.upload(&ada, "liveness_report").await;
    for document in [&soon, &later, &undated] {
        app.accept(&ada, document).await;
    }
    let default = app.get(EXPIRING).await.expect(200).json;
    assert_eq!(default["within_days"], 30, "{default}");
    let entries = objects(&default);
    assert_eq!(column(&entries, "document_guid"), [soon.as_str()]);
    assert_eq!(entries[0]["customer_guid"], ada.as_str());
    assert_eq!(entries[0]["customer_type"], "individual");
    assert_eq!(entries[0]["state"], "unverified");
    assert_eq!(entries[0]["document_type"], "passport");
    assert_eq!(entries[0]["expires_on"], in_days(10).as_str());
    let keys: Vec<&String> = entries[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "customer_guid",
            "customer_type",
            "document_guid",
            "document_type",
            "expires_on",
            "state"
        ],
        "ids, types, states and the date; no file name, no number"
    );

    let wide = app
        .get(&format!("{EXPIRING}?within_days=366"))
        .await
        .expect(200)
        .json;
    assert_eq!(wide["total"], 2);
    assert_eq!(
        column(&objects(&wide), "document_guid"),
        [soon.as_str(), later.as_str()],
        "soonest expiry first"
    );
    let narrow = app
        .get(&format!("{EXPIRING}?within_days=9"))
        .await
        .expect(200)
        .json;
    assert_eq!(narrow["total"], 0, "the last valid day is day 10");
    // Another tenant sees none of them.
    let other_tenant = app
        .send(
            "GET",
            &format!("{EXPIRING}?within_days=366"),
            Some(&token(BANK_B, "customers:review")),
            None,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(other_tenant["total"], 0);
}

#[tokio::test]
async fn reviews_falling_due_follow_the_tenants_review_periods() {
    use kyc_app::tenant::{TenantPolicies, TenantPolicy};
    use kyc_domain::customer::{RiskLevel, RiskPolicy};
    use std::time::Duration;

    // Low-risk customers reviewed every 20 days, so a review falls due inside a window.
    let mut risk = RiskPolicy::default();
    risk.review_every
        .insert(RiskLevel::Low, Duration::from_secs(20 * 86_400));
    let app = App::with_policies(TenantPolicies::uniform(
        TenantPolicy::new(
            Duration::from_secs(5 * 365 * 86_400),
            Duration::from_secs(3600),
        )
        .with_risk(risk),
    ));
    let ada = app.ready_individual().await;
    // Not yet verified: no review.
    let empty = app.get(REVIEWS).await.expect(200).json;
    assert_eq!(empty["total"], 0);
    let verified = app
        .post(&format!("/api/customers/{ada}/verify"), json!({}))
        .await
        .expect(200);
    assert_eq!(verified.json["state"], "verified");

    let due = app.get(REVIEWS).await.expect(200).json;
    assert_eq!(due["within_days"], 30);
    let entries = objects(&due);
    assert_eq!(column(&entries, "customer_guid"), [ada.as_str()]);
    assert_eq!(entries[0]["risk_level"], "low");
    let last: chrono::DateTime<chrono::Utc> = entries[0]["last_reviewed_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let due_at: chrono::DateTime<chrono::Utc> =
        entries[0]["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(due_at - last, chrono::Duration::days(20));
    let narrow = app
        .get(&format!("{REVIEWS}?within_days=19"))
        .await
        .expect(200)
        .json;
    assert_eq!(
        narrow["total"], 0,
        "due in 20 days, outside a 19-day window"
    );
}

#[tokio::test]
async fn the_window_is_bounded_and_refused_where_it_means_nothing() {
    let app = App::new();
    for queue in [REVIEWS, EXPIRING] {
        for days in [0, 367] {
            let refused = app
                .get(&format!("{queue}?within_days={days}"))
                .await
                .expect_error(422, "validation");
            assert_eq!(refused.json["errors"][0]["field"], "within_days");
        }
        app.get(&format!("{queue}?within_days=1")).await.expect(200);
    }
    for queue in [DOCUMENTS, APPROVALS] {
        let refused = app
            .get(&format!("{queue}?within_days=30"))
            .await
            .expect_error(422, "validation");
        assert_eq!(refused.json["errors"][0]["field"], "within_days");
    }
}
