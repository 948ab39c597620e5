//! Document dates and documents of verified customers over HTTP (issue #13, ongoing due
//! diligence); expiry, reviews and lapses run in the scheduler, tested against PostgreSQL
//! with an injected clock (crates/kyc-store/tests/store/due_diligence.rs).

use serde_json::json;

use crate::support::App;

fn in_years(years: i32) -> String {
    let today = chrono::Utc::now().date_naive();
    today
        .with_year(today.year() + years)
        .unwrap_or(today)
        .format("%Y-%m-%d")
        .to_string()
}

use chrono::Datelike as _;

#[tokio::test]
async fn a_passport_carries_its_dates_shown_only_with_the_pii_scope() {
    let app = App::new();
    let guid = app.create(crate::support::unique_individual()).await;
    let expires_on = in_years(5);
    app.upload_for(
        &guid,
        json!({ "type": "passport", "issued_on": "2020-03-01", "expires_on": expires_on }),
    )
    .await;
    let with_pii = app
        .get(&format!("/api/customers/{guid}?include_pii=true"))
        .await
        .expect(200);
    let document = &with_pii.json["documents"][0];
    assert_eq!(document["issued_on"], "2020-03-01");
    assert_eq!(document["expires_on"], expires_on.as_str());
    let without = app.get(&format!("/api/customers/{guid}")).await.expect(200);
    assert!(without.json["documents"][0].get("expires_on").is_none());
}

#[tokio::test]
async fn bad_document_dates_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = App::new();
    let guid = app.create(crate::support::unique_individual()).await;
    let before = app.store.event_count();
    for (body, field) in [
        (
            json!({ "type": "passport", "expires_on": in_years(-1) }),
            "expires_on",
        ),
        (
            json!({ "type": "proof_of_address", "expires_on": in_years(1) }),
            "expires_on",
        ),
        (
            json!({ "type": "passport", "issued_on": in_years(1) }),
            "issued_on",
        ),
        (
            json!({ "type": "passport", "expires_on": "2031-02-30" }),
            "expires_on",
        ),
    ] {
        let mut body = body;
        body["content_base64"] = json!("JVBERi0xLjcKJXRlc3QgZG9jdW1lbnQK");
        let refused = app
            .post(&format!("/api/customers/{guid}/documents"), body.clone())
            .await
            .expect_error(422, "validation");
        let fields: Vec<&str> = refused.json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, [field], "{body}: {}", refused.json);
    }
    assert_eq!(app.store.event_count(), before);
}

#[tokio::test]
async fn a_verified_customer_may_submit_and_have_reviewed_new_documents() {
    let app = App::new();
    let guid = app.ready_individual().await;
    app.post(&format!("/api/customers/{guid}/verify"), json!({}))
        .await
        .expect(200);
    let document = app
        .upload_for(
            &guid,
            json!({ "type": "passport", "expires_on": in_years(10) }),
        )
        .await;
    app.accept(&guid, &document).await;
    let customer = app.get(&format!("/api/customers/{guid}")).await.expect(200);
    assert_eq!(customer.json["state"], "verified");
    assert!(
        customer.json["last_reviewed_at"].is_string(),
        "{}",
        customer.json
    );
}
