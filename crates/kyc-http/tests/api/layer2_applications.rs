//! Layer2's Applications flow under `/compat/layer2/v1/applications` (API 1.0.5,
//! `docs/vendors/layer2.md` §4–§7): start, read, change, the status (Layer2's KYC dashboard),
//! submit, and a corporate application's individuals, on the same customer the native API
//! and Layer2's customer resource read.

use serde_json::{json, Value};

use crate::support::{admin, App};

const APPLICATIONS: &str = "/compat/layer2/v1/applications";

/// An `IndividualApplication`: every documented field of the person.
fn person_details() -> Value {
    json!({
        "first_name": "Ada",
        "middle_name": "Augusta",
        "last_name": "Lovelace",
        "email_address": "ada@example.com",
        "mailing_address": {
            "address_line1": "1 Congress Ave",
            "address_line2": "Suite 100",
            "city": "Austin",
            "state": "TX",
            "postal_code": "78701",
            "country_code": "US"
        },
        "telephone_number": "+15125550100",
        "tax_reference_number": "123-45-6789",
        "passport_number": "X1234567",
        "nationality": "US",
        "date_of_birth": "1985-12-10",
        "us_residency_status": "US_CITIZEN",
        "employment_status": "EMPLOYEE",
        "employment_description": "Writes programs for analytical engines",
        "employer_name": "Analytical Engines Ltd",
        "occupation": "Programmer",
        "investment_profile": {
            "primary_source_of_funds": "EMPLOYMENT",
            "total_assets": "TEN_TO_100K"
        },
        "kyc_profile": {
            "funds_send_receive_jurisdictions": ["DE", "US"],
            "engage_in_activities": ["NONE"]
        }
    })
}

fn account() -> Value {
    json!({
        "account_id": "acct-ada-1",
        "asset_type_id": "ETHEREUM_SEPOLIA_USDC",
        "product_id": "DEPOSIT_BASIC"
    })
}

/// A `RequestApplication` for a person.
fn person_application(customer_id: &str) -> Value {
    json!({
        "application_type": "INDIVIDUAL",
        "account_to_open": account(),
        "terms_and_conditions_accepted": false,
        "customer_id": customer_id,
        "customer_details": person_details()
    })
}

/// A `RequestApplication` for a corporation, with its physical address.
fn corporation_application(customer_id: &str) -> Value {
    json!({
        "application_type": "CORPORATION",
        "account_to_open": account(),
        "terms_and_conditions_accepted": true,
        "customer_id": customer_id,
        "customer_details": {
            "registered_name": "Analytical Engines Ltd",
            "registered_number": "12-3456789",
            "registered_address": {
                "address_line1": "1 Market St",
                "city": "San Francisco",
                "state": "CA",
                "postal_code": "94105",
                "country_code": "US"
            },
            "physical_address": {
                "address_line1": "500 Howard St",
                "city": "San Francisco",
                "state": "CA",
                "postal_code": "94105",
                "country_code": "US"
            },
            "country_of_incorporation": "US",
            "corporate_entity_type": "LLC",
            "email_address": "ops@engines.example"
        }
    })
}

/// Our document kind for the criterion a Layer2 document error names.
fn native_kind(criterion: &str) -> &'static str {
    match criterion.rsplit(':').next().unwrap_or_default() {
        "identity_document" => "passport",
        "liveness_report_document" => "liveness_report",
        "source_of_funds_document" => "source_of_funds",
        "incorporation_document" => "incorporation_certificate",
        "proof_of_address_document" => "proof_of_address",
        "ownership_structure_document" => "ownership_structure",
        other => panic!("no document for {other}"),
    }
}

async fn status_of(app: &App, id: &str) -> Value {
    app.get(&format!("{APPLICATIONS}/{id}/status"))
        .await
        .expect(200)
        .json["data"]
        .clone()
}

fn field_names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["field_name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_person_s_application_goes_from_incomplete_to_approved_as_layer2_describes() {
    let app = App::new();
    let started = app
        .send_with(
            "POST",
            APPLICATIONS,
            Some(&admin()),
            Some(person_application("app-ada")),
            &[
                ("x-l2f-request-id", "req-app-1"),
                ("x-l2f-idempotency-id", "app-key-1"),
            ],
        )
        .await
        .expect(200);
    let id = started.json["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(started.json, json!({"data": {"id": id}}));
    assert_eq!(started.header("x-l2f-request-id"), Some("req-app-1"));

    // Read back field by field: what was sent, plus the id and the status.
    let read = app.get(&format!("{APPLICATIONS}/{id}")).await.expect(200);
    let mut expected = person_application("app-ada");
    expected["id"] = json!(id);
    expected["status"] = json!("INCOMPLETE");
    assert_eq!(read.json["data"], expected);
    // The customer it onboards, through Layer2's customer resource and the native API.
    let customer = app
        .get("/compat/layer2/v1/customers/app-ada")
        .await
        .expect(200);
    assert_eq!(customer.json["data"]["first_name"], "Ada");
    assert_eq!(customer.json["data"]["status"], "PENDING");
    let native = app.get(&format!("/api/customers/{id}")).await.expect(200);
    assert_eq!(native.json["external_id"], "app-ada");
    let labels = native.json["labels"].as_array().unwrap();
    assert!(labels.contains(&json!("layer2:application")), "{labels:?}");
    assert!(
        labels.contains(&json!("layer2:account=acct-ada-1")),
        "{labels:?}"
    );

    // The dashboard: the terms and the documents stand in the way; submitting is refused.
    let status = status_of(&app, &id).await;
    assert_eq!(status["status"], "INCOMPLETE");
    assert_eq!(status["customer_id"], "app-ada");
    assert!(field_names(&status["application_validation_errors"])
        .contains(&"terms_and_conditions_accepted".to_owned()));
    let documents = status["application_document_errors"].as_array().unwrap();
    assert!(!documents.is_empty(), "{status}");
    assert!(documents.iter().all(|d| d["status"] == "MISSING"));
    assert!(documents
        .iter()
        .any(|d| d["id"] == "identity_document" && d["document"] == "PASSPORT"));
    let refused = app
        .post(&format!("{APPLICATIONS}/{id}/submit"), json!({}))
        .await;
    assert_eq!(refused.status, 409, "{}", refused.json);
    assert!(refused.json["errors"][0]["description"]
        .as_str()
        .unwrap()
        .contains("INCOMPLETE"));

    // Accept the terms and change a detail by its bare Layer2 name; send the documents.
    app.send(
        "PATCH",
        &format!("{APPLICATIONS}/{id}"),
        Some(&admin()),
        Some(json!({"updates": [
            {"field": "terms_and_conditions_accepted", "value": "true"},
            {"field": "mailing_address.city", "value": "Round Rock"}
        ]})),
    )
    .await
    .expect(200);
    let mut uploaded = Vec::new();
    for document in documents {
        let criterion = document["id"].as_str().unwrap();
        uploaded.push(app.upload(&id, native_kind(criterion)).await);
    }
    let status = status_of(&app, &id).await;
    assert_eq!(status["status"], "READY_FOR_SUBMISSION", "{status}");
    assert_eq!(status["terms_and_conditions_accepted"], true);
    assert_eq!(status["application_validation_errors"], json!([]));
    assert_eq!(status["application_document_errors"], json!([]));
    let read = app.get(&format!("{APPLICATIONS}/{id}")).await.expect(200);
    assert_eq!(
        read.json["data"]["customer_details"]["mailing_address"]["city"],
        "Round Rock"
    );

    // Submitted: processing while documents await review, then submitted, then approved.
    app.post(&format!("{APPLICATIONS}/{id}/submit"), json!({}))
        .await
        .expect(200);
    assert_eq!(status_of(&app, &id).await["status"], "SUBMITTED");
    let locked = app
        .send(
            "PATCH",
            &format!("{APPLICATIONS}/{id}"),
            Some(&admin()),
            Some(json!({"updates": [{"field": "occupation", "value": "Analyst"}]})),
        )
        .await;
    assert_eq!(locked.status, 409, "{}", locked.json);
    for document in &uploaded {
        app.accept(&id, document).await;
    }
    assert_eq!(status_of(&app, &id).await["status"], "PROCESSING");
    app.post(&format!("/api/customers/{id}/verify"), json!({}))
        .await
        .expect(200);
    assert_eq!(status_of(&app, &id).await["status"], "APPROVED");
    let customer = app
        .get("/compat/layer2/v1/customers/app-ada")
        .await
        .expect(200);
    assert_eq!(customer.json["data"]["status"], "ACTIVE");

    // The audit trail carries the start's request id.
    let trail = app
        .get(&format!("/api/customers/{id}/events"))
        .await
        .expect(200);
    assert_eq!(trail.json["events"][0]["request_id"], "req-app-1");
    // A customer created directly has no application.
    app.post(
        "/compat/layer2/v1/customers",
        json!({"id": "direct-1", "customer_type": "INDIVIDUAL", "first_name": "A", "last_name": "B"}),
    )
    .await
    .expect(200);
    let direct = app.get("/api/customers?per_page=10").await.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["external_id"] == "direct-1")
        .unwrap()["guid"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("{APPLICATIONS}/{direct}"))
        .await
        .expect(404);
}

#[tokio::test]
async fn a_rejection_asking_for_changes_reopens_the_application_for_resubmission() {
    let app = App::new();
    let mut body = person_application("app-retry");
    body["terms_and_conditions_accepted"] = json!(true);
    let id = app.post(APPLICATIONS, body).await.expect(200).json["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/customers/{id}/reject"),
        json!({"reason_codes": ["incomplete_information"], "message": "resend", "retryable": true}),
    )
    .await
    .expect(200);
    assert_eq!(status_of(&app, &id).await["status"], "CHANGES_REQUESTED");
    // A detail that is not an identity field changes, and the changes are still asked for.
    app.send(
        "PATCH",
        &format!("{APPLICATIONS}/{id}"),
        Some(&admin()),
        Some(json!({"updates": [{"field": "employer_name", "value": "Engines Ltd"}]})),
    )
    .await
    .expect(200);
    assert_eq!(status_of(&app, &id).await["status"], "CHANGES_REQUESTED");
    // A corrected identity field reopens it: it is to be completed and submitted again.
    app.send(
        "PATCH",
        &format!("{APPLICATIONS}/{id}"),
        Some(&admin()),
        Some(json!({"updates": [{"field": "last_name", "value": "King"}]})),
    )
    .await
    .expect(200);
    let status = status_of(&app, &id).await["status"].clone();
    assert!(
        status == "INCOMPLETE" || status == "READY_FOR_SUBMISSION",
        "{status}"
    );
    app.post(
        &format!("/api/customers/{id}/reject"),
        json!({"reason_codes": ["incomplete_information"], "message": "no", "retryable": false}),
    )
    .await
    .expect(200);
    assert_eq!(status_of(&app, &id).await["status"], "REJECTED");
    let locked = app
        .post(
            &format!("{APPLICATIONS}/{id}/individual"),
            json!({"first_name": "A", "last_name": "B", "individual_type": ["OFFICER"]}),
        )
        .await;
    assert_eq!(locked.status, 409, "{}", locked.json);
}

#[tokio::test]
async fn a_corporate_application_adds_changes_and_removes_its_individuals() {
    let app = App::new();
    let id = app
        .post(APPLICATIONS, corporation_application("app-corp"))
        .await
        .expect(200)
        .json["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let read = app.get(&format!("{APPLICATIONS}/{id}")).await.expect(200);
    let details = &read.json["data"]["customer_details"];
    assert_eq!(read.json["data"]["application_type"], "CORPORATION");
    assert_eq!(
        details["physical_address"],
        corporation_application("x")["customer_details"]["physical_address"]
    );
    assert_eq!(details["individuals"], json!([]));
    let status = status_of(&app, &id).await;
    assert_eq!(status["status"], "INCOMPLETE");
    // No control person yet; the documents of a corporation are owed.
    assert_eq!(
        status["application_errors"],
        json!(["MISSING_OFFICER"]),
        "{status}"
    );
    let documents: Vec<&str> = status["application_document_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["document"].as_str().unwrap())
        .collect();
    assert!(documents.contains(&"INCORPORATION_DOCUMENTS"), "{status}");

    // An owner, through the application.
    let owner = json!({
        "title": "CEO",
        "individual_type": ["BENEFICIAL_OWNER", "CONTROL_PERSON"],
        "first_name": "Grace",
        "last_name": "Hopper",
        "date_of_birth": "1976-12-09",
        "mailing_address": {
            "address_line1": "2 Navy Yard", "city": "Arlington", "country_code": "US"
        },
        "percentage_ownership": 60
    });
    let added = app
        .post(&format!("{APPLICATIONS}/{id}/individual"), owner.clone())
        .await
        .expect(200);
    let individual = added.json["data"]["id"].as_str().unwrap().to_owned();
    let status = status_of(&app, &id).await;
    assert_eq!(status["application_errors"], json!([]), "{status}");
    // Its identity document is owed, on the individual.
    let individuals = status["individual_errors"].as_array().unwrap();
    let own = individuals
        .iter()
        .find(|i| i["id"] == individual.as_str())
        .unwrap_or_else(|| panic!("{status}"));
    assert_eq!(own["individual_document_errors"][0]["document"], "PASSPORT");

    app.send(
        "PATCH",
        &format!("{APPLICATIONS}/{id}/individual/{individual}"),
        Some(&admin()),
        Some(json!({"updates": [{"field": "title", "value": "Chair"}]})),
    )
    .await
    .expect(200);
    let read = app.get(&format!("{APPLICATIONS}/{id}")).await.expect(200);
    assert_eq!(
        read.json["data"]["customer_details"]["individuals"][0]["title"],
        "Chair"
    );
    let removed = app
        .send(
            "DELETE",
            &format!("{APPLICATIONS}/{id}/individual/{individual}"),
            Some(&admin()),
            None,
        )
        .await
        .expect(200);
    assert_eq!(removed.json, json!({"data": {"id": individual}}));
    let read = app.get(&format!("{APPLICATIONS}/{id}")).await.expect(200);
    assert_eq!(
        read.json["data"]["customer_details"]["individuals"],
        json!([])
    );
    app.send(
        "DELETE",
        &format!("{APPLICATIONS}/{id}/individual/{individual}"),
        Some(&admin()),
        None,
    )
    .await
    .expect(404);

    // A person's application has no individuals.
    let person = app
        .post(APPLICATIONS, person_application("app-person"))
        .await
        .expect(200)
        .json["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app
        .post(&format!("{APPLICATIONS}/{person}/individual"), owner)
        .await;
    assert_eq!(refused.status, 409, "{}", refused.json);
}

#[tokio::test]
async fn bad_applications_get_layer2_errors_naming_their_fields_and_store_nothing() {
    let app = App::new();
    let descriptions = |json: &Value| -> Vec<String> {
        json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["description"].as_str().unwrap().to_owned())
            .collect()
    };
    let refused = app.post(APPLICATIONS, json!({})).await.expect(400);
    let found = descriptions(&refused.json);
    for field in [
        "application_type",
        "account_to_open",
        "customer_id",
        "customer_details",
    ] {
        assert!(
            found.iter().any(|d| d.starts_with(&format!("{field}: "))),
            "{field} in {found:?}"
        );
    }
    let mut bad = person_application("app-bad");
    bad["account_to_open"]["account_id"] = json!("has spaces");
    bad["customer_details"]
        .as_object_mut()
        .unwrap()
        .remove("first_name");
    bad["customer_details"]["physical_address"] = json!(null);
    let refused = app.post(APPLICATIONS, bad).await.expect(400);
    let found = descriptions(&refused.json);
    for field in [
        "account_to_open.account_id",
        "customer_details.physical_address",
    ] {
        assert!(
            found.iter().any(|d| d.starts_with(&format!("{field}: "))),
            "{field} in {found:?}"
        );
    }
    let mut bad = person_application("app-bad");
    bad["customer_details"]["nationality"] = json!("XX");
    bad["customer_details"]
        .as_object_mut()
        .unwrap()
        .remove("last_name");
    let refused = app.post(APPLICATIONS, bad).await.expect(400);
    let found = descriptions(&refused.json);
    for field in ["customer_details.last_name", "customer_details.nationality"] {
        assert!(
            found.iter().any(|d| d.starts_with(&format!("{field}: "))),
            "{field} in {found:?}"
        );
    }
    assert_eq!(app.get("/api/customers").await.json["total"], 0);

    // Patches: a bad value names its update; a customer_id cannot change; nothing stored.
    let id = app
        .post(APPLICATIONS, person_application("app-ok"))
        .await
        .expect(200)
        .json["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app
        .send(
            "PATCH",
            &format!("{APPLICATIONS}/{id}"),
            Some(&admin()),
            Some(json!({"updates": [
                {"field": "terms_and_conditions_accepted", "value": "yes"},
                {"field": "customer_id", "value": "other"}
            ]})),
        )
        .await
        .expect(400);
    assert_eq!(
        descriptions(&refused.json),
        [
            "updates[0].value: must be true or false",
            "updates[1].field: customer_id cannot be changed"
        ]
    );
    let refused = app
        .send(
            "PATCH",
            &format!("{APPLICATIONS}/{id}"),
            Some(&admin()),
            Some(json!({"updates": [
                {"field": "terms_and_conditions_accepted", "value": "true"},
                {"field": "telephone_number", "value": "12"}
            ]})),
        )
        .await
        .expect(400);
    assert!(
        descriptions(&refused.json)[0].starts_with("telephone_number: "),
        "{}",
        refused.json
    );
    assert_eq!(
        status_of(&app, &id).await["terms_and_conditions_accepted"],
        false
    );
    app.get(&format!("{APPLICATIONS}/not-an-id"))
        .await
        .expect(404);
    app.get(&format!("{APPLICATIONS}/{}/status", "0".repeat(32)))
        .await
        .expect(404);
}
