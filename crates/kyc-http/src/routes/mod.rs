//! Route handlers, one module per resource; helpers shared by all of them.

pub mod associates;
pub mod customers;
pub mod documents;
pub mod lifecycle;
pub mod ops;

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::response::Response;
use kyc_app::ports::CustomerStore;
use kyc_app::{AppError, Operation};
use kyc_domain::values::{FieldError, ValidationCode};
use serde::Serialize;

use crate::error::{json_response, respond, Failure};
use crate::extract::Ctx;
use crate::state::HttpState;

/// What a handler returns.
pub type Handled = Result<Response, Failure>;

/// Executes a command and counts it by operation and outcome.
pub async fn execute<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    operation: Operation,
) -> Response {
    let op = operation.kind().as_str();
    let answer = state.commands.execute(&ctx.0, operation).await;
    let outcome = if answer.is_success() {
        "ok"
    } else {
        answer
            .body
            .get("message_code")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("error")
    };
    state.metrics.observe_command(op, outcome);
    respond(answer)
}

/// A query result as a 200 or the error it ended with.
pub fn answer<T: Serialize>(ctx: &Ctx, result: Result<T, AppError>) -> Handled {
    let value = result.map_err(|error| {
        if matches!(error, AppError::Internal(_) | AppError::Unavailable) {
            tracing::error!(error = ?error, "query failed");
        }
        ctx.fail(error)
    })?;
    let body = serde_json::to_value(value)
        .map_err(|e| ctx.fail(AppError::Internal(format!("serializing an answer: {e}"))))?;
    Ok(json_response(200, body))
}

/// Path parameters; a path that cannot be decoded names nothing that exists, so it is a 404.
pub fn path<T>(ctx: &Ctx, path: Result<Path<T>, PathRejection>) -> Result<T, Failure> {
    path.map(|Path(value)| value)
        .map_err(|_| ctx.fail(AppError::NotFound))
}

/// A 422 naming one field.
pub fn invalid(field: &str, code: ValidationCode, message: &str) -> AppError {
    AppError::Invalid(FieldError::new(field, code, message).into())
}
