//! The protocol around the resources: request ids, unreadable bodies, unknown routes and
//! methods, oversize bodies, and 503 when the store is down.

use serde_json::json;

use crate::support::{admin, individual, App};

#[tokio::test]
async fn request_ids_are_echoed_or_generated_and_used_as_trace_id() {
    let app = App::new();
    let given = app
        .send_with(
            "GET",
            "/api/customers/nonsense",
            Some(&admin()),
            None,
            &[("x-request-id", "req-123.abc:def_9")],
        )
        .await
        .expect(404);
    assert_eq!(given.header("x-request-id"), Some("req-123.abc:def_9"));
    assert_eq!(given.json["trace_id"], "req-123.abc:def_9");

    let generated = app
        .send("GET", "/api/customers", None, None)
        .await
        .expect(401);
    let id = generated.header("x-request-id").unwrap();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(generated.json["trace_id"], id);

    let ok = app.get("/healthz").await.expect(200);
    assert!(ok.header("x-request-id").is_some());

    for bad in ["has space", &"x".repeat(129), "quote\"d"] {
        let refused = app
            .send_with("GET", "/healthz", None, None, &[("x-request-id", bad)])
            .await
            .expect_error(400, "malformed_request");
        assert_ne!(refused.header("x-request-id"), Some(bad));
    }
}

#[tokio::test]
async fn unreadable_bodies_are_400_naming_the_problem() {
    let app = App::new();
    let token = admin();
    let malformed = app
        .request(
            axum::http::Request::builder()
                .method("POST")
                .uri("/api/customers")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{\"type\": \"individual\",,}"))
                .unwrap(),
        )
        .await
        .expect_error(400, "malformed_request");
    assert!(malformed.json["error_message"]
        .as_str()
        .unwrap()
        .contains("invalid JSON"));

    let unknown = app
        .post(
            "/api/customers",
            json!({ "type": "individual", "shoe_size": 44 }),
        )
        .await
        .expect_error(400, "malformed_request");
    assert!(unknown.json["error_message"]
        .as_str()
        .unwrap()
        .contains("shoe_size"));

    let wrong_type = app
        .send_with(
            "POST",
            "/api/customers",
            Some(&token),
            None,
            &[("content-type", "text/plain")],
        )
        .await
        .expect_error(400, "malformed_request");
    assert!(wrong_type.json["error_message"]
        .as_str()
        .unwrap()
        .contains("Content-Type"));
    // No content type at all.
    app.send("POST", "/api/customers", Some(&token), None)
        .await
        .expect_error(400, "malformed_request");
    // application/*+json is JSON too.
    app.send_with(
        "POST",
        "/api/customers",
        Some(&token),
        None,
        &[("content-type", "application/merge-patch+json")],
    )
    .await
    .expect_error(400, "malformed_request");
    assert_eq!(app.store.customer_count(), 0);
}

#[tokio::test]
async fn oversize_json_bodies_are_413() {
    let app = App::new();
    let mut draft = individual();
    draft["labels"] = json!(["x".repeat(2 * 1024 * 1024)]);
    app.post("/api/customers", draft)
        .await
        .expect_error(413, "payload_too_large");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let app = App::new();
    app.get("/api/nothing-here")
        .await
        .expect_error(404, "route_not_found");
    let reply = app
        .send("PUT", "/api/customers", Some(&admin()), None)
        .await
        .expect_error(405, "method_not_allowed");
    let allow = reply.header("allow").unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn route_and_method_are_judged_before_the_request_id() {
    let app = App::new();
    let bad = [("x-request-id", "has space")];
    for (method, path) in [
        ("TRACE", "/healthz"),
        ("TRACE", "/api/customers"),
        ("PUT", "/api/customers/0"),
    ] {
        app.send_with(method, path, Some(&admin()), None, &bad)
            .await
            .expect_error(405, "method_not_allowed");
    }
    app.send_with("GET", "/api/nothing-here", Some(&admin()), None, &bad)
        .await
        .expect_error(404, "route_not_found");
    app.send_with("GET", "/api/customers", None, None, &bad)
        .await
        .expect_error(401, "unauthenticated");
    app.send_with("GET", "/api/customers", Some(&admin()), None, &bad)
        .await
        .expect_error(400, "malformed_request");
}

#[tokio::test]
async fn a_store_outage_is_503_with_retry_after_and_no_internal_text() {
    let app = App::new();
    let guid = app.create(individual()).await;
    app.store.set_unavailable(true);
    for reply in [
        app.post("/api/customers", individual()).await,
        app.get(&format!("/api/customers/{guid}")).await,
        app.get("/api/customers").await,
    ] {
        let reply = reply.expect_error(503, "service_unavailable");
        assert_eq!(reply.header("retry-after"), Some("5"));
        assert!(
            !reply.json.to_string().contains("memory store"),
            "{}",
            reply.json
        );
    }
    app.store.set_unavailable(false);
    app.get(&format!("/api/customers/{guid}")).await.expect(200);
}
