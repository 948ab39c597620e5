//! Bodies and query strings exactly as Cybrid's official Python client
//! (`cybrid-api-bank-python` 0.129.1425) sends them, and the answer shapes it parses.

use serde_json::json;

use crate::support::{admin, App};

/// `PostCustomer` for a business as the client serializes it: optional fields the caller set
/// to `None` go as `null`, aliases as `PostCustomerAliasesInner` objects, identification
/// numbers with `issuing_subdivision`.
fn cybrid_business() -> serde_json::Value {
    json!({
        "type": "business",
        "name": {"full": "Analytical Engines Ltd", "first": null},
        "address": {"street": "1 Market St", "city": "San Francisco", "country_code": "US",
                    "street2": null},
        "website": "https://engines.example/",
        "aliases": [{"full": "Engines"}],
        "identification_numbers": [{"type": "employer_identification_number",
                                    "issuing_country_code": "US",
                                    "identification_number": "12-3456789",
                                    "issuing_subdivision": null}],
        "phone_number": null,
        "labels": ["x"]
    })
}

#[tokio::test]
async fn create_accepts_the_clients_business_body_and_answers_aliases_as_objects() {
    let app = App::new();
    let guid = app.create(cybrid_business()).await;
    // Python's requests spell booleans `True` / `False`.
    let got = app
        .get(&format!("/api/customers/{guid}?include_pii=True"))
        .await
        .expect(200);
    let body = &got.json;
    assert_eq!(body["name"]["full"], "Analytical Engines Ltd");
    assert_eq!(body["address"]["city"], "San Francisco");
    assert_eq!(body["website"], "https://engines.example/");
    // The client parses each alias as a name object (`CustomerAliasesInner`), not a string.
    assert_eq!(body["aliases"], json!([{"full": "Engines"}]));
    assert_eq!(
        body["identification_numbers"],
        json!([{"type": "employer_identification_number", "issuing_country_code": "US",
                "identification_number": "12-3456789"}])
    );
    assert!(body.get("phone_number").is_none(), "{body}");
}

#[tokio::test]
async fn include_pii_accepts_pythons_capitalised_booleans() {
    let app = App::new();
    let guid = app
        .create(
            json!({"type": "individual", "name": {"first": "Ada", "last": "Lovelace"},
                       "email_address": "ada@example.com", "date_of_birth": "1990-04-21"}),
        )
        .await;
    let shown = app
        .get(&format!("/api/customers/{guid}?include_pii=True"))
        .await
        .expect(200);
    assert_eq!(shown.json["email_address"], "ada@example.com");
    assert_eq!(shown.json["date_of_birth"], "1990-04-21");
    let hidden = app
        .get(&format!("/api/customers/{guid}?include_pii=False"))
        .await
        .expect(200);
    assert!(hidden.json.get("email_address").is_none());
    let list = app
        .get("/api/customers?page=0&per_page=1&type=individual&include_pii=True")
        .await
        .expect(200);
    assert_eq!(list.json["objects"][0]["email_address"], "ada@example.com");
    app.get(&format!("/api/customers/{guid}?include_pii=1"))
        .await
        .expect_error(400, "malformed_request");
}

#[tokio::test]
async fn a_set_issuing_subdivision_is_refused_not_dropped() {
    let app = App::new();
    let mut body = cybrid_business();
    body["identification_numbers"][0]["issuing_subdivision"] = json!("CA");
    let reply = app
        .post("/api/customers", body)
        .await
        .expect_error(422, "validation");
    assert_eq!(
        reply.json["errors"][0]["field"],
        "identification_numbers[0].issuing_subdivision"
    );
    assert_eq!(app.store.customer_count(), 0);
}

#[tokio::test]
async fn cybrid_identification_type_names_map_to_ours() {
    let app = App::new();
    let guid = app
        .create(json!({"type": "individual",
                       "identification_numbers": [{"type": "passport",
                                                   "issuing_country_code": "GB",
                                                   "identification_number": "123456789"}]}))
        .await;
    let got = app
        .get(&format!("/api/customers/{guid}?include_pii=true"))
        .await
        .expect(200);
    assert_eq!(
        got.json["identification_numbers"][0]["type"],
        "passport_number"
    );
}

#[tokio::test]
async fn an_alias_is_one_name() {
    let app = App::new();
    let mut body = cybrid_business();
    body["aliases"] = json!([{"full": "Engines", "first": "Analytical"}]);
    let reply = app
        .post("/api/customers", body)
        .await
        .expect_error(422, "validation");
    assert_eq!(reply.json["errors"][0]["field"], "aliases[0].first");
    // Plain strings (the domain's own form) still work.
    let mut body = cybrid_business();
    body["aliases"] = json!(["Engines"]);
    app.post("/api/customers", body).await.expect(201);
}

#[tokio::test]
async fn patch_details_accept_alias_objects() {
    let app = App::new();
    let guid = app.create(cybrid_business()).await;
    let reply = app
        .send(
            "PATCH",
            &format!("/api/customers/{guid}"),
            Some(&admin()),
            Some(json!({"aliases": [{"full": "Engines"}, {"full": "AE"}]})),
        )
        .await
        .expect(200);
    let mut aliases: Vec<_> = reply.json["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["full"].as_str().unwrap().to_owned())
        .collect();
    aliases.sort();
    assert_eq!(aliases, ["AE", "Engines"]);
}
