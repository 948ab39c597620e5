//! Layer2's customer resource under `/compat/layer2` (API 1.0.5, `docs/vendors/layer2.md`):
//! the documented bodies, answers and errors, compared field by field, and the same customer
//! read back through the native API.

use serde_json::{json, Value};

use crate::support::{admin, token, App, BANK_A, BANK_B};

const CUSTOMERS: &str = "/compat/layer2/v1/customers";

/// An `IndividualCustomer` with every documented field.
fn layer2_individual(id: &str) -> Value {
    json!({
        "id": id,
        "customer_type": "INDIVIDUAL",
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
            "primary_source_of_funds_description": "Salary",
            "total_assets": "TEN_TO_100K",
            "usd_value_of_fiat": "UPTO_10K",
            "usd_value_of_crypto": "UPTO_10K",
            "monthly_deposits": "UPTO_5",
            "monthly_withdrawals": "FIVE_TO_10",
            "monthly_crypto_deposits": "UPTO_5",
            "monthly_crypto_withdrawals": "UPTO_5",
            "monthly_investment_deposit": "UPTO_1K",
            "monthly_investment_withdrawal": "UPTO_1K",
            "monthly_crypto_investment_deposit": "ONE_TO_100K",
            "monthly_crypto_investment_withdrawal": "UPTO_1K"
        },
        "kyc_profile": {
            "funds_send_receive_jurisdictions": ["DE", "US"],
            "engage_in_activities": ["NONE"]
        }
    })
}

/// A `CorporationCustomer` with every documented field.
fn layer2_corporation(id: &str) -> Value {
    json!({
        "id": id,
        "customer_type": "CORPORATION",
        "registered_name": "Analytical Engines Ltd",
        "trading_name": "Engines",
        "registered_number": "12-3456789",
        "registered_address": {
            "address_line1": "1 Market St",
            "city": "San Francisco",
            "state": "CA",
            "postal_code": "94105",
            "country_code": "US"
        },
        "telephone_number": "+14155550100",
        "website_address": "https://engines.example/",
        "state_of_incorporation": "DE",
        "country_of_incorporation": "US",
        "corporate_entity_type": "C_CORP_PRIVATE",
        "email_address": "ops@engines.example",
        "established_on": "2010-05-01",
        "naics": "541511",
        "naics_description": "Custom Computer Programming Services",
        "kyc_profile": {"funds_send_receive_jurisdictions": ["US"], "engage_in_activities": ["GAMBLING"]}
    })
}

/// The documented answer's `data` is the request without what the client sent only to us
/// (nothing here), plus `status`.
fn expected_answer(request: &Value, status: &str) -> Value {
    let mut expected = request.clone();
    expected["status"] = json!(status);
    expected
}

#[tokio::test]
async fn an_individual_created_through_layer2_reads_back_field_by_field() {
    let app = App::new();
    let body = layer2_individual("cust-ada-1");
    let created = app.post(CUSTOMERS, body.clone()).await.expect(200);
    // Layer2 answers a create with 200 and the client's id only.
    assert_eq!(created.json, json!({"data": {"id": "cust-ada-1"}}));
    let read = app
        .get(&format!("{CUSTOMERS}/cust-ada-1"))
        .await
        .expect(200);
    assert_eq!(read.json["data"], expected_answer(&body, "PENDING"));

    // The same customer through the native API.
    let native = app.get("/api/customers?include_pii=true").await.expect(200);
    let ours = &native.json["objects"][0];
    assert_eq!(ours["external_id"], "cust-ada-1");
    assert_eq!(ours["name"]["first"], "Ada");
    assert_eq!(ours["us_residency_status"], "us_citizen");
    assert_eq!(ours["employment_status"], "employed");
    assert_eq!(ours["employer_name"], "Analytical Engines Ltd");
    assert_eq!(ours["job_title"], "Programmer");
    assert_eq!(
        ours["source_of_funds"],
        json!({"kind": "employment", "description": "Salary"})
    );
    assert_eq!(
        ours["investment_profile"]["monthly_withdrawals"],
        "five_to_10"
    );
    assert_eq!(ours["jurisdictions"], json!(["DE", "US"]));
    assert_eq!(ours["activities"], json!(["none"]));
    assert_eq!(
        ours["tax_identification"],
        json!({"number": "123-45-6789", "type": "tin", "country_code": "US"})
    );
    assert_eq!(
        ours["identification_numbers"],
        json!([{"type": "passport_number", "issuing_country_code": "US", "identification_number": "X1234567"}])
    );
    // A customer created natively is named by its guid on the Layer2 surface.
    let guid = app.create(crate::support::individual()).await;
    let by_guid = app.get(&format!("{CUSTOMERS}/{guid}")).await.expect(200);
    assert_eq!(by_guid.json["data"]["id"], guid);
    assert_eq!(by_guid.json["data"]["customer_type"], "INDIVIDUAL");
}

#[tokio::test]
async fn a_corporation_created_through_layer2_reads_back_field_by_field() {
    let app = App::new();
    let body = layer2_corporation("corp-1");
    app.post(CUSTOMERS, body.clone()).await.expect(200);
    let read = app.get(&format!("{CUSTOMERS}/corp-1")).await.expect(200);
    let mut expected = expected_answer(&body, "PENDING");
    // A corporation shows its individuals (none yet), read-only.
    expected["individuals"] = json!([]);
    assert_eq!(read.json["data"], expected);
    let native = app.get("/api/customers").await.expect(200);
    let ours = &native.json["objects"][0];
    assert_eq!(ours["type"], "business");
    assert_eq!(ours["entity_type"], "corporation");
    assert_eq!(ours["incorporation_subdivision"], "DE");
    assert_eq!(ours["naics_code"], "541511");
    assert_eq!(ours["aliases"], json!([{"full": "Engines"}]));
}

#[tokio::test]
async fn bad_input_gets_layer2_errors_naming_its_fields_and_stores_nothing() {
    let app = App::new();
    let mut body = layer2_individual("cust-bad");
    body["mailing_address"]["country_code"] = json!("XX");
    body["employment_status"] = json!("EMPLOYED");
    body["investment_profile"]["monthly_deposits"] = json!("UPTO_10K");
    body["date_of_birth"] = json!("1985-13-40");
    let refused = app.post(CUSTOMERS, body).await.expect(400);
    let errors = refused.json["errors"].as_array().unwrap().clone();
    // Layer2's error body: a list of {description, code}, nothing else.
    assert_eq!(
        refused.json.as_object().unwrap().len(),
        1,
        "{}",
        refused.json
    );
    let described: Vec<&str> = errors
        .iter()
        .map(|e| e["description"].as_str().unwrap())
        .collect();
    assert!(
        described
            .iter()
            .any(|d| d.starts_with("employment_status: ")),
        "{described:?}"
    );
    assert!(errors
        .iter()
        .all(|e| e.as_object().unwrap().len() == 2 && e["code"].is_string()));
    // The employment status is refused before the domain runs; the rest after it, with
    // Layer2's names for our paths.
    let mut fixed = layer2_individual("cust-bad");
    fixed["mailing_address"]["country_code"] = json!("XX");
    fixed["investment_profile"]["monthly_deposits"] = json!("UPTO_10K");
    fixed["date_of_birth"] = json!("1985-13-40");
    let refused = app.post(CUSTOMERS, fixed).await.expect(400);
    let described: Vec<String> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["description"].as_str().unwrap().to_owned())
        .collect();
    for field in [
        "mailing_address.country_code: ",
        "investment_profile.monthly_deposits: ",
        "date_of_birth: ",
    ] {
        assert!(
            described.iter().any(|d| d.starts_with(field)),
            "{field} in {described:?}"
        );
    }
    // Missing id and type; an unknown field; a corporation field on an individual.
    let refused = app
        .post(CUSTOMERS, json!({"first_name": "Ada", "last_name": "L"}))
        .await
        .expect(400);
    let codes: Vec<&str> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["description"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["customer_type: is required", "id: is required"]);
    app.post(CUSTOMERS, json!({"id": "x", "customer_type": "INDIVIDUAL", "first_name": "A", "last_name": "B", "shoe_size": 9}))
        .await
        .expect(400);
    let refused = app
        .post(CUSTOMERS, json!({"id": "x", "customer_type": "INDIVIDUAL", "first_name": "A", "last_name": "B", "registered_name": "Acme"}))
        .await
        .expect(400);
    assert_eq!(refused.json["errors"][0]["code"], "not_allowed");
    // Nothing was stored.
    let listed = app.get("/api/customers").await.expect(200);
    assert_eq!(listed.json["total"], 0);
    // Unknown ids, and another tenant's customers, are Layer2 404s.
    app.post(CUSTOMERS, layer2_individual("mine"))
        .await
        .expect(200);
    let missing = app.get(&format!("{CUSTOMERS}/nobody")).await.expect(404);
    assert_eq!(missing.json["errors"][0]["code"], "customer_not_found");
    let other = token(BANK_B, crate::support::ALL);
    let foreign = app
        .send("GET", &format!("{CUSTOMERS}/mine"), Some(&other), None)
        .await
        .expect(404);
    assert!(foreign.json["errors"].is_array());
    // No token: Layer2's shape too.
    let anonymous = app.send("GET", CUSTOMERS, None, None).await.expect(401);
    assert!(anonymous.json["errors"][0]["code"].is_string());
}

#[tokio::test]
async fn layer2_headers_carry_the_request_id_and_the_idempotency_key() {
    let app = App::new();
    let body = layer2_individual("cust-idem");
    let headers = [
        ("x-l2f-request-id", "req-123"),
        ("x-l2f-idempotency-id", "key-1"),
    ];
    let first = app
        .send_with(
            "POST",
            CUSTOMERS,
            Some(&admin()),
            Some(body.clone()),
            &headers,
        )
        .await
        .expect(200);
    assert_eq!(first.header("x-l2f-request-id"), Some("req-123"));
    assert_eq!(first.header("x-request-id"), Some("req-123"));
    // A retry with the same key replays the answer and creates nothing more.
    let replay = app
        .send_with(
            "POST",
            CUSTOMERS,
            Some(&admin()),
            Some(body.clone()),
            &headers,
        )
        .await
        .expect(200);
    assert_eq!(replay.json, first.json);
    assert_eq!(app.get("/api/customers").await.json["total"], 1);
    // The same id without the key is a conflict on the id.
    let again = app.post(CUSTOMERS, body).await;
    assert_eq!(again.status, 409, "{}", again.json);
    // The native audit trail records the request id.
    let guid = app.get("/api/customers").await.json["objects"][0]["guid"]
        .as_str()
        .unwrap()
        .to_owned();
    let trail = app
        .get(&format!("/api/customers/{guid}/events"))
        .await
        .expect(200);
    assert_eq!(
        trail.json["events"][0]["request_id"], "req-123",
        "{}",
        trail.json
    );
}

#[tokio::test]
async fn a_layer2_patch_changes_fields_by_their_layer2_names() {
    let app = App::new();
    app.post(CUSTOMERS, layer2_individual("cust-p"))
        .await
        .expect(200);
    let patched = app
        .send(
            "PATCH",
            &format!("{CUSTOMERS}/cust-p"),
            Some(&admin()),
            Some(json!({
                "updates": [
                    {"field": "mailing_address.city", "value": "Dallas"},
                    {"field": "employer_name", "value": "Difference Engines"},
                    {"field": "kyc_profile.funds_send_receive_jurisdictions", "value": "US,FR"}
                ],
                "updated_by": "ops@platform",
                "reason": "customer moved"
            })),
        )
        .await
        .expect(200);
    assert_eq!(patched.json, json!({"data": {"id": "cust-p"}}));
    let read = app.get(&format!("{CUSTOMERS}/cust-p")).await.expect(200);
    let data = &read.json["data"];
    assert_eq!(data["mailing_address"]["city"], "Dallas");
    assert_eq!(data["mailing_address"]["address_line1"], "1 Congress Ave");
    assert_eq!(data["employer_name"], "Difference Engines");
    assert_eq!(
        data["kyc_profile"]["funds_send_receive_jurisdictions"],
        json!(["FR", "US"])
    );
    assert_eq!(data["first_name"], "Ada");
    // A bad value is named by its Layer2 field; the id cannot change.
    let refused = app
        .send(
            "PATCH",
            &format!("{CUSTOMERS}/cust-p"),
            Some(&admin()),
            Some(json!({"updates": [{"field": "telephone_number", "value": "12"}]})),
        )
        .await
        .expect(400);
    assert!(
        refused.json["errors"][0]["description"]
            .as_str()
            .unwrap()
            .starts_with("telephone_number: "),
        "{}",
        refused.json
    );
    let refused = app
        .send(
            "PATCH",
            &format!("{CUSTOMERS}/cust-p"),
            Some(&admin()),
            Some(json!({"updates": [{"field": "id", "value": "other"}]})),
        )
        .await
        .expect(400);
    assert!(refused.json["errors"][0]["description"]
        .as_str()
        .unwrap()
        .starts_with("updates[0].field: "));
}

#[tokio::test]
async fn the_layer2_list_pages_and_filters_by_type_and_status() {
    let app = App::new();
    for n in 0..3 {
        app.post(CUSTOMERS, layer2_individual(&format!("ind-{n}")))
            .await
            .expect(200);
    }
    app.post(CUSTOMERS, layer2_corporation("corp"))
        .await
        .expect(200);
    let page = app
        .get(&format!("{CUSTOMERS}?page=0&page_size=2&type=INDIVIDUAL"))
        .await
        .expect(200);
    assert_eq!(page.json["data"]["customers"].as_array().unwrap().len(), 2);
    assert_eq!(
        page.json["links"]["next"],
        "/compat/layer2/v1/customers?page=1&page_size=2&type=INDIVIDUAL"
    );
    assert_eq!(
        page.json["links"]["last"],
        "/compat/layer2/v1/customers?page=1&page_size=2&type=INDIVIDUAL"
    );
    let pending = app
        .get(&format!("{CUSTOMERS}?status=PENDING&page_size=100"))
        .await
        .expect(200);
    assert_eq!(
        pending.json["data"]["customers"].as_array().unwrap().len(),
        4
    );
    let active = app
        .get(&format!("{CUSTOMERS}?status=ACTIVE"))
        .await
        .expect(200);
    assert!(active.json["data"]["customers"]
        .as_array()
        .unwrap()
        .is_empty());
    let edd = app
        .get(&format!("{CUSTOMERS}?status=EDD"))
        .await
        .expect(200);
    assert!(edd.json["data"]["customers"].as_array().unwrap().is_empty());
    let bad = app
        .get(&format!("{CUSTOMERS}?status=OPEN"))
        .await
        .expect(400);
    assert!(bad.json["errors"][0]["description"]
        .as_str()
        .unwrap()
        .starts_with("status: "));
    // A reader without the write scope may list; without the read scope, may not.
    let reader = token(BANK_A, "customers:read");
    app.send("GET", CUSTOMERS, Some(&reader), None)
        .await
        .expect(200);
    let writer = token(BANK_A, "customers:write");
    app.send("GET", CUSTOMERS, Some(&writer), None)
        .await
        .expect(403);
}

#[tokio::test]
async fn the_layer2_operations_are_in_the_served_contract() {
    let app = App::new();
    let spec = app.get("/openapi.json").await.expect(200).json;
    let paths = &spec["paths"];
    for (path, method, operation) in [
        (CUSTOMERS, "post", "layer2_create_customer"),
        (CUSTOMERS, "get", "layer2_list_customers"),
        (
            "/compat/layer2/v1/customers/{id}",
            "get",
            "layer2_get_customer",
        ),
        (
            "/compat/layer2/v1/customers/{id}",
            "patch",
            "layer2_update_customer",
        ),
        (
            "/compat/layer2/v1/customers/{id}/individuals",
            "post",
            "layer2_add_individual",
        ),
        (
            "/compat/layer2/v1/customers/{id}/individuals/{individual_id}",
            "get",
            "layer2_get_individual",
        ),
        (
            "/compat/layer2/v1/customers/{id}/individuals/{individual_id}",
            "patch",
            "layer2_update_individual",
        ),
        (
            "/compat/layer2/v1/applications",
            "post",
            "layer2_start_application",
        ),
        (
            "/compat/layer2/v1/applications/{id}",
            "get",
            "layer2_get_application",
        ),
        (
            "/compat/layer2/v1/applications/{id}",
            "patch",
            "layer2_update_application",
        ),
        (
            "/compat/layer2/v1/applications/{id}/status",
            "get",
            "layer2_get_application_status",
        ),
        (
            "/compat/layer2/v1/applications/{id}/submit",
            "post",
            "layer2_submit_application",
        ),
        (
            "/compat/layer2/v1/applications/{id}/individual",
            "post",
            "layer2_add_application_individual",
        ),
        (
            "/compat/layer2/v1/applications/{id}/individual/{individual_id}",
            "patch",
            "layer2_update_application_individual",
        ),
    ] {
        let declared = &paths[path][method];
        assert_eq!(declared["operationId"], operation, "{path} {method}");
        let parameters: Vec<&str> = declared["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert!(parameters.contains(&"x-l2f-request-id"), "{parameters:?}");
        assert_eq!(
            parameters.contains(&"x-l2f-idempotency-id"),
            method != "get",
            "{parameters:?}"
        );
        assert_eq!(
            declared["responses"]["400"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Layer2Errors"
        );
    }
    let schemas = &spec["components"]["schemas"];
    // The create body is one of the two documented shapes, each closed.
    let shapes = schemas["Layer2Customer"]["oneOf"].as_array().unwrap();
    assert_eq!(shapes.len(), 2);
    let applications = schemas["Layer2Application"]["oneOf"].as_array().unwrap();
    assert_eq!(applications.len(), 2);
    assert_eq!(
        paths["/compat/layer2/v1/applications/{id}/individual/{individual_id}"]["delete"]
            ["operationId"],
        "layer2_delete_application_individual"
    );
    assert!(schemas["Layer2CustomerPatch"]["properties"]["updates"]["minItems"] == 1);
}

/// A `RequestIndividual` with every documented field: a beneficial owner who is also an
/// officer.
fn layer2_owner() -> Value {
    json!({
        "title": "CEO",
        "individual_type": ["BENEFICIAL_OWNER", "OFFICER"],
        "first_name": "Grace",
        "middle_name": "Brewster",
        "last_name": "Hopper",
        "email_address": "grace@engines.example",
        "mailing_address": {
            "address_line1": "2 Navy Yard",
            "address_line2": "Building 7",
            "city": "Arlington",
            "state": "VA",
            "postal_code": "22202",
            "country_code": "US"
        },
        "telephone_number": "+17035550100",
        "tax_reference_number": "987-65-4320",
        "passport_number": "P7654321",
        "nationality": "US",
        "date_of_birth": "1976-12-09",
        "us_residency_status": "US_CITIZEN",
        "percentage_ownership": 60
    })
}

#[tokio::test]
async fn a_corporations_individuals_are_added_read_and_changed_by_their_layer2_names() {
    let app = App::new();
    app.post(CUSTOMERS, layer2_corporation("corp-ind"))
        .await
        .expect(200);
    let individuals = format!("{CUSTOMERS}/corp-ind/individuals");
    let headers = [
        ("x-l2f-request-id", "req-ind-1"),
        ("x-l2f-idempotency-id", "ind-key-1"),
    ];
    let added = app
        .send_with(
            "POST",
            &individuals,
            Some(&admin()),
            Some(layer2_owner()),
            &headers,
        )
        .await
        .expect(200);
    // Layer2 answers with the new individual's id only; a retry under the key replays it.
    let id = added.json["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(added.json, json!({"data": {"id": id}}));
    assert_eq!(added.header("x-l2f-request-id"), Some("req-ind-1"));
    let replay = app
        .send_with(
            "POST",
            &individuals,
            Some(&admin()),
            Some(layer2_owner()),
            &headers,
        )
        .await
        .expect(200);
    assert_eq!(replay.json, added.json);

    // Read back field by field: the request plus the id.
    let read = app.get(&format!("{individuals}/{id}")).await.expect(200);
    let mut expected = layer2_owner();
    expected["id"] = json!(id);
    assert_eq!(read.json["data"], expected);
    // The corporation lists it, and the native API shows the same person as an associate.
    let corporation = app.get(&format!("{CUSTOMERS}/corp-ind")).await.expect(200);
    assert_eq!(corporation.json["data"]["individuals"], json!([expected]));
    let native = app.get("/api/customers?include_pii=true").await.expect(200);
    let associates = &native.json["objects"][0]["associates"];
    assert_eq!(associates.as_array().unwrap().len(), 1, "{associates}");
    let associate = &associates[0];
    assert_eq!(associate["guid"], id.as_str());
    assert_eq!(associate["roles"], json!(["owner", "officer"]));
    assert_eq!(associate["ownership_percentage"], 60.0);
    assert_eq!(associate["job_title"], "CEO");
    assert_eq!(associate["phone_number"], "+17035550100");
    assert_eq!(associate["us_residency_status"], "us_citizen");
    assert_eq!(
        associate["tax_identification"],
        json!({"number": "987-65-4320", "type": "tin", "country_code": "US"})
    );
    assert_eq!(
        associate["identification_numbers"],
        json!([{"type": "passport_number", "issuing_country_code": "US", "identification_number": "P7654321"}])
    );

    // A patch by Layer2 names: one member of the address, a part of the name, the types.
    let changed = app
        .send(
            "PATCH",
            &format!("{individuals}/{id}"),
            Some(&admin()),
            Some(json!({"updates": [
                {"field": "mailing_address.city", "value": "Alexandria"},
                {"field": "last_name", "value": "Murray Hopper"},
                {"field": "individual_type", "value": "BENEFICIAL_OWNER, CONTROL_PERSON"},
                {"field": "percentage_ownership", "value": "55"}
            ]})),
        )
        .await
        .expect(200);
    assert_eq!(changed.json, json!({"data": {"id": id}}));
    let read = app.get(&format!("{individuals}/{id}")).await.expect(200);
    expected["mailing_address"]["city"] = json!("Alexandria");
    expected["last_name"] = json!("Murray Hopper");
    expected["individual_type"] = json!(["BENEFICIAL_OWNER", "CONTROL_PERSON"]);
    expected["percentage_ownership"] = json!(55);
    assert_eq!(read.json["data"], expected);

    // The audit trail carries the request id of the addition.
    let guid = native.json["objects"][0]["guid"]
        .as_str()
        .unwrap()
        .to_owned();
    let trail = app
        .get(&format!("/api/customers/{guid}/events"))
        .await
        .expect(200);
    let added_event = trail.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "AssociateAdded")
        .unwrap_or_else(|| panic!("{}", trail.json));
    assert_eq!(added_event["request_id"], "req-ind-1");
}

#[tokio::test]
async fn bad_individuals_get_layer2_errors_naming_their_fields_and_change_nothing() {
    let app = App::new();
    app.post(CUSTOMERS, layer2_corporation("corp-bad"))
        .await
        .expect(200);
    app.post(CUSTOMERS, layer2_individual("person-1"))
        .await
        .expect(200);
    let individuals = format!("{CUSTOMERS}/corp-bad/individuals");
    let descriptions = |json: &Value| -> Vec<String> {
        json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["description"].as_str().unwrap().to_owned())
            .collect()
    };

    // Missing and wrong fields: 400 in Layer2's shape, each named as Layer2 names it.
    let refused = app.post(&individuals, json!({})).await.expect(400);
    let found = descriptions(&refused.json);
    for field in ["first_name", "last_name", "individual_type"] {
        assert!(
            found.iter().any(|d| d.starts_with(&format!("{field}: "))),
            "{field} in {found:?}"
        );
    }
    // Layer2's own rules first (its types, whole shares), then the values' rules.
    let mut bad = layer2_owner();
    bad["individual_type"] = json!(["INDIVIDUAL"]);
    bad["percentage_ownership"] = json!(12.5);
    let refused = app.post(&individuals, bad).await.expect(400);
    assert_eq!(
        descriptions(&refused.json),
        [
            "individual_type[0]: must be one of: OFFICER, BENEFICIAL_OWNER, CONTROL_PERSON, \
             AUTHORIZED_PERSON",
            "percentage_ownership: must be a whole number from 0 to 100"
        ]
    );
    let mut bad = layer2_owner();
    bad["nationality"] = json!("XX");
    bad["telephone_number"] = json!("555");
    bad["date_of_birth"] = json!("2999-01-01");
    bad["mailing_address"]["city"] = json!(" ");
    let refused = app.post(&individuals, bad).await.expect(400);
    let found = descriptions(&refused.json);
    for field in [
        "nationality",
        "telephone_number",
        "date_of_birth",
        "mailing_address.city",
    ] {
        assert!(
            found.iter().any(|d| d.starts_with(&format!("{field}: "))),
            "{field} in {found:?}"
        );
    }
    // A domain rule on the stored corporation: shares beyond 100 are a conflict.
    app.post(&individuals, layer2_owner()).await.expect(200);
    let too_much = app.post(&individuals, layer2_owner()).await;
    assert_eq!(too_much.status, 409, "{}", too_much.json);
    assert!(
        descriptions(&too_much.json)[0].starts_with("percentage_ownership: "),
        "{}",
        too_much.json
    );
    // Individuals belong to corporations; an unknown customer or individual is a 404.
    let on_person = app
        .post(&format!("{CUSTOMERS}/person-1/individuals"), layer2_owner())
        .await;
    assert_eq!(on_person.status, 409, "{}", on_person.json);
    app.post(&format!("{CUSTOMERS}/nobody/individuals"), layer2_owner())
        .await
        .expect(404);
    app.get(&format!("{individuals}/not-an-id"))
        .await
        .expect(404);
    // Patches: an unknown field is 400, a member of an address the individual lacks is 409.
    let native = app.get("/api/customers?include_pii=true").await.expect(200);
    let corporation = native.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["external_id"] == "corp-bad")
        .unwrap()
        .clone();
    let id = corporation["associates"][0]["guid"].as_str().unwrap();
    let refused = app
        .send(
            "PATCH",
            &format!("{individuals}/{id}"),
            Some(&admin()),
            Some(json!({"updates": [{"field": "percentage_ownership", "value": "007"}]})),
        )
        .await
        .expect(400);
    assert_eq!(
        descriptions(&refused.json),
        ["updates[0].value: must be a whole number from 0 to 100"]
    );
    let bare_id = {
        app.post(
            &format!("{CUSTOMERS}/corp-bad/individuals"),
            json!({"first_name": "Alan", "last_name": "Turing", "individual_type": ["OFFICER"]}),
        )
        .await
        .expect(200)
        .json["data"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let conflict = app
        .send(
            "PATCH",
            &format!("{individuals}/{bare_id}"),
            Some(&admin()),
            Some(json!({"updates": [{"field": "mailing_address.city", "value": "Paris"}]})),
        )
        .await;
    assert_eq!(conflict.status, 409, "{}", conflict.json);
    // Nothing refused was stored: the corporation holds the two accepted individuals, as
    // they were sent.
    let after = app.get(&format!("{CUSTOMERS}/corp-bad")).await.expect(200);
    let shown = after.json["data"]["individuals"].as_array().unwrap();
    assert_eq!(shown.len(), 2);
    assert!(
        shown
            .iter()
            .all(|i| i.get("mailing_address").is_none()
                || i["mailing_address"]["city"] == "Arlington")
    );
}
