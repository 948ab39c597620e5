//! One app per test over a fresh [`MemoryStore`], tokens for any tenant and scope, and a
//! request helper that returns status, headers and the parsed body.

#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use axum::Router;
use kyc_http::{mint_hs256, router, Claims, HttpState, JwtVerifier};
pub use kyc_testkit::fixtures::{
    associate_body as associate, business_body as business, individual_body as individual,
};
use kyc_testkit::memory::MemoryStore;
use serde_json::{json, Value};
use tower::ServiceExt;

pub const SECRET: &[u8] = b"kyc-http-test-secret";
pub const BANK_A: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";
pub const BANK_B: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7e";
pub const ALL: &str = "customers:read customers:write customers:execute customers:pii:read customers:review customers:freeze customers:close customers:erase";
/// A well-formed customer id that exists nowhere.
pub const NOBODY: &str = "0190f5a3c2b47c3e8a1d2e3f00000000";

/// The smallest PDF the sniffer recognises.
pub const PDF: &[u8] = b"%PDF-1.7\n%test document\n";

pub struct App {
    pub router: Router,
    pub store: MemoryStore,
    pub state: HttpState<MemoryStore>,
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub json: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.json["message_code"].as_str().unwrap_or_default()
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected answer: {}", self.json);
        self
    }

    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Self {
        assert_eq!(self.status, status, "unexpected answer: {}", self.json);
        assert_eq!(self.code(), code, "unexpected answer: {}", self.json);
        assert_eq!(self.json["status"], status, "{}", self.json);
        assert!(self.json["error_message"].is_string(), "{}", self.json);
        assert!(self.json["trace_id"].is_string(), "{}", self.json);
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn token(bank: &str, scope: &str) -> String {
    token_for("tester", bank, scope)
}

pub fn token_for(sub: &str, bank: &str, scope: &str) -> String {
    let exp = u64::try_from(chrono::Utc::now().timestamp()).unwrap() + 3600;
    mint_hs256(
        SECRET,
        &Claims {
            sub: sub.into(),
            bank_guid: bank.into(),
            scope: scope.into(),
            exp,
        },
    )
    .unwrap()
}

pub fn admin() -> String {
    token(BANK_A, ALL)
}

impl App {
    pub fn new() -> Self {
        let store = MemoryStore::new();
        let state =
            HttpState::for_store(Arc::new(store.clone()), JwtVerifier::hs256(SECRET)).unwrap();
        Self {
            router: router(state.clone()),
            store,
            state,
        }
    }

    /// An app whose tenants screen against `lists`.
    pub fn with_lists(lists: kyc_app::screening::ListSnapshot) -> Self {
        let store = MemoryStore::new();
        let state = HttpState::for_store(Arc::new(store.clone()), JwtVerifier::hs256(SECRET))
            .unwrap()
            .with_screening_lists(kyc_app::screening::ScreeningLists::new(lists));
        Self {
            router: router(state.clone()),
            store,
            state,
        }
    }

    /// An app whose tenants screen against `lists` under `policies`.
    pub fn with_lists_and_policies(
        lists: kyc_app::screening::ListSnapshot,
        policies: kyc_app::tenant::TenantPolicies,
    ) -> Self {
        let store = MemoryStore::new();
        let state = HttpState::for_store(Arc::new(store.clone()), JwtVerifier::hs256(SECRET))
            .unwrap()
            .with_tenant_policies(policies)
            .with_screening_lists(kyc_app::screening::ScreeningLists::new(lists));
        Self {
            router: router(state.clone()),
            store,
            state,
        }
    }

    /// An app whose tenants keep records under `policies`.
    pub fn with_policies(policies: kyc_app::tenant::TenantPolicies) -> Self {
        let store = MemoryStore::new();
        let state = HttpState::for_store(Arc::new(store.clone()), JwtVerifier::hs256(SECRET))
            .unwrap()
            .with_tenant_policies(policies);
        Self {
            router: router(state.clone()),
            store,
            state,
        }
    }

    pub fn with_router(mut self, f: impl FnOnce(HttpState<MemoryStore>) -> Router) -> Self {
        self.router = f(self.state.clone());
        self
    }

    pub async fn request(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            bytes,
            json,
        }
    }

    /// A JSON request (no body when `body` is `None`).
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.send_with(method, uri, token, body, &[]).await
    }

    pub async fn send_with(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = match body {
            Some(body) => {
                builder = builder.header("content-type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        self.request(builder.body(body).unwrap()).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send("GET", uri, Some(&admin()), None).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> Reply {
        self.send("POST", uri, Some(&admin()), Some(body)).await
    }

    /// Creates a customer for tenant A and returns its guid.
    pub async fn create(&self, draft: Value) -> String {
        let reply = self.post("/api/customers", draft).await.expect(201);
        reply.json["guid"].as_str().unwrap().to_owned()
    }

    /// Uploads a PDF document as base64 JSON and returns its guid.
    pub async fn upload(&self, guid: &str, kind: &str) -> String {
        self.upload_for(guid, json!({ "type": kind })).await
    }

    pub async fn upload_for(&self, guid: &str, mut fields: Value) -> String {
        use base64::Engine as _;
        fields["content_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(PDF));
        let before = self.get(&format!("/api/customers/{guid}")).await.json["documents"]
            .as_array()
            .map_or(0, Vec::len);
        let reply = self
            .post(&format!("/api/customers/{guid}/documents"), fields)
            .await
            .expect(201);
        let documents = reply.json["documents"].as_array().unwrap();
        assert_eq!(documents.len(), before + 1);
        // Documents are listed by id, and ids are UUID v7: the newest is last.
        documents.last().unwrap()["guid"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn accept(&self, guid: &str, document: &str) {
        self.post(
            &format!("/api/customers/{guid}/documents/{document}/review"),
            json!({ "decision": "accept" }),
        )
        .await
        .expect(200);
    }

    /// An individual whose profile is complete: verify will succeed (its tax and passport
    /// numbers are its own, so it is nobody's duplicate).
    pub async fn ready_individual(&self) -> String {
        let guid = self.create(unique_individual()).await;
        for kind in ["passport", "liveness_report"] {
            let document = self.upload(&guid, kind).await;
            self.accept(&guid, &document).await;
        }
        guid
    }
}

/// [`individual`] with a tax number and passport number no other customer has.
pub fn unique_individual() -> Value {
    kyc_testkit::fixtures::unique_individual_body()
}
