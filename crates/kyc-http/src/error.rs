//! Errors as the HTTP API answers them: one type for the application's refusals and the
//! adapter's own (unreadable body, oversize upload, unknown route), rendered in the single error
//! shape of DESIGN.md §4: `{status, error_message, message_code, trace_id, errors?}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kyc_app::{Answer, AppError};
use serde_json::{json, Value};

/// Seconds a client is told to wait after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// Why the adapter refused a request before (or instead of) the application answering it.
#[derive(Debug)]
pub enum HttpError {
    /// An application error.
    App(AppError),
    /// The body or an upload is larger than allowed.
    TooLarge(String),
    /// The route exists, the method does not.
    MethodNotAllowed,
    /// No such route.
    RouteNotFound,
    /// A path id that is not a well-formed id: answered exactly like a missing resource.
    UnknownId {
        /// The `message_code` of a missing resource of this kind.
        code: &'static str,
        /// The sentence.
        message: &'static str,
    },
}

impl From<AppError> for HttpError {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl HttpError {
    /// A 400 `malformed_request` naming the problem.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::App(AppError::Malformed(message.into()))
    }

    /// The answer to send, with `trace_id` set to the request id.
    pub fn answer(&self, trace_id: &str) -> Answer {
        let (status, code, message): (u16, &str, String) = match self {
            Self::App(error) => return Answer::error(error, trace_id),
            Self::TooLarge(message) => (413, "payload_too_large", message.clone()),
            Self::MethodNotAllowed => (
                405,
                "method_not_allowed",
                "this method is not allowed on this route".to_owned(),
            ),
            Self::RouteNotFound => (404, "route_not_found", "no such route".to_owned()),
            Self::UnknownId { code, message } => (404, *code, (*message).to_owned()),
        };
        Answer {
            status,
            body: json!({
                "status": status,
                "error_message": message,
                "message_code": code,
                "trace_id": trace_id,
            }),
        }
    }
}

/// Renders an answer: its status and JSON body, plus `Retry-After` on a 503.
pub fn respond(answer: Answer) -> Response {
    json_response(answer.status, answer.body)
}

/// A JSON response with `status`; a 503 carries `Retry-After`.
pub fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    response
}

/// An error together with the request id it answers; what handlers return on failure.
#[derive(Debug)]
pub struct Failure {
    /// The error.
    pub error: HttpError,
    /// The request id, used as `trace_id`.
    pub trace_id: String,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        respond(self.error.answer(&self.trace_id))
    }
}
