//! SpherePay's customer resource under `/compat/spherepay` (API v2, `docs/vendors/spherepay.md`):
//! the documented example bodies and answers, compared field by field, its error body, and the
//! same customer read through the native and Layer2 surfaces.

use serde_json::{json, Value};

use crate::support::{admin, token, App, BANK_A, BANK_B};

const CUSTOMERS: &str = "/compat/spherepay/v2/customer";

/// The create example of docs.spherepay.co/api-reference/customer/post.
fn documented_individual() -> Value {
    json!({
        "type": "individual",
        "email": "jane.smith@example.com",
        "phone": "+14155550123",
        "address": {
            "line1": "233 South Wacker Drive",
            "city": "Chicago",
            "state": "IL",
            "postalCode": "60606",
            "country": "USA"
        },
        "personalInformation": {
            "firstName": "Jane",
            "lastName": "Smith",
            "dateOfBirth": "1990-04-15"
        }
    })
}

fn business() -> Value {
    json!({
        "type": "business",
        "email": "ops@engines.example",
        "phone": "+14155550100",
        "addresses": [
            {"type": "registered", "line1": "1 Market St", "city": "San Francisco", "state": "CA",
             "postalCode": "94105", "country": "USA"},
            {"type": "operating", "line1": "2 Mission St", "city": "San Francisco", "country": "USA"}
        ],
        "businessInformation": {
            "legalName": "Analytical Engines Inc",
            "tradeName": "Engines",
            "description": "Builds engines that compute",
            "entityType": "corporation",
            "naicsCode": "541511",
            "website": "https://engines.example/",
            "incorporatedOn": "2010-05-01",
            "identificationNumber": "12-3456789",
            "primarySourceOfFunds": "company"
        },
        "meta": {"internalId": "acct-9", "tier": 2, "vip": true}
    })
}

#[tokio::test]
async fn the_documented_individual_is_created_and_answered_in_the_documented_shape() {
    let app = App::new();
    let created = app
        .post(CUSTOMERS, documented_individual())
        .await
        .expect(201);
    let customer = &created.json;
    // The documented answer's members, value by value where the request decides them.
    let id = customer["id"].as_str().unwrap();
    assert!(
        id.starts_with("customer_") && id.len() == "customer_".len() + 32,
        "{id}"
    );
    assert_eq!(customer["type"], "individual");
    assert_eq!(customer["email"], "jane.smith@example.com");
    assert_eq!(customer["phone"], "+14155550123");
    assert_eq!(customer["firstName"], "Jane");
    assert_eq!(customer["lastName"], "Smith");
    assert_eq!(customer["meta"], json!({}));
    let profile = &customer["verificationProfiles"][0];
    assert_eq!(profile["name"], "kyc_profile_a");
    assert_eq!(profile["status"], "incomplete");
    for list in ["complete", "pending", "required", "errors"] {
        assert!(profile["criteria"][list].is_array(), "{list}: {profile}");
    }
    // `2026-03-09T20:46:31.305Z`: RFC 3339, milliseconds, `Z`.
    let created_at = customer["createdAt"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 24,
        "{created_at}"
    );
    assert_eq!(
        customer["address"],
        json!({"line1": "233 South Wacker Drive", "city": "Chicago", "state": "IL",
               "postalCode": "60606", "country": "USA"})
    );
    // Read back: the same object.
    let read = app.get(&format!("{CUSTOMERS}/{id}")).await.expect(200);
    assert_eq!(read.json, created.json);
    // The same customer natively (alpha-2) and through Layer2 (by guid).
    let guid = id.trim_start_matches("customer_");
    let native = app
        .get(&format!("/api/customers/{guid}?include_pii=true"))
        .await
        .expect(200);
    assert_eq!(native.json["address"]["country_code"], "US");
    assert_eq!(native.json["name"]["first"], "Jane");
    let layer2 = app
        .get(&format!("/compat/layer2/v1/customers/{guid}"))
        .await
        .expect(200);
    assert_eq!(layer2.json["data"]["first_name"], "Jane");
    assert_eq!(layer2.json["data"]["mailing_address"]["country_code"], "US");
}

#[tokio::test]
async fn personal_information_and_tax_identification_round_trip() {
    let app = App::new();
    let mut body = documented_individual();
    body["personalInformation"] = json!({
        "firstName": "John", "lastName": "Doe", "middleName": "Q",
        "dateOfBirth": "1990-04-15",
        "taxIdentificationNumber": "123-45-6789",
        "taxIdentificationNumberType": "ssn",
        "taxIdentificationNumberCountry": "USA",
        "gender": "male", "countryOfBirth": "USA", "nationality": "USA",
        "occupationSocCode": "15-1132", "residencyCountry": "USA", "sourceOfFunds": "salary"
    });
    let created = app.post(CUSTOMERS, body.clone()).await.expect(201);
    let mut expected = body["personalInformation"].clone();
    // SpherePay never echoes the number itself.
    expected
        .as_object_mut()
        .unwrap()
        .remove("taxIdentificationNumber");
    assert_eq!(created.json["personalInformation"], expected);
    let guid = created.json["id"]
        .as_str()
        .unwrap()
        .trim_start_matches("customer_");
    let native = app
        .get(&format!("/api/customers/{guid}?include_pii=true"))
        .await
        .expect(200);
    assert_eq!(
        native.json["tax_identification"],
        json!({"number": "123-45-6789", "type": "ssn", "country_code": "US"})
    );
    assert_eq!(native.json["soc_code"], "15-1132");
    assert_eq!(native.json["gender"], "M");
    assert_eq!(
        native.json["source_of_funds"],
        json!({"kind": "employment"})
    );
    assert_eq!(native.json["country_of_birth"], "US");
    // Another country's document: `other` with its description.
    let mut brazilian = documented_individual();
    brazilian["email"] = json!("maria@example.com");
    brazilian["personalInformation"] = json!({
        "firstName": "Maria", "lastName": "Silva",
        "taxIdentificationNumber": "V123", "taxIdentificationNumberType": "other",
        "taxIdentificationNumberCountry": "BRA",
        "taxIdentificationNumberDescription": "voter registration card"
    });
    let created = app.post(CUSTOMERS, brazilian).await.expect(201);
    assert_eq!(
        created.json["personalInformation"]["taxIdentificationNumberDescription"],
        "voter registration card"
    );
}

#[tokio::test]
async fn a_business_is_created_with_its_two_addresses_and_information() {
    let app = App::new();
    let created = app.post(CUSTOMERS, business()).await.expect(201);
    let customer = &created.json;
    assert_eq!(customer["type"], "business");
    assert_eq!(customer["businessLegalName"], "Analytical Engines Inc");
    assert_eq!(customer["businessTradeName"], "Engines");
    assert_eq!(customer["verificationProfiles"][0]["name"], "kyb_profile_a");
    let mut information = business()["businessInformation"].clone();
    information["website"] = json!("https://engines.example/");
    assert_eq!(customer["businessInformation"], information);
    assert_eq!(customer["addresses"][1]["type"], "operating");
    assert_eq!(customer["addresses"][1]["line1"], "2 Mission St");
    // Metadata values are kept as strings.
    assert_eq!(
        customer["meta"],
        json!({"internalId": "acct-9", "tier": "2", "vip": "true"})
    );
}

#[tokio::test]
async fn bad_input_gets_spherepays_error_body_with_pointers_and_stores_nothing() {
    let app = App::new();
    let mut body = documented_individual();
    body["phone"] = json!("12345");
    body["address"]["country"] = json!("US");
    body["personalInformation"]["taxIdentificationNumber"] = json!("123");
    let refused = app.post(CUSTOMERS, body).await.expect(422);
    let error = refused.json.as_object().unwrap();
    assert_eq!(error["status"], 422);
    assert_eq!(error["code"], "validation/failed");
    assert!(error["detail"].is_string() && error["correlationId"].is_string());
    let pointers: Vec<&str> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/address/country"), "{pointers:?}");
    assert!(
        pointers.contains(&"/personalInformation/taxIdentificationNumberType"),
        "{pointers:?}"
    );
    // Once the translation passes, the domain's errors come back as pointers too.
    let mut body = documented_individual();
    body["phone"] = json!("+1");
    body["personalInformation"]["dateOfBirth"] = json!("2030-01-01");
    let refused = app.post(CUSTOMERS, body).await.expect(422);
    let pointers: Vec<&str> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/phone", "/personalInformation/dateOfBirth"]);
    // A business without its operating address.
    let mut lonely = business();
    lonely["addresses"].as_array_mut().unwrap().pop();
    let refused = app.post(CUSTOMERS, lonely).await.expect(422);
    assert_eq!(refused.json["errors"][0]["pointer"], "/addresses");
    assert_eq!(app.get("/api/customers").await.json["total"], 0);
    // Not found, another tenant's, malformed ids, no token.
    let missing = app
        .get(&format!(
            "{CUSTOMERS}/customer_0190f5a3c2b47c3e8a1d2e3f00000000"
        ))
        .await
        .expect(404);
    assert_eq!(missing.json["code"], "resource/not-found");
    app.get(&format!("{CUSTOMERS}/cust_1")).await.expect(404);
    let created = app
        .post(CUSTOMERS, documented_individual())
        .await
        .expect(201);
    let id = created.json["id"].as_str().unwrap();
    let other = token(BANK_B, crate::support::ALL);
    app.send("GET", &format!("{CUSTOMERS}/{id}"), Some(&other), None)
        .await
        .expect(404);
    let anonymous = app.send("GET", CUSTOMERS, None, None).await.expect(401);
    assert_eq!(anonymous.json["code"], "auth/unauthorized");
}

#[tokio::test]
async fn the_documented_patch_changes_the_address_and_replaces_meta() {
    let app = App::new();
    let created = app
        .post(CUSTOMERS, documented_individual())
        .await
        .expect(201);
    let id = created.json["id"].as_str().unwrap().to_owned();
    let patched = app
        .send(
            "PATCH",
            &format!("{CUSTOMERS}/{id}"),
            Some(&admin()),
            Some(json!({
                "address": {"line1": "456 Market Street", "city": "San Francisco", "state": "CA",
                            "postalCode": "94105", "country": "USA"},
                "meta": {"internalUserId": "usr_9912"}
            })),
        )
        .await
        .expect(200);
    assert_eq!(patched.json["address"]["line1"], "456 Market Street");
    assert_eq!(patched.json["meta"], json!({"internalUserId": "usr_9912"}));
    // One name part: the other keeps its value.
    let renamed = app
        .send(
            "PATCH",
            &format!("{CUSTOMERS}/{id}"),
            Some(&admin()),
            Some(json!({"personalInformation": {"lastName": "Smythe"}})),
        )
        .await
        .expect(200);
    assert_eq!(renamed.json["firstName"], "Jane");
    assert_eq!(renamed.json["lastName"], "Smythe");
    // Businesses are not changed through SpherePay's PATCH.
    let company = app.post(CUSTOMERS, business()).await.expect(201);
    let refused = app
        .send(
            "PATCH",
            &format!("{CUSTOMERS}/{}", company.json["id"].as_str().unwrap()),
            Some(&admin()),
            Some(json!({"meta": {}})),
        )
        .await
        .expect(409);
    assert_eq!(refused.json["code"], "customer/conflict");
}

#[tokio::test]
async fn the_list_pages_from_one_and_filters() {
    let app = App::new();
    for n in 0..3 {
        let mut body = documented_individual();
        body["email"] = json!(format!("person{n}@example.com"));
        app.post(CUSTOMERS, body).await.expect(201);
    }
    app.post(CUSTOMERS, business()).await.expect(201);
    let page = app
        .get(&format!("{CUSTOMERS}?page=1&limit=2&type=individual"))
        .await
        .expect(200);
    assert_eq!(page.json["customers"].as_array().unwrap().len(), 2);
    assert_eq!(
        page.json["pagination"],
        json!({"page": 1, "limit": 2, "total": 3, "totalPages": 2, "hasNext": true, "hasPrevious": false})
    );
    let by_email = app
        .get(&format!("{CUSTOMERS}?email=person1@example.com"))
        .await
        .expect(200);
    assert_eq!(by_email.json["pagination"]["total"], 1);
    let approved = app
        .get(&format!("{CUSTOMERS}?status=approved"))
        .await
        .expect(200);
    assert_eq!(approved.json["pagination"]["total"], 0);
    // The statuses are the verification profile's, as each customer shows it.
    let incomplete = app
        .get(&format!("{CUSTOMERS}?status=incomplete"))
        .await
        .expect(200);
    let shown: Vec<&Value> = incomplete.json["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["verificationProfiles"][0]["status"])
        .collect();
    assert!(!shown.is_empty());
    assert!(shown.iter().all(|s| *s == "incomplete"), "{shown:?}");
    let pending = app
        .get(&format!("{CUSTOMERS}?status=pending"))
        .await
        .expect(200);
    assert_eq!(
        incomplete.json["pagination"]["total"].as_u64().unwrap()
            + pending.json["pagination"]["total"].as_u64().unwrap(),
        4
    );
    let refused = app
        .get(&format!("{CUSTOMERS}?status=unknown"))
        .await
        .expect(422);
    assert_eq!(refused.json["errors"][0]["pointer"], "/status");
    app.get(&format!("{CUSTOMERS}?search=jane"))
        .await
        .expect(400);
    let reader = token(BANK_A, "customers:read");
    app.send("GET", CUSTOMERS, Some(&reader), None)
        .await
        .expect(200);
}

#[tokio::test]
async fn the_spherepay_operations_are_in_the_served_contract() {
    let app = App::new();
    let spec = app.get("/openapi.json").await.expect(200).json;
    for (path, method, operation) in [
        (CUSTOMERS, "post", "spherepay_create_customer"),
        (CUSTOMERS, "get", "spherepay_list_customers"),
        (
            "/compat/spherepay/v2/customer/{id}",
            "get",
            "spherepay_get_customer",
        ),
        (
            "/compat/spherepay/v2/customer/{id}",
            "patch",
            "spherepay_update_customer",
        ),
    ] {
        let declared = &spec["paths"][path][method];
        assert_eq!(declared["operationId"], operation);
        assert_eq!(
            declared["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .is_some(),
            path.contains('{')
        );
    }
    assert_eq!(
        spec["components"]["schemas"]["SpherePayCustomer"]["oneOf"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
