//! Connect Financial's customer resource under `/compat/connectfinancial`
//! (`docs/vendors/connectfinancial.md`): the documented answers (`{traceId, message, data}`),
//! error bodies (`{traceId, message}`) and statuses, the field rules the docs state, the
//! compliance status, and the same customer through the other surfaces.

use serde_json::{json, Value};

use crate::support::{admin, token, App, BANK_A, BANK_B};

const BASE: &str = "/compat/connectfinancial";

fn individual() -> Value {
    json!({
        "email": "ada@example.com",
        "phone": "(212) 555-0100",
        "phoneCountryCode": "1",
        "basicData": {"firstName": "Ada", "lastName": "Lovelace", "dateOfBirth": "1985-12-10",
                      "country": "GB", "occupation": "15"},
        "taxInformation": {"type": "NATIONAL_INSURANCE_NUMBER", "number": "QQ123456C", "country": "GB"},
        "identification": {"type": "PASSPORT", "number": "X1234567", "country": "GB"},
        "mainAddress": {"street": "12 St James's Square", "city": "London", "postalCode": "SW1Y 4JH",
                        "country": "GB"},
        "pep": {"isPep": false}
    })
}

fn business() -> Value {
    json!({
        "email": "ops@engines.example",
        "phone": "20 7946 0958",
        "phoneCountryCode": "44",
        "basicData": {"name": "Analytical Engines Ltd", "tradeName": "Engines",
                      "registrationNumber": "01234567", "incorporationDate": "2010-05-01",
                      "country": "GB", "website": "https://engines.example/"},
        "taxInformation": {"type": "TAX_CODE", "number": "GB123456789", "country": "GB"},
        "identification": {"number": "01234567", "country": "GB"},
        "mainAddress": {"street": "1 Old Street", "city": "London", "country": "GB"}
    })
}

/// A UUID in its hyphenated form.
fn is_uuid(id: &str) -> bool {
    let lengths: Vec<usize> = id.split('-').map(str::len).collect();
    lengths == [8, 4, 4, 4, 12]
}

#[tokio::test]
async fn an_individual_is_created_with_the_documented_answer_and_reads_everywhere() {
    let app = App::new();
    let created = app
        .send_with(
            "POST",
            &format!("{BASE}/customers/individual"),
            Some(&admin()),
            Some(individual()),
            &[("x-request-id", "trace-1")],
        )
        .await
        .expect(201);
    // `{traceId, message, data: {id}}`, the trace id being the request's.
    assert_eq!(created.json["traceId"], "trace-1");
    assert_eq!(created.json["message"], "Customer created with success.");
    let id = created.json["data"]["id"].as_str().unwrap().to_owned();
    assert!(is_uuid(&id), "{id}");
    assert_eq!(created.json.as_object().unwrap().len(), 3);
    let read = app.get(&format!("{BASE}/customers/{id}")).await.expect(200);
    assert_eq!(
        read.json["data"],
        json!({"id": id, "name": "Ada Lovelace", "type": "NATURAL", "portfolios": []})
    );
    assert!(read.json["traceId"].is_string() && read.json["message"].is_string());
    // Natively: E.164 phone, gender defaulted to O, the tax and passport numbers.
    let guid = id.replace('-', "");
    let native = app
        .get(&format!("/api/customers/{guid}?include_pii=true"))
        .await
        .expect(200);
    assert_eq!(native.json["phone_number"], "+12125550100");
    assert_eq!(native.json["gender"], "O");
    assert_eq!(native.json["occupation"], "15");
    assert_eq!(
        native.json["tax_identification"],
        json!({"number": "QQ123456C", "type": "national_tax_id", "country_code": "GB"})
    );
    assert_eq!(native.json["pep"], json!({"is_pep": false}));
    // Through Layer2 and SpherePay.
    let layer2 = app
        .get(&format!("/compat/layer2/v1/customers/{guid}"))
        .await
        .expect(200);
    assert_eq!(layer2.json["data"]["telephone_number"], "+12125550100");
    let spherepay = app
        .get(&format!("/compat/spherepay/v2/customer/customer_{guid}"))
        .await
        .expect(200);
    assert_eq!(spherepay.json["personalInformation"]["gender"], "other");
}

#[tokio::test]
async fn a_business_is_created_and_its_compliance_status_read() {
    let app = App::new();
    let created = app
        .post(&format!("{BASE}/customers/business"), business())
        .await
        .expect(201);
    let id = created.json["data"]["id"].as_str().unwrap().to_owned();
    let read = app.get(&format!("{BASE}/customers/{id}")).await.expect(200);
    assert_eq!(read.json["data"]["type"], "LEGAL");
    assert_eq!(read.json["data"]["name"], "Analytical Engines Ltd");
    let status = app
        .get(&format!("{BASE}/v1/compliance/business/status/{id}"))
        .await
        .expect(200);
    let data = &status.json["data"];
    assert_eq!(data["isCompliant"], false);
    assert_eq!(data["onboardingStatus"], "PENDING");
    let next = data["nextAction"].as_str().unwrap();
    assert!(
        [
            "ADD_PERSON_RELATIONS",
            "UPLOAD_BUSINESS_DOCUMENT",
            "UPDATE_BUSINESS_DATA"
        ]
        .contains(&next),
        "{data}"
    );
    let failed: Vec<&str> = data["summary"]["requiredFailed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(failed.contains(&"KYB_STATUS"), "{failed:?}");
    for check in data["checks"].as_array().unwrap() {
        assert_eq!(
            check["passed"] == false,
            check.get("suggestedAction").is_some(),
            "{check}"
        );
    }
    // A business on the person's route, and the reverse, name nothing.
    app.get(&format!("{BASE}/v1/compliance/status/{id}"))
        .await
        .expect(404);
}

#[tokio::test]
async fn a_verified_person_is_compliant() {
    let app = App::new();
    let guid = app.ready_individual().await;
    let id = format!(
        "{}-{}-{}-{}-{}",
        &guid[..8],
        &guid[8..12],
        &guid[12..16],
        &guid[16..20],
        &guid[20..]
    );
    let before = app
        .get(&format!("{BASE}/v1/compliance/status/{id}"))
        .await
        .expect(200);
    assert_eq!(before.json["data"]["onboardingStatus"], "PROCESSING");
    assert_eq!(before.json["data"]["nextAction"], "WAIT");
    app.post(&format!("/api/customers/{guid}/verify"), json!({}))
        .await
        .expect(200);
    let after = app
        .get(&format!("{BASE}/v1/compliance/status/{id}"))
        .await
        .expect(200);
    let data = &after.json["data"];
    assert_eq!(data["isCompliant"], true);
    assert_eq!(data["onboardingStatus"], "APPROVED");
    assert_eq!(data["nextAction"], "NONE");
    assert_eq!(data["summary"]["failed"], 0);
    assert_eq!(data["summary"]["requiredFailed"], json!([]));
}

#[tokio::test]
async fn bad_input_gets_connects_error_body_and_stores_nothing() {
    let app = App::new();
    let mut body = individual();
    body["basicData"]["gender"] = json!("X");
    body["basicData"]["occupation"] = json!("99");
    body["taxInformation"]["type"] = json!("SSN");
    body["pep"] = json!({"isPep": true});
    body["phoneCountryCode"] = json!("00001");
    let refused = app
        .post(&format!("{BASE}/customers/individual"), body)
        .await
        .expect(400);
    // `{traceId, message}` only.
    let error = refused.json.as_object().unwrap();
    assert_eq!(error.len(), 2, "{}", refused.json);
    let message = error["message"].as_str().unwrap();
    for field in ["phoneCountryCode: ", "taxInformation.type: "] {
        assert!(message.contains(field), "{field} in {message}");
    }
    // Once translated, the domain's errors in Connect's names.
    let mut body = individual();
    body["basicData"]["gender"] = json!("X");
    body["basicData"]["occupation"] = json!("99");
    body["pep"] = json!({"isPep": true});
    let refused = app
        .post(&format!("{BASE}/customers/individual"), body)
        .await
        .expect(400);
    let message = refused.json["message"].as_str().unwrap();
    for field in [
        "basicData.gender: ",
        "basicData.occupation: ",
        "pep.explanation: ",
    ] {
        assert!(message.contains(field), "{field} in {message}");
    }
    let missing = app
        .post(
            &format!("{BASE}/customers/individual"),
            json!({"email": "a@example.com"}),
        )
        .await
        .expect(400);
    assert!(missing.json["message"]
        .as_str()
        .unwrap()
        .contains("basicData: is required"));
    assert_eq!(app.get("/api/customers").await.json["total"], 0);
    // Unknown ids 404; a bad key 403 (Connect's status for it), sent bare or as a bearer.
    let unknown = app
        .get(&format!(
            "{BASE}/customers/0190f5a3-c2b4-7c3e-8a1d-2e3f00000000"
        ))
        .await
        .expect(404);
    assert!(unknown.json["traceId"].is_string());
    app.get(&format!("{BASE}/customers/not-a-uuid"))
        .await
        .expect(404);
    let bare = app
        .send_with(
            "GET",
            &format!("{BASE}/v1/customers"),
            None,
            None,
            &[("authorization", "not-a-key")],
        )
        .await
        .expect(403);
    assert_eq!(bare.json.as_object().unwrap().len(), 2);
    // No key at all: 401, as HTTP says.
    app.send("GET", &format!("{BASE}/v1/customers"), None, None)
        .await
        .expect(401);
    // The real key, bare, works.
    app.send_with(
        "GET",
        &format!("{BASE}/v1/customers"),
        None,
        None,
        &[("authorization", admin().as_str())],
    )
    .await
    .expect(200);
    // Another tenant's customer is not found.
    let created = app
        .post(&format!("{BASE}/customers/individual"), individual())
        .await
        .expect(201);
    let id = created.json["data"]["id"].as_str().unwrap();
    let other = token(BANK_B, crate::support::ALL);
    app.send("GET", &format!("{BASE}/customers/{id}"), Some(&other), None)
        .await
        .expect(404);
}

#[tokio::test]
async fn the_list_pages_by_limit_and_offset() {
    let app = App::new();
    for n in 0..5 {
        let mut body = individual();
        body["email"] = json!(format!("p{n}@example.com"));
        body["identification"]["number"] = json!(format!("X{n}"));
        body["taxInformation"]["number"] = json!(format!("QQ12345{n}C"));
        app.post(&format!("{BASE}/customers/individual"), body)
            .await
            .expect(201);
    }
    let all = app
        .get(&format!("{BASE}/v1/customers?limit=200"))
        .await
        .expect(200);
    let ids: Vec<&str> = all.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5);
    assert_eq!(
        all.json["pagination"],
        json!({"totalResults": 5, "hasMoreResults": false})
    );
    let window = app
        .get(&format!("{BASE}/v1/customers?limit=2&offset=3"))
        .await
        .expect(200);
    let windowed: Vec<&str> = window.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(windowed, ids[3..5]);
    assert_eq!(window.json["pagination"]["hasMoreResults"], false);
    let first = app
        .get(&format!("{BASE}/v1/customers?limit=2"))
        .await
        .expect(200);
    assert_eq!(first.json["pagination"]["hasMoreResults"], true);
    app.get(&format!("{BASE}/v1/customers?limit=0"))
        .await
        .expect(400);
    app.get(&format!("{BASE}/v1/customers?sortBy=email"))
        .await
        .expect(400);
    let reader = token(BANK_A, "customers:read");
    app.send("GET", &format!("{BASE}/v1/customers"), Some(&reader), None)
        .await
        .expect(200);
}

/// The page's documented relation body for `user`.
fn relation(user: &str, role: &str, share: Option<&str>) -> Value {
    let mut relation = json!({
        "userId": user,
        "role": role,
        "representingRange": {"startDate": "2024-01-01"}
    });
    if let Some(share) = share {
        relation["ownershipPercentage"] = json!(share);
    }
    json!({ "relation": relation })
}

#[tokio::test]
async fn related_persons_are_the_business_s_associates_taken_from_individual_customers() {
    let app = App::new();
    let person = app
        .post(&format!("{BASE}/customers/individual"), individual())
        .await
        .expect(201)
        .json["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let business_id = app
        .post(&format!("{BASE}/customers/business"), business())
        .await
        .expect(201)
        .json["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let relations = format!("{BASE}/v1/customers/business/{business_id}/related-persons");

    // A shareholder: the documented answer, with the updated list of relations.
    let added = app
        .post(&relations, relation(&person, "SHAREHOLDER", Some("51")))
        .await
        .expect(201);
    assert_eq!(
        added.json["message"],
        "The person relation was successfully added."
    );
    assert!(added.json["traceId"].is_string());
    assert_eq!(
        added.json["data"],
        json!({
            "personRelations": [{"userId": person, "role": "SHAREHOLDER", "ownershipPercentage": "51"}],
            "action": "ADD"
        })
    );
    // The same person as the representative: one associate holding both roles.
    let both = app
        .post(&relations, relation(&person, "REPRESENTATIVE", None))
        .await
        .expect(201);
    assert_eq!(
        both.json["data"]["personRelations"],
        json!([
            {"userId": person, "role": "SHAREHOLDER", "ownershipPercentage": "51"},
            {"userId": person, "role": "REPRESENTATIVE"}
        ])
    );
    // Natively: the person's details, linked to the individual customer, with the period.
    let guid = person.replace('-', "");
    let native = app
        .get(&format!(
            "/api/customers/{}?include_pii=true",
            business_id.replace('-', "")
        ))
        .await
        .expect(200);
    let associates = native.json["associates"].as_array().unwrap();
    assert_eq!(associates.len(), 1, "{}", native.json);
    let associate = &associates[0];
    assert_eq!(associate["customer_guid"], guid.as_str());
    assert_eq!(associate["roles"], json!(["owner", "control_person"]));
    assert_eq!(associate["ownership_percentage"], 51.0);
    assert_eq!(associate["name"]["last"], "Lovelace");
    assert_eq!(associate["date_of_birth"], "1985-12-10");
    assert_eq!(associate["represents_from"], "2024-01-01");
    assert_eq!(associate["nationality"], "GB");
    assert_eq!(
        associate["identification_numbers"][0]["identification_number"],
        "X1234567"
    );

    // An update: the share and the period.
    let mut change = relation(&person, "SHAREHOLDER", Some("30.5"));
    change["relation"]["representingRange"]["endDate"] = json!("2030-12-31");
    let updated = app
        .send("PATCH", &relations, Some(&admin()), Some(change))
        .await
        .expect(200);
    assert_eq!(updated.json["data"]["action"], "UPDATE");
    assert_eq!(
        updated.json["data"]["personRelations"][0]["ownershipPercentage"],
        "30.5"
    );

    // Refusals in Connect's shape, naming the field, changing nothing.
    let again = app
        .post(&relations, relation(&person, "SHAREHOLDER", Some("10")))
        .await;
    assert_eq!(again.status, 409, "{}", again.json);
    let refused = app
        .post(&relations, relation(&person, "SHAREHOLDER", None))
        .await
        .expect(400);
    assert!(refused.json["message"]
        .as_str()
        .unwrap()
        .contains("relation.ownershipPercentage"));
    let mut backwards = relation(&person, "REPRESENTATIVE", None);
    backwards["relation"]["representingRange"]["endDate"] = json!("2020-01-01");
    let refused = app
        .send("PATCH", &relations, Some(&admin()), Some(backwards))
        .await
        .expect(400);
    assert!(refused.json["message"]
        .as_str()
        .unwrap()
        .contains("relation.representingRange.endDate"));
    // A business as the related person, an unknown person, an unknown relation.
    let other = app
        .post(&format!("{BASE}/customers/business"), business())
        .await
        .expect(201)
        .json["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app
        .post(&relations, relation(&other, "REPRESENTATIVE", None))
        .await;
    assert_eq!(refused.status, 409, "{}", refused.json);
    app.post(
        &relations,
        relation(
            "123e4567-e89b-12d3-a456-426614174021",
            "REPRESENTATIVE",
            None,
        ),
    )
    .await
    .expect(404);
    app.send(
        "PATCH",
        &format!("{BASE}/v1/customers/business/{other}/related-persons"),
        Some(&admin()),
        Some(relation(&person, "REPRESENTATIVE", None)),
    )
    .await
    .expect(404);
    // A key that may not read the person's details may not copy them.
    let no_pii = token(BANK_A, "customers:read customers:write");
    let mut someone = individual();
    someone["taxInformation"]["number"] = json!("QQ654321C");
    someone["identification"]["number"] = json!("Y7654321");
    let second = app
        .post(&format!("{BASE}/customers/individual"), someone)
        .await
        .expect(201)
        .json["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let forbidden = app
        .send(
            "POST",
            &relations,
            Some(&no_pii),
            Some(relation(&second, "REPRESENTATIVE", None)),
        )
        .await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.json);
    let after = app
        .get(&format!(
            "/api/customers/{}?include_pii=true",
            business_id.replace('-', "")
        ))
        .await
        .expect(200);
    assert_eq!(after.json["associates"].as_array().unwrap().len(), 1);
    assert_eq!(
        after.json["associates"][0]["represents_until"],
        "2030-12-31"
    );
}
