//! Operational routes: liveness, readiness, metrics, and the API's own description.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use kyc_app::ports::CustomerStore;
use serde_json::{json, Map, Value};

use crate::error::json_response;
use crate::extract::CheckedRequestId;
use crate::state::HttpState;

/// How long one readiness probe may take before it counts as failed.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The OpenAPI document, rendered per request: the bounds of dates (of birth, of
/// incorporation) move with the day.
fn openapi_json() -> String {
    crate::openapi::document()
        .to_pretty_json()
        .unwrap_or_else(|error| format!(r#"{{"error": "rendering the document: {error}"}}"#))
}

/// The docs page: renders `/openapi.json` with a few lines of script, no CDN.
const DOCS_HTML: &str = include_str!("../docs.html");

/// `GET /healthz`: 200 while the process serves requests.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "operations",
    responses((status = 200, description = "The process serves requests", body = Object)))]
pub async fn healthz(_: CheckedRequestId) -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

/// `GET /readyz`: runs every probe concurrently; 503 with `Retry-After` naming the failed
/// ones. Failure details are logged, not shown (the route needs no token).
#[utoipa::path(get, path = "/readyz", operation_id = "readyz", tag = "operations",
    responses(
        (status = 200, description = "Every dependency answers", body = Object),
        (status = 503, description = "A dependency is down; `checks` names it", body = Object),
    ))]
pub async fn readyz<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    CheckedRequestId(request_id): CheckedRequestId,
) -> Response {
    let runs = state.probes.iter().map(|probe| {
        let run = probe.run();
        let name = probe.name().to_owned();
        tokio::spawn(async move {
            let outcome = match tokio::time::timeout(PROBE_TIMEOUT, run).await {
                Ok(Ok(())) => "ok",
                Ok(Err(error)) => {
                    tracing::warn!(probe = %name, %error, "readiness probe failed");
                    "unavailable"
                }
                Err(_) => {
                    tracing::warn!(probe = %name, "readiness probe timed out");
                    "timeout"
                }
            };
            (name, outcome)
        })
    });
    let handles: Vec<_> = runs.collect();
    let mut checks = Map::new();
    let mut ready = true;
    for handle in handles {
        let (name, outcome) = handle
            .await
            .unwrap_or_else(|_| ("probe".to_owned(), "panicked"));
        ready &= outcome == "ok";
        checks.insert(name, Value::from(outcome));
    }
    if ready {
        json_response(
            StatusCode::OK,
            &json!({ "status": "ready", "checks": checks }),
        )
    } else {
        let failed: Vec<&String> = checks
            .iter()
            .filter(|(_, v)| v.as_str() != Some("ok"))
            .map(|(k, _)| k)
            .collect();
        let message = format!(
            "not ready: {}",
            failed
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({
                "status": 503,
                "error_message": message,
                "message_code": "service_unavailable",
                "trace_id": request_id,
                "checks": checks,
            }),
        )
    }
}

/// `GET /metrics`: Prometheus text format.
#[utoipa::path(get, path = "/metrics", operation_id = "metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    _: CheckedRequestId,
) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// `GET /openapi.json`.
#[utoipa::path(get, path = "/openapi.json", operation_id = "openapi", tag = "operations",
    responses((status = 200, description = "This document", body = Object)))]
pub async fn openapi(_: CheckedRequestId) -> Response {
    let mut response = openapi_json().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `GET /docs`.
#[utoipa::path(get, path = "/docs", operation_id = "docs", tag = "operations",
    responses((status = 200, description = "A page rendering this document", body = String, content_type = "text/html")))]
pub async fn docs(_: CheckedRequestId) -> Html<&'static str> {
    Html(DOCS_HTML)
}
