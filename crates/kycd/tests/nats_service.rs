//! The NATS request/reply service of a running kycd: a round trip for every command and every
//! query operation, the error replies, authentication with the HTTP API's bearer tokens, and
//! the micro service's discovery endpoints.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use async_nats::HeaderMap;
use futures::StreamExt as _;
use kyc_nats::service::{command_ops, query_ops};
use serde_json::{json, Value};
use support::{
    associate, business, document, individual, newest_document, shared_nats, token, Env, ALL,
    BANK_A, BANK_B, SECRET,
};

struct Nats {
    client: async_nats::Client,
    prefix: String,
    used: std::sync::Mutex<BTreeSet<String>>,
    /// `Bearer <token>` sent on every request unless the request sets its own.
    authorization: String,
}

#[derive(Debug)]
struct NatsReply {
    status: u16,
    headers: HeaderMap,
    json: Value,
}

impl NatsReply {
    #[track_caller]
    fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected reply: {}", self.json);
        self
    }

    #[track_caller]
    fn expect_error(self, status: u16, code: &str) -> Self {
        assert_eq!(self.status, status, "unexpected reply: {}", self.json);
        assert_eq!(self.json["message_code"], code, "{}", self.json);
        assert_eq!(self.json["status"], status, "{}", self.json);
        self
    }
}

impl Nats {
    /// A client for `env`'s kycd, authenticated as `e2e-tester` of `BANK_A` with every scope.
    async fn new(env: &Env) -> Self {
        Self {
            client: shared_nats().await,
            prefix: env.prefix.clone(),
            used: std::sync::Mutex::default(),
            authorization: format!("Bearer {}", token(BANK_A, ALL)),
        }
    }

    /// A request with the default token; `headers` add to it or replace it.
    async fn raw(
        &self,
        kind: &str,
        op: &str,
        payload: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> NatsReply {
        let mut map = HeaderMap::new();
        map.insert("Authorization", self.authorization.as_str());
        for (name, value) in headers {
            map.insert(*name, *value);
        }
        self.send(kind, op, payload, map).await
    }

    /// A request on `BANK_A`'s subject with exactly `map` as its headers.
    async fn send(&self, kind: &str, op: &str, payload: Vec<u8>, map: HeaderMap) -> NatsReply {
        let subject = format!("{}.{BANK_A}.{kind}.customer.{op}", self.prefix);
        let message = tokio::time::timeout(
            Duration::from_secs(10),
            self.client
                .request_with_headers(subject.clone(), map, payload.into()),
        )
        .await
        .unwrap_or_else(|_| panic!("no reply on {subject} within 10 s"))
        .unwrap_or_else(|e| panic!("request on {subject}: {e}"));
        let status = message
            .headers
            .as_ref()
            .and_then(|h| h.get("Kyc-Status"))
            .unwrap_or_else(|| panic!("no Kyc-Status header on the reply from {subject}"))
            .as_str()
            .parse()
            .unwrap();
        self.used.lock().unwrap().insert(format!("{kind}.{op}"));
        NatsReply {
            status,
            headers: message.headers.clone().unwrap_or_default(),
            json: serde_json::from_slice(&message.payload).unwrap(),
        }
    }

    async fn cmd(&self, op: &str, body: &Value) -> NatsReply {
        self.raw("cmd", op, serde_json::to_vec(body).unwrap(), &[])
            .await
    }

    async fn query(&self, op: &str, body: &Value) -> NatsReply {
        self.raw("query", op, serde_json::to_vec(body).unwrap(), &[])
            .await
    }
}

/// A customer created through the Layer2 surface over HTTP reads the same through NATS and
/// SpherePay.
async fn layer2_round_trip(nats: &Nats, base: &str) {
    let api = support::Api::new(base, token(BANK_A, ALL));
    api.post(
        "/compat/layer2/v1/customers",
        &json!({
            "id": "l2-nats-1",
            "customer_type": "INDIVIDUAL",
            "first_name": "Grace",
            "last_name": "Hopper",
            "us_residency_status": "US_CITIZEN",
            "employer_name": "US Navy",
            "kyc_profile": {"funds_send_receive_jurisdictions": ["US"]}
        }),
    )
    .await
    .expect(200);
    let listed = nats
        .query("list_with_pii", &json!({ "data": { "per_page": 100 } }))
        .await
        .expect(200);
    let ours = listed.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|customer| customer["external_id"] == "l2-nats-1")
        .unwrap_or_else(|| panic!("the Layer2 customer is not listed: {}", listed.json))
        .clone();
    let got = nats
        .query("get_with_pii", &json!({ "customer_guid": ours["guid"] }))
        .await
        .expect(200);
    assert_eq!(got.json["name"]["first"], "Grace");
    assert_eq!(got.json["us_residency_status"], "us_citizen");
    assert_eq!(got.json["employer_name"], "US Navy");
    assert_eq!(got.json["jurisdictions"], json!(["US"]));
    let layer2 = api
        .get("/compat/layer2/v1/customers/l2-nats-1")
        .await
        .expect(200);
    assert_eq!(layer2.json["data"]["first_name"], "Grace");
    assert_eq!(layer2.json["data"]["status"], "PENDING");
    let spherepay = api
        .get(&format!(
            "/compat/spherepay/v2/customer/customer_{}",
            ours["guid"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(spherepay.json["firstName"], "Grace");
}

/// A corporate application started through Layer2 over HTTP, with an individual added there,
/// reads the same through NATS; an associate added through NATS is one of the application's
/// individuals on Layer2.
async fn layer2_application_round_trip(nats: &Nats, base: &str) {
    let api = support::Api::new(base, token(BANK_A, ALL));
    let started = api
        .post(
            "/compat/layer2/v1/applications",
            &json!({
                "application_type": "CORPORATION",
                "account_to_open": {
                    "account_id": "acct-nats-1",
                    "asset_type_id": "FIAT_TESTNET_USD",
                    "product_id": "PAYMENT_BASIC"
                },
                "terms_and_conditions_accepted": true,
                "customer_id": "l2-app-nats-1",
                "customer_details": {"registered_name": "Compilers Inc"}
            }),
        )
        .await
        .expect(200);
    let id = started.json["data"]["id"].as_str().unwrap().to_owned();
    api.post(
        &format!("/compat/layer2/v1/applications/{id}/individual"),
        &json!({
            "title": "Treasurer",
            "individual_type": ["OFFICER"],
            "first_name": "Jean",
            "last_name": "Sammet"
        }),
    )
    .await
    .expect(200);
    let got = nats
        .query("get_with_pii", &json!({ "customer_guid": id }))
        .await
        .expect(200);
    assert_eq!(got.json["external_id"], "l2-app-nats-1");
    assert!(got.json["labels"]
        .as_array()
        .unwrap()
        .contains(&json!("layer2:account=acct-nats-1")));
    assert_eq!(got.json["associates"][0]["roles"], json!(["officer"]));
    assert_eq!(got.json["associates"][0]["job_title"], "Treasurer");
    nats.cmd(
        "add_associate",
        &json!({
            "customer_guid": id,
            "data": {"name": {"first": "Frances", "last": "Allen"}, "roles": ["control_person"]}
        }),
    )
    .await
    .expect(201);
    let application = api
        .get(&format!("/compat/layer2/v1/applications/{id}"))
        .await
        .expect(200);
    let individuals = &application.json["data"]["customer_details"]["individuals"];
    let types: Vec<&Value> = individuals
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["individual_type"])
        .collect();
    assert!(types.contains(&&json!(["CONTROL_PERSON"])), "{individuals}");
    assert!(types.contains(&&json!(["OFFICER"])), "{individuals}");
    let status = api
        .get(&format!("/compat/layer2/v1/applications/{id}/status"))
        .await
        .expect(200);
    assert_eq!(status.json["data"]["status"], "INCOMPLETE");
}

/// A customer created through SpherePay reads the same through NATS and Layer2.
async fn spherepay_round_trip(nats: &Nats, base: &str) {
    let api = support::Api::new(base, token(BANK_A, ALL));
    let created = api
        .post(
            "/compat/spherepay/v2/customer",
            &json!({
                "type": "individual",
                "email": "katherine@example.com",
                "phone": "+14155550199",
                "address": {"line1": "1 Langley Blvd", "city": "Hampton", "country": "USA"},
                "personalInformation": {"firstName": "Katherine", "lastName": "Johnson",
                                        "countryOfBirth": "USA"}
            }),
        )
        .await
        .expect(201);
    let guid = created.json["id"]
        .as_str()
        .unwrap()
        .trim_start_matches("customer_")
        .to_owned();
    let got = nats
        .query("get_with_pii", &json!({ "customer_guid": guid }))
        .await
        .expect(200);
    assert_eq!(got.json["name"]["last"], "Johnson");
    assert_eq!(got.json["country_of_birth"], "US");
    assert_eq!(got.json["address"]["country_code"], "US");
    let layer2 = api
        .get(&format!("/compat/layer2/v1/customers/{guid}"))
        .await
        .expect(200);
    assert_eq!(layer2.json["data"]["last_name"], "Johnson");
}

/// A customer created through Connect Financial, with its key bare in `Authorization`, reads
/// the same through NATS.
async fn connect_round_trip(nats: &Nats, base: &str) {
    let created: Value = reqwest::Client::new()
        .post(format!(
            "{base}/compat/connectfinancial/customers/individual"
        ))
        .header("Authorization", token(BANK_A, ALL))
        .json(&json!({
            "email": "dorothy@example.com",
            "phone": "757 555 0101",
            "phoneCountryCode": "1",
            "basicData": {"firstName": "Dorothy", "lastName": "Vaughan"},
            "taxInformation": {"type": "TAX_CODE", "number": "T-99", "country": "US"},
            "identification": {"type": "PASSPORT", "number": "P99", "country": "US"},
            "mainAddress": {"street": "1 Langley Blvd", "city": "Hampton", "country": "US"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        created["message"], "Customer created with success.",
        "{created}"
    );
    let guid = created["data"]["id"].as_str().unwrap().replace('-', "");
    let got = nats
        .query("get_with_pii", &json!({ "customer_guid": guid }))
        .await
        .expect(200);
    assert_eq!(got.json["phone_number"], "+17575550101");
    assert_eq!(got.json["gender"], "O");
}

/// Waits until the service answers on this prefix (it registers after kycd starts).
async fn wait_for_service(nats: &Nats) {
    let subject = format!("{}.{BANK_A}.query.customer.list", nats.prefix);
    support::eventually(Duration::from_secs(15), "the kyc NATS service", || {
        let client = nats.client.clone();
        let subject = subject.clone();
        async move { client.request(subject, "{}".into()).await.ok().map(|_| ()) }
    })
    .await;
}

/// Every reply to a `$SRV` discovery request within a short window (other tests' kycd answer
/// too, on the shared server).
async fn discover(client: &async_nats::Client, subject: &str) -> Vec<Value> {
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await.unwrap();
    client
        .publish_with_reply(subject.to_owned(), inbox, "".into())
        .await
        .unwrap();
    client.flush().await.unwrap();
    let mut found = Vec::new();
    while let Ok(Some(message)) =
        tokio::time::timeout(Duration::from_millis(750), replies.next()).await
    {
        found.push(serde_json::from_slice(&message.payload).unwrap());
    }
    found
}

/// Imports the fictional FollowTheMoney fixture into `env`'s database, so kycd screens
/// against it from its start.
async fn import_fictional_list(env: &Env) {
    kyc_store::migrate(&env.db.pool).await.unwrap();
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../kyc-lists/tests/fixtures/entities.ftm.json"),
    )
    .unwrap();
    let list = kyc_lists::import(
        kyc_screening::ListFormat::FollowTheMoneyJson,
        None,
        &[bytes.as_slice()],
    )
    .unwrap();
    kyc_store::lists::store_version(&env.db.pool, &list, chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
}

/// A customer named like a listed person is screened at creation, shows the potential match,
/// and a reviewer decides it over NATS (the match id in the envelope, as in the HTTP path).
async fn screening(nats: &Nats) {
    let mut body = individual();
    body["name"] = json!({ "first": "Haldor", "last": "Venskaya" });
    body["date_of_birth"] = json!("1966-04-02");
    body["nationality"] = json!("RU");
    let created = nats
        .cmd("create", &json!({ "data": body }))
        .await
        .expect(201);
    let guid = created.json["guid"].as_str().unwrap().to_owned();
    let open = &created.json["screening"]["open_matches"];
    assert_eq!(open[0]["entry_id"], "os-fict-0001", "{}", created.json);
    assert_eq!(open[0]["topic"], "sanctions");
    let match_id = open[0]["match_id"].as_str().unwrap().to_owned();
    let resolved = nats
        .cmd(
            "resolve_screening_match",
            &json!({
                "customer_guid": guid,
                "match_id": match_id,
                "data": { "decision": "false_positive", "note": "another person: passport differs" }
            }),
        )
        .await
        .expect(200);
    assert_eq!(resolved.json["screening"]["open_matches"], json!([]));
    nats.cmd(
        "resolve_screening_match",
        &json!({
            "customer_guid": guid,
            "match_id": "m_unknown",
            "data": { "decision": "true_match", "note": "x" }
        }),
    )
    .await
    .expect(404);
    // Ad hoc, as `POST /api/screenings`: the candidates with their explanation, and a request
    // without a name refused naming the field.
    let screened = nats
        .query(
            "screen",
            &json!({ "data": { "type": "individual", "name": "VENSKAYA, Haldor", "date_of_birth": "1966-04-02" } }),
        )
        .await
        .expect(200);
    assert_eq!(
        screened.json["candidates"][0]["entry_id"], "os-fict-0001",
        "{}",
        screened.json
    );
    assert_eq!(screened.json["candidates"][0]["match"], true);
    let refused = nats
        .query("screen", &json!({ "data": { "type": "individual" } }))
        .await
        .expect(422);
    assert!(
        refused.json.to_string().contains("name"),
        "{}",
        refused.json
    );
}

#[tokio::test]
async fn every_operation_round_trips_over_nats() {
    let env = Env::new().await;
    import_fictional_list(&env).await;
    let kycd = env.start().await;
    let nats = Nats::new(&env).await;
    wait_for_service(&nats).await;
    let ada = individual_lifecycle(&nats).await;
    reject_and_associates(&nats).await;
    closure(&nats).await;
    duplicates(&nats).await;
    queries(&nats, &ada).await;
    screening(&nats).await;
    layer2_round_trip(&nats, &kycd.base).await;
    layer2_application_round_trip(&nats, &kycd.base).await;
    spherepay_round_trip(&nats, &kycd.base).await;
    connect_round_trip(&nats, &kycd.base).await;

    // Every operation the service lists was exercised.
    let used = nats.used.lock().unwrap().clone();
    for op in command_ops() {
        assert!(
            used.contains(&format!("cmd.{op}")),
            "command {op} not exercised"
        );
    }
    for op in query_ops() {
        assert!(
            used.contains(&format!("query.{op}")),
            "query {op} not exercised"
        );
    }
    kycd.stop().await;
    env.drop_stream().await;
}

/// create → update → documents → reviews → verify → freeze → unfreeze; returns the guid.
async fn individual_lifecycle(nats: &Nats) -> String {
    let created = nats
        .cmd("create", &json!({ "data": individual() }))
        .await
        .expect(201);
    let ada = created.json["guid"].as_str().unwrap().to_owned();
    assert!(
        created.json.get("name").is_none(),
        "no PII without _with_pii"
    );
    let updated = nats
        .cmd(
            "update_details",
            &json!({ "customer_guid": ada, "data": { "labels": ["vip", "nats"] } }),
        )
        .await
        .expect(200);
    assert_eq!(updated.json["labels"], json!(["nats", "vip"]));
    // The subject's earlier name still answers.
    let updated = nats
        .cmd(
            "update",
            &json!({ "customer_guid": ada, "data": { "labels": ["nats", "vip"] } }),
        )
        .await
        .expect(200);
    assert_eq!(updated.json["labels"], json!(["nats", "vip"]));
    for kind in ["passport", "liveness_report"] {
        let submitted = nats
            .cmd(
                "submit_document",
                &json!({ "customer_guid": ada, "data": document(json!({ "type": kind })) }),
            )
            .await
            .expect(201);
        let document_guid = newest_document(&submitted.json);
        let reviewed = nats
            .cmd(
                "review_document",
                &json!({ "customer_guid": ada, "document_guid": document_guid, "data": { "decision": "accept" } }),
            )
            .await
            .expect(200);
        assert!(reviewed.json["documents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["guid"] == document_guid.as_str() && d["status"] == "accepted"));
    }
    // A low-risk customer needs no second approver; a first approval is still recorded.
    let approved = nats
        .cmd(
            "approve",
            &json!({ "customer_guid": ada, "data": { "note": "documents checked" } }),
        )
        .await
        .expect(200);
    assert_eq!(approved.json["approvals"].as_array().unwrap().len(), 1);
    let verified = nats
        .cmd("verify", &json!({ "customer_guid": ada }))
        .await
        .expect(200);
    assert_eq!(verified.json["state"], "verified");
    let frozen = nats
        .cmd(
            "freeze",
            &json!({ "customer_guid": ada, "data": { "reason": "Suspicious activity reported" } }),
        )
        .await
        .expect(200);
    assert_eq!(frozen.json["state"], "frozen");
    let unfrozen = nats
        .cmd("unfreeze", &json!({ "customer_guid": ada }))
        .await
        .expect(200);
    assert_eq!(unfrozen.json["state"], "verified");
    ada
}

/// reject, on a second individual; associates, on a business.
async fn reject_and_associates(nats: &Nats) {
    let bob = nats
        .cmd("create", &json!({ "data": individual() }))
        .await
        .expect(201);
    let bob = bob.json["guid"].as_str().unwrap().to_owned();
    let rejected = nats
        .cmd(
            "reject",
            &json!({ "customer_guid": bob, "data": {
                "reason_codes": ["identity_unverifiable"],
                "message": "We could not verify the identity",
                "retryable": false
            } }),
        )
        .await
        .expect(200);
    assert_eq!(rejected.json["state"], "rejected");

    // Associates, on a business.
    let acme = nats
        .cmd("create", &json!({ "data": business() }))
        .await
        .expect(201);
    let acme = acme.json["guid"].as_str().unwrap().to_owned();
    let added = nats
        .cmd(
            "add_associate",
            &json!({ "customer_guid": acme, "data": associate() }),
        )
        .await
        .expect(201);
    let owner = kyc_testkit::fixtures::first_associate_guid(&added.json);
    let changed = nats
        .cmd(
            "update_associate",
            &json!({ "customer_guid": acme, "associate_guid": owner, "data": { "ownership_percentage": 40.0 } }),
        )
        .await
        .expect(200);
    assert_eq!(changed.json["associates"][0]["ownership_percentage"], 40.0);
    let removed = nats
        .cmd(
            "remove_associate",
            &json!({ "customer_guid": acme, "associate_guid": owner }),
        )
        .await
        .expect(200);
    assert!(
        removed
            .json
            .get("associates")
            .is_none_or(|a| a.as_array().is_some_and(Vec::is_empty)),
        "{}",
        removed.json
    );
}

/// `close`, `legal_hold` and `erase`, on a customer of their own.
/// A second customer with the first one's numbers is flagged, and a reviewer resolves it.
async fn duplicates(nats: &Nats) {
    let body = kyc_testkit::fixtures::unique_individual_body();
    let first = nats
        .cmd("create", &json!({ "data": body }))
        .await
        .expect(201);
    let first = first.json["guid"].as_str().unwrap().to_owned();
    let second = nats
        .cmd("create", &json!({ "data": body }))
        .await
        .expect(201);
    let errors = second.json["verification_profiles"][0]["criteria"]["errors"].clone();
    assert!(
        errors.to_string().contains("duplicate_identity") && errors.to_string().contains(&first),
        "{errors}"
    );
    let second = second.json["guid"].as_str().unwrap().to_owned();
    let resolved = nats
        .cmd(
            "resolve_duplicate",
            &json!({
                "customer_guid": second,
                "data": { "other_customer_guid": first, "resolution": "not_same_person" }
            }),
        )
        .await
        .expect(200);
    assert!(
        !resolved.json.to_string().contains("duplicate_identity"),
        "{}",
        resolved.json
    );
}

async fn closure(nats: &Nats) {
    let created = nats
        .cmd("create", &json!({ "data": individual() }))
        .await
        .expect(201);
    let guid = created.json["guid"].as_str().unwrap().to_owned();
    let closed = nats
        .cmd(
            "close",
            &json!({ "customer_guid": guid, "data": { "reason": "customer_request" } }),
        )
        .await
        .expect(200);
    assert_eq!(closed.json["state"], "closed");
    let held = nats
        .cmd(
            "legal_hold",
            &json!({ "customer_guid": guid, "data": { "on": true, "reason": "Subpoena" } }),
        )
        .await
        .expect(200);
    assert_eq!(held.json["legal_hold"]["on"], true);
    nats.cmd(
        "erase",
        &json!({ "customer_guid": guid, "data": { "reason": "Created by mistake" } }),
    )
    .await
    .expect_error(409, "legal_hold");
    nats.cmd(
        "legal_hold",
        &json!({ "customer_guid": guid, "data": { "on": false, "reason": "Lifted" } }),
    )
    .await
    .expect(200);
    let erased = nats
        .cmd(
            "erase",
            &json!({ "customer_guid": guid, "data": { "reason": "Created by mistake" } }),
        )
        .await
        .expect(200);
    assert_eq!(erased.json["personal_data"], "erased");
}

/// Every query, on the verified individual `ada` (and the six customers in all).
async fn queries(nats: &Nats, ada: &str) {
    let got = nats
        .query("get", &json!({ "customer_guid": ada }))
        .await
        .expect(200);
    assert_eq!(got.json["state"], "verified");
    assert!(
        got.json.get("name").is_none(),
        "get hides PII: {}",
        got.json
    );
    let with_pii = nats
        .query("get_with_pii", &json!({ "customer_guid": ada }))
        .await
        .expect(200);
    assert_eq!(with_pii.json["name"]["first"], "Ada", "{}", with_pii.json);
    let first = nats
        .query("get", &json!({ "customer_guid": ada, "as_of_position": 0 }))
        .await;
    assert!(first.status == 404 || first.status == 200, "{first:?}");
    let trail = nats
        .query("events", &json!({ "customer_guid": ada }))
        .await
        .expect(200);
    let events = trail.json["events"].as_array().unwrap();
    // The operations' events (the approval included), and the creation's screening (against
    // the imported list) and risk rating.
    assert_eq!(events.len(), 12, "{}", trail.json);
    assert!(
        events
            .iter()
            .all(|e| e["source"] == "nats" && e["actor"] == "e2e-tester"),
        "{events:?}"
    );
    let created_at_position = events[0]["global_position"].as_i64().unwrap();
    let at_creation = nats
        .query(
            "get",
            &json!({ "customer_guid": ada, "as_of_position": created_at_position }),
        )
        .await
        .expect(200);
    assert_eq!(at_creation.json["labels"], json!(["vip"]));
    let as_of = nats
        .query(
            "get",
            &json!({ "customer_guid": ada, "as_of": events[0]["occurred_at"] }),
        )
        .await
        .expect(200);
    assert_eq!(as_of.json["state"], "unverified");
    let profiles = nats
        .query("verification_profiles", &json!({ "customer_guid": ada }))
        .await
        .expect(200);
    assert_eq!(
        profiles.json["verification_profiles"][0]["status"], "approved",
        "{}",
        profiles.json
    );
    let listed = support::eventually(Duration::from_secs(10), "six customers listed", || async {
        let list = nats
            .query("list", &json!({ "data": { "per_page": 10 } }))
            .await
            .expect(200);
        (list.json["total"] == 6).then_some(list.json)
    })
    .await;
    assert!(
        listed["objects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "individual")
            .all(|c| c.get("name").is_none()),
        "individuals' names are PII: {listed}"
    );
    let listed = nats
        .query("list_with_pii", &json!({ "data": { "type": "business" } }))
        .await
        .expect(200);
    assert_eq!(listed.json["total"], 1, "{}", listed.json);
    assert_eq!(
        listed.json["objects"][0]["name"]["full"],
        "Acme Payments Ltd"
    );
    operator_queues(nats).await;
}

/// The operator queues, on PostgreSQL's projection: a document just submitted is in the review
/// queue at once (the queue waits for the projection, as lists do); the entries have the
/// HTTP shape and no personal data.
#[allow(clippy::too_many_lines)] // One flow through every queue.
async fn operator_queues(nats: &Nats) {
    let created = nats
        .cmd("create", &json!({ "data": individual() }))
        .await
        .expect(201);
    let guid = created.json["guid"].as_str().unwrap().to_owned();
    let submitted = nats
        .cmd(
            "submit_document",
            &json!({ "customer_guid": guid, "data": document(json!({ "type": "passport" })) }),
        )
        .await
        .expect(201);
    let document_guid = newest_document(&submitted.json);
    let queue = nats
        .query(
            "documents_pending_review",
            &json!({ "data": { "per_page": 100 } }),
        )
        .await
        .expect(200);
    let entries = queue.json["objects"].as_array().unwrap();
    let entry = entries
        .iter()
        .find(|e| e["document_guid"] == document_guid.as_str())
        .unwrap_or_else(|| panic!("{document_guid} not in {}", queue.json));
    assert_eq!(
        entry,
        &json!({
            "customer_guid": guid,
            "customer_type": "individual",
            "state": "unverified",
            "document_guid": document_guid,
            "document_type": "passport",
            "submitted_at": entry["submitted_at"],
        })
    );
    assert_eq!(queue.json["total"].as_u64(), Some(entries.len() as u64));
    let approvals = nats
        .query("awaiting_second_approval", &json!({}))
        .await
        .expect(200);
    for key in ["total", "page", "per_page", "objects"] {
        assert!(
            approvals.json.get(key).is_some(),
            "{key}: {}",
            approvals.json
        );
    }
    // An accepted passport expiring in ten days is in the expiring queue's default window.
    let expires_on = (chrono::Utc::now() + chrono::Duration::days(10))
        .date_naive()
        .to_string();
    let submitted = nats
        .cmd(
            "submit_document",
            &json!({
                "customer_guid": guid,
                "data": document(json!({ "type": "passport", "expires_on": expires_on })),
            }),
        )
        .await
        .expect(201);
    let expiring_guid = newest_document(&submitted.json);
    nats.cmd(
        "review_document",
        &json!({
            "customer_guid": guid,
            "document_guid": expiring_guid,
            "data": { "decision": "accept" },
        }),
    )
    .await
    .expect(200);
    let expiring = nats
        .query(
            "documents_expiring",
            &json!({ "data": { "per_page": 100 } }),
        )
        .await
        .expect(200);
    assert_eq!(expiring.json["within_days"], 30, "{}", expiring.json);
    let entry = expiring.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["document_guid"] == expiring_guid.as_str())
        .unwrap_or_else(|| panic!("{expiring_guid} not in {}", expiring.json));
    assert_eq!(entry["expires_on"], expires_on.as_str());
    let reviews = nats
        .query(
            "reviews_falling_due",
            &json!({ "data": { "within_days": 366 } }),
        )
        .await
        .expect(200);
    assert_eq!(reviews.json["within_days"], 366, "{}", reviews.json);
    let text = format!(
        "{}{}{}{}",
        queue.json, approvals.json, expiring.json, reviews.json
    );
    assert!(!text.contains("\"name\""), "no personal data: {text}");
}

#[tokio::test]
async fn errors_come_back_as_replies() {
    let env = Env::new().await;
    let kycd = env.start().await;
    let nats = Nats::new(&env).await;
    wait_for_service(&nats).await;

    // Not JSON / not the envelope.
    nats.raw("cmd", "create", b"{not json".to_vec(), &[])
        .await
        .expect_error(400, "malformed_request");
    nats.cmd("create", &json!({ "data": individual(), "shoe_size": 44 }))
        .await
        .expect_error(400, "malformed_request");
    nats.cmd("verify", &json!({}))
        .await
        .expect_error(400, "malformed_request");
    // A customer that does not exist.
    let missing = json!({ "customer_guid": "0190f5a3c2b47c3e8a1d2e3f00000000" });
    nats.cmd("verify", &missing)
        .await
        .expect_error(404, "customer_not_found");
    nats.query("get", &missing)
        .await
        .expect_error(404, "customer_not_found");
    nats.query("events", &json!({ "customer_guid": "nonsense" }))
        .await
        .expect(404);
    // Validation names the field.
    let mut bad = individual();
    bad["email_address"] = json!("not-an-email");
    let refused = nats
        .cmd("create", &json!({ "data": bad }))
        .await
        .expect_error(422, "validation");
    let fields: Vec<&str> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.iter().any(|f| f.contains("email_address")),
        "{}",
        refused.json
    );
    // An operation the service does not offer has no responder: the requester learns at once.
    let subject = format!("{}.{BANK_A}.cmd.customer.explode", env.prefix);
    let unknown = nats.client.request(subject, "{}".into()).await;
    assert!(
        matches!(&unknown, Err(e) if e.kind() == async_nats::client::RequestErrorKind::NoResponders),
        "{unknown:?}"
    );

    // Idempotency: the same key and body replay the first answer; another body is refused.
    let body = serde_json::to_vec(&json!({ "data": individual() })).unwrap();
    let key = [("Idempotency-Key", "e2e-nats-create-1")];
    let first = nats
        .raw("cmd", "create", body.clone(), &key)
        .await
        .expect(201);
    let again = nats.raw("cmd", "create", body, &key).await.expect(201);
    assert_eq!(first.json, again.json);
    let mut other = individual();
    other["email_address"] = json!("other@example.com");
    nats.raw(
        "cmd",
        "create",
        serde_json::to_vec(&json!({ "data": other })).unwrap(),
        &key,
    )
    .await
    .expect_error(422, "idempotency_key_reused");
    assert_eq!(
        env.logged().await.len(),
        2,
        "one customer: its creation and risk rating"
    );
    kycd.stop().await;
    env.drop_stream().await;
}

/// A token of `sub` for `bank` with `scope`, signed with kycd's secret; `exp` seconds from now
/// (negative: expired).
fn token_of(sub: &str, bank: &str, scope: &str, exp: i64) -> String {
    kyc_http::mint_hs256(
        SECRET.as_bytes(),
        &kyc_http::Claims {
            sub: sub.into(),
            bank_guid: bank.into(),
            scope: scope.into(),
            exp: (chrono::Utc::now().timestamp() + exp).unsigned_abs(),
        },
    )
    .unwrap()
}

/// Issue #13.6: NATS callers authenticate like HTTP callers. Without a token the reply is
/// HTTP's 401 (status, body and the micro service error headers); with one, the request is
/// the token's: its tenant, its scopes, its `sub` as the actor, and the idempotency scope an
/// HTTP request of the same `sub` uses.
#[tokio::test]
async fn nats_without_a_token_is_refused_and_with_one_acts_as_its_subject() {
    let env = Env::new().await;
    let kycd = env.start().await;
    let nats = Nats::new(&env).await;
    wait_for_service(&nats).await;
    refused_without_a_valid_token(&nats, &kycd.base).await;
    refused_beyond_the_token(&nats).await;
    assert!(
        env.logged().await.is_empty(),
        "no refused request wrote an event"
    );
    let guid = acts_as_the_token_s_subject(&nats, &kycd.base).await;
    assert_eq!(
        env.logged().await,
        BTreeSet::from([(guid.clone(), 1), (guid, 2)]),
        "one customer: its creation and risk rating"
    );
    kycd.stop().await;
    env.drop_stream().await;
}

/// No token, or one that does not verify: HTTP's 401, body for body.
async fn refused_without_a_valid_token(nats: &Nats, base: &str) {
    let create = serde_json::to_vec(&json!({ "data": individual() })).unwrap();
    // No token (an old client's `Kyc-Actor` is no credential): 401, as HTTP answers.
    let mut claimed = HeaderMap::new();
    claimed.insert("Kyc-Actor", "e2e-nats");
    claimed.insert("X-Request-Id", "e2e-nats-unauthenticated");
    let refused = nats
        .send("cmd", "create", create.clone(), claimed)
        .await
        .expect_error(401, "unauthenticated");
    let header = |name: &str| refused.headers.get(name).map(|v| v.as_str().to_owned());
    assert_eq!(header("Nats-Service-Error-Code").as_deref(), Some("401"));
    assert_eq!(
        header("Nats-Service-Error").as_deref(),
        Some("unauthenticated")
    );
    let http = reqwest::Client::new()
        .post(format!("{base}/api/customers"))
        .header("X-Request-Id", "e2e-nats-unauthenticated")
        .json(&individual())
        .send()
        .await
        .unwrap();
    assert_eq!(http.status().as_u16(), 401);
    let http: Value = http.json().await.unwrap();
    assert_eq!(refused.json, http, "the NATS and HTTP bodies of a 401");
    nats.send("query", "list", b"{}".to_vec(), HeaderMap::new())
        .await
        .expect_error(401, "unauthenticated");
    // Expired, or signed with another secret: the same 401.
    let expired = format!("Bearer {}", token_of("e2e-tester", BANK_A, ALL, -3600));
    let forged = format!(
        "Bearer {}",
        kyc_http::mint_hs256(
            b"not-the-kycd-secret-0123456789",
            &kyc_http::Claims {
                sub: "e2e-tester".into(),
                bank_guid: BANK_A.into(),
                scope: ALL.into(),
                exp: (chrono::Utc::now().timestamp() + 3600).unsigned_abs(),
            },
        )
        .unwrap()
    );
    for authorization in [expired.as_str(), forged.as_str(), "Bearer e2e.not.a.token"] {
        nats.raw(
            "cmd",
            "create",
            create.clone(),
            &[("Authorization", authorization)],
        )
        .await
        .expect_error(401, "unauthenticated");
    }
}

/// A valid token is bound to its tenant and its scopes: 403 beyond them.
async fn refused_beyond_the_token(nats: &Nats) {
    let create = serde_json::to_vec(&json!({ "data": individual() })).unwrap();
    // Another tenant's token on this tenant's subject: 403.
    let foreign = format!("Bearer {}", token(BANK_B, ALL));
    let mismatch = nats
        .raw(
            "cmd",
            "create",
            create.clone(),
            &[("Authorization", &foreign)],
        )
        .await
        .expect_error(403, "forbidden");
    assert!(
        !mismatch.json.to_string().contains(&foreign[7..]),
        "{}",
        mismatch.json
    );
    // Scopes are the token's: a reader cannot write, nor see personal data.
    let reader = format!("Bearer {}", token(BANK_A, "customers:read"));
    let refused = nats
        .raw(
            "cmd",
            "create",
            create.clone(),
            &[("Authorization", &reader)],
        )
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        refused.json["error_message"],
        "missing scope customers:write"
    );
    let writer = format!("Bearer {}", token(BANK_A, "customers:write"));
    nats.raw(
        "query",
        "list",
        b"{}".to_vec(),
        &[("Authorization", &writer)],
    )
    .await
    .expect_error(403, "forbidden");
    let refused = nats
        .raw(
            "query",
            "list_with_pii",
            b"{}".to_vec(),
            &[("Authorization", &reader)],
        )
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        refused.json["error_message"],
        "missing scope customers:pii:read"
    );
}

/// A valid token: the command is the token subject's, recorded from NATS, and shares the
/// subject's idempotency scope with HTTP; returns the customer created.
async fn acts_as_the_token_s_subject(nats: &Nats, base: &str) -> String {
    let create = serde_json::to_vec(&json!({ "data": individual() })).unwrap();
    let onboarding = token_of("onboarding-service", BANK_A, ALL, 3600);
    let authorization = format!("Bearer {onboarding}");
    let as_onboarding = [
        ("Authorization", authorization.as_str()),
        ("Kyc-Actor", "someone-else"),
        ("Idempotency-Key", "e2e-shared-key-1"),
    ];
    let created = nats
        .raw("cmd", "create", create.clone(), &as_onboarding)
        .await
        .expect(201);
    let guid = created.json["guid"].as_str().unwrap().to_owned();
    let api = support::Api::new(base, onboarding);
    let trail = api
        .get(&format!("/api/customers/{guid}/events"))
        .await
        .expect(200);
    assert_eq!(
        trail.json["events"][0]["actor"], "onboarding-service",
        "{}",
        trail.json
    );
    assert_eq!(trail.json["events"][0]["source"], "nats", "{}", trail.json);
    // The actor is the same over both protocols, so is the idempotency scope: the HTTP retry
    // of the NATS request replays its answer instead of creating a second customer.
    let replayed = api
        .send(
            "POST",
            "/api/customers",
            Some(&individual()),
            &[("Idempotency-Key", "e2e-shared-key-1")],
        )
        .await
        .expect(201);
    assert_eq!(replayed.guid(), guid);
    guid
}

/// PING, INFO and STATS of the `kyc` service (ours is the one on our prefix).
#[tokio::test]
async fn the_service_is_discoverable() {
    let env = Env::new().await;
    let kycd = env.start().await;
    let nats = Nats::new(&env).await;
    wait_for_service(&nats).await;
    for _ in 0..5 {
        nats.cmd("create", &json!({ "data": individual() }))
            .await
            .expect(201);
    }
    let pings = discover(&nats.client, "$SRV.PING.kyc").await;
    assert!(pings.iter().any(|p| p["name"] == "kyc"), "{pings:?}");
    let ours = |v: &Value| {
        v["endpoints"].as_array().is_some_and(|endpoints| {
            endpoints.iter().any(|e| {
                e["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(&format!("{}.", env.prefix)))
            })
        })
    };
    let infos = discover(&nats.client, "$SRV.INFO.kyc").await;
    let info = infos
        .iter()
        .find(|v| ours(v))
        .unwrap_or_else(|| panic!("no INFO from our kycd: {infos:?}"));
    assert_eq!(info["name"], "kyc");
    assert_eq!(
        info["endpoints"].as_array().unwrap().len(),
        command_ops().len() + query_ops().len()
    );
    let stats = discover(&nats.client, "$SRV.STATS.kyc").await;
    let stat = stats
        .iter()
        .find(|v| ours(v))
        .unwrap_or_else(|| panic!("no STATS from our kycd: {stats:?}"));
    let create = stat["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "cmd_create")
        .unwrap();
    assert!(create["num_requests"].as_u64().unwrap() >= 5, "{create}");
    kycd.stop().await;
    env.drop_stream().await;
}
