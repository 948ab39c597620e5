//! What the other vendors' surfaces ([`super::layer2`], [`super::spherepay`],
//! [`super::connect`]) share: reading with personal data by scope, executing a translated
//! command the way the native handler does, and rewriting our error body into theirs.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::Response;
use kyc_app::commands::Command;
use kyc_app::ports::CustomerStore;
use kyc_app::{CommandOutcome, FailureKind, FieldErrorDto, Refusal};

use crate::error::ErrorBody;
use crate::extract::Ctx;
use crate::state::HttpState;

/// The context of a vendor read: the vendors have no `include_pii`, so personal data is shown
/// whenever the token's `customers:pii:read` scope allows it.
pub fn with_pii(ctx: &Ctx) -> Ctx {
    let mut reading = ctx.0.clone();
    reading.include_pii = true;
    Ctx(reading)
}

/// A validation refusal carrying `errors` (already in the vendor's names), with `message`.
pub fn invalid(errors: Vec<FieldErrorDto>, message: &str) -> Refusal {
    Refusal {
        errors,
        ..Refusal::new(FailureKind::Invalid, "validation", message)
    }
}

/// Executes a translated command in `ctx`, counting it like the native handler does.
pub async fn execute<S: CustomerStore, C: Command>(
    state: &HttpState<S>,
    ctx: &Ctx,
    command: C,
) -> CommandOutcome {
    let outcome = state.commands.execute(&ctx.0, command).await;
    let label = match &outcome {
        Ok(_) => "ok",
        Err(refusal) => refusal.code.as_str(),
    };
    state.metrics.observe_command(C::SPEC.name, label);
    outcome
}

/// Rewrites an error answer in our body into the vendor's: `render` gives its status and
/// body from ours. Successes, and bodies that are not ours, pass unchanged.
pub async fn rewrite_errors(
    response: Response,
    render: impl FnOnce(StatusCode, ErrorBody) -> (StatusCode, Vec<u8>),
) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_JSON_BODY_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(ours) = serde_json::from_slice::<ErrorBody>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let (status, body) = render(status, ours);
    parts.status = status;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
