//! The answer to a request, as it is sent and as an idempotency record stores it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::AppError;

/// A status and a JSON body: what HTTP sends as-is and NATS replies carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
}

impl Answer {
    /// A successful answer.
    pub fn ok(status: u16, body: impl Serialize) -> Self {
        match serde_json::to_value(body) {
            Ok(body) => Self { status, body },
            Err(error) => Self::error(&AppError::Internal(error.to_string()), ""),
        }
    }

    /// The error body of DESIGN.md §4:
    /// `{status, error_message, message_code, trace_id, errors?}`.
    pub fn error(error: &AppError, trace_id: &str) -> Self {
        let status = error.status();
        let mut body = json!({
            "status": status,
            "error_message": error.public_message(),
            "message_code": error.code(),
            "trace_id": trace_id,
        });
        let details = error.field_errors();
        if !details.is_empty() {
            body["errors"] = json!(details
                .iter()
                .map(|e| json!({"field": e.field, "code": e.code.as_str(), "message": e.message}))
                .collect::<Vec<_>>());
        }
        Self { status, body }
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
