//! `/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/docs`.

use kyc_http::{router, Probe};
use serde_json::Value;

use crate::support::{admin, individual, App, NOBODY};

#[tokio::test]
async fn healthz_is_always_ok() {
    let app = App::new();
    app.store.set_unavailable(true);
    let reply = app.send("GET", "/healthz", None, None).await.expect(200);
    assert_eq!(reply.json["status"], "ok");
}

#[tokio::test]
async fn readyz_runs_every_probe_and_names_the_failures() {
    let app = App::new();
    let ready = app.send("GET", "/readyz", None, None).await.expect(200);
    assert_eq!(ready.json["checks"]["database"], "ok");

    let app = App::new().with_router(|state| {
        router(
            state
                .with_probe(Probe::new("nats", || async {
                    Err("connection refused".to_owned())
                }))
                .with_probe(Probe::new("cache", || async { Ok(()) })),
        )
    });
    let reply = app
        .send("GET", "/readyz", None, None)
        .await
        .expect_error(503, "service_unavailable");
    assert_eq!(reply.header("retry-after"), Some("5"));
    assert_eq!(reply.json["checks"]["nats"], "unavailable");
    assert_eq!(reply.json["checks"]["cache"], "ok");
    assert_eq!(reply.json["checks"]["database"], "ok");
    assert!(reply.json["error_message"]
        .as_str()
        .unwrap()
        .contains("nats"));
    assert!(!reply.json.to_string().contains("connection refused"));

    let app = App::new();
    app.store.set_unavailable(true);
    let reply = app.send("GET", "/readyz", None, None).await.expect(503);
    assert_eq!(reply.json["checks"]["database"], "unavailable");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_commands_by_outcome() {
    let app = App::new();
    let guid = app.create(individual()).await;
    app.get(&format!("/api/customers/{guid}")).await.expect(200);
    app.post(
        &format!("/api/customers/{guid}/verify"),
        serde_json::json!({}),
    )
    .await
    .expect(409);
    let reply = app.send("GET", "/metrics", None, None).await.expect(200);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(reply.bytes).unwrap();
    assert!(
        text.contains(
            r#"kyc_http_requests_total{method="GET",route="/api/customers/{guid}",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"kyc_http_commands_total{op="create",outcome="ok"} 1"#));
    assert!(text.contains(r#"kyc_http_commands_total{op="verify",outcome="profile_incomplete"} 1"#));
    assert!(text.contains("kyc_http_request_duration_seconds_bucket"));
    // Ids never become label values.
    assert!(!text.contains(&guid));
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = App::new();
    let reply = app
        .send("GET", "/openapi.json", None, None)
        .await
        .expect(200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let spec: Value = reply.json;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    // Every documented operation is served: a request to it finds a route and a method.
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    for (method, path) in &operations {
        let uri = path
            .replace("{guid}", NOBODY)
            .replace("{document_guid}", NOBODY)
            .replace("{associate_guid}", NOBODY);
        let reply = app.send(method, &uri, Some(&admin()), None).await;
        assert_ne!(reply.status, 405, "{method} {path}: {}", reply.json);
        assert_ne!(reply.code(), "route_not_found", "{method} {path}");
    }
    // Every registered command is documented under its name.
    let operation_ids: Vec<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|operation| operation["operationId"].as_str())
        .collect();
    for name in kyc_app::commands::command_specs()
        .iter()
        .map(|spec| spec.name)
    {
        assert!(
            operation_ids.contains(&name),
            "command {name} is not documented"
        );
    }
    // Every operator queue is documented under its name, with its page's schema.
    for queue in kyc_app::OperatorQueue::ALL {
        let operation = &spec["paths"][queue.path()]["get"];
        assert_eq!(operation["operationId"], queue.as_str(), "{queue}");
        assert!(operation["responses"]["200"].is_object(), "{queue}");
        assert!(operation["responses"]["422"].is_object(), "{queue}");
        let parameters: Vec<&str> = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for name in ["page", "per_page", "include_pii", "X-Request-Id"] {
            assert!(parameters.contains(&name), "{queue}: {parameters:?}");
        }
    }
    for schema in [
        "DocumentsPendingReviewDto",
        "PendingDocumentDto",
        "AwaitingSecondApprovalDto",
        "AwaitingApprovalDto",
        "CustomerDto",
        "CustomerListDto",
        "ErrorBody",
        "CustomerBody",
        "DocumentUpload",
        "AuditTrailDto",
        "AuditDecisionDto",
    ] {
        assert!(
            spec["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
    // Every $ref resolves.
    let text = spec.to_string();
    for reference in text.split("\"$ref\":\"#/components/").skip(1) {
        let target = reference.split('"').next().unwrap();
        let mut node = &spec["components"];
        for part in target.split('/') {
            node = &node[part];
        }
        assert!(node.is_object(), "dangling $ref {target}");
    }
}

#[tokio::test]
async fn the_docs_page_is_self_contained() {
    let app = App::new();
    let reply = app.send("GET", "/docs", None, None).await.expect(200);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let html = String::from_utf8(reply.bytes).unwrap();
    assert!(html.contains("/openapi.json"));
    assert!(
        !html.contains("https://"),
        "the docs page must not load anything remote"
    );
}
