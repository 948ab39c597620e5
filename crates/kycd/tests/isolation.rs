//! The tenant-isolation matrix against kycd on real PostgreSQL: every route that names a
//! customer × (another tenant → 404, no token → 401, no scope → 403), and nothing changes.
//! (crates/kyc-http/tests runs the same matrix, `kyc_testkit::fixtures::customer_routes`, on
//! the in-memory store, with every error path.)

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kyc_testkit::fixtures::{collection_routes, customer_routes, Route};
use serde_json::json;
use support::{associate, business, token, Api, Env, ALL, BANK_A, BANK_B};

async fn event_count(env: &Env) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&env.db.pool)
        .await
        .unwrap()
}

/// Every route that names a customer (the shared matrix), with a body that would succeed for
/// its owner.
async fn routes(owner: &Api) -> Vec<Route> {
    let guid = owner
        .post("/api/customers", &business())
        .await
        .expect(201)
        .guid();
    let added = owner
        .post(&format!("/api/customers/{guid}/associates"), &associate())
        .await
        .expect(201);
    let associate_guid = kyc_testkit::fixtures::first_associate_guid(&added.json);
    let document = owner
        .upload(&guid, json!({ "type": "incorporation_certificate" }))
        .await;
    customer_routes(&guid, &associate_guid, &document)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_other_tenants_missing_tokens_and_missing_scopes() {
    let env = Env::new().await;
    let kycd = env.start().await;
    let owner = Api::new(&kycd.base, token(BANK_A, ALL));
    let mut routes = routes(&owner).await;
    let before = event_count(&env).await;

    let other_tenant = Api::new(&kycd.base, token(BANK_B, ALL));
    for (method, uri, body) in &routes {
        let reply = other_tenant.send(method, uri, body.as_ref(), &[]).await;
        assert_eq!(reply.status, 404, "{method} {uri}: {}", reply.json);
        assert_eq!(
            reply.json["message_code"], "customer_not_found",
            "{method} {uri}"
        );
    }
    let list = other_tenant.get("/api/customers").await.expect(200);
    assert_eq!(
        list.json["total"], 0,
        "another tenant sees this tenant's customers"
    );

    routes.extend(collection_routes());
    let anonymous = Api::new(&kycd.base, String::new());
    let no_scope = Api::new(&kycd.base, token(BANK_A, "customers:execute"));
    for (method, uri, body) in &routes {
        let reply = anonymous.send(method, uri, body.as_ref(), &[]).await;
        assert_eq!(
            reply.status, 401,
            "{method} {uri} without a token: {}",
            reply.json
        );
        let reply = no_scope.send(method, uri, body.as_ref(), &[]).await;
        assert_eq!(
            reply.status, 403,
            "{method} {uri} without the scope: {}",
            reply.json
        );
        assert_eq!(reply.json["message_code"], "forbidden");
    }
    assert_eq!(
        event_count(&env).await,
        before,
        "a refused request changed the log"
    );
    kycd.stop().await;
    env.drop_stream().await;
}
