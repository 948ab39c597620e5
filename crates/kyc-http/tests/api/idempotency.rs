//! `Idempotency-Key`: a retry replays the first answer, a different request under the same key
//! is refused, and concurrent retries execute once.

use serde_json::json;

use crate::support::{admin, individual, token_for, App, ALL, BANK_A};

#[tokio::test]
async fn the_same_key_and_body_replay_the_first_answer() {
    let app = App::new();
    let key = [("idempotency-key", "create-ada-1")];
    let first = app
        .send_with(
            "POST",
            "/api/customers",
            Some(&admin()),
            Some(individual()),
            &key,
        )
        .await
        .expect(201);
    let second = app
        .send_with(
            "POST",
            "/api/customers",
            Some(&admin()),
            Some(individual()),
            &key,
        )
        .await
        .expect(201);
    assert_eq!(first.json, second.json);
    assert_eq!(app.store.customer_count(), 1);

    let mut other = individual();
    other["email_address"] = json!("someone@example.com");
    app.send_with("POST", "/api/customers", Some(&admin()), Some(other), &key)
        .await
        .expect_error(422, "idempotency_key_reused");
    assert_eq!(app.store.customer_count(), 1);

    // Keys belong to their caller: another actor's identical key is a new request.
    app.send_with(
        "POST",
        "/api/customers",
        Some(&token_for("someone-else", BANK_A, ALL)),
        Some(individual()),
        &key,
    )
    .await
    .expect(201);
    assert_eq!(app.store.customer_count(), 2);
}

#[tokio::test]
async fn refusals_are_replayed_too() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let key = [("idempotency-key", "verify-1")];
    let uri = format!("/api/customers/{guid}/verify");
    let first = app
        .send_with("POST", &uri, Some(&admin()), None, &key)
        .await
        .expect_error(409, "profile_incomplete");
    let second = app
        .send_with("POST", &uri, Some(&admin()), None, &key)
        .await
        .expect(409);
    // The same refusal; `trace_id` names the request being answered.
    let without_trace = |mut body: serde_json::Value| {
        body["trace_id"].take();
        body
    };
    assert_eq!(without_trace(first.json), without_trace(second.json));
}

#[tokio::test]
async fn eight_concurrent_identical_requests_create_one_customer() {
    let app = App::new();
    let token = admin();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let router = app.router.clone();
        let token = token.clone();
        tasks.spawn(async move {
            use tower::ServiceExt;
            let request = axum::http::Request::builder()
                .method("POST")
                .uri("/api/customers")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header("idempotency-key", "concurrent-create")
                .body(axum::body::Body::from(individual().to_string()))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
            )
        });
    }
    let answers = tasks.join_all().await;
    assert_eq!(app.store.customer_count(), 1);
    for (status, body) in &answers {
        assert_eq!(*status, 201, "{body}");
        assert_eq!(body, &answers[0].1);
    }
}

#[tokio::test]
async fn malformed_keys_are_refused() {
    let app = App::new();
    let long = "k".repeat(256);
    for bad in ["", long.as_str(), "tab\there"] {
        let reply = app
            .send_with(
                "POST",
                "/api/customers",
                Some(&admin()),
                Some(individual()),
                &[("idempotency-key", bad)],
            )
            .await
            .expect_error(400, "malformed_request");
        assert!(reply.json["error_message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key"));
    }
    assert_eq!(app.store.customer_count(), 0);
    app.send_with(
        "POST",
        "/api/customers",
        Some(&admin()),
        Some(individual()),
        &[("idempotency-key", &"k".repeat(255))],
    )
    .await
    .expect(201);
}
