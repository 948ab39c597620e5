//! The request/reply handler over an in-memory store: replies carry the HTTP API's bodies, and
//! callers authenticate with the HTTP API's bearer tokens (a `Authorization` NATS header).

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use async_nats::HeaderMap;
use kyc_app::{CommandService, QueryService, RetryPolicy};
use kyc_http::{mint_hs256, Claims, JwtVerifier};
use kyc_nats::NatsApi;
use kyc_testkit::memory::MemoryStore;
use serde_json::{json, Value};

const BANK: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";
const OTHER_BANK: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7e";
const SECRET: &str = "kyc-nats-test-secret-0123456789";
const ALL: &str = "customers:read customers:write customers:execute customers:pii:read \
                   customers:review customers:freeze customers:close customers:erase";
const SUBJECT: &str = "onboarding-service";

struct Api {
    api: NatsApi<MemoryStore>,
    store: Arc<MemoryStore>,
}

impl Api {
    fn new() -> Self {
        let store = Arc::new(MemoryStore::new());
        let api = NatsApi::new(
            CommandService::new(Arc::clone(&store), RetryPolicy::default()),
            QueryService::new(Arc::clone(&store)),
            JwtVerifier::hs256(SECRET.as_bytes()),
        );
        Self { api, store }
    }

    /// A request on `BANK`'s subject with `headers` (name, value) and `body`.
    async fn call(
        &self,
        kind: &str,
        op: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> (u16, Value) {
        self.call_on(BANK, kind, op, headers, body).await
    }

    async fn call_on(
        &self,
        bank: &str,
        kind: &str,
        op: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> (u16, Value) {
        let subject = format!("kyc.v1.{bank}.{kind}.customer.{op}");
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, *value);
        }
        let (answer, _) = self
            .api
            .handle(&subject, Some(&map), &serde_json::to_vec(body).unwrap())
            .await;
        (answer.status, answer.body)
    }

    /// A request authenticated with `token`.
    async fn as_(&self, token: &str, kind: &str, op: &str, body: &Value) -> (u16, Value) {
        let bearer = format!("Bearer {token}");
        self.call(kind, op, &[("Authorization", &bearer)], body)
            .await
    }

    /// Creates an individual with a token holding every scope; returns its guid.
    async fn create(&self) -> String {
        let (status, created) = self
            .as_(&token(BANK, ALL), "cmd", "create", &create_body())
            .await;
        assert_eq!(status, 201, "{created}");
        created["guid"].as_str().unwrap().to_owned()
    }
}

fn claims(bank: &str, scope: &str) -> Claims {
    Claims {
        sub: SUBJECT.into(),
        bank_guid: bank.into(),
        scope: scope.into(),
        exp: now() + 3600,
    }
}

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

/// A token of `SUBJECT` for `bank` with `scope`, valid for an hour.
fn token(bank: &str, scope: &str) -> String {
    mint_hs256(SECRET.as_bytes(), &claims(bank, scope)).unwrap()
}

fn create_body() -> Value {
    json!({ "data": {
        "type": "individual",
        "name": { "first": "Ada", "last": "Lovelace" },
        "email_address": "ada@example.com"
    } })
}

/// The refusal's status and code, checked against the HTTP error body's fields.
#[track_caller]
fn assert_refused(reply: &(u16, Value), status: u16, code: &str) {
    let (got, body) = reply;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["message_code"], code, "{body}");
}

/// Regression: `events` and `verification_profiles` replied with bare arrays, unlike
/// `GET …/events` (`{customer_guid, events}`) and `GET …/verification_profiles`
/// (`{verification_profiles}`).
#[tokio::test]
async fn list_replies_have_the_http_shape() {
    let api = Api::new();
    let token = token(BANK, ALL);
    let guid = api.create().await;

    let (status, trail) = api
        .as_(&token, "query", "events", &json!({ "customer_guid": guid }))
        .await;
    assert_eq!(status, 200, "{trail}");
    assert_eq!(trail["customer_guid"], guid, "{trail}");
    assert_eq!(
        trail["events"][0]["event_type"], "CustomerCreated",
        "{trail}"
    );

    let (status, profiles) = api
        .as_(
            &token,
            "query",
            "verification_profiles",
            &json!({ "customer_guid": guid }),
        )
        .await;
    assert_eq!(status, 200, "{profiles}");
    assert_eq!(
        profiles["verification_profiles"][0]["name"], "kyc_profile_a",
        "{profiles}"
    );
}

/// No `Authorization` header: the HTTP API's 401 and body, whatever else the request holds
/// (the `Kyc-Actor` header of earlier versions included), and before the body is read.
#[tokio::test]
async fn a_request_without_a_token_is_a_401() {
    let api = Api::new();
    let trace = [("X-Request-Id", "nats-no-token-1")];
    let reply = api.call("cmd", "create", &trace, &create_body()).await;
    // Exactly what HTTP answers a request without credentials.
    assert_eq!(reply.0, 401);
    assert_eq!(
        reply.1,
        json!({
            "status": 401,
            "error_message": "authentication required",
            "message_code": "unauthenticated",
            "trace_id": "nats-no-token-1"
        })
    );
    let claimed = [("Kyc-Actor", "ops-console")];
    assert_refused(
        &api.call("cmd", "create", &claimed, &create_body()).await,
        401,
        "unauthenticated",
    );
    assert_refused(
        &api.call("query", "list", &[], &json!({})).await,
        401,
        "unauthenticated",
    );
    // A body that would be a 400 is not even read.
    assert_refused(
        &api.call("cmd", "create", &[], &json!({ "shoe_size": 44 }))
            .await,
        401,
        "unauthenticated",
    );
    let (answer, _) = api
        .api
        .handle(&format!("kyc.v1.{BANK}.query.customer.get"), None, b"")
        .await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(api.store.customer_count(), 0);
}

/// Every token that does not verify is the same 401, and the reply never repeats the token.
#[tokio::test]
async fn a_malformed_expired_or_wrongly_signed_token_is_a_401() {
    let api = Api::new();
    let expired = mint_hs256(
        SECRET.as_bytes(),
        &Claims {
            // Well past the verifier's 30 s leeway.
            exp: now() - 3600,
            ..claims(BANK, ALL)
        },
    )
    .unwrap();
    let wrong_signature =
        mint_hs256(b"another-secret-0123456789abcdef", &claims(BANK, ALL)).unwrap();
    let tenant_not_a_guid = token("not-a-bank", ALL);
    let valid = token(BANK, ALL);
    let headers = [
        "Bearer not.a.jwt".to_owned(),
        "Bearer ".to_owned(),
        format!("Basic {valid}"),
        // The token without its scheme.
        valid.clone(),
        format!("Bearer {expired}"),
        format!("Bearer {wrong_signature}"),
        format!("Bearer {tenant_not_a_guid}"),
        // A valid token with its signature cut short.
        format!("Bearer {}", &valid[..valid.len() - 4]),
    ];
    for header in &headers {
        let reply = api
            .call(
                "cmd",
                "create",
                &[("Authorization", header)],
                &create_body(),
            )
            .await;
        assert_refused(&reply, 401, "unauthenticated");
        let text = reply.1.to_string();
        let secret = header.rsplit(' ').next().unwrap();
        assert!(
            secret.len() < 8 || !text.contains(secret),
            "the reply repeats the credentials: {text}"
        );
    }
    assert_eq!(api.store.customer_count(), 0);
}

/// The subject names the tenant; a token for another one is refused, and nothing is written.
#[tokio::test]
async fn a_token_for_another_tenant_than_the_subject_s_is_a_403() {
    let api = Api::new();
    let guid = api.create().await;
    let foreign = token(OTHER_BANK, ALL);
    let bearer = format!("Bearer {foreign}");
    let auth = [("Authorization", bearer.as_str())];
    for (kind, op, body) in [
        ("cmd", "create", create_body()),
        ("cmd", "verify", json!({ "customer_guid": guid })),
        ("query", "get", json!({ "customer_guid": guid })),
        ("query", "list", json!({})),
    ] {
        let reply = api.call(kind, op, &auth, &body).await;
        assert_refused(&reply, 403, "forbidden");
        let message = reply.1["error_message"].as_str().unwrap();
        assert!(
            message.contains("bank_guid") && message.contains("tenant"),
            "{message}"
        );
        assert!(!reply.1.to_string().contains(&foreign), "{}", reply.1);
    }
    // The same token on its own tenant's subject is served.
    let (status, body) = api
        .call_on(OTHER_BANK, "query", "list", &auth, &json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 0, "{body}");
    assert_eq!(api.store.customer_count(), 1);
}

/// Commands check the token's scopes as over HTTP: the refusal names the missing one.
#[tokio::test]
async fn a_command_without_its_scope_is_a_403_naming_it() {
    let api = Api::new();
    let reader = token(BANK, "customers:read customers:pii:read");
    let reply = api.as_(&reader, "cmd", "create", &create_body()).await;
    assert_refused(&reply, 403, "forbidden");
    assert_eq!(reply.1["error_message"], "missing scope customers:write");
    assert_eq!(api.store.customer_count(), 0);

    // Writing does not let one review: verify needs `customers:review`.
    let writer = token(BANK, "customers:read customers:write");
    let (status, created) = api.as_(&writer, "cmd", "create", &create_body()).await;
    assert_eq!(status, 201, "{created}");
    let reply = api
        .as_(
            &writer,
            "cmd",
            "verify",
            &json!({ "customer_guid": created["guid"] }),
        )
        .await;
    assert_refused(&reply, 403, "forbidden");
    assert_eq!(reply.1["error_message"], "missing scope customers:review");
    // Nor erase: NATS callers no longer hold every scope but personal data.
    let reply = api
        .as_(
            &writer,
            "cmd",
            "erase",
            &json!({ "customer_guid": created["guid"], "data": { "reason": "Created by mistake" } }),
        )
        .await;
    assert_refused(&reply, 403, "forbidden");
    assert_eq!(reply.1["error_message"], "missing scope customers:erase");
    assert_eq!(
        api.store.event_count(),
        2,
        "one creation and its risk rating, nothing else"
    );
}

/// Every customer query needs `customers:read`, as over HTTP (the operator queues need
/// `customers:review` instead: see the last test).
#[tokio::test]
async fn a_query_without_customers_read_is_a_403() {
    let api = Api::new();
    let guid = api.create().await;
    let writer = token(BANK, "customers:write customers:pii:read");
    let one = json!({ "customer_guid": guid });
    for (op, body) in [
        ("get", &one),
        ("verification_profiles", &one),
        ("events", &one),
        ("get_with_pii", &one),
        ("list", &json!({})),
        ("list_with_pii", &json!({})),
    ] {
        let reply = api.as_(&writer, "query", op, body).await;
        assert_refused(&reply, 403, "forbidden");
        assert_eq!(
            reply.1["error_message"], "missing scope customers:read",
            "{op}"
        );
    }
}

/// The `*_with_pii` subjects ask for personal data: without `customers:pii:read` they are
/// refused (HTTP's `include_pii=true` leaves it out instead); with it they show it, and the
/// plain subjects never do.
#[tokio::test]
async fn the_with_pii_subjects_need_customers_pii_read() {
    let api = Api::new();
    let guid = api.create().await;
    let reader = token(BANK, "customers:read");
    for (op, body) in [
        ("get_with_pii", json!({ "customer_guid": guid })),
        ("list_with_pii", json!({})),
    ] {
        let reply = api.as_(&reader, "query", op, &body).await;
        assert_refused(&reply, 403, "forbidden");
        assert_eq!(
            reply.1["error_message"], "missing scope customers:pii:read",
            "{op}"
        );
    }
    let (status, plain) = api
        .as_(&reader, "query", "get", &json!({ "customer_guid": guid }))
        .await;
    assert_eq!(status, 200, "{plain}");
    assert!(plain.get("email_address").is_none(), "{plain}");

    let pii_reader = token(BANK, "customers:read customers:pii:read");
    let (status, plain) = api
        .as_(
            &pii_reader,
            "query",
            "get",
            &json!({ "customer_guid": guid }),
        )
        .await;
    assert_eq!(status, 200, "{plain}");
    assert!(plain.get("email_address").is_none(), "{plain}");
    let (status, shown) = api
        .as_(
            &pii_reader,
            "query",
            "get_with_pii",
            &json!({ "customer_guid": guid }),
        )
        .await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["email_address"], "ada@example.com", "{shown}");
    let (status, listed) = api
        .as_(&pii_reader, "query", "list_with_pii", &json!({}))
        .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["objects"][0]["name"]["first"], "Ada", "{listed}");
}

/// A valid token acts as its `sub`: the events record it unchanged (no `nats:` prefix, and a
/// `Kyc-Actor` header is ignored), with source `nats`.
#[tokio::test]
async fn a_valid_token_acts_as_its_subject() {
    let api = Api::new();
    let bearer = format!("Bearer {}", token(BANK, ALL));
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Kyc-Actor", "someone-else"),
    ];
    let (status, created) = api.call("cmd", "create", &headers, &create_body()).await;
    assert_eq!(status, 201, "{created}");
    let guid = created["guid"].as_str().unwrap();
    assert!(created.get("email_address").is_none(), "{created}");
    let (status, frozen) = api
        .call(
            "cmd",
            "freeze",
            &headers,
            &json!({ "customer_guid": guid, "data": { "reason": "Suspicious activity reported" } }),
        )
        .await;
    assert_eq!(status, 200, "{frozen}");

    let (status, trail) = api
        .call(
            "query",
            "events",
            &headers,
            &json!({ "customer_guid": guid }),
        )
        .await;
    assert_eq!(status, 200, "{trail}");
    let events = trail["events"].as_array().unwrap();
    // The creation, its risk rating and the freeze.
    assert_eq!(events.len(), 3, "{trail}");
    for event in events {
        assert_eq!(event["actor"], SUBJECT, "{event}");
        assert_eq!(event["source"], "nats", "{event}");
    }
}

/// A minimal PDF, base64-encoded (a document's `content_base64`).
const PDF_BASE64: &str = "JVBERi0xLjcKJXRlc3QgZG9jdW1lbnQK";

/// `….query.customer.documents_pending_review` and `….awaiting_second_approval` answer
/// `GET /api/queues/<name>`'s bodies, paged by `data: {page, per_page}`, under
/// `customers:review`, for the subject's tenant only.
#[tokio::test]
#[allow(clippy::too_many_lines)] // One flow through both queues.
async fn the_operator_queues_answer_the_http_bodies_under_customers_review() {
    let api = Api::new();
    let all = token(BANK, ALL);
    // A PEP living in Bulgaria: high risk, four eyes.
    let mut data = kyc_testkit::fixtures::unique_individual_body();
    data["pep"] = json!({ "is_pep": true, "explanation": "Deputy minister of finance" });
    data["address"]["country_code"] = json!("BG");
    let (status, created) = api
        .as_(&all, "cmd", "create", &json!({ "data": data }))
        .await;
    assert_eq!(status, 201, "{created}");
    let guid = created["guid"].as_str().unwrap().to_owned();
    let mut documents = Vec::new();
    for kind in [
        "passport",
        "liveness_report",
        "source_of_funds",
        "proof_of_address",
    ] {
        let (status, submitted) = api
            .as_(
                &all,
                "cmd",
                "submit_document",
                &json!({ "customer_guid": guid,
                         "data": { "type": kind, "content_base64": PDF_BASE64 } }),
            )
            .await;
        assert_eq!(status, 201, "{submitted}");
        let newest = submitted["documents"].as_array().unwrap().last().unwrap();
        documents.push(newest["guid"].as_str().unwrap().to_owned());
    }

    let (status, page) = api
        .as_(
            &all,
            "query",
            "documents_pending_review",
            &json!({ "data": { "page": 1, "per_page": 3 } }),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page,
        json!({
            "total": 4,
            "page": 1,
            "per_page": 3,
            "objects": [{
                "customer_guid": guid,
                "customer_type": "individual",
                "state": "unverified",
                "document_guid": documents[3],
                "document_type": "proof_of_address",
                "submitted_at": page["objects"][0]["submitted_at"],
            }],
        })
    );
    // Without data: the first page of the default size.
    let (status, first) = api
        .as_(&all, "query", "documents_pending_review", &json!({}))
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (first["page"].as_u64(), first["per_page"].as_u64()),
        (Some(0), Some(10))
    );
    let listed: Vec<&str> = first["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["document_guid"].as_str().unwrap())
        .collect();
    assert_eq!(listed, documents, "oldest first");

    for document in &documents {
        let (status, reviewed) = api
            .as_(
                &all,
                "cmd",
                "review_document",
                &json!({ "customer_guid": guid, "document_guid": document,
                         "data": { "decision": "accept" } }),
            )
            .await;
        assert_eq!(status, 200, "{reviewed}");
    }
    let (status, approved) = api
        .as_(&all, "cmd", "approve", &json!({ "customer_guid": guid }))
        .await;
    assert_eq!(status, 200, "{approved}");
    let (status, page) = api
        .as_(&all, "query", "awaiting_second_approval", &json!({}))
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page,
        json!({
            "total": 1,
            "page": 0,
            "per_page": 10,
            "objects": [{
                "customer_guid": guid,
                "customer_type": "individual",
                "risk_level": "high",
                "first_approver": SUBJECT,
                "first_approved_at": page["objects"][0]["first_approved_at"],
            }],
        })
    );
    let (_, emptied) = api
        .as_(&all, "query", "documents_pending_review", &json!({}))
        .await;
    assert_eq!(emptied["total"], 0, "{emptied}");
    assert!(
        !page.to_string().contains("Lovelace") && !page.to_string().contains("Ada"),
        "no personal data: {page}"
    );

    // Paging is refused as over HTTP: out of range names per_page, an unknown member is
    // malformed.
    let reply = api
        .as_(
            &all,
            "query",
            "awaiting_second_approval",
            &json!({ "data": { "per_page": 101 } }),
        )
        .await;
    assert_refused(&reply, 422, "validation");
    assert_eq!(reply.1["errors"][0]["field"], "per_page", "{}", reply.1);
    let reply = api
        .as_(
            &all,
            "query",
            "documents_pending_review",
            &json!({ "data": { "state": "unverified" } }),
        )
        .await;
    assert_refused(&reply, 400, "malformed_request");

    // The falling-due queues take a window, bounded as over HTTP.
    let reply = api
        .as_(
            &all,
            "query",
            "documents_expiring",
            &json!({ "data": { "within_days": 367 } }),
        )
        .await;
    assert_refused(&reply, 422, "validation");
    assert_eq!(reply.1["errors"][0]["field"], "within_days", "{}", reply.1);
    let (status, window) = api
        .as_(
            &all,
            "query",
            "reviews_falling_due",
            &json!({ "data": { "within_days": 366 } }),
        )
        .await;
    assert_eq!(
        (status, &window["within_days"]),
        (200, &json!(366)),
        "{window}"
    );

    // The review scope is needed (read alone is not enough) and suffices.
    for queue in [
        "documents_pending_review",
        "awaiting_second_approval",
        "reviews_falling_due",
        "documents_expiring",
    ] {
        let reader = token(BANK, "customers:read customers:pii:read");
        let reply = api.as_(&reader, "query", queue, &json!({})).await;
        assert_refused(&reply, 403, "forbidden");
        assert_eq!(reply.1["error_message"], "missing scope customers:review");
        let reviewer = token(BANK, "customers:review");
        let (status, body) = api.as_(&reviewer, "query", queue, &json!({})).await;
        assert_eq!(status, 200, "{body}");
    }

    // Another tenant's queue is its own; its token does not open this tenant's subject.
    let theirs = token(OTHER_BANK, ALL);
    let (status, other) = {
        let bearer = format!("Bearer {theirs}");
        api.call_on(
            OTHER_BANK,
            "query",
            "awaiting_second_approval",
            &[("Authorization", &bearer)],
            &json!({}),
        )
        .await
    };
    assert_eq!(status, 200, "{other}");
    assert_eq!(other["total"], 0, "{other}");
    let reply = api
        .as_(&theirs, "query", "awaiting_second_approval", &json!({}))
        .await;
    assert_refused(&reply, 403, "forbidden");
}
