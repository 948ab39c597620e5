//! The request wrapper: request id (accepted or generated, echoed on every answer), a tracing
//! span, request metrics by route template, and JSON bodies for axum's bare 405 answers.
//!
//! Spans and logs carry ids, the route template and the status only: never a body, a query
//! string or a header value other than the request id, so no personal data reaches the logs.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use kyc_app::ports::CustomerStore;
use tracing::Instrument;

use crate::error::HttpError;
use crate::extract::{new_request_id, valid_request_id, MalformedRequestId, RequestId};
use crate::state::HttpState;

/// The header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// Layer2's request id header, read when `X-Request-Id` is absent and echoed when given.
pub const LAYER2_REQUEST_ID_HEADER: &str = "x-l2f-request-id";

/// Wraps every request.
pub async fn observe<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let layer2_request_id = request.headers().contains_key(LAYER2_REQUEST_ID_HEADER);
    // Both headers are checked when both are given; ours wins.
    let mut request_id = None;
    let mut refused = false;
    for name in [REQUEST_ID_HEADER, LAYER2_REQUEST_ID_HEADER] {
        if let Some(value) = request.headers().get(name) {
            match value.to_str() {
                Ok(raw) if valid_request_id(raw) => {
                    request_id.get_or_insert_with(|| raw.to_owned());
                }
                _ => refused = true,
            }
        }
    }
    let request_id = match request_id {
        Some(id) if !refused => id,
        _ => new_request_id(),
    };
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    // Refused by the handler's extractors, not here: the route (404), the method (405) and the
    // token (401) are judged before a header's content.
    if refused {
        request.extensions_mut().insert(MalformedRequestId);
    }
    let span = tracing::info_span!(
        "http_request",
        request_id = %request_id,
        method = %method,
        route = %route,
        status = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        let allow = response.headers().get(header::ALLOW).cloned();
        response = HttpError::MethodNotAllowed.respond(&request_id);
        if let Some(allow) = allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        if layer2_request_id {
            response
                .headers_mut()
                .insert(LAYER2_REQUEST_ID_HEADER, value.clone());
        }
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state
        .metrics
        .observe_request(method.as_str(), &route, status, elapsed.as_secs_f64());
    span.record("status", status);
    span.in_scope(|| {
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::warn!(status, latency_ms, "answered");
        } else {
            tracing::info!(status, latency_ms, "answered");
        }
    });
    response
}

/// The fallback: an unknown route gets the JSON error shape too.
pub async fn not_found(request: Request) -> Response {
    let trace_id = crate::extract::request_id(request.extensions());
    HttpError::route_not_found().respond(&trace_id)
}
