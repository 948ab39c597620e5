//! Beneficial owners and control persons pass KYC as people, over HTTP (issue #13).

use serde_json::{json, Value};

use crate::support::App;

fn second_owner() -> Value {
    json!({
        "name": { "first": "Ada", "last": "Owner" },
        "date_of_birth": "1975-03-04",
        "address": kyc_testkit::fixtures::address_body(),
        "ownership_percentage": 30.0,
        "roles": ["owner"]
    })
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_business_with_two_owners_over_the_threshold_is_verified_only_once_both_pass() {
    let app = App::new();
    let guid = app.create(kyc_testkit::fixtures::business_body()).await;
    let mut owners = Vec::new();
    for body in [kyc_testkit::fixtures::associate_body(), second_owner()] {
        let added = app
            .post(&format!("/api/customers/{guid}/associates"), body)
            .await
            .expect(201);
        let associate = added.json["associates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["guid"].as_str().unwrap().to_owned())
            .find(|g| !owners.contains(g))
            .unwrap();
        owners.push(associate);
    }
    for kind in [
        "incorporation_certificate",
        "proof_of_address",
        "ownership_structure",
    ] {
        let document = app.upload(&guid, kind).await;
        app.accept(&guid, &document).await;
    }
    let profile = app
        .get(&format!("/api/customers/{guid}/verification_profiles"))
        .await
        .expect(200);
    let required = names(&profile.json["verification_profiles"][0]["criteria"]["required"]);
    for owner in &owners {
        assert!(
            required.contains(&format!("ubo:{owner}:identity_document")),
            "{owner} in {required:?}"
        );
    }
    // The first owner passes; the business still cannot be verified.
    let document = app
        .upload_for(
            &guid,
            json!({ "type": "passport", "associate_guid": owners[0] }),
        )
        .await;
    app.accept(&guid, &document).await;
    let refused = app
        .post(&format!("/api/customers/{guid}/verify"), json!({}))
        .await
        .expect_error(409, "profile_incomplete");
    let fields: Vec<&str> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["beneficial_owners"], "{}", refused.json);
    // The second passes: verified.
    let document = app
        .upload_for(
            &guid,
            json!({ "type": "passport", "associate_guid": owners[1] }),
        )
        .await;
    app.accept(&guid, &document).await;
    let verified = app
        .post(&format!("/api/customers/{guid}/verify"), json!({}))
        .await
        .expect(200);
    assert_eq!(verified.json["state"], "verified");
    let complete = names(&verified.json["verification_profiles"][0]["criteria"]["complete"]);
    assert!(complete.contains(&format!("ubo:{}:identity_document", owners[1])));
}

#[tokio::test]
async fn an_identified_associate_s_name_and_date_of_birth_are_locked() {
    let app = App::new();
    let guid = app.create(kyc_testkit::fixtures::business_body()).await;
    let added = app
        .post(
            &format!("/api/customers/{guid}/associates"),
            kyc_testkit::fixtures::associate_body(),
        )
        .await
        .expect(201);
    let associate = kyc_testkit::fixtures::first_associate_guid(&added.json);
    let document = app
        .upload_for(
            &guid,
            json!({ "type": "passport", "associate_guid": associate }),
        )
        .await;
    app.accept(&guid, &document).await;
    app.send(
        "PATCH",
        &format!("/api/customers/{guid}/associates/{associate}"),
        Some(&crate::support::admin()),
        Some(json!({ "date_of_birth": "1980-01-01" })),
    )
    .await
    .expect_error(409, "field_locked");
}

#[tokio::test]
async fn an_associate_s_political_exposure_is_personal_data_and_validated() {
    let app = App::new();
    let guid = app.create(kyc_testkit::fixtures::business_body()).await;
    let mut body = kyc_testkit::fixtures::associate_body();
    body["pep"] = json!({ "is_pep": true });
    let refused = app
        .post(&format!("/api/customers/{guid}/associates"), body.clone())
        .await
        .expect_error(422, "validation");
    assert_eq!(refused.json["errors"][0]["field"], "pep.explanation");
    body["pep"] = json!({ "is_pep": true, "explanation": "Member of parliament" });
    app.post(&format!("/api/customers/{guid}/associates"), body)
        .await
        .expect(201);
    let with_pii = app
        .get(&format!("/api/customers/{guid}?include_pii=true"))
        .await
        .expect(200);
    assert_eq!(with_pii.json["associates"][0]["pep"]["is_pep"], true);
    assert_eq!(with_pii.json["risk"]["level"], "high");
    let without = app.get(&format!("/api/customers/{guid}")).await.expect(200);
    assert!(without.json["associates"][0].get("pep").is_none());
}
